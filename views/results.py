import streamlit as st

from assessment.results import score_stored_workshop
from assessment.store import list_workshops, transaction, workshop_info
from ui.auth import require_facilitator
from ui.db import engine
from ui.results_view import show_results

actor = f"facilitator:{require_facilitator()}"

st.title("Team results")
with transaction(engine()) as session:
    workshops = list_workshops(session=session)
if not workshops:
    st.info("No workshops yet. Create one on the Workshops page, or load the sample data from the home page.")
    st.stop()

codes = [w["join_code"] for w in workshops]
labels = {
    w["join_code"]: f"{w['partnership']} · {w['title']} · {w['date']} · {w['join_code']}" for w in workshops
}
if st.session_state.get("workshop_code") not in codes:
    st.session_state["workshop_code"] = codes[0]
code = st.selectbox("Workshop", codes, format_func=lambda c: labels[c], key="workshop_code")

with transaction(engine()) as session:
    workshop = workshop_info(session=session, join_code=code)
    scored = score_stored_workshop(session=session, workshop_id=workshop.id)
show_results(scored, actor=actor)
