"""The action plan in a real browser: a cell typed into the plan is in the database even when the
facilitator leaves the page at once, with no button pressed; and a double click on "Add an
action for ..." adds one action."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessment.db import transaction
from assessment.outcomes import list_actions
from tests.e2e.conftest import ResultsPage, click_grid_cell

pytestmark = pytest.mark.e2e


def test_an_edit_typed_into_the_plan_is_kept_when_the_facilitator_leaves_at_once(
    results_page: ResultsPage,
) -> None:
    page, engine, latest = results_page.page, results_page.engine, results_page.workshop
    with transaction(engine) as session:
        before = list_actions(session=session, partnership_id=latest.partnership_id)
    add = page.get_by_role("button", name="Add an action for").first
    domain_title = add.inner_text().split("Add an action for ", 1)[1].strip()
    add.dblclick()
    expect(page.get_by_text(f"Action added for {domain_title}").first).to_be_visible()

    page.get_by_role("tab", name="Consensus and actions").click()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)  # redrawn
    grid = page.locator("[class*='st-key-results_actions_']").get_by_test_id("stDataFrame")
    # The grid drawn with the new action (its screen-reader table holds the visible rows), not
    # the grid from before the double click's runs.
    expect(grid.locator("td", has_text=f"Close the gap on {domain_title}")).to_have_count(1)
    # The first row's first cell, then three to the right: Domain, Round, Title, Owner.
    click_grid_cell(grid, x=30, row=1)
    # The grid has the keyboard: were the focus left on the tab just clicked, the arrow keys
    # below would turn the tabs instead.
    expect(grid.get_by_test_id("data-grid-canvas")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor on what it holds
    cell = page.locator("#portal textarea, #portal input").first
    expect(cell).to_be_visible()
    cell.fill("Director of Public Health")
    cell.press("Enter")
    # Away before the page has redrawn (it takes a second or more): a person's quickest click.
    page.wait_for_timeout(200)
    page.get_by_role("link", name="Trends").click()  # away at once: nothing else pressed
    expect(page.get_by_role("combobox", name="Partnership")).to_be_visible()
    results_page.close()  # the browser closed and the server stopped: the database is final

    with transaction(engine) as session:
        after = list_actions(session=session, partnership_id=latest.partnership_id)
    assert len(after) == len(before) + 1  # the double click added one
    owners = {a.id: a.owner for a in before}
    assert after[0].owner == "Director of Public Health"
    assert all(a.owner == owners.get(a.id, "") for a in after[1:])  # no other row was touched
