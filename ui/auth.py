"""Who is signed in: the session cookie this browser sent, looked up in the database on every run.

A facilitator signs in on the server's own form (``assessment/web_session.py``, served beside the
app by ``server.py``), which sets the HttpOnly cookie ``ics_session`` and comes back to the page
that asked. Streamlit only reads that cookie (``st.context.cookies``); nothing in session_state
says who is signed in, so a refresh, a second tab, a restart or another replica all see the same
answer, and a session ended anywhere (sign-out, a password change, the account disabled or
removed) is ended here on the next run.

An account signed in with a temporary password (a new account's, or an administrator's reset)
reaches only My account until it has chosen its own; pages for administrators only also check,
on every run, that the account is one.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from assessment import settings
from assessment.auth import SESSION_COOKIE
from assessment.errors import Refused
from assessment.services import facilitators
from assessment.web_session import (
    CHECK_FIELD,
    SIGN_OUT_PATH,
    SSO_BUTTON_LABEL,
    sign_in_href,
    sign_out_check,
    sso_start_href,
)
from ui.db import engine
from ui.text import escape_markdown

SIGN_IN_PAGE = "views/sign_in.py"
ACCOUNT_PAGE = "views/account.py"
REFUSAL = "Sign in to continue."
ADMINISTRATORS_ONLY = (
    "Only an administrator of this app can use this page. Ask an administrator if you need "
    "something done here."
)
NEW_PASSWORD_FIRST = (
    "You signed in with a temporary password. Choose your own password on My account before "  # noqa: S105
    "doing anything else."
)
# Where the sign-in from the menu's own page leads: the facilitator's first stop.
AFTER_SIGN_IN = "/workshops"
# A link or button drawn as the app's primary button (white on NHS blue, AA contrast), opening in
# this tab: st.link_button would open a new one.
_BUTTON_STYLE = (
    "display:inline-block;padding:0.45rem 1rem;border:0;border-radius:0.5rem;background:#005EB8;"
    "color:#FFFFFF;font:inherit;font-weight:600;text-decoration:none;cursor:pointer"
)


def plain_message(error: Refused) -> str:
    """A refusal as a sentence for the screen, with any user text in it shown as typed."""
    message = str(error)
    return escape_markdown(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))


def presented_token() -> str | None:
    """The session token this browser sent when the page was opened, if any.

    The app's tests replace this function (AppTest cannot send cookies); nothing a browser sends
    reaches it except the cookie.
    """
    return st.context.cookies.get(SESSION_COOKIE) or None


def signed_in_account() -> facilitators.SignedIn | None:
    """The signed-in facilitator's account, checked in the database on every call: a session that
    has expired or been ended, or whose account is disabled or gone, signs nobody in."""
    token = presented_token()
    if token is None:
        return None
    return facilitators.session_facilitator(engine=engine(), token=token)


def signed_in() -> tuple[int, str] | None:
    """(id, email) of the signed-in facilitator (see ``signed_in_account``)."""
    found = signed_in_account()
    return None if found is None else (found.facilitator_id, found.email)


def current_facilitator() -> int | None:
    found = signed_in()
    return None if found is None else found[0]


def current_path() -> str:
    """This page's address on the site, with its query, for coming back to it after sign-in."""
    url = st.context.url
    if not url:
        return "/"
    path = urlsplit(url).path or "/"
    query = urlencode(st.query_params.to_dict())
    return f"{path}?{query}" if query else path


def _link_button(href: str, label: str) -> None:
    st.markdown(
        f'<a href="{html.escape(href, quote=True)}" target="_self" style="{_BUTTON_STYLE}">'
        f"{html.escape(label)}</a>",
        unsafe_allow_html=True,  # our own address and words, escaped
    )


def sign_in_link(next_path: str, label: str = "Sign in") -> None:
    """A button-like link to the sign-in form, which comes back to ``next_path`` afterwards.

    When the organisation's sign-in is the only way in (``ICS_SSO`` on, ``ICS_LOCAL_PASSWORDS``
    off), the link starts it at once: the form would offer nothing else.
    """
    now = settings.current()
    if now.single_sign_on and not now.local_passwords:
        _link_button(sso_start_href(next_path), SSO_BUTTON_LABEL if label == "Sign in" else label)
        return
    _link_button(sign_in_href(next_path), label)


def sso_sign_in_link(next_path: str) -> None:
    """A button-like link that starts the organisation's sign-in (single sign-on) and comes back
    to ``next_path``; draws nothing when single sign-on is off."""
    if settings.current().single_sign_on:
        _link_button(sso_start_href(next_path), SSO_BUTTON_LABEL)


def sign_out_form() -> None:
    """The Sign out button: a form posted to the server's sign-out route, which ends this browser's
    session and clears its cookie. Its check is derived from the session token, so a page on
    another site cannot sign anyone out."""
    token = presented_token()
    if token is None:
        return
    st.html(
        f'<form method="post" action="{SIGN_OUT_PATH}">'
        f'<input type="hidden" name="{CHECK_FIELD}" value="{sign_out_check(token)}">'
        f'<button type="submit" style="{_BUTTON_STYLE}">Sign out</button></form>'
    )


def require_facilitator(*, temporary_password_ok: bool = False) -> int:
    """The signed-in facilitator's id; otherwise says "Sign in to continue", with a way to sign in
    that comes back to this page, and stops the page here.

    Signed in with a temporary password, only My account (``temporary_password_ok``) opens: any
    other page says to choose a password first, with a link there, and stops."""
    account = signed_in_account()
    if account is None:
        st.warning(REFUSAL)
        sign_in_link(current_path())
        st.stop()
    if account.must_change_password and not temporary_password_ok:
        st.warning(NEW_PASSWORD_FIRST)
        st.page_link(ACCOUNT_PAGE, label="Choose your password on My account", icon=":material/key:")
        st.stop()
    return account.facilitator_id


def require_administrator() -> int:
    """The signed-in administrator's id; a facilitator who is not one is told this page is for
    administrators, and the page stops (as ``require_facilitator`` does for anyone else)."""
    facilitator_id = require_facilitator()
    account = signed_in_account()
    if account is None or account.facilitator_id != facilitator_id or not account.administrator:
        st.warning(ADMINISTRATORS_ONLY)
        st.stop()
    return facilitator_id


def first_run_setup(key: str = "home_first_run") -> None:
    """On a brand-new installation, the form for the first facilitator account and a way to
    explore with sample data. Once any account exists it draws nothing at all, but for the way
    to sign in with the account this session has just made."""
    created_key = f"{key}_created"
    created = st.session_state.get(created_key)
    if isinstance(created, str):
        # The sign-in itself is the server's form: only it can set the session cookie.
        st.success(f"The account for {escape_markdown(created)} is ready. Sign in with it to start.")
        sign_in_link(AFTER_SIGN_IN)
        return
    if not facilitators.needs_first_facilitator(engine=engine()):
        return
    with st.container(border=True):
        st.subheader("Set up this app")
        st.markdown(
            "Nobody has a facilitator account yet. Create the first one here: it runs workshops, "
            "and, as this app's first administrator, adds more facilitators later on the Team "
            "page. This form disappears once the account exists."
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
                st.session_state[created_key] = facilitators.facilitator_email(
                    engine=engine(), facilitator_id=facilitator_id
                )

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
            st.form_submit_button("Create the account", type="primary", on_click=create)
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
