"""A facilitator's sign-in survives what a workshop does to a browser: a refresh (F5), the projector's
second tab, a server restart; it ends when they sign out, in every tab. Signed out, a facilitator
page asks for sign-in and comes back to itself afterwards. One server, a handful of page loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from assessment.auth import create_facilitator
from assessment.db import make_engine, transaction
from assessment.migrate import upgrade_database
from tests.e2e.conftest import (
    FACILITATOR_EMAIL,
    FACILITATOR_PASSWORD,
    LAPTOP,
    expect_no_traceback,
    fill_sign_in_form,
    free_port,
    new_context,
    start_app,
)
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.e2e


def expect_team_results_signed_in(page: Page) -> None:
    expect(page.get_by_role("heading", name="Team results")).to_be_visible()
    expect(page.get_by_role("link", name="Workshops")).to_be_visible()  # the signed-in menu
    expect(page.get_by_text("Sign in to continue")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect_no_traceback(page)


def test_a_sign_in_survives_a_refresh_a_second_tab_and_a_restart_and_ends_everywhere_on_sign_out(
    browser: Browser, artifacts_dir: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="t")
    port = free_port()
    server = start_app(artifacts_dir, env={"DATABASE_URL": url}, port=port)
    context = new_context(browser, viewport=LAPTOP)
    try:
        laptop = context.new_page()
        # Signed out, Team results asks for sign-in rather than "Page not found", and the way in
        # comes back to it.
        laptop.goto(f"{server.url}/results")
        expect(laptop.get_by_text("Sign in to continue")).to_be_visible()
        expect(laptop.get_by_role("link", name="Sign in")).to_be_visible()
        laptop.screenshot(path=str(artifacts_dir / "session-signed-out-page.png"))
        assert not blocking_violations(laptop)
        laptop.get_by_role("link", name="Sign in").click()
        expect(laptop.get_by_role("heading", name="Facilitator sign-in")).to_be_visible()
        laptop.screenshot(path=str(artifacts_dir / "session-sign-in-form.png"))
        assert not blocking_violations(laptop)
        fill_sign_in_form(laptop)
        laptop.wait_for_url(f"{server.url}/results")
        expect_team_results_signed_in(laptop)
        (cookie,) = [c for c in context.cookies() if c["name"] == "ics_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"

        laptop.reload()  # F5
        expect_team_results_signed_in(laptop)

        projector = context.new_page()  # a second tab of the same browser, for the projector
        projector.goto(f"{server.url}/results")
        expect_team_results_signed_in(projector)

        server.stop()
        server = start_app(artifacts_dir, env={"DATABASE_URL": url}, port=port)
        laptop.reload()
        expect_team_results_signed_in(laptop)
        laptop.screenshot(path=str(artifacts_dir / "session-after-restart.png"), full_page=True)

        # Signing out in the projector's tab ends the session for the laptop's tab too.
        projector.get_by_role("link", name="Sign out", exact=True).click()
        expect(projector.get_by_role("button", name="Sign out")).to_be_visible()
        projector.screenshot(path=str(artifacts_dir / "session-account-page.png"))
        assert not blocking_violations(projector)
        projector.get_by_role("button", name="Sign out").click()
        expect(projector.get_by_text("You have signed out in this browser.")).to_be_visible()
        laptop.reload()
        expect(laptop.get_by_text("Sign in to continue")).to_be_visible()
        expect(laptop.get_by_role("heading", name="Team results")).to_have_count(0)
        assert not [c for c in context.cookies() if c["name"] == "ics_session"]
    finally:
        context.close()
        server.stop()
        engine.dispose()
