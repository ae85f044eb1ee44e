"""The server starts the PDF's chart browser in the background as it starts (issue 18), before
anyone opens a page, and the first PDF then uses it; switched off, nothing is started.

How long the first download takes is measured in bench/first_pdf.py, not asserted here.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from tests.e2e.conftest import AppServer, demo_database, free_port, sign_in, start_app

pytestmark = pytest.mark.e2e

STARTED = "The chart browser is started, in the background"
SWITCHED_OFF = "The chart browser is not started in the background (ICS_CHART_WARMUP is off)."
# Generous: a busy two-core machine; an idle one takes 2 to 5 seconds.
WARM_UP_SECONDS = 90


def started(artifacts_dir: Path, database: str, **env: str) -> tuple[AppServer, int]:
    """A server on a port of its own, and where its log began (the file is appended to)."""
    port = free_port()
    log = artifacts_dir / f"streamlit-{port}.log"
    before = log.stat().st_size if log.exists() else 0
    return start_app(artifacts_dir, env={"DATABASE_URL": database, **env}, port=port), before


def log_since(server: AppServer, before: int) -> str:
    return server.log.read_bytes()[before:].decode("utf-8", errors="replace")


def test_the_chart_browser_is_started_before_anyone_asks_and_the_first_pdf_uses_it(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    from assessment.db import transaction, workshop_info
    from assessment.services import Actor
    from assessment.services.results import workshop_results

    demo = demo_database(tmp_path / "warm.db")
    with transaction(demo.engine) as session:
        chosen = workshop_info(session=session, join_code=demo.join_codes[-1])
    # The chosen round's own sentence: "Biggest gap:" alone is also on the round shown first.
    readings = workshop_results(engine=demo.engine, actor=Actor.operator(), workshop_id=chosen.id).readings
    server, before = started(artifacts_dir, demo.url, ICS_CHART_WARMUP="on")
    try:
        deadline = time.monotonic() + WARM_UP_SECONDS
        while STARTED not in log_since(server, before) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert STARTED in log_since(server, before), log_since(server, before)  # no page opened yet

        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, server)
        page.get_by_role("link", name="Team results").click()
        page.get_by_role("combobox", name="Workshop").click()
        page.get_by_role("option", name=chosen.join_code).click()
        expect(page.get_by_text(readings.biggest_gap)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("The PDF will have every table but no charts")).to_have_count(0)
        with page.expect_download(timeout=120_000) as download_info:
            page.get_by_role("button", name="Download PDF summary").click()
        content = Path(download_info.value.path()).read_bytes()
        context.close()
    finally:
        server.stop()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)
    assert "Where the team sees the partnership" in text  # the radar, drawn by the warmed browser
    assert "Charts not drawn" not in text
    logged = log_since(server, before)
    assert logged.count(STARTED) == 1
    assert "could not be started" not in logged


def test_switched_off_the_server_starts_no_chart_browser(tmp_path: Path, artifacts_dir: Path) -> None:
    demo = demo_database(tmp_path / "cold.db")
    server, before = started(artifacts_dir, demo.url, ICS_CHART_WARMUP="off")
    try:
        deadline = time.monotonic() + WARM_UP_SECONDS
        while SWITCHED_OFF not in log_since(server, before) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        server.stop()
    logged = log_since(server, before)
    assert SWITCHED_OFF in logged
    assert STARTED not in logged
