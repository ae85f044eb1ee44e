"""In a real browser: a facilitator compares the demo cohort; a screenshot is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import demo_database, sign_in, start_app

pytestmark = pytest.mark.e2e


def test_a_facilitator_compares_the_demo_cohort(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    demo = demo_database(tmp_path / "cohorts.db")
    url = demo.url
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, server)
        page.get_by_role("link", name="Compare a cohort").click()
        expect(page.get_by_text("3 of 3 partnerships compared on their latest round.")).to_be_visible()
        heatmap = page.get_by_test_id("stPlotlyChart").first
        expect(heatmap).to_be_visible()
        heatmap.screenshot(path=artifacts_dir / "cohort-heatmap.png")
        page.screenshot(path=artifacts_dir / "cohorts.png", full_page=True)
        page.get_by_role("tab", name="Places and their system").click()
        expect(page.get_by_text("the delegation question made visible")).to_be_visible()
        context.close()
    finally:
        server.stop()
