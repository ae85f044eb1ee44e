"""Two app servers, one PostgreSQL: participants on server A, the facilitator on server B.

Everything that crosses from one to the other goes through the database (the servers share no
memory, cache or session): B's live progress counts the people joining and submitting on A, B's
reveal reaches the participants' pages on A, and a participant's link works on either server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect
from sqlalchemy import Engine

from assessment.db import participant_answers, participant_by_token, participant_submitted, transaction
from tests.e2e.conftest import (
    SAVED,
    AppServer,
    answer_item,
    expect_no_traceback,
    join_as_participant,
    new_context,
    open_new_workshop,
)

pytestmark = pytest.mark.e2e

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]
PEOPLE = [  # sector, and the levels given to the two items
    ("NHS trust", [("1. Emerging", "3. Maturing"), ("2. Developing", "3. Maturing")]),
    ("Local authority", [("2. Developing", "4. Thriving"), ("2. Developing", "4. Thriving")]),
    ("VCSE", [("2. Developing", "3. Maturing"), ("1. Emerging", "2. Developing")]),
]


def test_participants_on_one_server_and_the_facilitator_on_another_share_one_workshop_live(
    browser: Browser,
    riverside_on_postgres: Engine,
    two_servers: tuple[AppServer, AppServer],
    artifacts_dir: Path,
) -> None:
    database = riverside_on_postgres
    server_a, server_b = two_servers
    assert server_a.url != server_b.url and server_a.process.pid != server_b.process.pid

    # The facilitator, on B, creates and opens the workshop.
    facilitator = new_context(browser, viewport={"width": 1400, "height": 1000}).new_page()
    code = open_new_workshop(facilitator, server_b, database, "Leadership team, two servers")

    def metric(label: str) -> Locator:
        card = facilitator.get_by_test_id("stMetric").filter(has_text=label)
        return card.get_by_test_id("stMetricValue")

    expect(metric("Joined")).to_have_text("0")

    # Three participants join on A; B counts them without being reloaded.
    participants = [join_as_participant(browser, server_a, code, sector) for sector, _ in PEOPLE]
    expect(metric("Joined")).to_have_text("3", timeout=20_000)

    for (page, _), (_, levels) in zip(participants, PEOPLE, strict=True):
        for item_id, (now, target) in zip(ITEMS, levels, strict=True):
            answer_item(page, item_id, now, target)

    # A participant's link works on the other server too: the answers come from the database.
    page, token = participants[0]
    page.goto(f"{server_b.url}/answer?token={token}&step=1")
    for item_id in ITEMS:
        expect(page.locator(f".st-key-answer_item-{item_id}").get_by_text(SAVED)).to_be_visible()
    page.goto(f"{server_a.url}/answer?token={token}&step=1")

    # They submit on A; B's count follows, one by one.
    for submitted, (page, token) in enumerate(participants, start=1):
        page.goto(f"{server_a.url}/answer?token={token}&step=99")
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
        expect(
            page.get_by_text("The team picture appears here when your facilitator reveals it.")
        ).to_be_visible()
        expect(metric("Submitted")).to_have_text(str(submitted), timeout=20_000)
    facilitator.screenshot(path=artifacts_dir / "scale-out-facilitator-on-b.png", full_page=True)

    # B reveals; each participant's page on A shows the team picture by itself.
    # answering closes before the reveal, so the room never reads a result still changing
    facilitator.get_by_role("button", name="Close answering").click()
    expect(facilitator.get_by_text("closed for answers")).to_be_visible()
    facilitator.get_by_role("button", name="Reveal results").click()
    expect(facilitator.get_by_text("results revealed")).to_be_visible()
    for page, _ in participants:
        expect(page.get_by_role("heading", name="The team picture")).to_be_visible(timeout=30_000)
        expect_no_traceback(page)
    participants[0][0].screenshot(path=artifacts_dir / "scale-out-participant-on-a.png", full_page=True)

    with transaction(database) as session:
        for (_, token), (_, levels) in zip(participants, PEOPLE, strict=True):
            person = participant_by_token(session=session, token=token)
            assert person is not None and participant_submitted(session=session, participant_id=person.id)
            answers = participant_answers(session=session, participant_id=person.id)
            given = {
                item_id: (int(now[0]), int(target[0]))
                for item_id, (now, target) in zip(ITEMS, levels, strict=True)
            }
            assert {i: (a.current, a.target) for i, a in answers.items()} == given
