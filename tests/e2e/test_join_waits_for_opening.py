"""A participant who scans the code before the facilitator opens the workshop is told to keep the
page open, and the page moves on to the join form by itself once it opens: nobody is asked to
reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from assessment.db import make_engine, set_workshop_state, transaction
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.e2e.conftest import new_context, start_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_the_join_page_of_a_draft_workshop_moves_on_by_itself_when_it_opens(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'draft.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    draft = make_workshop(engine, status="draft")
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        page = new_context(browser, viewport=PHONE).new_page()
        page.goto(f"{server.url}/join?code={draft.join_code}")
        expect(page.get_by_text("has not opened yet")).to_be_visible()
        expect(page.get_by_text("moves on by itself")).to_be_visible()
        expect(page.get_by_role("textbox", name="Join code")).to_have_value(draft.join_code)
        expect(page.get_by_text("reload", exact=False)).to_have_count(0)
        page.screenshot(path=artifacts_dir / "join-waiting-phone.png")
        with transaction(engine) as session:
            set_workshop_state(session=session, workshop_id=draft.id, actor="test", status="open")
        # No reload: the page checks by itself every few seconds.
        expect(page.get_by_role("button", name="Start")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("has not opened yet")).to_have_count(0)
        page.context.close()
    finally:
        server.stop()
        engine.dispose()
