"""Choosers shared by the facilitator pages; the choice is remembered from page to page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from assessment.services.workshops import WorkshopSummary
from ui.text import plain_text

WORKSHOP_KEY = "workshop_code"


def _label(workshop: WorkshopSummary | Mapping[str, Any]) -> tuple[str, str]:
    """(join code, label); a plain mapping is still accepted from pages not yet on the services."""
    if isinstance(workshop, WorkshopSummary):
        w = workshop
        return w.join_code, f"{w.partnership} · {w.title} · {w.date} · {w.join_code}"
    code = str(workshop["join_code"])
    return code, f"{workshop['partnership']} · {workshop['title']} · {workshop['date']} · {code}"


def pick_workshop(workshops: Sequence[WorkshopSummary | Mapping[str, Any]]) -> str:
    """The chosen workshop's join code (the newest until the facilitator picks another).

    No status in the labels: a keyed selectbox keeps the labels it was first drawn with, so a
    status would go stale after Open or Close.
    """
    labels = {code: plain_text(label) for code, label in map(_label, workshops)}
    codes = list(labels)
    if st.session_state.get(WORKSHOP_KEY) not in codes:
        st.session_state[WORKSHOP_KEY] = codes[0]
    return str(st.selectbox("Workshop", codes, format_func=lambda c: labels[c], key=WORKSHOP_KEY))
