"""In a real browser: open the app, go to the question bank, read a domain, check a bank file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from assessment.auth import create_facilitator
from assessment.db import make_engine, transaction
from assessment.framework import QuestionBank
from assessment.migrate import upgrade_database
from tests.banks import small_bank_data
from tests.e2e.conftest import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, AppServer, sign_in, start_app

pytestmark = pytest.mark.e2e


def test_a_facilitator_opens_the_app_and_browses_a_domain_of_the_question_bank(
    page: Page, app_server: AppServer, shipped_bank: QuestionBank, artifacts_dir: Path
) -> None:
    page.goto(app_server.url)
    expect(page.get_by_role("heading", name="ICS Readiness")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(str(len(shipped_bank.domains)))
    expect(page.get_by_role("link", name="Browse the question bank")).to_be_visible()
    page.screenshot(path=artifacts_dir / "home.png", full_page=True)

    page.get_by_role("link", name="Question bank").first.click()
    expect(page.get_by_role("heading", name="Question bank")).to_be_visible()
    assert page.url.endswith("/question_bank")

    domain = shipped_bank.domain("mind-the-gaps")
    page.get_by_role("combobox", name="Domain").click()
    page.get_by_role("option", name=domain.title).click()
    expect(page.get_by_text(domain.items[0].text)).to_be_visible()
    expect(page.get_by_text("Thriving").first).to_be_visible()
    page.screenshot(path=artifacts_dir / "question-bank.png", full_page=True)


def test_a_facilitator_uploads_a_broken_bank_and_sees_each_problem(
    page: Page, tmp_path: Path, artifacts_dir: Path
) -> None:
    data = small_bank_data()
    data["domains"][0]["items"][0]["levels"].pop("thriving")
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    # Checking a file is for a signed-in facilitator, so this server's database has an account.
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="t")
    engine.dispose()
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        page.goto(f"{server.url}/question_bank")
        page.get_by_role("tab", name="Check a bank file").click()
        expect(page.get_by_text("Checking a bank file is for facilitators: sign in first.")).to_be_visible()
        expect(page.locator("input[type=file]")).to_have_count(0)

        sign_in(page, server)
        # Through the menu, as a facilitator would.
        page.get_by_role("link", name="Question bank").first.click()
        page.get_by_role("tab", name="Check a bank file").click()
        page.locator("input[type=file]").set_input_files(broken)
        expect(page.get_by_text("This bank has 1 problem")).to_be_visible()
        expect(page.get_by_role("cell", name="domains[0].items[0].levels")).to_be_visible()
        expect(page.get_by_text("missing a descriptor for level(s) 'thriving'")).to_be_visible()
        page.screenshot(path=artifacts_dir / "question-bank-errors.png", full_page=True)
    finally:
        server.stop()
