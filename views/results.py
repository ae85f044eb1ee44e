import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor
from assessment.services.results import workshop_results
from ui.auth import require_facilitator
from ui.db import engine
from ui.errors import show_refusal
from ui.pickers import choose_workshop
from ui.results_view import show_model

actor = Actor.facilitator(require_facilitator())

st.title("Team results")
code = choose_workshop(actor)
try:
    model = workshop_results(engine=engine(), actor=actor, join_code=code)
except Refused as exc:
    show_refusal("show the results", exc, then="Choose another workshop.")
    st.stop()
show_model(model, actor=actor)
