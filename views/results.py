import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor
from assessment.services.results import workshop_results
from assessment.services.workshops import visible_workshops
from ui.auth import require_facilitator
from ui.db import engine
from ui.errors import show_refusal
from ui.pickers import pick_workshop
from ui.results_view import show_model

actor = Actor.facilitator(require_facilitator())

st.title("Team results")
workshops = visible_workshops(engine=engine(), actor=actor)
if not workshops:
    st.info("No workshops yet. Create one on the Workshops page, or load the sample data from the home page.")
    st.stop()

code = pick_workshop(workshops)
try:
    model = workshop_results(engine=engine(), actor=actor, join_code=code)
except Refused as exc:
    show_refusal("show the results", exc, then="Choose another workshop.")
    st.stop()
show_model(model, actor=actor)
