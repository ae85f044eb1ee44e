import re

import pandas as pd
import streamlit as st

from assessment.charts import domain_radar
from assessment.framework import MaturityItem
from assessment.results import score_stored_workshop
from assessment.store import (
    bank_for_version,
    participant_by_token,
    participant_revision,
    participant_stored_answers,
    participant_submitted,
    submit_participant,
    transaction,
    workshop_info,
)
from ui.db import engine
from ui.results_view import show_results
from ui.text import escape_markdown as md
from ui.walkthrough import answering_closed, draw_items

# secrets.token_urlsafe's alphabet, at most the column's width.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")

# The resume token in the address is the participant's only key: it names one participant of
# one workshop, so nothing in the URL can reach another workshop's data.
token = st.query_params.get("token", "")
if not TOKEN_SHAPE.fullmatch(token):
    token = ""  # not a token we ever made; a NUL in it would even be an error on PostgreSQL
with transaction(engine()) as session:
    participant = participant_by_token(session=session, token=token)
    if participant is None:
        st.title("Your answers")
        st.error(
            "This link is not valid. Check that you copied the whole link, or join again with the code on "
            "the screen."
        )
        st.page_link("views/join.py", label="Join with a code")
        st.stop()
    workshop = workshop_info(session=session, workshop_id=participant.workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    revision = participant_revision(session=session, participant_id=participant.id)
    stored = participant_stored_answers(session=session, participant_id=participant.id)
    submitted = participant_submitted(session=session, participant_id=participant.id)

saved = {item_id: s.answer for item_id, s in stored.items()}
domains = list(workshop.domains)
steps = [*domains, "review"]
editing = workshop.status == "open" and (not submitted or st.query_params.get("view") == "edit")


def go_to(step: int) -> None:
    st.query_params["step"] = str(step)


def answered(domain_id: str) -> tuple[int, int]:
    items = bank.domain(domain_id).items
    return sum(1 for i in items if i.id in saved), len(items)


st.title(md(workshop.title))
st.caption(md(f"{workshop.partnership} · you answer as {participant.label}, privately"))

if editing:
    try:
        step = min(max(int(st.query_params.get("step", "1")), 1), len(steps))
    except ValueError:
        step = 1
    with st.sidebar:
        st.markdown("**Your progress**")
        for number, domain_id in enumerate(domains, start=1):
            done, total = answered(domain_id)
            mark = ":material/check_circle:" if done == total else ":material/radio_button_unchecked:"
            st.button(
                f"{mark} {number}. {bank.domain(domain_id).title} ({done}/{total})",
                key=f"goto-{number}",
                on_click=go_to,
                args=(number,),
                type="tertiary",
            )
        st.button(
            ":material/fact_check: Review and submit",
            key="goto-review",
            on_click=go_to,
            args=(len(steps),),
            type="tertiary",
        )
    st.progress((step - 1) / (len(steps) - 1), text=f"Step {step} of {len(steps)}")

    if steps[step - 1] == "review":
        st.header("Review and submit")
        missing = [
            (bank.domain(d).title, item.text)
            for d in domains
            for item in bank.domain(d).items
            if item.id not in saved
        ]
        if missing:
            st.warning(
                f"{len(missing)} question(s) have no answer yet. You can go back to them, or submit as it is."
            )
            st.table(pd.DataFrame(missing, columns=["Domain", "Question"]).map(md), hide_index=True)
        else:
            st.success("Every question has an answer.")
        if st.button("Submit my answers", type="primary"):
            with transaction(engine()) as session:
                submit_participant(session=session, participant_id=participant.id)
            st.query_params.pop("view", None)
            st.rerun()
    else:
        domain = bank.domain(steps[step - 1])
        st.header(f"{step}. {md(domain.title)}")
        st.markdown(md(domain.description))
        draw_items(
            bank=bank,
            items=domain.items,
            stored=stored,
            revision=revision,
            participant_id=participant.id,
            domains=domains,
            step=step,
        )
    back, _, forward = st.columns([1, 2, 1])
    back.button("← Back", disabled=step == 1, on_click=go_to, args=(step - 1,), width="stretch")
    forward.button(
        "Next →",
        disabled=step == len(steps),
        on_click=go_to,
        args=(step + 1,),
        type="primary",
        width="stretch",
    )
    st.caption(
        "Every answer is saved as you give it. To come back later, on this or another device, keep this "
        "page's address: it is your personal resume link."
    )
    st.stop()

# --- after submitting (or once answering has closed) -------------------------------------------------
if submitted:
    st.success("Thank you: your answers are in.")
elif workshop.status == "closed" and answering_closed():
    st.warning(
        "Answering has closed for this workshop. Your last change was not saved; your last saved "
        "answers are kept.",
        icon=":material/lock:",
    )
elif workshop.status == "closed":
    st.info("Answering has closed for this workshop. Your last saved answers are kept.")
else:
    st.info("This workshop is not open for answers yet.")
if workshop.status == "open" and submitted:
    st.button("Change my answers", on_click=lambda: st.query_params.update({"view": "edit", "step": "1"}))

st.subheader("Your own profile")
own = []
for domain_id in domains:
    values = [
        saved[i.id] for i in bank.domain(domain_id).items if isinstance(i, MaturityItem) and i.id in saved
    ]
    rated = [a for a in values if not a.dont_know and a.current is not None and a.target is not None]
    own.append(
        {
            "Domain": bank.domain(domain_id).title,
            "Now": sum(a.current or 0 for a in rated) / len(rated) if rated else None,
            "Target": sum(a.target or 0 for a in rated) / len(rated) if rated else None,
        }
    )
profile = pd.DataFrame(own)
chart, table = st.columns([3, 2])
chart.plotly_chart(
    domain_radar(
        profile["Domain"].tolist(),
        {"Now": profile["Now"].tolist(), "Target": profile["Target"].tolist()},
        scale_labels=[level.label for level in bank.scale],
        title="Your answers, averaged per domain",
    ),
    config={"displayModeBar": False},
)
table.dataframe(profile.round(2), hide_index=True)


if workshop.revealed:
    st.header("The team picture")
    with transaction(engine()) as session:
        scored = score_stored_workshop(session=session, workshop_id=participant.workshop_id)
    show_results(scored, actor=None)
else:

    @st.fragment(run_every="5s")
    def wait_for_reveal() -> None:
        # Polls the database, so the picture appears as soon as the facilitator reveals it,
        # whichever server that facilitator is on; then the whole page draws it.
        with transaction(engine()) as session:
            revealed = workshop_info(session=session, workshop_id=participant.workshop_id).revealed
        if revealed:
            st.rerun(scope="app")
        st.info("The team picture appears here when your facilitator reveals it.")

    wait_for_reveal()
