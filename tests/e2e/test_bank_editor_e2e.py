"""In a real browser: a facilitator copies the shipped bank, rewords a question, adds a local one
with four level descriptors, removes a domain, sees each problem as they type, saves version 2
and downloads it; the download validates with the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from assessment.auth import create_facilitator
from assessment.db import make_engine, transaction
from assessment.framework import load_bank
from assessment.migrate import upgrade_database
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import (
    FACILITATOR_EMAIL,
    FACILITATOR_PASSWORD,
    expect_no_traceback,
    sign_in,
    start_app,
)

pytestmark = pytest.mark.e2e

SHIPPED = load_bank(PROJECT_ROOT / "questions.yaml")
ITEM = SHIPPED.domains[0].items[0].id
REWORDED = "Our partnership has a purpose every partner can say in one sentence."
LOCAL = "Do partners pool budgets for shared outcomes?"
LOCAL_ID = "do-partners-pool-budgets-for-shared-outcomes"
REMOVED = SHIPPED.domains[-1]


def container(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key}")


def type_into(field: Locator, text: str) -> None:
    """Type, then leave the field, as a person does: the page checks the draft then."""
    field.fill(text)
    field.press("Tab")


def test_a_facilitator_edits_a_copy_of_the_shipped_bank_and_downloads_version_2(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'banks.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="t")
    engine.dispose()
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, server)
        page.get_by_role("link", name="Edit question banks").click()
        expect(page.get_by_role("heading", name="Edit question banks")).to_be_visible()
        page.get_by_label("Name of the new bank").fill("Riverside bank")
        page.get_by_role("button", name="Start the bank").click()
        expect(page.get_by_text("Started the bank")).to_be_visible()
        page.get_by_role("button", name="Edit version 1 (the newest)").click()
        expect(page.get_by_text("This draft is valid")).to_be_visible()

        # Reword one question: emptied first, the loader's message shows as soon as they leave it.
        question = container(page, f"bank_e1_item_{ITEM}").get_by_label("Question text")
        type_into(question, " ")
        expect(page.get_by_text("This draft has 1 problem")).to_be_visible()
        expect(container(page, f"bank_e1_item_{ITEM}").get_by_text("must not be empty")).to_be_visible()
        type_into(container(page, f"bank_e1_item_{ITEM}").get_by_label("Question text"), REWORDED)
        expect(page.get_by_text("This draft is valid")).to_be_visible()

        # A local question with four level descriptors: the fourth left out at first is named.
        adding = page.get_by_test_id("stExpander").filter(has_text="Add a local question to this domain")
        adding.locator("summary").click()
        expect(adding.get_by_label("Question text")).to_be_visible()
        type_into(adding.get_by_label("Question text"), LOCAL)
        type_into(adding.get_by_label("Help (why it matters)"), "Pooled money is where trust shows.")
        for number, level in enumerate(SHIPPED.scale[:3], start=1):
            type_into(adding.get_by_label(f"Level {number}. {level.label}"), f"{level.label}: our words")
        adding.get_by_role("button", name="Add the question").click()
        expect(page.get_by_text(f"Added the question {LOCAL_ID}")).to_be_visible()
        new = container(page, f"bank_e1_item_{LOCAL_ID}")
        expect(new.get_by_text("must not be empty")).to_be_visible()
        last = SHIPPED.scale[3]
        type_into(new.get_by_label(f"Level 4. {last.label}"), "Budgets pooled wherever outcomes are shared.")
        expect(page.get_by_text("This draft is valid")).to_be_visible()

        # Remove a domain.
        page.get_by_role("combobox", name="Domain", exact=True).click()
        page.keyboard.type(REMOVED.title[:24])  # the list shows a few at a time: narrow it
        page.get_by_role("option", name=REMOVED.title, exact=True).click()
        # The button drawn for the chosen domain (the page before the choice had its own).
        container(page, f"bank_e1_d_{REMOVED.id}_remove").get_by_role(
            "button", name="Remove this domain"
        ).click()
        expect(page.get_by_text(f"Domains removed (1): {REMOVED.id}")).to_be_visible()
        expect(page.get_by_text(f"Questions added (1): {LOCAL_ID}")).to_be_visible()
        expect(page.get_by_text(f"Questions reworded (1): {ITEM}")).to_be_visible()

        # The preview: the answer page's own question, at a phone's width.
        preview = container(page, "bank_preview")
        expect(preview.get_by_text("Where are we now?").first).to_be_visible()
        assert (preview.bounding_box() or {"width": 0})["width"] <= 400
        preview.scroll_into_view_if_needed()
        page.screenshot(path=artifacts_dir / "bank-editor-1280x720.png", full_page=False)
        page.set_viewport_size({"width": 390, "height": 844})
        sidebar = page.get_by_test_id("stSidebar")
        if sidebar.get_attribute("data-collapsed") == "false":  # a phone's menu is folded away
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(sidebar).to_have_attribute("data-collapsed", "true")
        page.wait_for_timeout(600)  # the menu's slide out
        preview.scroll_into_view_if_needed()
        page.screenshot(path=artifacts_dir / "bank-editor-390x844.png", full_page=False)
        page.set_viewport_size({"width": 1280, "height": 720})

        page.get_by_role("button", name="Save as version 2").click()
        expect(page.get_by_text("Saved version 2.")).to_be_visible()
        expect_no_traceback(page)

        with page.expect_download() as download:
            page.get_by_role("button", name="Download version 2 as YAML").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name == "riverside-bank-version-2.yaml"
        checked = subprocess.run(
            [sys.executable, "-m", "assessment", "validate", str(saved)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        version_2 = load_bank(saved)
        assert version_2.item(ITEM).text == REWORDED
        assert len(version_2.item(LOCAL_ID).levels) == 4  # type: ignore[union-attr]
        assert REMOVED.id not in {d.id for d in version_2.domains}
    finally:
        context.close()
        server.stop()
