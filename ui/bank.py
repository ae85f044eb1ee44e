"""The question bank new workshops use, loaded once per file version and shared by every session.

Which file that is comes from the settings (``ICS_BANK_PATH``, default the shipped questions.yaml),
read on each call so the page and the command line agree on it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assessment import settings
from assessment.framework import QuestionBank, load_bank, parse_bank

__all__ = ["bank_of_text", "bank_path", "default_bank"]


@st.cache_resource(show_spinner=False)
def _load(path: str, modified: float) -> QuestionBank:
    # `modified` is part of the cache key so an edited file is picked up without a restart.
    return load_bank(path)


def bank_path() -> Path:
    """The bank file new workshops use."""
    return settings.current().bank_path


def default_bank() -> QuestionBank:
    path = bank_path()
    return _load(str(path), path.stat().st_mtime)


@st.cache_resource(show_spinner=False, max_entries=16)
def bank_of_text(yaml_text: str) -> QuestionBank:
    """A stored bank version's text, parsed once per text: the workshop form reparses nothing
    on each tick of its domain chooser. The text has passed the loader when it was saved."""
    return parse_bank(yaml_text)
