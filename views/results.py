import streamlit as st

from assessment.results import score_stored_workshop
from assessment.store import list_workshops, transaction, workshop_info
from ui.auth import require_facilitator, visible_cohort_names
from ui.db import engine
from ui.pickers import pick_workshop
from ui.results_view import show_results

facilitator_id = require_facilitator()
actor = f"facilitator:{facilitator_id}"

st.title("Team results")
with transaction(engine()) as session:
    workshops = list_workshops(session=session)
visible = visible_cohort_names(facilitator_id)  # one query, not one per row
workshops = [w for w in workshops if w["cohort"] in visible]
if not workshops:
    st.info("No workshops yet. Create one on the Workshops page, or load the sample data from the home page.")
    st.stop()

code = pick_workshop(workshops)

with transaction(engine()) as session:
    workshop = workshop_info(session=session, join_code=code)
    scored = score_stored_workshop(session=session, workshop_id=workshop.id)
show_results(scored, actor=actor)
