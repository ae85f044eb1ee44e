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

from assessment.services import Actor
from assessment.services import workshops as service
from ui.db import engine


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
        st.image(buffer.getvalue(), caption="Scan to join", width=260)


@st.fragment(run_every="3s")
def show_live_progress(*, actor: Actor, workshop_id: int) -> None:
    """Joined and submitted counts, by sector and by domain, redrawn every few seconds."""
    # Read from the database each time: participants may be on another server.
    progress = service.progress(engine=engine(), actor=actor, workshop_id=workshop_id)
    st.subheader("Live progress")
    joined, submitted = st.columns(2)
    joined.metric("Joined", progress.joined)
    submitted.metric("Submitted", progress.submitted)
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
