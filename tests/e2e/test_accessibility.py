"""Accessibility in a real browser: axe-core on every page a participant or facilitator reads, and
a whole walkthrough done with the keyboard alone.

axe-core comes bundled with the axe-playwright-python package (no download). Every serious or
critical violation fails, with no exclusions: nothing of Streamlit's own chrome needs one today. If
a framework element ever does, exclude it by its named selector and rule here, with the reason
in a comment, never the whole page or a whole rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import Engine, select

from assessment.auth import create_facilitator
from assessment.db import (
    add_participant,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    participant_answers,
    participant_by_token,
    participant_submitted,
    set_workshop_state,
    store_bank_version,
    transaction,
    workshop_info,
)
from assessment.db.tables import Participant
from assessment.demo import load_demo
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.banks import small_bank_data
from tests.e2e.conftest import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, AppServer, settle, sign_in, start_app

pytestmark = pytest.mark.e2e

BLOCKING_IMPACTS = ("serious", "critical")
AXE = Axe()


@dataclass(frozen=True)
class Site:
    server: AppServer
    engine: Engine
    open_code: str  # an open workshop on the shipped bank, for the join and walkthrough pages
    keyboard_code: str  # an open workshop on a small bank, answered with the keyboard alone
    results_label: str  # the option naming a demo workshop with results, in the results picker
    resume_token: str  # a demo participant's link: submitted, in a revealed workshop


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[Site]:
    """One server for the whole module, on the demo cohort plus two open workshops."""
    database = tmp_path_factory.mktemp("a11y") / "a11y.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    summary = load_demo(engine=engine)
    open_workshop = make_workshop(engine, name="Accessible ICS")
    with transaction(engine) as session:
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )
        rounds = [workshop_info(session=session, join_code=c) for c in summary.join_codes]
        latest = max((w for w in rounds if w.partnership == "Riverside ICS"), key=lambda w: w.held_on)
        token = session.scalar(
            select(Participant.resume_token).where(Participant.workshop_id == latest.id).limit(1)
        )
        cohort = create_cohort(session=session, name="Keyboard cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Keyboard ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=yaml.safe_dump(small_bank_data()))
        keyboard = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Keyboard round",
            held_on=date(2026, 5, 1),
            domains=["purpose", "trust"],
        )
        set_workshop_state(session=session, workshop_id=keyboard.id, actor="test", status="open")
    assert token is not None
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"})
    try:
        yield Site(server, engine, open_workshop.join_code, keyboard.join_code, latest.join_code, token)
    finally:
        server.stop()
        engine.dispose()


def new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    return context.new_page()


def blocking_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on what the page shows now, one line per element."""
    results = AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}: "
        f"{node['html'][:200]} {_measured(node)}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]


def _measured(node: dict[str, Any]) -> str:
    """What axe measured (a contrast check's colours and ratio), so a failure says what to change."""
    data = [check.get("data") for check in node.get("any", []) if isinstance(check.get("data"), dict)]
    return str(data[0]) if data else ""


# --- the pages, each opened to a state worth checking --------------------------------------------
# Each opener leaves the page showing its content and returns the names of the tabs to check in turn
# (hidden tab panels are not checked by axe until they are shown).


def open_home(page: Page, site: Site) -> list[str]:
    page.goto(site.server.url)
    expect(page.get_by_role("link", name="Browse the question bank")).to_be_visible()
    return []


def open_join(page: Page, site: Site) -> list[str]:
    page.goto(f"{site.server.url}/join?code={site.open_code}")
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    return []


def open_walkthrough(page: Page, site: Site) -> list[str]:
    with transaction(site.engine) as session:
        workshop = workshop_info(session=session, join_code=site.open_code)
        token = add_participant(session=session, workshop_id=workshop.id, sector="vcse").resume_token
    page.goto(f"{site.server.url}/answer?token={token}&step=1")
    expect(page.get_by_role("heading", name="1. Shared purpose")).to_be_visible()
    return []


def open_review(page: Page, site: Site) -> list[str]:
    with transaction(site.engine) as session:
        workshop = workshop_info(session=session, join_code=site.open_code)
        token = add_participant(session=session, workshop_id=workshop.id, sector="vcse").resume_token
    page.goto(f"{site.server.url}/answer?token={token}&step=99")
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    return []


def open_participant_results(page: Page, site: Site) -> list[str]:
    page.goto(f"{site.server.url}/answer?token={site.resume_token}")
    expect(page.get_by_role("heading", name="The team picture")).to_be_visible()
    return tab_names(page)


def open_question_bank(page: Page, site: Site) -> list[str]:
    page.goto(f"{site.server.url}/question_bank")
    expect(page.get_by_role("heading", name="Question bank")).to_be_visible()
    expect(page.get_by_text("Source:").first).to_be_visible()
    return tab_names(page)


def open_results(page: Page, site: Site) -> list[str]:
    sign_in(page, site.server)
    page.get_by_role("link", name="Team results").click()
    page.get_by_role("combobox", name="Workshop").click()
    page.get_by_role("option", name=site.results_label).click()
    expect(page.get_by_text("Biggest gap:")).to_be_visible()
    return tab_names(page)


def open_trends(page: Page, site: Site) -> list[str]:
    sign_in(page, site.server)
    page.get_by_role("link", name="Trends").click()
    page.get_by_role("combobox", name="Partnership").click()
    page.get_by_role("option", name="Riverside ICS").click()
    expect(page.get_by_role("heading", name="Participation")).to_be_visible()
    return []


def open_cohorts(page: Page, site: Site) -> list[str]:
    sign_in(page, site.server)
    page.get_by_role("link", name="Compare a cohort").click()
    page.get_by_role("combobox", name="Cohort").click()
    page.get_by_role("option", name="Demo: Riverside and its places").click()
    expect(page.get_by_text("3 of 3 partnerships compared on their latest round.")).to_be_visible()
    return tab_names(page)


def tab_names(page: Page) -> list[str]:
    tabs = page.get_by_role("tab")
    expect(tabs.first).to_be_visible()
    return [name.strip() for name in tabs.all_inner_texts()]


PAGES: dict[str, Callable[[Page, Site], list[str]]] = {
    "home": open_home,
    "join": open_join,
    "walkthrough": open_walkthrough,
    "walkthrough-review": open_review,
    "walkthrough-team-picture": open_participant_results,
    "question-bank": open_question_bank,
    "results": open_results,
    "trends": open_trends,
    "cohorts": open_cohorts,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_has_no_serious_or_critical_accessibility_violations(
    browser: Browser, site: Site, name: str, artifacts_dir: Path
) -> None:
    page = new_page(browser)
    try:
        tabs = PAGES[name](page, site)
        found = {name: blocking_violations(page)}
        for tab in tabs[1:]:  # the first tab is the one already shown
            page.get_by_role("tab", name=tab, exact=True).click()
            expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute("aria-selected", "true")
            found[f"{name} / {tab}"] = blocking_violations(page)
        problems = {where: lines for where, lines in found.items() if lines}
        if problems:
            page.screenshot(path=artifacts_dir / f"a11y-{name}.png", full_page=True)
        assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in problems.items())
        assert len(found) == max(len(tabs), 1)  # every tab was checked
    finally:
        page.context.close()


# --- the walkthrough with the keyboard alone ------------------------------------------------------

# Counts real pointer presses in every document of the context, so the test can prove it never used
# the mouse (the count lives in sessionStorage, which outlives page loads within the tab).
COUNT_POINTER_PRESSES = """
window.addEventListener('pointerdown', (event) => {
  if (event.isTrusted) {
    const count = Number(sessionStorage.getItem('pointer-presses') || 0);
    sessionStorage.setItem('pointer-presses', String(count + 1));
  }
}, true);
"""
FOCUS_LIMIT = 250  # Tab presses allowed to reach one control; the longest page has about 80 stops


def is_focused(locator: Locator) -> bool:
    focused: bool = locator.evaluate(
        "e => e === document.activeElement || e.contains(document.activeElement)"
    )
    return focused


def tab_to(page: Page, locator: Locator, *, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until the control, or something inside it, has the focus."""
    expect(locator).to_be_visible()
    for _ in range(FOCUS_LIMIT):
        if is_focused(locator):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{FOCUS_LIMIT} presses of {key} never reached {locator}")


def choose_radio(page: Page, group: Locator, position: int) -> None:
    """Pick the radio at ``position`` (1-based) in a group that has no choice yet, by keyboard.

    Tab lands on the first radio without choosing it; Space chooses it; each arrow moves on and
    chooses the next one, as in any native radio group.
    """
    tab_to(page, group)
    radios = group.get_by_role("radio")
    page.keyboard.press("Space")
    expect(radios.nth(0)).to_be_checked()
    for index in range(1, position):
        # Each level is let reach the server before the next key: two arrow presses a few
        # milliseconds apart can leave the server with the first of them while the radio shows
        # the second (a Streamlit widget-sync race seen here about one run in five; reported on
        # issue 8, not fixed). This test is about reaching and using every control by keyboard.
        settle(page)
        page.keyboard.press("ArrowDown")
        expect(radios.nth(index)).to_be_checked()
    settle(page)


def choose_option(page: Page, combobox: Locator, label: str) -> None:
    """Type into a select box to filter its options, then take the first match with Enter."""
    tab_to(page, combobox)
    page.keyboard.type(label)
    expect(page.get_by_role("option", name=label, exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("option")).to_have_count(0)


def item(page: Page, item_id: str) -> Locator:
    return page.locator(f".st-key-answer_item-{item_id}")


def expect_saved(page: Page, item_id: str) -> None:
    expect(item(page, item_id).get_by_text("Saved")).to_be_visible()


def test_a_participant_joins_answers_every_question_and_submits_with_the_keyboard_alone(
    browser: Browser, site: Site, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    context.add_init_script(COUNT_POINTER_PRESSES)
    page = context.new_page()
    try:
        # Join from the home page: the code typed in lower case, the form sent with Enter.
        page.goto(site.server.url)
        tab_to(page, page.get_by_role("textbox", name="Join code"))
        page.keyboard.type(site.keyboard_code.lower())
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Keyboard ICS: Keyboard round")).to_be_visible()
        choose_option(
            page, page.get_by_role("combobox", name="Which part of the system do you work in?"), "VCSE"
        )
        tab_to(page, page.get_by_role("button", name="Start"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/answer?token=*")
        token = page.url.split("token=")[1].split("&")[0]

        # Step 1: two maturity questions (one of them "I don't know", with a comment) and a spectrum.
        expect(page.get_by_role("heading", name="1. Shared purpose")).to_be_visible()
        stated = item(page, "purpose-stated")
        choose_radio(page, stated.get_by_role("radiogroup", name="Where are we now?"), 2)
        choose_radio(page, stated.get_by_role("radiogroup", name="Where should we be in a year?"), 4)
        choose_radio(page, stated.get_by_role("radiogroup", name="How sure are you?"), 3)
        expect_saved(page, "purpose-stated")

        lived = item(page, "purpose-lived")
        tab_to(page, lived.get_by_role("checkbox", name="I don't know"))
        page.keyboard.press("Space")
        expect_saved(page, "purpose-lived")
        tab_to(page, lived.get_by_role("textbox", name="Comment (optional)"))
        page.keyboard.type("Nobody has asked us yet")
        page.keyboard.press("Tab")  # leaving the box is what sends the comment
        expect(lived.get_by_role("textbox", name="Comment (optional)")).to_have_value(
            "Nobody has asked us yet"
        )

        stance = item(page, "purpose-stance")
        choose_radio(page, stance.get_by_role("radiogroup", name="Where are we now?"), 1)
        choose_radio(page, stance.get_by_role("radiogroup", name="Where should we be?"), 3)
        expect_saved(page, "purpose-stance")

        # Shift+Tab goes back up the page: the first question is still answered as chosen.
        now = stated.get_by_role("radiogroup", name="Where are we now?")
        tab_to(page, now, key="Shift+Tab")
        expect(now.get_by_role("radio", name="2. Developing")).to_be_checked()

        tab_to(page, page.get_by_role("button", name="Next →"))
        page.keyboard.press("Enter")

        # Step 2: a maturity question and an accountability question with two situations.
        expect(page.get_by_role("heading", name="2. Trust momentum")).to_be_visible()
        relationships = item(page, "trust-relationships")
        choose_radio(page, relationships.get_by_role("radiogroup", name="Where are we now?"), 3)
        choose_radio(page, relationships.get_by_role("radiogroup", name="Where should we be in a year?"), 3)
        expect_saved(page, "trust-relationships")
        buck = item(page, "trust-buck")
        choose_option(page, buck.get_by_role("combobox", name="Quality failure"), "Place partnership")
        choose_option(page, buck.get_by_role("combobox", name="Overspend"), "Unclear")
        expect_saved(page, "trust-buck")

        tab_to(page, page.get_by_role("button", name="Next →"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
        expect(page.get_by_text("Every question has an answer.")).to_be_visible()
        submit = page.get_by_role("button", name="Submit my answers")
        tab_to(page, submit)
        page.keyboard.press("Space")
        expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
        page.screenshot(path=artifacts_dir / "keyboard-walkthrough-done.png")
        presses = page.evaluate("() => Number(sessionStorage.getItem('pointer-presses') || 0)")
        assert presses == 0, f"the mouse was used {presses} times"
    finally:
        context.close()

    with transaction(site.engine) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None and person.sector == "vcse"
        assert participant_submitted(session=session, participant_id=person.id)
        saved = participant_answers(session=session, participant_id=person.id)
    assert sorted(saved) == [
        "purpose-lived",
        "purpose-stance",
        "purpose-stated",
        "trust-buck",
        "trust-relationships",
    ]
    answers: dict[str, Any] = {
        key: (a.current, a.target, a.dont_know, a.confidence, a.comment, a.tiers) for key, a in saved.items()
    }
    assert answers["purpose-stated"] == (2, 4, False, 3, None, None)
    assert answers["purpose-lived"] == (None, None, True, None, "Nobody has asked us yet", None)
    assert answers["purpose-stance"] == (1, 3, False, None, None, None)
    assert answers["trust-relationships"] == (3, 3, False, None, None, None)
    assert answers["trust-buck"][5] == {"quality-failure": "place-partnership", "overspend": "unclear"}
