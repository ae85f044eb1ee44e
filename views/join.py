import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit.delta_generator import DeltaGenerator

from assessment.errors import NotFound, Refused
from assessment.services.participants import (
    INVITATION_USED,
    InvitationToJoin,
    WrongCode,
    invitation_to_join,
    join_by_invitation,
    join_workshop,
    remembered,
    workshop_to_join,
)
from ui.db import engine
from ui.errors import show_refusal
from ui.participant import (
    client_address,
    forget_wrong_codes,
    hold_back,
    normalise_code,
    record_wrong_code,
    session_wrong_codes,
    wait_until_open,
)
from ui.resume import remembered_token
from ui.text import escape_markdown as md
from ui.workshop_room import closing_words

logger = logging.getLogger(__name__)
BUSY = "The server is busy and could not {what} just now. Wait a few seconds, then {then}."

st.title("Join a workshop")

# A personal invitation link carries its own token: it names the workshop and the person, and
# admits them once.
invite_token = st.query_params.get("invite", "")
invitation: InvitationToJoin | None = None
if invite_token:
    try:
        invitation = invitation_to_join(engine=engine(), token=invite_token)
    except NotFound as exc:
        show_refusal("open the invitation", exc, then="Or type the join code your facilitator gave you.")
    except SQLAlchemyError:
        logger.warning("the join page could not look up an invitation", exc_info=True)
        st.error(BUSY.format(what="open your invitation", then="reload this page"))
        st.stop()
if invitation is not None and invitation.used:
    # It admits nobody else and leads to nobody's answers (whoever sent it holds it too); this
    # device, if it joined by it, is offered its own answers below, as any device that joined.
    st.info(f"{INVITATION_USED[0].upper()}{INVITATION_USED[1:]}.")
    raw_code, invitation = invitation.join_code, None
else:
    raw_code = invitation.join_code if invitation is not None else st.query_params.get("code", "")

code = normalise_code(
    st.text_input(
        "Join code", value=raw_code, max_chars=20, help="8 letters and digits, on the screen", key="join_code"
    )
)
if not code:
    st.info("Type the code your facilitator shows on the screen, or scan the QR code.")
    st.stop()

# The code is looked up before anything else, so a correct one is always let in at once; only the
# answer to a wrong one is held back (assessment/services/participants.py says why that is enough).
try:
    workshop = workshop_to_join(
        engine=engine(), join_code=code, address=client_address(), earlier_wrong_codes=session_wrong_codes()
    )
except WrongCode as wrong:
    message = (
        f"There is no workshop with the code {md(wrong.code)}. Check it against the screen and type it again."
    )
    if wrong.counted:
        record_wrong_code()
        hold_back(wrong.hold_seconds)
        if wrong.hold_seconds > 0:
            message += " After several wrong codes, the answer to each new wrong one comes more slowly."
    st.error(message)
    st.stop()
except SQLAlchemyError:
    logger.warning("the join page could not look up a code", exc_info=True)
    st.error(BUSY.format(what="look up the code", then="press Enter in the code box again"))
    st.stop()
forget_wrong_codes()
if invitation is not None and invitation.join_code != workshop.join_code:
    invitation = None  # another code typed over the invitation's: an ordinary join of that one

if workshop.status == "draft":
    wait_until_open(
        lambda: workshop_to_join(engine=engine(), join_code=code, address=client_address()).status == "draft"
    )
# This device joined before: carry on as that participant, rather than becoming a second one whose
# half-finished answers would sit beside the first (only submitted answers count, but the room's
# joined count and the facilitator's list should be the room).
try:
    earlier = remembered(
        engine=engine(), token=remembered_token(workshop.join_code), join_code=workshop.join_code
    )
except SQLAlchemyError:
    logger.warning("the join page could not look up the participant this device joined as", exc_info=True)
    earlier = None
if workshop.status == "closed":
    st.warning("This workshop is closed for answers.")
    if workshop.closes_at is not None:
        st.caption(f"{closing_words(workshop.closes_at)} (UK time).")
    if earlier is None:
        st.caption("If you joined earlier, use your personal resume link.")
    elif st.button("See your answers", type="primary", key="join_continue"):
        st.switch_page("views/answer.py", query_params={"token": earlier.token})
    st.stop()

st.subheader(md(f"{workshop.partnership}: {workshop.title}"))
if workshop.closes_at is not None:
    st.info(f"{closing_words(workshop.closes_at)} (UK time).", icon=":material/schedule:")
if invitation is not None:
    st.markdown(
        f"You are invited as **{md(invitation.name)}**."
        if invitation.name and not workshop.anonymous
        else "You have a personal invitation: this link brings you back to your own answers."
    )
st.markdown(
    "Your answers are private. The team sees only combined figures, and nothing from fewer than "
    f"{workshop.anonymity_threshold} people."
)
if earlier is not None:
    st.info(md(earlier.words()), icon=":material/history:")
    if st.button("Continue where you left off", type="primary", key="join_continue", width="stretch"):
        st.switch_page("views/answer.py", query_params={"token": earlier.token, "step": "1"})
    form_place: DeltaGenerator = st.expander("Someone else on this device? Join as a new participant")
else:
    form_place = st.container()
sectors = dict(workshop.sectors)
with form_place, st.form("join_form"):
    sector = st.selectbox(
        "Which part of the system do you work in?",
        list(sectors),
        index=None,
        format_func=lambda s: sectors[s],
        placeholder="Choose your sector",
        key="join_sector",
    )
    role = st.text_input(
        "Your role (optional)",
        max_chars=200,
        placeholder="e.g. Director of Adult Social Care",
        key="join_role",
    )
    asks_name = not workshop.anonymous and invitation is None  # an invitation gives the name
    name = st.text_input("Your name", max_chars=200, key="join_name") if asks_name else None
    start = st.form_submit_button("Start", type="primary" if earlier is None else "secondary")

if start:
    if sector is None:
        st.error("Choose your sector, then press Start.")
        st.stop()
    try:
        if invitation is not None:
            token = join_by_invitation(engine=engine(), token=invite_token, sector=sector, role=role)
        else:
            token = join_workshop(
                engine=engine(),
                join_code=workshop.join_code,
                sector=sector,
                role=role,
                display_name=name,
                address=client_address(),
            )
    except Refused as exc:
        show_refusal("join", exc, then="Check your answers above, then press Start again.")
        st.stop()
    except Exception:
        # Whatever else the store raises (two people joining at the same moment, a busy or
        # unreachable database), the page says what to do; the details go to the server's log,
        # never to the screen, where they would show SQL and its parameters.
        logger.exception("joining a workshop failed")
        st.error(BUSY.format(what="add you to the workshop", then="press Start again"))
        st.stop()
    st.switch_page("views/answer.py", query_params={"token": token, "step": "1"})
