"""The PDF buttons on the results and cohort pages, and what they say when no browser can draw."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment import chart_export
from assessment.db import cohort_id, transaction
from assessment.demo import load_demo
from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """No browser to draw with, and an exporter of this test's own: the process's shared one
    would remember the failure and show it on every later test's page."""
    monkeypatch.setenv("ICS_CHART_BROWSER", "/nonexistent/chromium")
    monkeypatch.setattr(chart_export, "_shared", chart_export.ChartExporter())


def download_buttons(at: object) -> list[str]:
    return [str(e.proto.label) for e in at.get("download_button")]  # type: ignore[attr-defined]


def test_the_results_page_offers_the_pdf_summary(app_db: Engine, facilitator: int) -> None:
    summary = load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=summary.join_codes[0])
    assert not at.exception
    assert "Download PDF summary" in download_buttons(at)


def test_without_a_browser_the_pages_say_the_pdf_has_tables_only_and_what_to_install(
    app_db: Engine, facilitator: int, no_browser: None
) -> None:
    summary = load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=summary.join_codes[0])
    warnings = " ".join(w.value for w in at.warning)
    assert "every table but no charts" in warnings
    assert "apt-get install chromium" in warnings


def test_the_cohort_pack_is_made_with_a_progress_bar_and_offered_as_a_zip(
    app_db: Engine, facilitator: int, no_browser: None
) -> None:
    # Tables only (no browser), so the test measures the pack, not chart drawing.
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        cohort = cohort_id(session=session, name=summary.cohort)
    at = open_as_facilitator(facilitator, "views/cohorts.py", cohorts_cohort=cohort)
    assert not any(label.startswith("Download the cohort pack") for label in download_buttons(at))
    next(b for b in at.button if b.label == "Make the cohort pack").click()
    at.run(timeout=120)
    assert not at.exception
    assert any(label.startswith("Download the cohort pack (4 PDFs") for label in download_buttons(at))
    content, _, _ = at.session_state[f"cohorts_pack_{cohort}"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
        assert names == [
            "cohort-overview.pdf",
            "northam-place-2026-09-29-summary.pdf",
            "riverside-ics-2026-09-22-summary.pdf",
            "southbridge-place-2026-10-06-summary.pdf",
        ]
        text = (
            PdfReader(io.BytesIO(archive.read("riverside-ics-2026-09-22-summary.pdf")))
            .pages[0]
            .extract_text()
        )
    assert "Riverside ICS" in text and "Charts not drawn" in text


def test_the_page_s_cohort_pack_is_typeset_in_the_page_s_own_process_with_no_pool(
    app_db: Engine, facilitator: int, no_browser: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary typesets in about a tenth of a second, so the page starts no pool of processes
    (their start would cost more than they save); the pack still holds every file."""
    from assessment import report, typesetter

    pools: list[int] = []

    class Counted(typesetter.TypesettingPool):
        def __init__(self, size: int) -> None:
            super().__init__(size)
            pools.append(size)

    monkeypatch.setattr(report, "TypesettingPool", Counted)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        cohort = cohort_id(session=session, name=summary.cohort)
    at = open_as_facilitator(facilitator, "views/cohorts.py", cohorts_cohort=cohort)
    next(b for b in at.button if b.label == "Make the cohort pack").click()
    at.run(timeout=180)
    assert not at.exception
    assert pools == []
    content, _, _ = at.session_state[f"cohorts_pack_{cohort}"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert len(archive.namelist()) == 4
        text = PdfReader(io.BytesIO(archive.read("cohort-overview.pdf"))).pages[0].extract_text()
    assert summary.cohort in text
