"""After a workshop: the facilitator reads the results, records a consensus and an action, and
finds both on the trends page. Screenshots of both pages are kept for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from assessment.db import transaction, workshop_info
from assessment.outcomes import current_consensus, list_actions
from assessment.services import Actor
from assessment.services.results import workshop_results
from tests.e2e.conftest import demo_database, sign_in, start_app

pytestmark = pytest.mark.e2e


def test_a_facilitator_records_consensus_and_an_action_and_sees_them_on_the_trends_page(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    demo = demo_database(tmp_path / "results.db")
    url, engine = demo.url, demo.engine
    with transaction(engine) as session:
        rounds = [workshop_info(session=session, join_code=c) for c in demo.join_codes]
    latest = max((w for w in rounds if w.partnership == "Riverside ICS"), key=lambda w: w.held_on)
    # The page's own sentence for this round: "Biggest gap:" alone is also on the round shown
    # before the choice, whose buttons a too-early click would press while the page redraws.
    biggest_gap = workshop_results(
        engine=engine, actor=Actor.operator(), workshop_id=latest.id
    ).readings.biggest_gap
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        page = context.new_page()
        sign_in(page, server)
        page.get_by_role("link", name="Team results").click()

        page.get_by_role("combobox", name="Workshop").click()
        page.get_by_role("option", name=latest.join_code).click()
        expect(page.get_by_text(biggest_gap)).to_be_visible()
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
        context.close()
    finally:
        server.stop()

    with transaction(engine) as session:
        assert "mind-the-gaps" in current_consensus(session=session, workshop_id=latest.id)
        titles = [a.title for a in list_actions(session=session, partnership_id=latest.partnership_id)]
    assert f"Close the gap on {domain_title}" in titles
