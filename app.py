"""The frame: page config and navigation. Logic lives in assessment/, widgets in ui/."""

import streamlit as st

from ui.auth import current_facilitator

st.set_page_config(page_title="ICS Readiness", page_icon=":material/diversity_3:", layout="wide")

# Page scripts live in views/, not pages/: a pages/ folder beside the entry point switches on
# Streamlit's legacy multipage mode, in which a fresh session could run a page script directly,
# without this frame (seen in a browser test: the legacy menu appeared and app.py never ran).
public = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/join.py", title="Join a workshop", icon=":material/login:", url_path="join"),
    st.Page(
        "views/answer.py",
        title="Your answers",
        icon=":material/edit_note:",
        url_path="answer",
        visibility="hidden",
    ),
    st.Page(
        "views/question_bank.py", title="Question bank", icon=":material/quiz:", url_path="question_bank"
    ),
]
# Facilitator pages appear in the menu only once signed in; each page also checks on every run.
if current_facilitator() is None:
    facilitators = [
        st.Page("views/sign_in.py", title="Facilitator sign-in", icon=":material/lock:", url_path="sign_in")
    ]
else:
    facilitators = [
        st.Page("views/workshops.py", title="Workshops", icon=":material/groups:", url_path="workshops"),
        st.Page("views/results.py", title="Team results", icon=":material/insights:", url_path="results"),
        st.Page("views/trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
        st.Page("views/cohorts.py", title="Compare a cohort", icon=":material/compare:", url_path="cohorts"),
        st.Page(
            "views/cohort_admin.py",
            title="Cohorts and partnerships",
            icon=":material/settings:",
            url_path="cohort_admin",
        ),
        st.Page("views/sign_in.py", title="Account", icon=":material/account_circle:", url_path="sign_in"),
    ]
st.navigation({"Participants": public, "Facilitators": facilitators}).run()
