"""Facilitators sign in and out. Participants never need this: they join with a workshop's code.

The form itself is the server's (assessment/web_session.py): only an HTTP response can set the
cookie that keeps a facilitator signed in across refreshes, tabs and restarts. This page leads
to it, and once signed in shows the account and signs out through the server's route.
"""

import streamlit as st

from assessment import settings
from assessment.auth import SESSION_LIFETIME
from ui.auth import AFTER_SIGN_IN, sign_in_link, sign_out_form, signed_in, sso_sign_in_link
from ui.text import escape_markdown as md

account = signed_in()
if account is not None:
    st.title("Sign out")
    st.success(f"You are signed in as {md(account[1])}.")
    hours = int(SESSION_LIFETIME.total_seconds() // 3600)
    st.markdown(
        f"You stay signed in in this browser, in every tab, for up to {hours} hours from signing in. "
        "Signing out ends that here; in other tabs of this browser it takes effect at their next click."
    )
    sign_out_form()
else:
    st.title("Facilitator sign-in")
    st.markdown(
        "Facilitators sign in to run workshops and see their results. "
        "Taking part in a workshop needs no account: use the code on the screen instead."
    )
    ways = settings.current()
    if ways.single_sign_on and ways.local_passwords:
        sso_sign_in_link(AFTER_SIGN_IN)
        st.markdown("Or sign in with this app's own email and password:")
        sign_in_link(AFTER_SIGN_IN, "Sign in with a password")
    else:
        # One way in (the organisation's sign-in, or a password), or none: the form says which.
        sign_in_link(AFTER_SIGN_IN)
