"""Showing text that came from people: never as HTML, never as live markdown, and never with the
bidirectional control characters that would reverse the rest of a line around it."""

from __future__ import annotations

import re

import pandas as pd

from assessment.limits import without_bidi_controls

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Escape markdown so user-written text shows as typed (no links, images, HTML or maths), with
    bidirectional controls taken out (an unmatched right-to-left override reverses what follows)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", without_bidi_controls(text))


def plain_text(text: str) -> str:
    """User text for a place that shows it as plain text (a choice in a list, a label)."""
    return without_bidi_controls(text)


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe for st.table, which renders markdown in cells: every text cell is escaped."""
    return frame.map(lambda value: escape_markdown(value) if isinstance(value, str) else value)
