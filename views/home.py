import streamlit as st

from ui.auth import first_run_setup
from ui.bank import default_bank
from ui.participant import normalise_code
from ui.text import escape_markdown as md

bank = default_bank()

st.title("ICS Readiness")
st.markdown(
    "A self-assessment for the leadership teams of integrated care systems: NHS bodies, councils, "
    "primary care, the voluntary and community sector and Healthwatch, judging together how ready "
    "their partnership is, and where they see it differently."
)

with st.form("home_join", border=True):
    st.markdown("**Taking part in a workshop?** Type the code on the screen.")
    typed = st.text_input("Join code", max_chars=20, placeholder="e.g. K7MX2PQR", key="home_join_code")
    if st.form_submit_button("Join", type="primary"):
        st.switch_page("views/join.py", query_params={"code": normalise_code(typed)})

first_run_setup()

st.subheader("How a workshop runs")
st.markdown(
    f"""
1. **Everyone answers privately**, on a phone or laptop, in 30 to 45 minutes. For each question you
   choose where the partnership is today and where it should be, against level descriptions written
   for that question, or say you don't know.
2. **The facilitator reveals the team picture**: medians, gaps between today and the target, and
   the questions where views are split. No one's individual answers are ever shown, and any figure
   from fewer than {bank.anonymity_threshold} people is withheld.
3. **The team discusses where views diverge**, agrees a consensus level and the actions to take.
4. **Round after round**, the partnership sees what has moved, and the board gets a short summary.
"""
)

st.subheader("What it asks about")
counts = bank.counts()
c1, c2, c3 = st.columns(3)
c1.metric("Domains", len(bank.domains))
c2.metric("Questions", sum(counts.values()))
c3.metric("Maturity stages", len(bank.scale))

groups: dict[str, list[str]] = {}
for domain in bank.domains:
    groups.setdefault(domain.group or "Domains", []).append(domain.title)
for group, titles in groups.items():
    st.markdown(f"**{md(group)}:** " + md(", ".join(titles)))

st.markdown(
    "The scale runs "
    + md(" → ".join(level.label for level in bank.scale))
    + ". Each question describes every stage in its own terms, so two people mean the same thing "
    "by the same word."
)
st.page_link("views/question_bank.py", label="Browse the question bank", icon=":material/quiz:")
