"""The frame: page config and navigation. Logic lives in assessment/, widgets in ui/."""

import streamlit as st

from ui.auth import current_facilitator

st.set_page_config(page_title="ICS Readiness", page_icon=":material/diversity_3:", layout="wide")

public = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/join.py", title="Join a workshop", icon=":material/login:", url_path="join"),
    st.Page(
        "pages/answer.py",
        title="Your answers",
        icon=":material/edit_note:",
        url_path="answer",
        visibility="hidden",
    ),
    st.Page(
        "pages/question_bank.py", title="Question bank", icon=":material/quiz:", url_path="question-bank"
    ),
]
# Facilitator pages appear in the menu only once signed in; each page also checks on every run.
if current_facilitator() is None:
    facilitators = [
        st.Page("pages/sign_in.py", title="Facilitator sign-in", icon=":material/lock:", url_path="sign-in")
    ]
else:
    facilitators = [
        st.Page("pages/workshops.py", title="Workshops", icon=":material/groups:", url_path="workshops"),
        st.Page("pages/sign_in.py", title="Account", icon=":material/account_circle:", url_path="sign-in"),
    ]
st.navigation({"Participants": public, "Facilitators": facilitators}).run()
