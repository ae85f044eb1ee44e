"""Who is signed in: the facilitator's id in session_state, checked against the database.

session_state holds only primitives here: the facilitator's id, and this session's count of
failed sign-ins with the monotonic time of the latest one. The database keeps its own count per
email (assessment.auth); the one here also slows a session that tries many different emails.
"""

from __future__ import annotations

import logging
import time

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.errors import StreamlitAPIException

from assessment.auth import SignInRefused, retry_delay_seconds, wait_message
from assessment.errors import Refused
from assessment.services import facilitators
from ui.db import engine
from ui.text import escape_markdown

SESSION_KEY = "facilitator_id"
FAILURES_KEY = "sign_in_failures"
LAST_FAILURE_KEY = "sign_in_last_failure"
SIGN_IN_PAGE = "views/sign_in.py"
UNAVAILABLE_MESSAGE = (
    "Sign-in cannot reach its records just now (the server is busy). Wait a few seconds, then try again."
)

logger = logging.getLogger(__name__)


def plain_message(error: Refused) -> str:
    """A refusal as a sentence for the screen, with any user text in it shown as typed."""
    message = str(error)
    return escape_markdown(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))


def signed_in() -> tuple[int, str] | None:
    """(id, email) of the signed-in facilitator, re-checked in the database on every call.

    An account deleted (or a database swapped) since sign-in signs the session out at once.
    """
    value = st.session_state.get(SESSION_KEY)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    email = facilitators.facilitator_email(engine=engine(), facilitator_id=value)
    if email is None:
        del st.session_state[SESSION_KEY]
        return None
    return value, email


def current_facilitator() -> int | None:
    found = signed_in()
    return None if found is None else found[0]


def require_facilitator() -> int:
    """The signed-in facilitator's id; otherwise says how to sign in and stops the page here."""
    facilitator_id = current_facilitator()
    if facilitator_id is not None:
        return facilitator_id
    st.warning("Facilitator pages need you to sign in.")
    try:
        st.page_link(SIGN_IN_PAGE, label="Sign in", icon=":material/lock:")
    except StreamlitAPIException:
        # The sign-in page is not in this app's navigation (a test harness or a bare script):
        # still say where to go rather than fail.
        st.markdown("Open **Sign in** from the menu.")
    st.stop()


def sign_out() -> None:
    # Everything goes: ids, widget values, counters. Nothing from this visit outlives it.
    st.session_state.clear()


def session_wait_seconds() -> float:
    """How long this browser session must wait before another sign-in attempt (0: none)."""
    failures = int(st.session_state.get(FAILURES_KEY, 0))
    last = st.session_state.get(LAST_FAILURE_KEY)
    delay = retry_delay_seconds(failures)
    if delay <= 0 or not isinstance(last, float):
        return 0.0
    # Monotonic time: a session lives in one server process (sticky sessions), and it cannot be
    # fooled by the wall clock moving.
    return max(delay - (time.monotonic() - last), 0.0)


def attempt_sign_in(*, email: str, password: str) -> str | None:
    """Try to sign in; None on success (the id is then in session_state), else what to tell the user."""
    wait = session_wait_seconds()
    if wait > 0:
        return wait_message(wait)
    try:
        facilitator_id = facilitators.sign_in(engine=engine(), email=email, password=password)
    except SQLAlchemyError:
        # The database is busy past its timeouts or away: a sentence, never a traceback. Not
        # counted against this session (its password may not even have been checked).
        logger.warning("sign-in could not reach the database", exc_info=True)
        return UNAVAILABLE_MESSAGE
    except SignInRefused as refused:
        if not refused.throttled:
            st.session_state[FAILURES_KEY] = int(st.session_state.get(FAILURES_KEY, 0)) + 1
            st.session_state[LAST_FAILURE_KEY] = time.monotonic()
        return refused.message
    st.session_state[SESSION_KEY] = facilitator_id
    st.session_state.pop(FAILURES_KEY, None)
    st.session_state.pop(LAST_FAILURE_KEY, None)
    return None


def first_run_setup(key: str = "home_first_run") -> None:
    """On a brand-new installation, the form for the first facilitator account and a way to
    explore with sample data. Once any account exists it draws nothing at all."""
    if not facilitators.needs_first_facilitator(engine=engine()):
        return
    with st.container(border=True):
        st.subheader("Set up this app")
        st.markdown(
            "Nobody has a facilitator account yet. Create the first one here: it runs workshops, "
            "and can add more facilitators later with `python -m assessment facilitator add`. "
            "This form disappears once the account exists."
        )
        problem_key = f"{key}_problem"

        def create() -> None:
            # A callback, run before the page: both passwords leave session_state here, at once
            # (clear_on_submit empties only the browser's copy).
            password = st.session_state.pop(f"{key}_password", None) or ""
            confirm = st.session_state.pop(f"{key}_confirm", None) or ""
            if password != confirm:
                st.session_state[problem_key] = (
                    "The two passwords differ. Type the same password in both boxes."
                )
                return
            try:
                facilitator_id = facilitators.create_first_facilitator(
                    engine=engine(), email=st.session_state.get(f"{key}_email") or "", password=password
                )
            except Refused as exc:
                st.session_state[problem_key] = plain_message(exc)
            else:
                st.session_state[SESSION_KEY] = facilitator_id

        with st.form(f"{key}_account", clear_on_submit=True):
            st.text_input("Email", max_chars=200, autocomplete="email", key=f"{key}_email")
            st.text_input(
                "Password (at least 10 characters)",
                type="password",
                max_chars=1024,
                autocomplete="new-password",
                key=f"{key}_password",
            )
            st.text_input(
                "The same password again",
                type="password",
                max_chars=1024,
                autocomplete="new-password",
                key=f"{key}_confirm",
            )
            st.form_submit_button("Create the account and sign in", type="primary", on_click=create)
        problem = st.session_state.pop(problem_key, None)
        if problem:
            st.error(problem)

        st.markdown("Or look around first, with an invented cohort of partnerships and their workshops.")
        if st.button("Explore with sample data", key=f"{key}_demo"):
            from assessment.demo import load_demo  # only this button needs it

            with st.spinner("Loading sample data…"):
                summary = load_demo(engine=engine())
            verb = "Loaded" if summary.created else "The sample data was already there:"
            st.success(
                f"{verb} cohort '{escape_markdown(summary.cohort)}': {summary.partnerships} partnerships, "
                f"{summary.workshops} workshops, {summary.participants} participants and "
                f"{summary.answers} answers. Join codes: {', '.join(summary.join_codes)}."
            )
