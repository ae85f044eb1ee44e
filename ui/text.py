"""Showing text that came from people: never as HTML, never as live markdown."""

from __future__ import annotations

import re

import pandas as pd

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Escape markdown so user-written text shows as typed (no links, images, HTML or maths)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe for st.table, which renders markdown in cells: every text cell is escaped."""
    return frame.map(lambda value: escape_markdown(value) if isinstance(value, str) else value)
