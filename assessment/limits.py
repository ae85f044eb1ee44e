"""What people may type into a name or title, checked in one place, and how their text is shown.

The widths are those of the columns the text is stored in (assessment/db/tables.py). PostgreSQL
refuses wider text, and any NUL character, with an error, where SQLite would keep it: every door
(the pages, the command line) runs the same check first, so both databases behave alike and
nothing reaches the database that it would refuse.

Bidirectional control characters are kept as typed (they are data), but taken out wherever the
text is shown: an unmatched right-to-left override in a workshop title would otherwise reverse
everything after it on the line, in a page heading, a chart or the PDF.
"""

from __future__ import annotations

import re

from assessment.errors import Invalid

# The widths of the columns, in characters.
COHORT_NAME_CHARS = 200  # cohorts.name
PARTNERSHIP_NAME_CHARS = 200  # partnerships.name
WORKSHOP_TITLE_CHARS = 200  # workshops.title
ROUND_LABEL_CHARS = 80  # workshops.round_label
EMAIL_CHARS = 320  # facilitators.email
PARTICIPANT_LABEL_CHARS = 80  # participants.label
ROLE_CHARS = 200  # participants.role
DISPLAY_NAME_CHARS = 200  # participants.display_name
AUDIT_TARGET_CHARS = 200  # audit_log.target

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), and the marks (LRM, RLM,
# the Arabic letter mark). Letters of right-to-left scripts need none of them to show correctly.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")


def checked_text(value: str, *, what: str, limit: int, required: bool = True) -> str:
    """``value`` without surrounding spaces, or Invalid saying plainly what is wrong with it.

    ``what`` names the text in the message, e.g. "a cohort's name".
    """
    text = value.strip()
    if "\x00" in text:
        raise Invalid(f"{what} cannot contain a NUL character; delete it")
    if required and not text:
        raise Invalid(f"{what} must be 1 to {limit} characters; it is empty")
    if len(text) > limit:
        raise Invalid(f"{what} must be 1 to {limit} characters; it has {len(text):,}")
    return text


def workshop_title_and_round(title: str, round_label: str | None) -> tuple[str, str | None]:
    """A workshop's title (required) and round label (optional; empty means none), checked."""
    checked_title = checked_text(title, what="a workshop's title", limit=WORKSHOP_TITLE_CHARS)
    if round_label is None:
        return checked_title, None
    label = checked_text(round_label, what="a round label", limit=ROUND_LABEL_CHARS, required=False)
    return checked_title, label or None


def without_bidi_controls(text: str) -> str:
    """The text as it should be shown: every bidirectional control character taken out."""
    return _BIDI_CONTROL.sub("", text)
