"""Audit log: what facilitators did, newest first, a page at a time, filterable by workshop and by
person. Administrators only. Entries hold who, what and to which workshop or account, never anyone's
answers; participants' own entries (joining, submitting) and sign-in attempts are not listed."""

from typing import Any

import pandas as pd
import streamlit as st

from assessment.services import Actor
from assessment.services import facilitators as service
from ui.auth import require_administrator, require_facilitator
from ui.db import engine

require_facilitator()
actor = Actor.facilitator(require_administrator())

PAGE = "audit_page"
# What an action means, in words; an action not listed here is shown as logged.
ACTIONS = {
    "facilitator.created": "Account created",
    "facilitator.added": "Facilitator added",
    "facilitator.disabled": "Account disabled",
    "facilitator.enabled": "Account enabled",
    "facilitator.password_reset": "Password reset",
    "facilitator.password_changed": "Password changed",
    "facilitator.removed": "Account removed",
    "facilitator.administrator_granted": "Made an administrator",
    "facilitator.administrator_revoked": "No longer an administrator",
    "workshop.created": "Workshop created",
    "workshop.open": "Opened for answers",
    "workshop.closed": "Closed for answers",
    "workshop.draft": "Returned to draft",
    "workshop.reveal": "Results revealed",
    "workshop.hide": "Results hidden",
    "participant.removed": "Participant removed",
    "answers.imported": "Paper answers imported",
    "consensus.recorded": "Consensus recorded",
    "action.created": "Action added",
    "rerate.open": "Re-rate opened",
    "rerate.finish": "Re-rate finished",
    "cohort.created": "Cohort created",
    "partnership.created": "Partnership created",
    "demo.load": "Sample data loaded",
}


def _first_page() -> None:
    st.session_state[PAGE] = 0


def _turn(by: int) -> None:
    st.session_state[PAGE] = max(0, int(st.session_state.get(PAGE, 0)) + by)


def _word(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _details(detail: dict[str, Any]) -> str:
    return "; ".join(
        f"{key.replace('_', ' ')}: {_word(value)}"
        for key, value in sorted(detail.items())
        if value is not None
    )


st.title("Audit log")
st.markdown(
    "What facilitators and the command line have done in this app, newest first: every change to an "
    "account, and the entries about the workshops, partnerships and cohorts you can see (your own, "
    "those shared with you and team-wide ones). It never holds anyone's answers; participants "
    "joining and submitting are not listed here."
)
choices = service.audit_choices(engine=engine(), actor=actor)
workshops = dict(choices.workshops)
people = dict(choices.people)
left, right = st.columns(2)
workshop = left.selectbox(
    "Workshop",
    [None, *workshops],
    format_func=lambda w: "Every workshop" if w is None else workshops[w],
    key="audit_workshop",
    on_change=_first_page,
)
person = right.selectbox(
    "Person",
    [None, *people],
    format_func=lambda p: "Everyone" if p is None else people[p],
    key="audit_person",
    on_change=_first_page,
)
page = int(st.session_state.get(PAGE, 0))
shown = service.audit_log(engine=engine(), actor=actor, workshop_id=workshop, person_id=person, page=page)
if page >= shown.pages:  # the log shrank under a filter: back to its last page
    st.session_state[PAGE] = page = shown.pages - 1
    shown = service.audit_log(engine=engine(), actor=actor, workshop_id=workshop, person_id=person, page=page)

if not shown.entries:
    st.info("No entries match these choices. Choose Every workshop and Everyone to see the whole log.")
else:
    st.caption(
        f"{shown.total} entr{'y' if shown.total == 1 else 'ies'}, newest first: "
        f"page {shown.page + 1} of {shown.pages}. Times are UTC."
    )
    table = pd.DataFrame(
        {
            "When (UTC)": [e.at.strftime("%d %b %Y %H:%M:%S") for e in shown.entries],
            "Who": [e.who for e in shown.entries],
            "What": [ACTIONS.get(e.action, e.action) for e in shown.entries],
            "Workshop": [e.workshop or "" for e in shown.entries],
            "About": [e.target for e in shown.entries],
            "Details": [_details(e.detail) for e in shown.entries],
        }
    )
    st.dataframe(table, hide_index=True)
    newer, older = st.columns(2)
    newer.button("Newer entries", disabled=shown.page == 0, on_click=_turn, args=(-1,), key="audit_newer")
    older.button(
        "Older entries", disabled=shown.page + 1 >= shown.pages, on_click=_turn, args=(1,), key="audit_older"
    )
