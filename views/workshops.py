from datetime import date
from typing import Literal

import streamlit as st

from assessment.errors import Refused
from assessment.lifecycle import Step, allowed_steps, next_step
from assessment.services import Actor
from assessment.services import banks as bank_service
from assessment.services import rerate as rerate_service
from assessment.services import workshops as service
from ui.auth import require_facilitator
from ui.bank import bank_of_text
from ui.db import engine
from ui.errors import show_refusal
from ui.estimate import choose_domains
from ui.pickers import WORKSHOP_KEY, nothing_set_up, pick_workshop
from ui.text import escape_markdown as md
from ui.text import plain_text
from ui.workshop_room import (
    REMOVED_KEY,
    closing_moment,
    default_closing,
    show_closing_time,
    show_invitations,
    show_join_panel,
    show_live_progress,
    show_not_submitted,
)

CREATED_KEY = "workshops_created"

actor = Actor.facilitator(require_facilitator())  # checked on every run, not only in the menu

st.title("Workshops")
# Only the cohorts this facilitator may see: the services filter, never the page.
workshops = service.visible_workshops(engine=engine(), actor=actor)
partnerships = {p.id: p for p in service.visible_partnerships(engine=engine(), actor=actor)}

# Just created: say so with the code, and fold the form (a new label is a new expander, drawn
# folded) so it does not invite a second, duplicate workshop.
made = st.session_state.pop(CREATED_KEY, None)
if isinstance(made, str):
    st.success(
        f"Workshop created with the join code {md(made)}. Open it for answers when the room is ready.",
        icon=":material/check_circle:",
    )
create_label = "Create another workshop" if isinstance(made, str) else "Create a workshop"
with st.expander(create_label, expanded=not workshops, icon=":material/add:"):
    if not partnerships:
        nothing_set_up(
            "There are no partnerships yet. Create a cohort and a partnership on the Cohorts and "
            "partnerships page, or load the sample data from the home page."
        )
    else:
        # The bank first, outside the form like the domains: its domains and estimate follow it.
        bank_choices = bank_service.choosable_bank_versions(engine=engine(), actor=actor)
        # Keyed by the stored version, not the position: a version saved meanwhile moves no choice.
        by_key = {str(c.bank_version_id or "shipped"): c for c in bank_choices}
        chosen = st.selectbox(
            "Question bank",
            list(by_key),
            format_func=lambda k: plain_text(by_key[k].label),
            key="workshops_bank",
            help="Your own banks and those shared with you are made on the Edit question banks page.",
        )
        bank_yaml = bank_service.choice_text(
            engine=engine(), actor=actor, bank_version_id=by_key[chosen].bank_version_id
        )
        bank = bank_of_text(bank_yaml)
        domains = choose_domains(bank)  # outside the form, so its estimate follows each tick
        with st.form("workshops_create"):
            partnership = st.selectbox(
                "Partnership",
                list(partnerships),
                format_func=lambda p: plain_text(f"{partnerships[p].name} ({partnerships[p].cohort})"),
                key="workshops_partnership",
            )
            title = st.text_input(
                "Title",
                max_chars=200,
                placeholder="e.g. Leadership team, spring round",
                key="workshops_title",
            )
            held_on = st.date_input("Date", value=date.today(), format="DD/MM/YYYY")
            round_label = st.text_input(
                "Round label (optional)", max_chars=80, placeholder="e.g. Round 2", key="workshops_round"
            )
            named = st.toggle("Participants give their names (otherwise anonymous)", value=False)
            # Answering ahead: the workshop can open before the session and close itself.
            closing_day, closing_at = default_closing()
            closes = st.checkbox(
                "Answering closes by itself at a set time (for answering ahead)", key="workshops_closes"
            )
            day_column, time_column = st.columns(2)
            closes_on = day_column.date_input(
                "Closing date", value=closing_day, format="DD/MM/YYYY", key="workshops_closes_on"
            )
            closes_time = time_column.time_input(
                "Closing time (UK)", value=closing_at, step=900, key="workshops_closes_time"
            )
            create = st.form_submit_button("Create workshop", type="primary")
        if create:
            try:
                created = service.create_workshop(
                    engine=engine(),
                    actor=actor,
                    partnership_id=partnership,
                    title=title,
                    held_on=held_on,
                    round_label=round_label,
                    domains=domains,
                    anonymous=not named,
                    bank_yaml=bank_yaml,
                    closes_at=closing_moment(closes_on, closes_time) if closes else None,
                )
            except Refused as exc:
                show_refusal("create the workshop", exc)
            else:
                st.session_state[WORKSHOP_KEY] = created.join_code
                st.session_state[CREATED_KEY] = created.join_code
                for typed in ("workshops_title", "workshops_round"):  # emptied only once it is made
                    st.session_state.pop(typed, None)
                st.rerun()  # the form folds away: the new workshop is below, chosen

if not workshops:
    st.stop()

workshop = service.find_workshop(engine=engine(), actor=actor, join_code=pick_workshop(workshops))

state = {"draft": "not open yet", "open": "open for answers", "closed": "closed for answers"}[workshop.status]
st.markdown(
    f"**{md(workshop.partnership)} · {md(workshop.title)}** is {state}"
    + (", results revealed" if workshop.revealed else "")
)
show_closing_time(
    actor=actor, workshop_id=workshop.id, closes_at=workshop.closes_at, revealed=workshop.revealed
)
# Handled in the page, not in on_click callbacks: a callback runs before the page, so before the
# sign-in and cohort checks above, with the workshop of the run that drew the button. Keyed by the
# workshop, so a click never lands on another workshop the picker falls back to. A button the
# lifecycle would refuse is greyed out; the service refuses it anyway.
here = rerate_service.workshop_state(engine=engine(), actor=actor, workshop_id=workshop.id)
allowed, invited = allowed_steps(here), next_step(here)
LABELS: dict[Step, str] = {
    "open": "Open for answers",
    "close": "Close answering",
    "reveal": "Reveal results",
    "hide": "Hide results",
    "rerate": "Open the re-rate",
    "finish": "Finish the re-rate",
}
# Only the steps the lifecycle allows from here, the next one first and the only primary button:
# a button that is not the next step never looks like it. Opening a re-rate needs its questions
# chosen first, so it is drawn below with its choices.
offered = sorted((s for s in allowed if s != "rerate"), key=lambda step: step != invited)
for column, step in zip(st.columns(max(len(offered), 1)), offered, strict=False):
    kind: Literal["primary", "secondary"] = "primary" if step == invited else "secondary"
    if column.button(LABELS[step], type=kind, key=f"workshops_{step}_{workshop.id}"):
        try:
            if step == "finish":
                rerate_service.finish_rerate(engine=engine(), actor=actor, workshop_id=workshop.id)
            else:
                service.take_step(engine=engine(), actor=actor, workshop_id=workshop.id, step=step)
        except Refused as exc:
            show_refusal(f"{LABELS[step].lower()}", exc)
        else:
            st.rerun()  # draw the new state

if "rerate" in allowed:
    # The Delphi step done in the room: each participant sees their first answer beside the
    # team's distribution and keeps or changes it. Only questions whose figures are shown.
    with st.container(border=True):
        st.markdown("**Re-rate round**")
        st.caption(
            "Choose the domains, or single questions, the room should rate again. Each participant sees "
            "their own first answer beside the team's anonymous distribution and keeps or changes it. "
            "First answers are kept; the results show both rounds side by side."
        )
        choices = rerate_service.rerate_choices(engine=engine(), actor=actor, workshop_id=workshop.id)
        if not choices:
            st.info(
                "No question has figures shown yet (each needs enough people rating it), so there is "
                "nothing to re-rate."
            )
        else:
            titles = {c.domain: c.domain_title for c in choices}
            texts = {c.item_id: c.text + (" (split)" if c.split else "") for c in choices}
            chosen_domains = st.multiselect(
                "Domains to re-rate",
                list(titles),
                format_func=lambda d: plain_text(titles[d]),
                key=f"workshops_rerate_domains_{workshop.id}",
            )
            chosen_items = st.multiselect(
                "Or single questions to re-rate",
                list(texts),
                format_func=lambda i: plain_text(texts[i]),
                key=f"workshops_rerate_items_{workshop.id}",
            )
            kind = "primary" if invited == "rerate" else "secondary"
            if st.button(LABELS["rerate"], type=kind, key=f"workshops_rerate_{workshop.id}"):
                try:
                    rerate_service.open_rerate(
                        engine=engine(),
                        actor=actor,
                        workshop_id=workshop.id,
                        domains=chosen_domains,
                        item_ids=chosen_items,
                    )
                except Refused as exc:
                    show_refusal("open the re-rate", exc)
                else:
                    st.rerun()
if here.rerate != "none":
    progress = rerate_service.rerate_progress(engine=engine(), actor=actor, workshop_id=workshop.id)
    if progress is not None:
        running = "is open" if here.rerate == "open" else "has finished"
        plural = "" if progress.questions == 1 else "s"
        st.info(
            f"The re-rate of {progress.questions} question{plural} {running}: {progress.rerated} of "
            f"{progress.respondents} respondents have re-rated. The Re-rate tab of the results compares "
            "both rounds.",
            icon=":material/autorenew:",
        )

# The join code and QR only while answers are taken: a code on the screen invites people to join.
if workshop.status == "open":
    show_join_panel(workshop.join_code)
elif workshop.status == "draft":
    st.info("Open the workshop for answers to show the room its join code and QR code.")
else:
    st.info("Answering is closed, so the join code is no longer shown.")
show_live_progress(actor=actor, workshop_id=workshop.id)
removed = st.session_state.pop(REMOVED_KEY, None)
if isinstance(removed, str):
    st.success(f"Removed {md(removed)} and their answers.", icon=":material/check_circle:")
show_not_submitted(actor=actor, workshop_id=workshop.id, revealed=workshop.revealed)
show_invitations(
    actor=actor,
    workshop_id=workshop.id,
    join_code=workshop.join_code,
    status=workshop.status,
    anonymous=workshop.anonymous,
)
