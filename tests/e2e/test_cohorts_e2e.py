"""In a real browser: a facilitator compares the demo cohort; a screenshot is kept. Each
partnership's radar fits a phone's screen and shares a row on a projector's."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from assessment.charts import SMALL_RADAR_WIDTH
from tests.e2e.conftest import demo_database, fill_sign_in_form, sign_in, start_app

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


def radar_boxes(browser: Browser, server_url: str, width: int, height: int) -> list[dict[str, float]]:
    """Where each partnership's radar sits on the Each partnership tab, at this screen size."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{server_url}/account/sign-in?next=/cohorts")
        fill_sign_in_form(page)
        page.get_by_role("tab", name="Each partnership").click()
        radars = page.get_by_role("tabpanel").get_by_test_id("stPlotlyChart")
        expect(radars).to_have_count(3)
        for radar in radars.all():
            expect(radar.locator(".main-svg").first).to_be_attached()
        return [radar.bounding_box() or {} for radar in radars.all()]
    finally:
        context.close()


def test_each_partnerships_radar_is_whole_on_a_phone_and_side_by_side_on_a_projector(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    demo = demo_database(tmp_path / "cohorts.db")
    server = start_app(artifacts_dir, env={"DATABASE_URL": demo.url})
    try:
        phone = radar_boxes(browser, server.url, 390, 844)
        projector = radar_boxes(browser, server.url, 1280, 720)
    finally:
        server.stop()
    # A phone: one under another, each as wide as it was drawn and inside the screen.
    assert [round(box["x"]) for box in phone] == [round(phone[0]["x"])] * 3
    assert all(box["y"] + box["height"] <= after["y"] for box, after in pairwise(phone))
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 390 for box in phone)
    assert all(box["width"] == SMALL_RADAR_WIDTH for box in phone + projector)
    # A projector, beside the menu: the three in one row.
    assert len({round(box["y"]) for box in projector}) == 1
