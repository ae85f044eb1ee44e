"""Participant glue: join codes typed by people, and the slow-down after wrong ones.

Two limits apply. This session's own count (session_state) slows a person who keeps mistyping.
The database's count, per network address, slows a guesser who opens a fresh session (or reaches
another replica) for every try: a session's memory would forget them, the audit log does not.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.store import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, AuditEntry, utcnow

FAILURES_KEY = "join_failures"
FREE_TRIES = 3

JOIN_FAILED = "join.failed"
JOIN_ACTOR = "join"
# Wrong codes from one address within the window before each further try must wait. A room of
# people behind one address (a venue's network) shares the count, hence the slack: at this rate a
# guesser needs millions of years to hit one of a hundred live codes among 31^8.
SHARED_FREE_TRIES = 60
SHARED_WINDOW = timedelta(minutes=10)


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


# --- the count every session and replica shares ---------------------------------------------------


def client_address() -> str:
    """Where this session's requests come from, as the count is kept ("local" behind localhost,
    and where Streamlit has no connection to ask, as under AppTest)."""
    address = st.context.ip_address
    return address[:200] if isinstance(address, str) and address else "local"


def shared_wait_seconds(*, session: Session, address: str, now: datetime | None = None) -> float:
    """How long a code from ``address`` must wait: 0 until it has SHARED_FREE_TRIES wrong codes
    within SHARED_WINDOW, then until the oldest of those leaves the window."""
    now = now or utcnow()
    # Newest first by id (the order they were written), not by clock: replicas' clocks may differ.
    recent = session.scalars(
        select(AuditEntry.at)
        .where(AuditEntry.action == JOIN_FAILED, AuditEntry.target == address)
        .order_by(AuditEntry.id.desc())
        .limit(SHARED_FREE_TRIES)
    ).all()
    if len(recent) < SHARED_FREE_TRIES:
        return 0.0
    oldest = recent[-1] if recent[-1].tzinfo else recent[-1].replace(tzinfo=UTC)
    return max(0.0, (oldest + SHARED_WINDOW - now).total_seconds())


def record_shared_failure(*, session: Session, address: str, now: datetime | None = None) -> None:
    # The code typed is not kept: it is not needed to count, and a near-miss of a real code
    # would be a clue in the log.
    session.add(AuditEntry(at=now or utcnow(), actor=JOIN_ACTOR, action=JOIN_FAILED, target=address))
