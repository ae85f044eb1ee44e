"""The default question bank, loaded once per file version and shared by every session."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assessment.framework import QuestionBank, load_bank

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BANK_PATH = PROJECT_ROOT / "questions.yaml"


@st.cache_resource(show_spinner=False)
def _load(path: str, modified: float) -> QuestionBank:
    # `modified` is part of the cache key so an edited file is picked up without a restart.
    return load_bank(path)


def default_bank() -> QuestionBank:
    return _load(str(DEFAULT_BANK_PATH), DEFAULT_BANK_PATH.stat().st_mtime)
