import streamlit as st

from assessment.errors import Forbidden, NotFound, Refused
from assessment.services.participants import participant_session, results_revealed, submit, team_picture
from assessment.services.rerate import rerate_open
from ui.db import engine
from ui.errors import show_refusal
from ui.participant import own_profile, progress_line, progress_sidebar, questions_answered, review
from ui.results_view import show_model
from ui.resume import REMEMBERED_KEY, remember_this_device
from ui.text import escape_markdown as md
from ui.walkthrough import (
    TOP_KEY,
    WITHDRAWN_WORDS,
    answering_closed,
    draw_items,
    offer_withdrawal,
    page_style,
    show_step,
    show_withdrawal_refusal,
    start_at_top,
    withdrawn_here,
)
from ui.workshop_room import closing_words

# The resume token in the address is the participant's only key: it names one participant of
# one workshop, so nothing in the URL can reach another workshop's data.
token = st.query_params.get("token", "")
try:
    me = participant_session(engine=engine(), token=token)
except NotFound:
    st.title("Your answers")
    if withdrawn_here(token):
        st.success(WITHDRAWN_WORDS)
        st.stop()
    st.error(
        "This link is not valid: it was not copied whole, or the facilitator removed this participant "
        "(someone who joined twice, say). Join again with the code on the screen."
    )
    st.page_link("views/join.py", label="Join with a code")
    st.stop()

bank, domains = me.bank, list(me.domains)
steps = [*domains, "review"]
editing = me.answering and (not me.submitted or st.query_params.get("view") == "edit")
SUBMIT_NOTE = (
    "Your answers count in the team's figures once you submit. You can still change them afterwards "
    "while the workshop is open."
)

try:
    step = min(max(int(st.query_params.get("step", "1")), 1), len(steps))
except ValueError:
    step = 1

page_style()
# Once per session: the device keeps this resume link, so joining again offers to continue.
if st.session_state.get(REMEMBERED_KEY) != token:
    remember_this_device(token)
    st.session_state[REMEMBERED_KEY] = token
with st.container(key=TOP_KEY):
    st.title(md(me.title))
    st.caption(md(f"{me.partnership} · you answer as {me.label}, privately"))
    if me.answering and me.closes_at is not None:
        st.caption(f"{closing_words(me.closes_at)} (UK time).")
    show_withdrawal_refusal()
    if editing:
        progress_line(me, step=step, steps=len(steps))

if editing:
    progress_sidebar(me, go_to=show_step)

    if steps[step - 1] == "review":
        st.header("Review and submit")
        done, total = questions_answered(me)
        if done < total:
            st.warning(
                f"{total - done} of {total} questions are not answered yet. You can go back to them from "
                "the list below, or submit as it is."
            )
        else:
            st.success("Every question has an answer.")
        st.info(SUBMIT_NOTE, icon=":material/info:")
        if st.button("Submit my answers", type="primary", key="answer_submit"):
            try:
                submit(engine=engine(), token=token)
            except Refused as exc:
                show_refusal("submit your answers", exc, then="Reload this page to see where things stand.")
                st.stop()
            st.query_params.pop("view", None)
            st.rerun()
        st.subheader("Your answers")
        review(me, go_to=show_step)
    else:
        domain = bank.domain(steps[step - 1])
        st.header(f"{step}. {md(domain.title)}")
        st.markdown(md(domain.description))
        draw_items(
            token=token,
            bank=bank,
            items=domain.items,
            stored=me.stored,
            revision=me.revision,
            participant_id=me.participant_id,
            step=step,
        )
    with st.container(horizontal=True, horizontal_alignment="distribute", key="answer_nav"):
        st.button("← Back", key="answer_back", disabled=step == 1, on_click=show_step, args=(step - 1,))
        if step < len(steps):
            st.button("Next →", key="answer_next", on_click=show_step, args=(step + 1,), type="primary")
    st.caption(
        "Every answer is saved as you give it. To come back later, on this or another device, keep this "
        "page's address: it is your personal resume link."
    )
    if not me.revealed:
        offer_withdrawal(token)
    start_at_top(step)
    st.stop()

# --- after submitting (or once answering has closed) -------------------------------------------------
if me.submitted:
    st.success("Thank you: your answers are in.")
elif me.status == "closed" and answering_closed():
    st.warning(
        "Answering has closed for this workshop. Your last change was not saved; your last saved "
        "answers are kept.",
        icon=":material/lock:",
    )
elif me.status == "closed":
    st.info("Answering has closed for this workshop. Your last saved answers are kept.")
else:
    st.info("This workshop is not open for answers yet.")
if me.answering and me.submitted:
    st.button(
        "Change my answers",
        key="answer_change",
        on_click=lambda: st.query_params.update({"view": "edit", "step": "1"}),
    )

own_profile(me)

if me.revealed and me.submitted:

    @st.fragment(run_every="5s")
    def rerate_link() -> None:
        # The re-rate round, while the facilitator has one open: a clear way there, found by polling.
        if rerate_open(engine=engine(), token=token):
            st.info("Your facilitator has opened a re-rate of some questions.", icon=":material/autorenew:")
            if st.button("Re-rate the chosen questions", type="primary", key="answer_rerate"):
                st.switch_page("views/rerate.py", query_params={"token": token})

    rerate_link()

if me.revealed:
    try:
        picture = team_picture(engine=engine(), token=token)
    except Forbidden:
        st.rerun()  # hidden again a moment ago: draw the page as it is now
    st.header("The team picture")
    show_model(picture, actor=None)
else:

    @st.fragment(run_every="5s")
    def wait_for_reveal() -> None:
        # Polls the database, so the picture appears as soon as the facilitator reveals it,
        # whichever server that facilitator is on; then the whole page draws it.
        if results_revealed(engine=engine(), token=token):
            st.rerun(scope="app")
        st.info("The team picture appears here when your facilitator reveals it.")

    wait_for_reveal()
    offer_withdrawal(token)
