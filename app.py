"""The frame: page config and navigation. Logic lives in assessment/, widgets in ui/."""

import streamlit as st

from ui.auth import signed_in_account
from ui.navigation import menu

st.set_page_config(page_title="ICS Readiness", page_icon=":material/diversity_3:", layout="wide")

# Page scripts live in views/, not pages/: a pages/ folder beside the entry point switches on
# Streamlit's legacy multipage mode, in which a fresh session could run a page script directly,
# without this frame (seen in a browser test: the legacy menu appeared and app.py never ran).
# The pages themselves are listed in ui/navigation.py, where the security tests enumerate them.
# Facilitator pages appear in the menu only once signed in; each page also checks on every run.
# Who is signed in comes from the session cookie set by the sign-in form beside the app (served
# with it by server.py, which `make run` starts): see ui/auth.py.
account = signed_in_account()
st.navigation(
    menu(signed_in=account is not None, administrator=account is not None and account.administrator)
).run()
