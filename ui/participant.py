"""Participant glue: the session's own count of wrong join codes, the hold itself, and the address
the shared count is kept under. The rules (what a code looks like, how long a wrong one is held,
the count every session and replica shares) are the service's: assessment.services.participants.
"""

from __future__ import annotations

import time

import streamlit as st

from assessment.services.participants import (
    JOIN_FAILED,
    SHARED_FREE_TRIES,
    SHARED_HOLD_SECONDS,
    looks_like_code,
    normalise_code,
)

FAILURES_KEY = "join_failures"


def session_wrong_codes() -> int:
    failures = st.session_state.get(FAILURES_KEY, 0)
    return failures if isinstance(failures, int) and not isinstance(failures, bool) else 0


def record_wrong_code() -> None:
    st.session_state[FAILURES_KEY] = session_wrong_codes() + 1


def forget_wrong_codes() -> None:
    st.session_state.pop(FAILURES_KEY, None)


def hold_back(seconds: float) -> None:
    # Only this visitor's own page run waits (each session runs its script on its own thread).
    if seconds > 0:
        time.sleep(seconds)


def client_address() -> str:
    """Where this session's requests come from, as the count is kept ("local" behind localhost,
    and where Streamlit has no connection to ask, as under AppTest)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


__all__ = [
    "FAILURES_KEY",
    "JOIN_FAILED",
    "SHARED_FREE_TRIES",
    "SHARED_HOLD_SECONDS",
    "client_address",
    "forget_wrong_codes",
    "hold_back",
    "looks_like_code",
    "normalise_code",
    "record_wrong_code",
    "session_wrong_codes",
]
