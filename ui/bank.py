"""The default question bank, loaded once per file version and shared by every session."""

from __future__ import annotations

import streamlit as st

from assessment.framework import DEFAULT_BANK_PATH, QuestionBank, load_bank

__all__ = ["DEFAULT_BANK_PATH", "default_bank"]


@st.cache_resource(show_spinner=False)
def _load(path: str, modified: float) -> QuestionBank:
    # `modified` is part of the cache key so an edited file is picked up without a restart.
    return load_bank(path)


def default_bank() -> QuestionBank:
    return _load(str(DEFAULT_BANK_PATH), DEFAULT_BANK_PATH.stat().st_mtime)
