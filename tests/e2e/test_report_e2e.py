"""In a real browser: a facilitator downloads a workshop's PDF summary with one click.

The server draws the charts with its own headless Chromium (kaleido), so this also proves the
app process can start and keep that browser. The PDF is kept under artifacts/ to look at.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from tests.e2e.conftest import demo_database, sign_in, start_app

pytestmark = pytest.mark.e2e


def test_a_facilitator_downloads_the_pdf_summary_with_its_charts(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    demo = demo_database(tmp_path / "report.db")
    url = demo.url
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, server)
        page.get_by_role("link", name="Team results").click()
        page.get_by_role("combobox", name="Workshop").click()
        page.get_by_role("option", name=demo.join_codes[-1]).click()
        expect(page.get_by_text("Biggest gap:")).to_be_visible()
        button = page.get_by_role("button", name="Download PDF summary")
        # A cold start (browser for the charts, fonts) is slow on a busy two-core machine.
        with page.expect_download(timeout=120_000) as download_info:
            button.click()
        download = download_info.value
        assert download.suggested_filename.endswith("-summary.pdf")
        saved = artifacts_dir / download.suggested_filename
        download.save_as(saved)
        context.close()
    finally:
        server.stop()
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Three biggest gaps" in text
    assert "Where the team sees the partnership" in text  # the radar was drawn, as text in vector
    assert "Charts not drawn" not in text
