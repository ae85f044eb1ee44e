"""The domains a new workshop asks, chosen with the answering time of their questions beside them.

Drawn outside the creation form so the estimate follows each tick (a form's widgets send nothing
until it is submitted); the form reads the chosen domains when it is.
"""

from __future__ import annotations

import streamlit as st

from assessment.estimates import answering_time
from assessment.framework import QuestionBank
from ui.text import plain_text

__all__ = ["DOMAINS_KEY", "choose_domains"]

DOMAINS_KEY = "workshops_domains"


def choose_domains(bank: QuestionBank) -> list[str]:
    """A multiselect of the bank's domains (all ticked at first) and, under it, how long their
    questions take to answer. The ids chosen, in the bank's order."""
    ids = [d.id for d in bank.domains]
    titles = {d.id: plain_text(d.title) for d in bank.domains}
    if not set(st.session_state.get(DOMAINS_KEY, ())) <= set(ids):
        st.session_state.pop(DOMAINS_KEY, None)  # a choice from another bank version
    chosen = st.multiselect(
        "Domains to include",
        ids,
        default=ids,
        format_func=lambda d: titles[d],
        key=DOMAINS_KEY,
    )
    st.caption(f"Answering time: {answering_time(bank, chosen).sentence()}", help=TIME_HELP)
    return [d for d in ids if d in chosen]


TIME_HELP = (
    "Estimated from the questions chosen: a maturity question is read level by level and answered "
    "twice (now and target), a spectrum question once, an accountability question once per "
    "situation; plus a minute or two to join. Quick readers take the shorter time."
)
