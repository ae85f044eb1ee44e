"""Participant glue: join codes typed by people, and the slow-down after wrong ones."""

from __future__ import annotations

import time

import streamlit as st

from assessment.store import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH

FAILURES_KEY = "join_failures"
FREE_TRIES = 3


def normalise_code(raw: str) -> str:
    """Codes are read aloud and typed on phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def looks_like_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


def join_wait_seconds() -> float:
    """How long this session must wait before trying another code (0 when it may try now)."""
    failures, last = st.session_state.get(FAILURES_KEY, (0, 0.0))
    if failures < FREE_TRIES:
        return 0.0
    wait = min(2.0 ** (failures - FREE_TRIES + 1), 300.0)
    return max(0.0, last + wait - time.monotonic())


def record_wrong_code() -> None:
    failures, _ = st.session_state.get(FAILURES_KEY, (0, 0.0))
    st.session_state[FAILURES_KEY] = (failures + 1, time.monotonic())


def forget_wrong_codes() -> None:
    st.session_state.pop(FAILURES_KEY, None)
