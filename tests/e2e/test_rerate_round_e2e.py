"""The re-rate round in a real browser: the facilitator opens it after the reveal, two of three phones
change their answer towards the team at 390×844, the third keeps theirs by doing nothing, and the
results show that the team converged.

Screenshots of the participant's re-rate page are kept in artifacts/rerate/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.db import (
    add_participant,
    make_engine,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
)
from assessment.framework import load_bank
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import (
    FACILITATOR_EMAIL,
    FACILITATOR_PASSWORD,
    LAPTOP,
    AppServer,
    expect_no_traceback,
    new_context,
    sign_in,
    start_app,
)
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
BANK = load_bank(PROJECT_ROOT / "questions.yaml")
DOMAIN = BANK.domains[0]
ITEM = DOMAIN.items[0].id
FIRST = [1, 3, 4]  # median 3, IQR 1.5, split; two phones move to 3: all agree


@pytest.fixture
def room(tmp_path: Path, artifacts_dir: Path) -> Iterator[tuple[AppServer, list[str]]]:
    database = tmp_path / "app.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    workshop = make_workshop(engine, title="Re-rate round")
    tokens = []
    with transaction(engine) as session:
        create_facilitator(session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="t")
        for current in FIRST:
            person = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
            save_answer(
                session=session,
                participant_id=person.id,
                answer=Answer(item_id=ITEM, current=current, target=4),
                bank=BANK,
            )
            submit_participant(session=session, participant_id=person.id)
            tokens.append(person.resume_token)
        set_workshop_state(
            session=session, workshop_id=workshop.id, actor="t", status="closed", revealed=True
        )
    engine.dispose()
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"})
    try:
        yield server, tokens
    finally:
        server.stop()


def rerate_on_a_phone(browser: Browser, server: AppServer, token: str, shots: Path, name: str) -> Page:
    phone = new_context(
        browser, viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    ).new_page()
    phone.goto(f"{server.url}/answer?token={token}")
    phone.get_by_role("button", name="Re-rate the chosen questions").click()
    phone.wait_for_url("**/rerate?token=*")
    expect(phone.get_by_text("Your first answer:")).to_be_visible()
    expect_no_traceback(phone)
    phone.screenshot(path=str(shots / f"{name}-first-answer.png"))
    violations = blocking_violations(phone)
    assert not violations, "\n".join(violations)
    return phone


def test_two_phones_change_their_answer_and_the_results_show_the_team_converged(
    browser: Browser, room: tuple[AppServer, list[str]], artifacts_dir: Path
) -> None:
    server, tokens = room
    shots = artifacts_dir / "rerate"
    shots.mkdir(exist_ok=True)
    laptop = new_context(browser, viewport=LAPTOP).new_page()
    sign_in(laptop, server)
    # the one primary step after the reveal: choose the domain, open the re-rate
    laptop.get_by_role("combobox", name="Domains to re-rate").click()
    laptop.get_by_role("option", name=DOMAIN.title).click()
    laptop.keyboard.press("Escape")
    laptop.get_by_role("button", name="Open the re-rate").click()
    expect(laptop.get_by_role("button", name="Finish the re-rate")).to_be_visible()

    for index, name in ((0, "phone-1"), (2, "phone-2")):
        phone = rerate_on_a_phone(browser, server, tokens[index], shots, name)
        box = phone.locator(f".st-key-rerate_item-{ITEM}")
        box.get_by_role("radiogroup", name="Or change where we are now to").get_by_text(
            f"{BANK.level_label(3)} (3)"
        ).click()
        expect(box.get_by_text("Saved: you changed it to")).to_be_visible(timeout=15_000)
        phone.screenshot(path=str(shots / f"{name}-changed.png"), full_page=True)
        # phone-first: nothing wider than the screen
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the re-rate page scrolls sideways: {width}px wide"
        phone.context.close()
    # the third phone keeps its answer by doing nothing: carried forward

    laptop.get_by_role("button", name="Finish the re-rate").click()
    expect(laptop.get_by_text("has finished")).to_be_visible()
    laptop.get_by_role("link", name="Team results").click()
    laptop.get_by_role("tab", name="Re-rate").click()
    expect(laptop.get_by_text("The team converged on 1 of 1 question re-rated")).to_be_visible()
    expect(
        laptop.get_by_text("2 of 3 respondents re-rated at least one question", exact=False)
    ).to_be_visible()
    expect_no_traceback(laptop)
    violations = blocking_violations(laptop)
    assert not violations, "\n".join(violations)
    laptop.screenshot(path=str(shots / "results-re-rate-tab.png"), full_page=True)
    laptop.context.close()
