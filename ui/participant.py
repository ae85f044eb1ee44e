"""Participant glue: join codes typed by people, and the slow-down after wrong ones.

A correct code is always let in at once: the code is looked up first, and only a wrong one waits.
The wait is the answer to that wrong code being held back, so a guesser cannot try faster than
the answers come, while someone who mistyped and then types the right code is never kept out.

Two counts set the hold. This session's own wrong codes slow a person, or a script, that keeps
guessing in one session. The database's count per network address, which every session and
replica shares, adds a short fixed hold while that address has sent many wrong codes recently:
a mild brake on a guesser who opens a fresh session for every try. It must stay mild because a
room behind one address (a venue's network, the load balancer) shares the count.

Why mild is enough: a code is 8 characters from a 31-letter alphabet, 31^8 = 852,891,037,441
codes. Even a guesser who kept 100 guesses a second going (a hundred parallel sessions, each
held 3 s a wrong code once the address is busy) against 100 workshops open at once would need on
average 852,891,037,441 / 100 / 100 s, about 2.7 years, for one hit; and a hit only makes them
one more participant, whom the facilitator sees in the joined count.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.store import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, AuditEntry, utcnow

FAILURES_KEY = "join_failures"
# Wrong codes one session may send before their answers are held back: people mistype.
FREE_TRIES = 3
# Then the hold doubles from one second up to this, per session.
SESSION_HOLD_CAP_SECONDS = 8.0

JOIN_FAILED = "join.failed"
JOIN_ACTOR = "join"
# Wrong codes from one address within the window after which every further wrong code from it is
# held SHARED_HOLD_SECONDS, whichever session sends it. Fixed, never growing: the room shares it.
SHARED_FREE_TRIES = 60
SHARED_WINDOW = timedelta(minutes=10)
SHARED_HOLD_SECONDS = 3.0


def normalise_code(raw: str) -> str:
    """Codes are read aloud and typed on phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def looks_like_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


def wrong_code_hold_seconds(*, session_failures: int, shared_recent: int) -> float:
    """How long to hold back the answer to a wrong code, given this session's wrong codes before
    it and the address's wrong codes within SHARED_WINDOW (this one included)."""
    own = 0.0
    if session_failures >= FREE_TRIES:
        own = min(2.0 ** (session_failures - FREE_TRIES), SESSION_HOLD_CAP_SECONDS)
    shared = SHARED_HOLD_SECONDS if shared_recent > SHARED_FREE_TRIES else 0.0
    return max(own, shared)


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


# --- the count every session and replica shares ---------------------------------------------------


def client_address() -> str:
    """Where this session's requests come from, as the count is kept ("local" behind localhost,
    and where Streamlit has no connection to ask, as under AppTest)."""
    address = st.context.ip_address
    return address[:200] if isinstance(address, str) and address else "local"


def recent_shared_failures(*, session: Session, address: str, now: datetime | None = None) -> int:
    """Wrong codes from ``address`` within SHARED_WINDOW, counted up to SHARED_FREE_TRIES + 1
    (enough to know whether the brake is on; the log may hold many more)."""
    now = now or utcnow()
    recent = session.scalars(
        select(AuditEntry.at)
        .where(AuditEntry.action == JOIN_FAILED, AuditEntry.target == address)
        .order_by(AuditEntry.id.desc())
        .limit(SHARED_FREE_TRIES + 1)
    ).all()
    since = now - SHARED_WINDOW
    return sum(1 for at in recent if (at if at.tzinfo else at.replace(tzinfo=UTC)) >= since)


def record_shared_failure(*, session: Session, address: str, now: datetime | None = None) -> None:
    # The code typed is not kept: it is not needed to count, and a near-miss of a real code
    # would be a clue in the log.
    session.add(AuditEntry(at=now or utcnow(), actor=JOIN_ACTOR, action=JOIN_FAILED, target=address))
