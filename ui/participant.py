"""Participant glue: the session's own count of wrong join codes, the hold itself, and the address
the shared count is kept under; and the answer page's progress list and own profile. The rules
(what a code looks like, how long a wrong one is held, the count every session and replica shares)
are the service's: assessment.services.participants.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from assessment.charts import domain_radar
from assessment.services.participants import (
    JOIN_FAILED,
    SHARED_FREE_TRIES,
    SHARED_HOLD_SECONDS,
    ParticipantSession,
    looks_like_code,
    normalise_code,
)

logger = logging.getLogger(__name__)
FAILURES_KEY = "join_failures"
OPENING_CHECK_SECONDS = 5
NOT_OPEN_YET = (
    "This workshop has not opened yet. Keep this page open: it moves on by itself as soon as your "
    "facilitator opens the workshop."
)


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


# --- the answer page ---------------------------------------------------------------------------------


def progress_sidebar(me: ParticipantSession, *, go_to: Callable[[int], None]) -> None:
    """A button per domain, saying how many of its questions have an answer, then the review."""
    with st.sidebar:
        st.markdown("**Your progress**")
        for number, domain_id in enumerate(me.domains, start=1):
            done, total = me.answered(domain_id)
            mark = ":material/check_circle:" if done == total else ":material/radio_button_unchecked:"
            label = f"{mark} {number}. {me.bank.domain(domain_id).title} ({done}/{total})"
            st.button(label, key=f"answer_goto_{number}", on_click=go_to, args=(number,), type="tertiary")
        st.button(
            ":material/fact_check: Review and submit",
            key="answer_goto_review",
            on_click=go_to,
            args=(len(me.domains) + 1,),
            type="tertiary",
        )


def own_profile(me: ParticipantSession) -> None:
    """The participant's own answers averaged per domain: a radar and the table beside it."""
    st.subheader("Your own profile")
    profile = pd.DataFrame(
        [{"Domain": d.title, "Now": d.now, "Target": d.target} for d in me.own_profile()],
        columns=["Domain", "Now", "Target"],
    )
    chart, table = st.columns([3, 2])
    chart.plotly_chart(
        domain_radar(
            profile["Domain"].tolist(),
            {"Now": profile["Now"].tolist(), "Target": profile["Target"].tolist()},
            scale_labels=[level.label for level in me.bank.scale],
            title="Your answers, averaged per domain",
        ),
        config={"displayModeBar": False},
    )
    table.dataframe(profile.round(2), hide_index=True)


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
    "own_profile",
    "progress_sidebar",
    "record_wrong_code",
    "session_wrong_codes",
]


def wait_until_open(still_draft: Callable[[], bool]) -> None:
    """Say the workshop has not opened, and check every few seconds until it has, then move on by
    itself: a room of people told to "reload" at the same moment is a room of people who did not."""
    st.info(NOT_OPEN_YET, icon=":material/hourglass_top:")

    @st.fragment(run_every=OPENING_CHECK_SECONDS)
    def check() -> None:
        try:
            draft = still_draft()
        except SQLAlchemyError:  # the database is busy or away: the next check tries again
            logger.warning("the join page could not check whether the workshop opened", exc_info=True)
            return
        if not draft:
            st.rerun(scope="app")

    check()
    st.stop()
