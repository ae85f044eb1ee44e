"""The one place a page turns a refusal into words on the screen.

A service refuses with an ``assessment.errors.Refused`` whose text is already fit to show; the
page says what it was trying to do, and this shows the two together, escaped (a refusal may quote
what the person typed). Anything else is a fault, left to Streamlit's own error page.
"""

from __future__ import annotations

import streamlit as st

from assessment.errors import Refused
from ui.text import escape_markdown


def refusal_text(doing: str, error: Refused) -> str:
    """'Could not <doing>: <reason>.' with the reason escaped and one full stop at the end."""
    reason = str(error).strip().rstrip(".") or "the request was refused"
    return f"Could not {doing}: {escape_markdown(reason)}."


def show_refusal(doing: str, error: Refused, *, then: str = "") -> None:
    """Show the refusal as an error box; ``then`` says what the person can do next."""
    st.error(f"{refusal_text(doing, error)} {then}".strip())


__all__ = ["refusal_text", "show_refusal"]
