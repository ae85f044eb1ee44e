"""Facilitators sign in and out. Participants never need this: they join with a workshop's code."""

import streamlit as st

from ui.auth import attempt_sign_in, session_wait_seconds, sign_out, signed_in
from ui.text import escape_markdown as md

PROBLEM_KEY = "signin_problem"


def submit() -> None:
    """Runs before the page: the password leaves session_state here, at once. clear_on_submit
    empties only the browser's copy; the server would keep it while the form is on screen."""
    password = st.session_state.pop("signin_password", None) or ""
    email = st.session_state.get("signin_email") or ""
    st.session_state[PROBLEM_KEY] = attempt_sign_in(email=email, password=password)


st.title("Facilitator sign-in")
problem = st.session_state.pop(PROBLEM_KEY, None)

account = signed_in()
if account is not None:
    st.success(f"You are signed in as {md(account[1])}.")
    if st.button("Sign out", key="signin_out"):
        sign_out()
        st.rerun()
else:
    st.markdown(
        "Facilitators sign in to run workshops and see their results. "
        "Taking part in a workshop needs no account: use the code on the screen instead."
    )
    if session_wait_seconds() > 0:
        st.info("After several failed attempts, this form waits a little longer before each new one.")
    # Cleared on submit, so the password does not stay in the form (or session state) afterwards.
    with st.form("signin_form", clear_on_submit=True):
        st.text_input("Email", max_chars=320, autocomplete="email", key="signin_email")
        st.text_input(
            "Password",
            type="password",
            max_chars=1024,
            autocomplete="current-password",
            key="signin_password",
        )
        st.form_submit_button("Sign in", type="primary", on_click=submit)
    if problem:
        st.error(problem)
