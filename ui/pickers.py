"""Choosers shared by the facilitator pages; the choice is remembered from page to page."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assessment.services import Actor
from assessment.services.workshops import WorkshopSummary, visible_workshops
from ui.db import engine
from ui.text import plain_text

WORKSHOP_KEY = "workshop_code"
NO_WORKSHOPS = (
    "No workshops yet. Create one on the Workshops page, or load the sample data from the home page."
)


def pick_workshop(workshops: Sequence[WorkshopSummary]) -> str:
    """The chosen workshop's join code (the newest until the facilitator picks another).

    No status in the labels: a keyed selectbox keeps the labels it was first drawn with, so a
    status would go stale after Open or Close.
    """
    labels = {
        w.join_code: plain_text(f"{w.partnership} · {w.title} · {w.date} · {w.join_code}") for w in workshops
    }
    codes = list(labels)
    if st.session_state.get(WORKSHOP_KEY) not in codes:
        st.session_state[WORKSHOP_KEY] = codes[0]
    return str(st.selectbox("Workshop", codes, format_func=lambda c: labels[c], key=WORKSHOP_KEY))


def choose_workshop(actor: Actor) -> str:
    """The join code of the workshop a page is about, chosen among those ``actor`` may see; with
    none to choose, the page stops with where to make one."""
    workshops = visible_workshops(engine=engine(), actor=actor)
    if not workshops:
        st.info(NO_WORKSHOPS)
        st.stop()
    return pick_workshop(workshops)


COHORT_ADMIN_PAGE = "views/cohort_admin.py"


def nothing_set_up(message: str) -> None:
    """Say what is missing and offer the page that makes it: a facilitator is never sent to the
    command line for what the app itself can do."""
    st.info(message)
    st.page_link(COHORT_ADMIN_PAGE, label="Create a cohort and its partnerships", icon=":material/settings:")
