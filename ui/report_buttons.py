"""The board PDF from the pages: one click for a workshop's summary, a zip for a cohort pack.

The summary is made when the button is pressed (Streamlit's deferred download: the button spins
while the PDF is typeset, and nothing is made for people who never press it). The cohort pack
takes a while, so it is made on request with a progress bar and then offered for download.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import streamlit as st

from assessment.chart_export import INSTALL_HINT, find_browser, shared_exporter
from assessment.errors import Refused
from assessment.report import safe_filename, summary_filename
from assessment.services import Actor
from assessment.services.results import cohort_pack_zip, summary_pdf
from ui.auth import require_facilitator
from ui.db import plain_engine
from ui.errors import show_refusal

if TYPE_CHECKING:  # only its name: the page is handed the workshop by a service
    from assessment.db.workshops import WorkshopInfo


def charts_notice() -> None:
    """Say before anyone waits for a PDF that its charts cannot be drawn here, and why."""
    if find_browser() is None:
        st.warning(
            "The PDF will have every table but no charts: this server has no browser to draw them. "
            + INSTALL_HINT
        )
    elif shared_exporter().problem:
        st.warning(str(shared_exporter().problem))


def summary_download(workshop: WorkshopInfo, *, actor: Actor | None = None) -> None:
    """The summary of a workshop: a facilitator's (``actor``), or a participant's once revealed."""
    current = plain_engine()  # the callable runs on another thread, outside this page run
    workshop_id = workshop.id

    def make() -> bytes:
        return summary_pdf(engine=current, actor=actor, workshop_id=workshop_id).content

    st.download_button(
        "Download PDF summary",
        data=make,
        file_name=summary_filename(workshop),
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        key=f"results_summary_pdf_{workshop.id}",
        help="A board-ready summary of these results: the same figures, anonymity threshold applied.",
    )
    charts_notice()


def cohort_pack_download(*, cohort_id: int, cohort_name: str) -> None:
    """Make the cohort pack on request, for the signed-in facilitator, and offer it as a zip."""
    actor = Actor.facilitator(require_facilitator())
    key = f"cohorts_pack_{cohort_id}"
    if st.button(
        "Make the cohort pack",
        icon=":material/folder_zip:",
        help="One PDF summary per partnership's latest round and a cohort overview, as a zip.",
        key=f"{key}_make",
    ):
        bar = st.progress(0.0, text="Starting…")

        def moved(done: int, total: int, what: str) -> None:
            bar.progress(
                done / total, text=f"{done} of {total} made · now: {what}" if done < total else "Done"
            )

        try:
            content, count = cohort_pack_zip(
                engine=plain_engine(), actor=actor, cohort_id=cohort_id, progress=moved
            )
        except Refused as exc:
            show_refusal("make the cohort pack", exc)
        else:
            # plain values only: the zip's bytes, how many PDFs, and when (as text)
            st.session_state[key] = (content, count, f"{datetime.now():%H:%M}")
        bar.empty()
    made = st.session_state.get(key)
    if made:
        content, count, when = made
        st.download_button(
            f"Download the cohort pack ({count} PDFs, made {when})",
            data=content,
            file_name=f"{safe_filename(cohort_name)}-cohort-pack.zip",
            mime="application/zip",
            on_click="ignore",
            icon=":material/download:",
            key=f"{key}_download",
        )
    charts_notice()
