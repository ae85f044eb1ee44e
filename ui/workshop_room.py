"""The room's view of an open workshop: where and how to join, and who has answered so far.

Drawn on the Workshops page for the projector; the figures are counts only (joined, submitted, by
sector, share of each domain answered), never an answer.
"""

from __future__ import annotations

import html
import io
from urllib.parse import urlsplit

import pandas as pd
import segno
import streamlit as st

from assessment.errors import Refused
from assessment.services import Actor
from assessment.services import workshops as service
from ui.db import engine
from ui.errors import show_refusal
from ui.text import plain_text

REMOVED_KEY = "workshops_removed"


def join_link(join_code: str) -> str:
    """The join address, built from the address the facilitator is using, so it works on the
    room's network."""
    address = urlsplit(st.context.url or "")
    origin = f"{address.scheme}://{address.netloc}" if address.netloc else ""
    return f"{origin}/join?code={join_code}"


def show_join_panel(join_code: str) -> None:
    """The join link, the code in letters large enough for the back of the room, and a QR code."""
    link = join_link(join_code)
    code_column, qr_column = st.columns([3, 2])
    with code_column:
        st.markdown("Join at")
        st.code(link, language=None)
        st.markdown("with the code")
        st.markdown(
            f"<div role='text' aria-label='Join code {html.escape(' '.join(join_code))}' "
            "style='font-size:clamp(2rem,5.5vw,5.5rem);font-weight:700;letter-spacing:0.12em;white-space:nowrap;"
            f"font-family:monospace;color:#003087'>{html.escape(join_code)}</div>",
            unsafe_allow_html=True,  # only the code, drawn from our own alphabet and escaped anyway
        )
    with qr_column:
        buffer = io.BytesIO()
        segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
        st.image(
            buffer.getvalue(),
            caption="Scan to join",
            width=260,
            alt=f"QR code that opens the join page with the code {join_code}",
        )


@st.fragment(run_every="3s")
def show_live_progress(*, actor: Actor, workshop_id: int) -> None:
    """Joined and submitted counts, by sector and by domain, redrawn every few seconds."""
    # Read from the database each time: participants may be on another server.
    progress = service.progress(engine=engine(), actor=actor, workshop_id=workshop_id)
    st.subheader("Live progress")
    joined, submitted = st.columns(2)
    joined.metric("Joined", progress.joined)
    submitted.metric("Submitted", progress.submitted)
    waiting = progress.joined - progress.submitted
    if waiting:
        # Said where the facilitator looks before closing: only submitted answers count.
        st.caption(
            f"{waiting} {'person has' if waiting == 1 else 'people have'} joined and not submitted: "
            "their answers count only once they press Submit."
        )
    by_sector = pd.DataFrame(progress.by_sector, columns=["Sector", "Joined"])
    completion = pd.DataFrame(
        [(title, round(100 * share)) for title, share in progress.completion], columns=["Domain", "Answered"]
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


def show_not_submitted(*, actor: Actor, workshop_id: int, revealed: bool) -> None:
    """Who joined and has not submitted, how far each got, and (before the reveal) a way to remove
    a join left behind: the same person on a second device, a tab nobody came back to."""
    people = service.not_submitted(engine=engine(), actor=actor, workshop_id=workshop_id)
    if not people:
        return
    with st.expander(f"Joined but not submitted ({len(people)})", icon=":material/person_off:"):
        st.caption(
            "Their answers do not count until they press Submit. Someone who joined twice (a second "
            "phone, a new browser) leaves a participant behind here with few or no answers."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Participant": p.label,
                        "Sector": p.sector,
                        "Answered": p.answered,
                        "Joined": p.joined_at.strftime("%H:%M"),
                        "Last answer": p.last_answer_at.strftime("%H:%M")
                        if p.last_answer_at
                        else "no answer yet",
                    }
                    for p in people
                ]
            ),
            hide_index=True,
        )
        if revealed:
            st.info("The results have been revealed, so nobody can be removed now.")
            return
        names = {p.id: f"{p.label} ({p.sector}, {p.answered} answered)" for p in people}
        with st.form(f"workshops_remove_{workshop_id}", border=False):
            chosen = st.selectbox(
                "Participant to remove",
                list(names),
                index=None,
                format_func=lambda pid: plain_text(names[pid]),
                placeholder="Choose who to remove",
            )
            sure = st.checkbox("Remove them and every answer they gave. This cannot be undone.")
            remove = st.form_submit_button("Remove participant")
        if remove:
            if chosen is None or not sure:
                st.error("Choose who to remove and tick the box to confirm, then press Remove participant.")
                return
            try:
                label = service.remove_participant(
                    engine=engine(), actor=actor, workshop_id=workshop_id, participant_id=chosen
                )
            except Refused as exc:
                show_refusal(
                    "remove the participant", exc, then="Reload the page to see who is still waiting."
                )
                return
            st.session_state[REMOVED_KEY] = label
            st.rerun()
