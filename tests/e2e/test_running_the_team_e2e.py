"""Running the team in a real browser, through the real sign-in form: the administrator adds a
facilitator and reads the temporary password once; the newcomer signs in with it, can open only
My account until they choose their own, then works; the administrator disables them and their open
page stops at its next click; the audit log shows it all. axe-core checks each page on the way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from assessment.auth import create_facilitator
from assessment.db import make_engine, transaction
from assessment.migrate import upgrade_database
from tests.e2e.conftest import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, AppServer, sign_in, start_app
from tests.e2e.test_accessibility import blocking_violations, new_page

pytestmark = pytest.mark.e2e

NEWCOMER = "newcomer@riverside.nhs.uk"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[tuple[AppServer, Engine]]:
    database = tmp_path_factory.mktemp("team") / "team.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    with transaction(engine) as session:  # the first account: an administrator
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"})
    try:
        yield server, engine
    finally:
        server.stop()
        engine.dispose()


def no_violations(page: Page, where: str, artifacts_dir: Path) -> None:
    found = blocking_violations(page)
    if found:
        page.screenshot(path=artifacts_dir / f"a11y-team-{where}.png", full_page=True)
    assert not found, f"{where}:\n  " + "\n  ".join(found)


def test_an_administrator_runs_the_team_from_the_browser(
    browser: Browser, site: tuple[AppServer, Engine], artifacts_dir: Path
) -> None:
    server, _ = site
    admin = new_page(browser)
    sign_in(admin, server)
    admin.get_by_role("link", name="Team", exact=True).click()
    expect(admin.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    no_violations(admin, "team", artifacts_dir)
    admin.get_by_label("Their work email").fill(NEWCOMER)
    admin.get_by_role("button", name="Add facilitator").click()
    expect(admin.get_by_text(f"Temporary password for {NEWCOMER}")).to_be_visible()
    temporary = admin.locator("[data-testid='stCode'] code").inner_text().strip()
    assert len(temporary) >= 16
    admin.screenshot(path=artifacts_dir / "team-temporary-password.png", full_page=True)

    newcomer = new_page(browser)
    sign_in(newcomer, server, NEWCOMER, temporary)
    expect(newcomer.get_by_text("You signed in with a temporary password")).to_be_visible()
    expect(newcomer.get_by_role("link", name="Team", exact=True)).to_have_count(0)  # not an administrator
    newcomer.get_by_role("link", name="Choose your password on My account").click()
    expect(newcomer.get_by_role("heading", name="My account")).to_be_visible()
    no_violations(newcomer, "my-account", artifacts_dir)
    newcomer.get_by_label("Current password").fill(temporary)
    newcomer.get_by_label("New password", exact=True).fill("the newcomer's own passphrase")
    newcomer.get_by_label("The new password again").fill("the newcomer's own passphrase")
    newcomer.get_by_role("button", name="Change my password").click()
    expect(newcomer.get_by_text("Your password has been changed")).to_be_visible()
    newcomer.get_by_role("link", name="Workshops").click()
    expect(newcomer.get_by_role("heading", name="Workshops")).to_be_visible()
    newcomer.goto(f"{server.url}/team")
    expect(newcomer.get_by_text("Only an administrator of this app can use this page")).to_be_visible()

    admin.reload()
    expect(admin.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    admin.get_by_role("button", name="Disable", exact=True).click()
    admin.get_by_role("button", name="Disable the account").click()
    expect(admin.get_by_text(f"Disabled {NEWCOMER}")).to_be_visible()

    newcomer.goto(f"{server.url}/workshops")
    expect(newcomer.get_by_text("Sign in to continue.")).to_be_visible()
    newcomer.goto(f"{server.url}/account/sign-in")
    newcomer.get_by_label("Email").fill(NEWCOMER)
    newcomer.get_by_label("Password").fill("the newcomer's own passphrase")
    newcomer.get_by_role("button", name="Sign in").click()
    expect(newcomer.get_by_text("This facilitator account has been disabled")).to_be_visible()

    admin.get_by_role("link", name="Audit log").click()
    expect(admin.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(admin.get_by_text("newest first: page 1 of 1")).to_be_visible()  # the table is a canvas
    no_violations(admin, "audit", artifacts_dir)
    admin.screenshot(path=artifacts_dir / "team-audit-log.png", full_page=True)
