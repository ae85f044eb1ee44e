"""Participant glue: the session's own count of wrong join codes, the hold itself, and the address
the shared count is kept under; and the answer page's progress (in the sidebar and on the page), its
review of every answer given, and the participant's own profile. The rules
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

from assessment.answers import Answer, answer_in_words, domain_progress, parts_given
from assessment.charts import domain_radar
from assessment.services.participants import (
    JOIN_FAILED,
    SHARED_FREE_TRIES,
    SHARED_HOLD_SECONDS,
    ParticipantSession,
    looks_like_code,
    normalise_code,
)
from ui.text import escape_markdown as md

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


def questions_answered(me: ParticipantSession) -> tuple[int, int]:
    """How many of the workshop's questions are answered whole, of how many."""
    counts = [domain_progress(me.bank.domain(d), _answers(me)) for d in me.domains]
    return sum(done for done, _ in counts), sum(total for _, total in counts)


def _answers(me: ParticipantSession) -> dict[str, Answer]:
    return {item_id: stored.answer for item_id, stored in me.stored.items()}


def progress_sidebar(me: ParticipantSession, *, go_to: Callable[[int], None]) -> None:
    """A button per domain, saying how many of its questions are answered whole, then the review.
    (On a phone the sidebar is folded away: the page shows the progress itself, progress_line.)"""
    answers = _answers(me)
    with st.sidebar:
        st.markdown("**Your progress**")
        for number, domain_id in enumerate(me.domains, start=1):
            domain = me.bank.domain(domain_id)
            done, total = domain_progress(domain, answers)
            mark = ":material/check_circle:" if done == total else ":material/radio_button_unchecked:"
            label = f"{mark} {number}. {md(domain.title)} ({done} of {total} answered)"
            st.button(label, key=f"answer_goto_{number}", on_click=go_to, args=(number,), type="tertiary")
        st.button(
            ":material/fact_check: Review and submit",
            key="answer_goto_review",
            on_click=go_to,
            args=(len(me.domains) + 1,),
            type="tertiary",
        )


def progress_line(me: ParticipantSession, *, step: int, steps: int) -> None:
    """Where the participant is, on the page itself: the step and the questions answered so far."""
    done, total = questions_answered(me)
    st.progress(
        (step - 1) / max(steps - 1, 1),
        text=f"Step {step} of {steps} · {done} of {total} questions answered",
    )


def review(me: ParticipantSession, *, go_to: Callable[[int, str], None]) -> None:
    """Every question of the workshop with the answer given, in words, per domain; each with a
    button that goes back to it."""
    answers = _answers(me)
    for number, domain_id in enumerate(me.domains, start=1):
        domain = me.bank.domain(domain_id)
        done, total = domain_progress(domain, answers)
        st.subheader(f"{number}. {md(domain.title)}")
        st.caption(f"{done} of {total} questions answered")
        for position, item in enumerate(domain.items, start=1):
            answer = answers.get(item.id)
            given, parts = parts_given(item, answer)
            whole = given == parts
            with st.container(border=True, key=f"answer_review-{item.id}"):
                mark = ":material/check_circle:" if whole else ":material/radio_button_unchecked:"
                st.markdown(f"{mark} **{number}.{position}** {md(item.text)}")
                st.markdown("  \n".join(md(line) for line in answer_in_words(me.bank, item, answer)))
                verb = "Change" if answer is not None else "Answer"
                st.button(
                    f"{verb} question {number}.{position}",
                    key=f"answer_jump-{item.id}",
                    on_click=go_to,
                    args=(number, item.id),
                    icon=":material/edit:",
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
    "progress_line",
    "progress_sidebar",
    "questions_answered",
    "record_wrong_code",
    "review",
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
