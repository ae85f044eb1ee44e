"""Facilitators sign in and out. Participants never need this: they join with a workshop's code."""

import streamlit as st

from ui.auth import attempt_sign_in, session_wait_seconds, sign_out, signed_in
from ui.text import escape_markdown as md

st.title("Facilitator sign-in")

account = signed_in()
if account is not None:
    st.success(f"You are signed in as {md(account[1])}.")
    if st.button("Sign out", key="sign_out"):
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
    with st.form("sign_in", clear_on_submit=True):
        email = st.text_input("Email", max_chars=320, autocomplete="email", key="sign_in_email")
        password = st.text_input(
            "Password",
            type="password",
            max_chars=1024,
            autocomplete="current-password",
            key="sign_in_password",
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        problem = attempt_sign_in(email=email or "", password=password or "")
        if problem is None:
            st.rerun()
        st.error(problem)
