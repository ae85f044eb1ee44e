"""A whole room in real browsers: a facilitator's laptop, the projector's tab, four participants
(one on a phone, who scans the code again), reloads, and a crash.

One test, because the story is one: the facilitator's and the projector's tabs are reloaded
mid-workshop, the server is killed with SIGKILL and restarted on the same port and database, the
room is revealed on the projector and the facilitator records a consensus. Nobody may lose an
answer that was acknowledged, no one becomes two participants, and the facilitator never signs in
again.
"""

from __future__ import annotations

import re
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
    response_rows,
    transaction,
    workshop_answers,
)
from assessment.db.answers import workshop_people
from assessment.db.rerate import rerate_answers
from assessment.migrate import upgrade_database
from assessment.outcomes import current_consensus
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
PROJECTOR = {"width": 1280, "height": 720}
FIRST_ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]
SECOND_DOMAIN_ITEM = "dual-purpose-timescales"  # the first question of step 2, Dual-purpose design


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


def kept_resume_link(page: Page, code: str) -> dict[str, object]:
    """The cookie in which the participant's browser keeps its resume link, once the answer page
    has asked for it (an image request, so it may land a moment after the page draws)."""
    for _ in range(100):
        found = [c for c in page.context.cookies() if c["name"] == f"ics_resume_{code}"]
        if found:
            return dict(found[0])
        page.wait_for_timeout(100)
    raise AssertionError("the answer page never had the browser keep its resume link")


def still_signed_in(page: Page) -> None:
    expect(page.get_by_text("Sign in to continue")).to_have_count(0)


def test_a_whole_room_runs_through_reloads_a_crash_and_a_second_scan_and_ends_with_a_consensus(
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

        # The projector: a second tab of the facilitator's browser, signed in by the same cookie.
        projector = facilitator.context.new_page()
        projector.set_viewport_size(PROJECTOR)
        projector.goto(f"{server.url}/present?code={code}")
        expect(projector.get_by_role("heading", name="Join the workshop")).to_be_visible()

        # Four participants join in their own browsers; one on a phone.
        phone, phone_token = join_as_participant(browser, server, code, "VCSE", viewport=PHONE)
        phone.screenshot(path=artifacts_dir / "walkthrough-phone.png")
        laptop, laptop_token = join_as_participant(browser, server, code, "NHS trust")
        third, third_token = join_as_participant(browser, server, code, "Local authority")
        fourth, fourth_token = join_as_participant(browser, server, code, "Healthwatch")
        expect(joined).to_have_text("4", timeout=15_000)  # live, without reloading the facilitator's page
        facilitator.screenshot(path=artifacts_dir / "facilitator-live.png", full_page=True)

        # The phone scans the code again: it is offered its own answers, not a second participant.
        cookie = kept_resume_link(phone, code)
        assert cookie["value"] == phone_token and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        phone.goto(f"{server.url}/join?code={code}")
        phone.get_by_role("button", name="Continue where you left off").click()
        phone.wait_for_url(f"**/answer?token={phone_token}*")
        expect(phone.get_by_role("heading", name="1. Shared purpose")).to_be_visible()

        for page, levels in (
            (phone, ("2. Developing", "4. Thriving")),
            (laptop, ("1. Emerging", "3. Maturing")),
            (third, ("2. Developing", "3. Maturing")),
            (fourth, ("3. Maturing", "4. Thriving")),
        ):
            answer_item(page, FIRST_ITEMS[0], *levels)
        # The facilitator's and the projector's tabs are reloaded mid-workshop: still signed in,
        # the projector still on the join slide, and still 4 people (the second scan made no one).
        facilitator.reload()
        expect(facilitator.get_by_role("heading", name="Workshops")).to_be_visible()
        still_signed_in(facilitator)
        expect(joined).to_have_text("4", timeout=15_000)
        projector.reload()
        expect(projector.get_by_role("heading", name="Join the workshop")).to_be_visible()
        projector.screenshot(path=artifacts_dir / "projector-join.png")

        # A reload mid-way keeps every earlier answer.
        laptop.reload()
        expect_checked(laptop, FIRST_ITEMS[0], "Where are we now?", "1. Emerging")
        expect_checked(laptop, FIRST_ITEMS[0], "Where should we be in a year?", "3. Maturing")
        answer_item(laptop, FIRST_ITEMS[1], "2. Developing", "3. Maturing")
        # Everyone answers one question of the second domain too, so two domains have figures to re-rate.
        for page, levels in (
            (phone, ("1. Emerging", "3. Maturing")),
            (laptop, ("3. Maturing", "4. Thriving")),
            (third, ("2. Developing", "3. Maturing")),
            (fourth, ("4. Thriving", "4. Thriving")),
        ):
            page.get_by_role("button", name="Next →").click()
            expect(page.get_by_role("heading", name="2. Dual-purpose design")).to_be_visible()
            answer_item(page, SECOND_DOMAIN_ITEM, *levels)

        # The server dies mid-walkthrough and comes back on the same port and database.
        server.process.kill()
        server.process.wait(timeout=10)
        server = start_app(artifacts_dir, env={"DATABASE_URL": url}, port=port)
        phone.goto(f"{server.url}/answer?token={phone_token}&step=1")
        expect_checked(phone, FIRST_ITEMS[0], "Where are we now?", "2. Developing")
        expect_checked(phone, FIRST_ITEMS[0], "Where should we be in a year?", "4. Thriving")
        for page, token in (
            (phone, phone_token),
            (laptop, laptop_token),
            (third, third_token),
            (fourth, fourth_token),
        ):
            page.goto(f"{server.url}/answer?token={token}&step=99")
            page.get_by_role("button", name="Submit my answers").click()
            expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
            expect(page.get_by_text("reveals it")).to_be_visible()

        with transaction(engine) as session:
            answers, _ = workshop_answers(session=session, workshop_id=int(_workshop_id(engine, code)))
            for token in (phone_token, laptop_token, third_token, fourth_token):
                person = participant_by_token(session=session, token=token)
                assert person is not None and participant_submitted(session=session, participant_id=person.id)
            joined_people = len(workshop_people(session=session, workshop_id=int(_workshop_id(engine, code))))
        assert joined_people == 4  # the phone's second scan made no second participant
        # four on each of two items, one more on a third: none lost, none doubled
        assert len(answers) == 9
        assert sorted(answers.loc[answers["item_id"] == FIRST_ITEMS[0], "current"]) == [1.0, 2.0, 2.0, 3.0]

        # The facilitator's sign-in outlived the restart (it is kept in the database): a reload
        # is all it takes before revealing.
        facilitator.reload()
        facilitator.get_by_role("link", name="Workshops").click()
        # answering closes before the reveal, so the room never reads a result still changing
        facilitator.get_by_role("button", name="Close answering").click()
        expect(facilitator.get_by_text("closed for answers")).to_be_visible()
        facilitator.get_by_role("button", name="Reveal results").click()
        expect(facilitator.get_by_text("results revealed")).to_be_visible()
        for page in (phone, laptop, third, fourth):
            expect(page.get_by_role("heading", name="The team picture")).to_be_visible(timeout=20_000)
        phone.screenshot(path=artifacts_dir / "team-picture-phone.png", full_page=True)

        # The projector, reloaded after the restart, follows the facilitator's own device.
        projector.reload()
        expect(projector.get_by_role("heading", name="The overall picture")).to_be_visible(timeout=20_000)
        projector.screenshot(path=artifacts_dir / "projector-overall.png")
        facilitator.get_by_role("link", name="Run the room").click()
        facilitator.get_by_role("combobox", name="Workshop").click()
        facilitator.get_by_role("option", name=re.compile(code)).click()
        expect(facilitator.get_by_text("On the projector: The overall picture")).to_be_visible()
        facilitator.get_by_role("button", name="Next slide").click()
        expect(projector.get_by_role("heading", name="The overall picture")).to_have_count(0, timeout=10_000)
        projector.screenshot(path=artifacts_dir / "projector-next.png")
        still_signed_in(facilitator)

        # After the discussion the room re-rates two domains: the phone and the laptop change their
        # first answers, the others keep theirs by doing nothing.
        facilitator.get_by_role("link", name="Workshops").click()
        facilitator.get_by_role("combobox", name="Domains to re-rate").click()
        facilitator.get_by_role("option", name="Shared purpose").click()
        facilitator.get_by_role("option", name="Dual-purpose design").click()
        facilitator.keyboard.press("Escape")
        facilitator.get_by_role("button", name="Open the re-rate").click()
        expect(facilitator.get_by_role("button", name="Finish the re-rate")).to_be_visible()
        for page, token, level in (
            (phone, phone_token, "Maturing (3)"),
            (laptop, laptop_token, "Developing (2)"),
        ):
            page.goto(f"{server.url}/answer?token={token}")
            page.get_by_role("button", name="Re-rate the chosen questions").click()
            page.wait_for_url("**/rerate?token=*")
            box = page.locator(f".st-key-rerate_item-{FIRST_ITEMS[0]}")
            box.get_by_role("radiogroup", name="Or change where we are now to").get_by_text(level).click()
            expect(box.get_by_text("Saved: you changed it to")).to_be_visible(timeout=15_000)
        phone.screenshot(path=artifacts_dir / "rerate-phone.png", full_page=True)
        facilitator.get_by_role("button", name="Finish the re-rate").click()
        expect(facilitator.get_by_text("has finished")).to_be_visible()
        still_signed_in(facilitator)

        # The room agrees a level, and the facilitator records it.
        facilitator.get_by_role("link", name="Team results").click()
        facilitator.get_by_role("combobox", name="Workshop").click()
        facilitator.get_by_role("option", name=re.compile(code)).click()
        facilitator.get_by_role("tab", name="Consensus and actions").click()
        facilitator.get_by_role("combobox", name="Domain").click()
        facilitator.get_by_role("option", name="Shared purpose", exact=True).click()
        facilitator.get_by_label("Why (the rationale)").fill("We agree the purpose is written, not yet lived")
        facilitator.get_by_role("button", name="Record consensus").click()
        expect(
            facilitator.get_by_text("We agree the purpose is written, not yet lived").first
        ).to_be_visible()
        still_signed_in(facilitator)
        with transaction(engine) as session:
            agreed = current_consensus(session=session, workshop_id=int(_workshop_id(engine, code)))
        assert "shared-purpose" in agreed
        facilitator.get_by_role("tab", name="Re-rate").click()
        expect(
            facilitator.get_by_text("2 of 4 respondents re-rated at least one question", exact=False)
        ).to_be_visible()
        facilitator.screenshot(path=artifacts_dir / "rerate-results.png", full_page=True)
        with transaction(engine) as session:
            first = response_rows(session=session, workshop_id=int(_workshop_id(engine, code)))
            again = rerate_answers(session=session, workshop_id=int(_workshop_id(engine, code)))
        # the first answers are kept as given; the two changes sit beside them, once each
        assert sorted(r.current for r in first if r.item_id == FIRST_ITEMS[0]) == [1, 2, 2, 3]
        assert len(again) == 2
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
