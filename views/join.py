import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

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
    hold_back,
    looks_like_code,
    normalise_code,
    recent_shared_failures,
    record_shared_failure,
    record_wrong_code,
    session_wrong_codes,
    wrong_code_hold_seconds,
)
from ui.text import escape_markdown as md

logger = logging.getLogger(__name__)
BUSY = "The server is busy and could not {what} just now. Wait a few seconds, then {then}."

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

# The code is looked up before anything else, so a correct one is always let in at once; only the
# answer to a wrong one is held back (ui/participant.py says why that is enough).
workshop = None
shared_recent = 0
if looks_like_code(code):
    try:
        try:
            with transaction(engine()) as session:
                workshop = workshop_info(session=session, join_code=code)
                bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        except NotFound:
            # Only a code that could match is counted against the address: a malformed one is no
            # guess at all.
            address = client_address()
            with transaction(engine()) as session:
                record_shared_failure(session=session, address=address)
                session.flush()
                shared_recent = recent_shared_failures(session=session, address=address)
    except SQLAlchemyError:
        logger.warning("the join page could not look up a code", exc_info=True)
        st.error(BUSY.format(what="look up the code", then="press Enter in the code box again"))
        st.stop()
if workshop is None:
    message = f"There is no workshop with the code {md(code)}. Check it against the screen and type it again."
    if looks_like_code(code):
        hold = wrong_code_hold_seconds(session_failures=session_wrong_codes(), shared_recent=shared_recent)
        record_wrong_code()
        hold_back(hold)
        if hold > 0:
            message += " After several wrong codes, the answer to each new wrong one comes more slowly."
    st.error(message)
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
        st.error(f"Could not join: {md(str(exc))}. Check your answers above, then press Start again.")
        st.stop()
    except Exception:
        # Whatever else the store raises (two people joining at the same moment, a busy or
        # unreachable database), the page says what to do; the details go to the server's log,
        # never to the screen, where they would show SQL and its parameters.
        logger.exception("joining workshop %s failed", workshop.id)
        st.error(BUSY.format(what="add you to the workshop", then="press Start again"))
        st.stop()
    st.switch_page("views/answer.py", query_params={"token": participant.resume_token, "step": "1"})
