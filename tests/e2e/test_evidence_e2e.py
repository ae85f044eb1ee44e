"""Evidence beside an agreed level in a real browser: shown with its web links live and nothing else
made a link, a row added in the table and saved, and the page on a 1280 by 720 screen kept as a
picture for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessment.db import transaction
from assessment.outcomes import Evidence, current_consensus, set_evidence
from tests.e2e.conftest import ResultsPage, click_grid_cell

pytestmark = pytest.mark.e2e

SCRIPT_NOTE = "<script>alert('x')</script> **not bold** [no](javascript:alert(1))"


def test_evidence_shows_escaped_with_web_links_live_and_a_row_added_in_the_browser_is_saved(
    results_page: ResultsPage, artifacts_dir: Path
) -> None:
    page, engine, latest = results_page.page, results_page.engine, results_page.workshop
    with transaction(engine) as session:
        agreed = current_consensus(session=session, workshop_id=latest.id)
        domain = next(key for key in agreed if "/" not in key)
        set_evidence(
            session=session,
            workshop_id=latest.id,
            domain_id=domain,
            items=[
                Evidence("Board minutes, March 2026, item 4", "https://example.org/minutes/2026-03"),
                Evidence(SCRIPT_NOTE, ""),
            ],
            actor="test",
        )
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("tab", name="Consensus and actions").click()
    chooser = page.get_by_role("combobox", name="Domain")
    chooser.click()
    from assessment.db import bank_for_version

    with transaction(engine) as session:
        bank = bank_for_version(session=session, bank_version_id=latest.bank_version_id)
    title = bank.domain(domain).title
    page.get_by_role("option", name=title, exact=True).click()
    expect(page.get_by_text(f"Evidence for {title}")).to_be_visible()

    link = page.locator("li").get_by_role("link", name="https://example.org/minutes/2026-03")
    expect(link).to_have_attribute("href", "https://example.org/minutes/2026-03")
    expect(page.locator("li").get_by_text(SCRIPT_NOTE)).to_be_visible()  # as typed: no markup, no bold
    assert page.locator("a[href^='javascript']").count() == 0
    editor = page.locator("[class*='st-key-results_evidence_']").get_by_test_id("stDataFrame")
    editor.scroll_into_view_if_needed()
    page.get_by_text(f"Evidence for {title}").scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "evidence-results-1280x720.png")

    # Add a row: a click on the grid's empty last row adds one, then its Note cell is typed into.
    click_grid_cell(editor, x=80, row=3)
    page.keyboard.press("Enter")  # opens the cell's editor
    cell = page.locator("#portal textarea, #portal input").first
    expect(cell).to_be_visible()
    cell.fill("Risk register entry 12")
    # Save pressed while the cell is still being typed in: a person's quickest way; the cell's
    # text goes with the click.
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_text(f"Saved the evidence for {title}")).to_be_visible()
    page.screenshot(path=artifacts_dir / "evidence-saved-1280x720.png")
    results_page.close()
    with transaction(engine) as session:
        stored = current_consensus(session=session, workshop_id=latest.id)[domain].evidence
    assert stored[-1] == Evidence("Risk register entry 12", "")
    assert len(stored) == 3
