"""A whole workshop in real browsers: a facilitator and three participants, a reload, and a crash.

One test, because the story is one: the server is killed with SIGKILL in the middle and restarted
on the same port and database, and nobody may lose an answer that was acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from assessment.auth import create_facilitator
from assessment.db import (
    create_cohort,
    create_partnership,
    make_engine,
    participant_by_token,
    participant_submitted,
    transaction,
    workshop_answers,
)
from assessment.migrate import upgrade_database
from tests.e2e.conftest import (
    FACILITATOR_EMAIL,
    FACILITATOR_PASSWORD,
    answer_item,
    free_port,
    join_as_participant,
    new_context,
    open_new_workshop,
    start_app,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
FIRST_ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'workshop.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )
        cohort = create_cohort(session=session, name="Riverside cohort")
        create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
    yield url, engine
    engine.dispose()


def expect_checked(page: Page, item_id: str, question: str, option: str) -> None:
    group = page.locator(f".st-key-answer_item-{item_id}").get_by_role("radiogroup", name=question)
    expect(group.get_by_role("radio", name=option)).to_be_checked()


def test_a_facilitator_and_three_participants_run_a_workshop_through_a_reload_and_a_crash(
    browser: Browser, database: tuple[str, Engine], artifacts_dir: Path
) -> None:
    url, engine = database
    port = free_port()
    server = start_app(artifacts_dir, env={"DATABASE_URL": url}, port=port)
    try:
        # The facilitator creates and opens a workshop.
        facilitator = new_context(browser, viewport={"width": 1400, "height": 1000}).new_page()
        code = open_new_workshop(facilitator, server, engine, "Leadership team, spring round")
        expect(facilitator.get_by_text(code, exact=True).first).to_be_visible()
        joined = (
            facilitator.get_by_test_id("stMetric").filter(has_text="Joined").get_by_test_id("stMetricValue")
        )
        expect(joined).to_have_text("0")

        # Three participants join in their own browsers; one on a phone.
        phone, phone_token = join_as_participant(browser, server, code, "VCSE", viewport=PHONE)
        phone.screenshot(path=artifacts_dir / "walkthrough-phone.png")
        laptop, laptop_token = join_as_participant(browser, server, code, "NHS trust")
        third, third_token = join_as_participant(browser, server, code, "Local authority")
        expect(joined).to_have_text("3", timeout=15_000)  # live, without reloading the facilitator's page
        facilitator.screenshot(path=artifacts_dir / "facilitator-live.png", full_page=True)

        for page, levels in (
            (phone, ("2. Developing", "4. Thriving")),
            (laptop, ("1. Emerging", "3. Maturing")),
            (third, ("2. Developing", "3. Maturing")),
        ):
            answer_item(page, FIRST_ITEMS[0], *levels)

        # A reload mid-way keeps every earlier answer.
        laptop.reload()
        expect_checked(laptop, FIRST_ITEMS[0], "Where are we now?", "1. Emerging")
        expect_checked(laptop, FIRST_ITEMS[0], "Where should we be in a year?", "3. Maturing")
        answer_item(laptop, FIRST_ITEMS[1], "2. Developing", "3. Maturing")

        # The server dies mid-walkthrough and comes back on the same port and database.
        server.process.kill()
        server.process.wait(timeout=10)
        server = start_app(artifacts_dir, env={"DATABASE_URL": url}, port=port)
        phone.goto(f"{server.url}/answer?token={phone_token}&step=1")
        expect_checked(phone, FIRST_ITEMS[0], "Where are we now?", "2. Developing")
        expect_checked(phone, FIRST_ITEMS[0], "Where should we be in a year?", "4. Thriving")
        for page, token in ((phone, phone_token), (laptop, laptop_token), (third, third_token)):
            page.goto(f"{server.url}/answer?token={token}&step=99")
            page.get_by_role("button", name="Submit my answers").click()
            expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
            expect(page.get_by_text("reveals it")).to_be_visible()

        with transaction(engine) as session:
            answers, _ = workshop_answers(session=session, workshop_id=int(_workshop_id(engine, code)))
            for token in (phone_token, laptop_token, third_token):
                person = participant_by_token(session=session, token=token)
                assert person is not None and participant_submitted(session=session, participant_id=person.id)
        assert len(answers) == 4  # three on the first item, one more on the second: none lost, none doubled
        assert sorted(answers.loc[answers["item_id"] == FIRST_ITEMS[0], "current"]) == [1.0, 2.0, 2.0]

        # The facilitator's sign-in outlived the restart (it is kept in the database): a reload
        # is all it takes before revealing.
        facilitator.reload()
        facilitator.get_by_role("link", name="Workshops").click()
        # answering closes before the reveal, so the room never reads a result still changing
        facilitator.get_by_role("button", name="Close answering").click()
        expect(facilitator.get_by_text("closed for answers")).to_be_visible()
        facilitator.get_by_role("button", name="Reveal results").click()
        expect(facilitator.get_by_text("results revealed")).to_be_visible()
        for page in (phone, laptop, third):
            expect(page.get_by_role("heading", name="The team picture")).to_be_visible(timeout=20_000)
        phone.screenshot(path=artifacts_dir / "team-picture-phone.png", full_page=True)
    finally:
        server.stop()


def _workshop_id(engine: Engine, code: str) -> int:
    from assessment.db import workshop_info

    with transaction(engine) as session:
        return workshop_info(session=session, join_code=code).id


def test_the_join_screen_on_a_phone(
    browser: Browser, database: tuple[str, Engine], artifacts_dir: Path
) -> None:
    url, engine = database
    from tests.app.conftest import make_workshop

    workshop = make_workshop(engine, name="Phone test")
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        page = new_context(browser, viewport=PHONE).new_page()
        page.goto(f"{server.url}/join?code={workshop.join_code}")
        expect(page.get_by_role("combobox", name="Which part of the system do you work in?")).to_be_visible()
        page.screenshot(path=artifacts_dir / "join-phone.png", full_page=True)
        page.goto(f"{server.url}/join?code=WRONGCDE")
        expect(page.get_by_text("There is no workshop with the code WRONGCDE")).to_be_visible()
    finally:
        server.stop()
