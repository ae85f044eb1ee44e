"""The frame: page config and navigation. Logic lives in assessment/, widgets in ui/."""

import streamlit as st

st.set_page_config(page_title="ICS Readiness", page_icon=":material/diversity_3:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page(
        "pages/question_bank.py", title="Question bank", icon=":material/quiz:", url_path="question-bank"
    ),
]
st.navigation(pages).run()
