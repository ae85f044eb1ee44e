"""After a workshop: the facilitator reads the results, records a consensus and an action, and
finds both on the trends page. Screenshots of both pages are kept for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessment.db import transaction
from assessment.outcomes import current_consensus, list_actions
from tests.e2e.conftest import ResultsPage

pytestmark = pytest.mark.e2e


def test_a_facilitator_records_consensus_and_an_action_and_sees_them_on_the_trends_page(
    results_page: ResultsPage, artifacts_dir: Path
) -> None:
    page, engine, latest = results_page.page, results_page.engine, results_page.workshop
    page.screenshot(path=artifacts_dir / "results.png", full_page=True)

    add = page.get_by_role("button", name="Add an action for").first
    domain_title = add.inner_text().split("Add an action for ", 1)[1].strip()
    add.click()
    expect(page.get_by_text(f"Action added for {domain_title}")).to_be_visible()

    page.get_by_role("tab", name="Consensus and actions").click()
    page.get_by_role("combobox", name="Domain").click()
    page.get_by_role("option", name="Mind the gaps", exact=True).click()
    page.get_by_label("Why (the rationale)").fill("Councils and the VCSE feel the gaps most")
    page.get_by_role("button", name="Record consensus").click()
    expect(page.get_by_text("Councils and the VCSE feel the gaps most").first).to_be_visible()

    page.get_by_role("link", name="Trends").click()
    page.get_by_role("combobox", name="Partnership").click()
    page.get_by_role("option", name="Riverside ICS", exact=False).first.click()
    expect(page.get_by_role("heading", name="Participation")).to_be_visible()
    expect(page.get_by_text(f"Close the gap on {domain_title}").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "trends.png", full_page=True)
    results_page.close()  # the browser closed and the server stopped: the database is final

    with transaction(engine) as session:
        assert "mind-the-gaps" in current_consensus(session=session, workshop_id=latest.id)
        titles = [a.title for a in list_actions(session=session, partnership_id=latest.partnership_id)]
    assert f"Close the gap on {domain_title}" in titles
