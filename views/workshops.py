import html
import io
from datetime import date
from urllib.parse import urlsplit

import pandas as pd
import segno
import streamlit as st

from assessment.lifecycle import Step, allowed_steps, state_of
from assessment.services.workshops import take_step
from assessment.store import (
    StoreError,
    bank_for_version,
    create_workshop,
    list_partnerships,
    list_workshops,
    store_bank_version,
    transaction,
    workshop_info,
    workshop_progress,
)
from ui.auth import require_facilitator, visible_cohort_names
from ui.bank import DEFAULT_BANK_PATH, default_bank
from ui.db import engine
from ui.pickers import pick_workshop
from ui.text import escape_markdown as md
from ui.text import plain_text

facilitator_id = require_facilitator()  # checked on every run, not only in the menu
actor = f"facilitator:{facilitator_id}"

st.title("Workshops")
with transaction(engine()) as session:
    workshops = list_workshops(session=session)
    partnerships = list_partnerships(session=session)
visible = visible_cohort_names(facilitator_id)  # never another facilitator's cohorts
workshops = [w for w in workshops if w["cohort"] in visible]
partnerships = [p for p in partnerships if p["cohort"] in visible]

with st.expander("Create a workshop", expanded=not workshops, icon=":material/add:"):
    if not partnerships:
        st.info(
            "There are no partnerships yet. Create a cohort and a partnership from the command line "
            "(`python -m assessment cohort create`, `partnership create`), or load the sample data from "
            "the home page."
        )
    else:
        bank = default_bank()
        by_id = {p["id"]: p for p in partnerships}
        with st.form("create_workshop"):
            partnership = st.selectbox(
                "Partnership",
                list(by_id),
                format_func=lambda p: plain_text(f"{by_id[p]['name']} ({by_id[p]['cohort']})"),
            )
            title = st.text_input("Title", max_chars=200, placeholder="e.g. Leadership team, spring round")
            held_on = st.date_input("Date", value=date.today(), format="DD/MM/YYYY")
            round_label = st.text_input("Round label (optional)", max_chars=80, placeholder="e.g. Round 2")
            domains = st.multiselect(
                "Domains to include",
                [d.id for d in bank.domains],
                default=[d.id for d in bank.domains],
                format_func=lambda d: bank.domain(d).title,
            )
            named = st.toggle("Participants give their names (otherwise anonymous)", value=False)
            create = st.form_submit_button("Create workshop", type="primary")
        if create:
            if not title.strip() or not domains:
                st.error("Give the workshop a title and at least one domain.")
            elif "\x00" in title + round_label:
                # PostgreSQL refuses a NUL in text with an error; SQLite would keep it.
                st.error(
                    "The title or round label contains a NUL character, which cannot be stored; retype it."
                )
            else:
                try:
                    with transaction(engine()) as session:
                        version = store_bank_version(
                            session=session, yaml_text=DEFAULT_BANK_PATH.read_text(encoding="utf-8-sig")
                        )
                        created = create_workshop(
                            session=session,
                            partnership_id=partnership,
                            bank_version_id=version,
                            title=title,
                            held_on=held_on,
                            round_label=round_label.strip() or None,
                            domains=domains,
                            anonymous=not named,
                        )
                except StoreError as exc:
                    st.error(f"Could not create the workshop: {exc}.")
                else:
                    st.session_state["workshop_code"] = created.join_code
                    st.rerun()

if not workshops:
    st.stop()

code = pick_workshop(workshops)

with transaction(engine()) as session:
    workshop = workshop_info(session=session, join_code=code)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)


def take(step: Step) -> None:
    try:
        with transaction(engine()) as session:
            take_step(session=session, workshop_id=workshop.id, step=step, facilitator_id=facilitator_id)
    except StoreError as exc:
        st.error(f"Could not {step} the workshop: {exc}.")
    else:
        st.rerun()  # draw the new state


state = {"draft": "not open yet", "open": "open for answers", "closed": "closed for answers"}[workshop.status]
st.markdown(
    f"**{md(workshop.partnership)} · {md(workshop.title)}** is {state}"
    + (", results revealed" if workshop.revealed else "")
)
# Handled in the page, not in on_click callbacks: a callback runs before the page, so before the
# sign-in and cohort checks above, with the workshop of the run that drew the button. Keyed by the
# workshop, so a click never lands on another workshop the picker falls back to. A button the
# lifecycle would refuse is greyed out; the service refuses it anyway.
allowed = allowed_steps(state_of(workshop.status, workshop.revealed))
BUTTONS: tuple[tuple[Step, str], ...] = (
    ("open", "Open for answers"),
    ("close", "Close answering"),
    ("reveal", "Reveal results"),
    ("hide", "Hide results"),
)
for column, (step, label) in zip(st.columns(len(BUTTONS)), BUTTONS, strict=True):
    if column.button(
        label,
        disabled=step not in allowed,
        type="primary" if step == "reveal" else "secondary",
        key=f"{step}-{workshop.id}",
    ):
        take(step)

# The join link is built from the address the facilitator is using, so it works on the room's network.
address = urlsplit(st.context.url or "")
origin = f"{address.scheme}://{address.netloc}" if address.netloc else ""
join_link = f"{origin}/join?code={workshop.join_code}"
code_column, qr_column = st.columns([3, 2])
with code_column:
    st.markdown("Join at")
    st.code(join_link, language=None)
    st.markdown("with the code")
    st.markdown(
        f"<div role='text' aria-label='Join code {html.escape(' '.join(workshop.join_code))}' "
        "style='font-size:clamp(2rem,5.5vw,5.5rem);font-weight:700;letter-spacing:0.12em;white-space:nowrap;"
        f"font-family:monospace;color:#003087'>{html.escape(workshop.join_code)}</div>",
        unsafe_allow_html=True,  # only the code, drawn from our own alphabet and escaped anyway
    )
with qr_column:
    buffer = io.BytesIO()
    segno.make(join_link, error="m").save(buffer, kind="png", scale=8, border=2)
    st.image(buffer.getvalue(), caption="Scan to join", width=260)


@st.fragment(run_every="3s")
def live_progress() -> None:
    # Read from the database every few seconds: participants may be on another server.
    with transaction(engine()) as session:
        progress = workshop_progress(
            session=session, workshop_id=workshop.id, bank=bank, domains=list(workshop.domains)
        )
    st.subheader("Live progress")
    joined, submitted = st.columns(2)
    joined.metric("Joined", progress.joined)
    submitted.metric("Submitted", progress.submitted)
    sectors = {s.id: s.label for s in bank.sectors}
    by_sector = pd.DataFrame(
        {
            "Sector": [sectors.get(s, s) for s in progress.by_sector],
            "Joined": list(progress.by_sector.values()),
        }
    )
    completion = pd.DataFrame(
        {
            "Domain": [bank.domain(d).title for d in progress.completion],
            "Answered": [round(100 * share) for share in progress.completion.values()],
        }
    )
    left, right = st.columns([1, 2])
    left.dataframe(by_sector, hide_index=True)
    right.dataframe(
        completion,
        hide_index=True,
        column_config={
            "Answered": st.column_config.ProgressColumn("Answered", format="%d%%", min_value=0, max_value=100)
        },
    )


live_progress()
