import streamlit as st

from assessment.store import (
    NotFound,
    StoreError,
    add_participant,
    bank_for_version,
    transaction,
    workshop_info,
)
from ui.db import engine
from ui.participant import (
    client_address,
    forget_wrong_codes,
    join_wait_seconds,
    looks_like_code,
    normalise_code,
    record_shared_failure,
    record_wrong_code,
    shared_wait_seconds,
)
from ui.text import escape_markdown as md

st.title("Join a workshop")

raw_code = st.query_params.get("code", "")
code = normalise_code(
    st.text_input(
        "Join code", value=raw_code, max_chars=20, help="8 letters and digits, on the screen", key="join_code"
    )
)
if not code:
    st.info("Type the code your facilitator shows on the screen, or scan the QR code.")
    st.stop()

wait = join_wait_seconds()
address = client_address()
if wait <= 0 and looks_like_code(code):
    # Only a code that could match is looked up, so only such tries count against the address.
    with transaction(engine()) as session:
        wait = shared_wait_seconds(session=session, address=address)
if wait > 0:
    seconds = max(round(wait), 1)
    st.error(f"Too many wrong codes. Wait {seconds} seconds, check the code on the screen, then try again.")
    st.stop()

workshop = None
if looks_like_code(code):
    try:
        with transaction(engine()) as session:
            workshop = workshop_info(session=session, join_code=code)
            bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    except NotFound:
        with transaction(engine()) as session:
            record_shared_failure(session=session, address=address)
        workshop = None
if workshop is None:
    record_wrong_code()
    st.error(f"There is no workshop with the code {md(code)}. Check it against the screen and type it again.")
    st.stop()
forget_wrong_codes()

if workshop.status == "draft":
    st.warning(
        "This workshop has not opened yet. Wait for your facilitator to open it, then reload this page."
    )
    st.stop()
if workshop.status == "closed":
    st.warning("This workshop is closed for answers. If you joined earlier, use your personal resume link.")
    st.stop()

st.subheader(md(f"{workshop.partnership}: {workshop.title}"))
st.markdown(
    "Your answers are private. The team sees only combined figures, and nothing from fewer than "
    f"{bank.anonymity_threshold} people."
)
sectors = {s.id: s.label for s in bank.sectors}
with st.form("join"):
    sector = st.selectbox(
        "Which part of the system do you work in?",
        list(sectors),
        index=None,
        format_func=lambda s: sectors[s],
        placeholder="Choose your sector",
    )
    role = st.text_input(
        "Your role (optional)", max_chars=200, placeholder="e.g. Director of Adult Social Care"
    )
    name = st.text_input("Your name", max_chars=200) if not workshop.anonymous else None
    start = st.form_submit_button("Start", type="primary")

if start:
    if sector is None:
        st.error("Choose your sector, then press Start.")
        st.stop()
    if "\x00" in role + (name or ""):
        # PostgreSQL refuses a NUL in text with an error; SQLite would keep it.
        st.error(
            "Your role or name contains a NUL character, which cannot be stored. Retype it, then press Start."
        )
        st.stop()
    if not workshop.anonymous and not (name or "").strip():
        st.error("This workshop records names: type your name, then press Start.")
        st.stop()
    try:
        with transaction(engine()) as session:
            participant = add_participant(
                session=session,
                workshop_id=workshop.id,
                sector=sector,
                role=role.strip(),
                display_name=(name or "").strip() or None,
            )
    except StoreError as exc:
        st.error(f"Could not join: {exc}.")
        st.stop()
    st.switch_page("views/answer.py", query_params={"token": participant.resume_token, "step": "1"})
