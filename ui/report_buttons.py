"""The board PDF from the pages: one click for a workshop's summary, a zip for a cohort pack.

The summary is made when the button is pressed (Streamlit's deferred download: the button spins
while the PDF is typeset, and nothing is made for people who never press it). The cohort pack
takes a while, so it is made on request with a progress bar and then offered for download.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from assessment.chart_export import INSTALL_HINT, find_browser, shared_exporter
from assessment.report import cohort_pack, safe_filename, summary_filename, workshop_summary_pdf, zip_pack
from assessment.store import WorkshopInfo, transaction
from ui.db import plain_engine


def charts_notice() -> None:
    """Say before anyone waits for a PDF that its charts cannot be drawn here, and why."""
    if find_browser() is None:
        st.warning(
            "The PDF will have every table but no charts: this server has no browser to draw them. "
            + INSTALL_HINT
        )
    elif shared_exporter().problem:
        st.warning(str(shared_exporter().problem))


def summary_download(workshop: WorkshopInfo) -> None:
    current = plain_engine()  # the callable runs on another thread, outside this page run

    def make() -> bytes:
        with transaction(current) as session:
            return workshop_summary_pdf(session=session, workshop_id=workshop.id).content

    st.download_button(
        "Download PDF summary",
        data=make,
        file_name=summary_filename(workshop),
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        key=f"summary-pdf-{workshop.id}",
        help="A board-ready summary of these results: the same figures, anonymity threshold applied.",
    )
    charts_notice()


def cohort_pack_download(*, cohort_id: int, cohort_name: str) -> None:
    key = f"cohort-pack-{cohort_id}"
    if st.button(
        "Make the cohort pack",
        icon=":material/folder_zip:",
        help="One PDF summary per partnership's latest round and a cohort overview, as a zip.",
    ):
        bar = st.progress(0.0, text="Starting…")

        def moved(done: int, total: int, what: str) -> None:
            bar.progress(
                done / total, text=f"{done} of {total} made · now: {what}" if done < total else "Done"
            )

        with transaction(plain_engine()) as session:
            files = list(cohort_pack(session=session, cohort_id=cohort_id, progress=moved))
        st.session_state[key] = (zip_pack(files), len(files), datetime.now())
        bar.empty()
    made = st.session_state.get(key)
    if made:
        content, count, when = made
        st.download_button(
            f"Download the cohort pack ({count} PDFs, made {when:%H:%M})",
            data=content,
            file_name=f"{safe_filename(cohort_name)}-cohort-pack.zip",
            mime="application/zip",
            on_click="ignore",
            icon=":material/download:",
            key=f"{key}-download",
        )
    charts_notice()
