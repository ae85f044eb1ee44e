"""My account: every facilitator changes their own password here, giving the current one. Every other
browser signed in as them is signed out; this one stays. An account signed in with a temporary
password comes here first, and can open nothing else until it has chosen its own."""

import streamlit as st

from assessment.auth import MIN_PASSWORD_LENGTH
from assessment.errors import Refused
from assessment.services import Actor
from assessment.services import facilitators as service
from ui.auth import presented_token, require_facilitator, signed_in_account
from ui.db import engine
from ui.errors import refusal_text
from ui.text import escape_markdown as md

me = require_facilitator(temporary_password_ok=True)
SAID = "account_said"


def _change() -> None:
    # A callback, run before the page: all three passwords leave session_state here, at once.
    current = st.session_state.pop("account_current", None) or ""
    new = st.session_state.pop("account_new", None) or ""
    again = st.session_state.pop("account_again", None) or ""
    if new != again:
        st.session_state[SAID] = {
            "kind": "error",
            "text": "The two new passwords differ. Type the same new password in both boxes.",
        }
        return
    try:
        service.change_own_password(
            engine=engine(),
            actor=Actor.facilitator(me),
            token=presented_token() or "",
            current_password=current,
            new_password=new,
        )
    except Refused as exc:
        st.session_state[SAID] = {"kind": "error", "text": refusal_text("change your password", exc)}
    else:
        st.session_state[SAID] = {
            "kind": "success",
            "text": "Your password has been changed. Every other browser signed in as you has been "
            "signed out; this one stays signed in.",
        }


account = signed_in_account()
st.title("My account")
if account is not None:
    role = "an administrator" if account.administrator else "a facilitator"
    st.markdown(f"You are signed in as **{md(account.email)}**, {role} of this app.")
said = st.session_state.pop(SAID, None)
if isinstance(said, dict):
    (st.success if said.get("kind") == "success" else st.error)(str(said.get("text", "")))
if account is not None and account.must_change_password:
    st.warning(
        "You signed in with a temporary password. Choose your own now: the other pages open once you have."
    )

with st.form("account_password_form", clear_on_submit=True):
    st.subheader("Change your password")
    st.markdown(
        f"A new password needs at least {MIN_PASSWORD_LENGTH} characters; it cannot be one character "
        "repeated, nor your email address. A few unrelated words make a good one."
    )
    st.text_input(
        "Current password",
        type="password",
        max_chars=1024,
        autocomplete="current-password",
        key="account_current",
    )
    st.text_input(
        "New password", type="password", max_chars=1024, autocomplete="new-password", key="account_new"
    )
    st.text_input(
        "The new password again",
        type="password",
        max_chars=1024,
        autocomplete="new-password",
        key="account_again",
    )
    st.form_submit_button("Change my password", type="primary", on_click=_change)
