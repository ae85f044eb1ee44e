"""The sample data as a board sees it, at a laptop's width (1440) and a phone's (390): every tab
of Team results, Trends and Compare a cohort, with a screenshot of each kept in
artifacts/figures/ for a person to look at. No figure reads "None" or "NaN", and no label on
the page or in a chart is cut short with "…"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import demo_database, new_context, sign_in, start_app

pytestmark = pytest.mark.e2e

WIDTHS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
RESULT_TABS = (
    "Team picture",
    "Where we disagree",
    "Sector lens",
    "Spectrum and accountability",
    "Comments",
    "Consensus and actions",
)
RAW = re.compile(r"(?<![\w-])(None|NaN|nan|NaT|<NA>)(?![\w-])")

# Everything a person reads: the page's text and every word drawn inside the charts' SVG.
READ_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const drawn = [...main.querySelectorAll('svg text')].map(t => t.textContent);
  return [main.innerText, ...drawn];
}"""


def flaws(page: Page) -> list[str]:
    texts: list[str] = page.evaluate(READ_TEXT)
    found = [m.group(0) for text in texts for m in RAW.finditer(text)]
    found += [t for t in texts[1:] if t.strip().endswith(("…", "..."))]
    return found


def go_to(page: Page, link: str) -> None:
    """Through the menu, as a person would (a typed address starts a new, signed-out session); on a
    phone the menu is folded away first."""
    phone = bool(page.viewport_size and page.viewport_size["width"] < 640)
    if phone:
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_role("link", name=link, exact=True).click()
    if phone:  # fold the menu away again, or it covers the page
        page.get_by_role("button", name="Collapse sidebar").click()
        expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport()


def whole_page_shot(page: Page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls its main column, not the document, so
    the window is made as tall as that column for the picture, then put back."""
    size = page.viewport_size or WIDTHS["laptop"]
    tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 12_000))})
    wait_for_charts(page)
    page.screenshot(path=path)
    page.set_viewport_size(size)


def wait_for_charts(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # plotly draws its SVG after the element is attached


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_sample_datas_figures_read_whole_on_a_laptop_and_a_phone(
    browser: Browser, tmp_path: Path, artifacts_dir: Path, width: str
) -> None:
    shots = artifacts_dir / "figures"
    shots.mkdir(parents=True, exist_ok=True)
    demo = demo_database(tmp_path / "board.db")
    server = start_app(artifacts_dir, env={"DATABASE_URL": demo.url})
    found: dict[str, list[str]] = {}
    try:
        page = new_context(browser, viewport=WIDTHS[width]).new_page()
        sign_in(page, server)
        go_to(page, "Team results")
        expect(page.get_by_role("tab", name="Team picture")).to_be_visible()
        for tab in RESULT_TABS:
            page.get_by_role("tab", name=tab).click()
            wait_for_charts(page)
            name = tab.lower().replace(" ", "-")
            whole_page_shot(page, shots / f"results-{name}-{width}.png")
            found[f"results: {tab}"] = flaws(page)
        for link, name in (("Trends", "trends"), ("Compare a cohort", "cohorts")):
            go_to(page, link)
            expect(page.get_by_role("heading", name=link)).to_be_visible()
            wait_for_charts(page)
            whole_page_shot(page, shots / f"{name}-{width}.png")
            found[name] = flaws(page)
        page.context.close()
    finally:
        server.stop()
    assert {where: what for where, what in found.items() if what} == {}
