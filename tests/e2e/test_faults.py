"""Faults in a live workshop, in a real browser on a real `streamlit run` over PostgreSQL: the
database away for a few seconds, the database refusing writes, the server killed and restarted.

A participant may never see "Saved" for an answer that is not in the database, never lose one
that was, and never see a traceback.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from assessment.db import (
    add_participant,
    make_engine,
    participant_answers,
    participant_by_token,
    participant_submitted,
    transaction,
)
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.e2e.conftest import (
    SAVED,
    answer_item,
    expect_no_traceback,
    free_port,
    new_context,
    start_app,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how", "shared-purpose-community-voice"]


@pytest.fixture
def database(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def participant(engine: Engine, workshop_id: int) -> str:
    with transaction(engine) as session:
        return add_participant(session=session, workshop_id=workshop_id, sector="vcse").resume_token


def levels(engine: Engine, token: str) -> dict[str, tuple[int | None, int | None]]:
    with transaction(engine) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None
        answers = participant_answers(session=session, participant_id=person.id)
    return {item: (a.current, a.target) for item, a in answers.items()}


def response_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM responses")).scalar_one())


def open_walkthrough(browser: Browser, url: str, token: str) -> Page:
    page = new_context(browser, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/answer?token={token}&step=1")
    expect(page.get_by_role("heading", name="1. Shared purpose")).to_be_visible()
    return page


def test_an_answer_given_while_the_database_is_away_shows_retrying_then_saves_by_itself(
    browser: Browser, database: Engine, artifacts_dir: Path
) -> None:
    workshop = make_workshop(database)
    token = participant(database, workshop.id)
    url = database.url
    with TcpProxy(url.host or "localhost", url.port or 5432) as proxy:
        through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = start_app(artifacts_dir, env={"DATABASE_URL": through_proxy})
        try:
            page = open_walkthrough(browser, server.url, token)
            answer_item(page, ITEMS[0], "1. Emerging", "3. Maturing")

            # The database goes away between the two halves of the next answer.
            second = page.locator(f".st-key-answer_item-{ITEMS[1]}")
            second.get_by_role("radiogroup", name="Where are we now?").get_by_text("2. Developing").click()
            expect(second.get_by_text("Choose where we should be to save this answer.")).to_be_visible()
            proxy.cut()
            second.get_by_role("radiogroup", name="Where should we be in a year?").get_by_text(
                "4. Thriving"
            ).click()
            retrying = page.get_by_text("Not saved, retrying…")
            expect(retrying).to_be_visible(timeout=20_000)
            page.screenshot(path=artifacts_dir / "database-away-retrying.png", full_page=True)
            time.sleep(3)  # a few seconds of outage, retried meanwhile
            expect(retrying).to_be_visible()
            expect(page.get_by_text(SAVED)).to_have_count(0)  # nothing claims to be saved meanwhile
            assert levels(database, token) == {ITEMS[0]: (1, 3)}
            assert proxy.refused > 0

            proxy.restore()  # and nobody touches the page
            expect(page.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_text(SAVED)).to_be_visible(
                timeout=20_000
            )
            expect(retrying).to_have_count(0)
            expect_no_traceback(page)
            assert levels(database, token) == {ITEMS[0]: (1, 3), ITEMS[1]: (2, 4)}
            assert response_rows(database) == 2  # each answer exactly once

            # The page works as before: the next answer saves at once.
            answer_item(page, ITEMS[2], "3. Maturing", "4. Thriving")
            assert levels(database, token)[ITEMS[2]] == (3, 4)
        finally:
            server.stop()


def test_a_database_that_refuses_writes_says_so_keeps_the_choice_and_saves_it_once_writable(
    browser: Browser, database: Engine, postgres_url: str, artifacts_dir: Path
) -> None:
    # The app connects as an ordinary role (a superuser would ignore the revoked rights), as it
    # would in production; the operator then takes its write rights on answers away.
    workshop = make_workshop(database)
    token = participant(database, workshop.id)
    role, password = f"ics_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    admin_connection = admin.connect()
    admin_connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    admin_connection.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
    admin_connection.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    as_app = (
        make_url(postgres_url).set(username=role, password=password).render_as_string(hide_password=False)
    )
    server = start_app(artifacts_dir, env={"DATABASE_URL": as_app})
    try:
        page = open_walkthrough(browser, server.url, token)
        answer_item(page, ITEMS[0], "2. Developing", "3. Maturing")

        admin_connection.execute(text(f"REVOKE INSERT, UPDATE ON responses FROM {role}"))
        answer_item(page, ITEMS[1], "1. Emerging", "2. Developing", saved=False)
        refused = page.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_text(
            "Not saved: the database is not accepting changes at the moment (permission denied)."
        )
        expect(refused).to_be_visible()
        expect(page.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_text(SAVED)).to_have_count(0)
        expect_no_traceback(page)
        page.screenshot(path=artifacts_dir / "database-refuses-writes.png", full_page=True)
        # The choice stays on screen, and the rest of the page still works.
        group = page.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_role(
            "radiogroup", name="Where are we now?"
        )
        expect(group.get_by_role("radio", name="1. Emerging")).to_be_checked()
        assert levels(database, token) == {ITEMS[0]: (2, 3)}

        admin_connection.execute(text(f"GRANT INSERT, UPDATE ON responses TO {role}"))
        answer_item(page, ITEMS[2], "3. Maturing", "4. Thriving")  # the next change takes both
        expect(page.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_text(SAVED)).to_be_visible()
        assert levels(database, token) == {ITEMS[0]: (2, 3), ITEMS[1]: (1, 2), ITEMS[2]: (3, 4)}
    finally:
        server.stop()
        admin_connection.execute(text(f"DROP OWNED BY {role}"))
        admin_connection.execute(text(f"DROP ROLE {role}"))
        admin_connection.close()
        admin.dispose()


def test_a_server_killed_mid_workshop_restarts_with_every_answer_and_participants_resume_by_their_link(
    browser: Browser, database: Engine, postgres_url: str, artifacts_dir: Path
) -> None:
    workshop = make_workshop(database)
    tokens = [participant(database, workshop.id) for _ in range(2)]
    port = free_port()
    server = start_app(artifacts_dir, env={"DATABASE_URL": postgres_url}, port=port)
    try:
        pages = [open_walkthrough(browser, server.url, token) for token in tokens]
        answer_item(pages[0], ITEMS[0], "1. Emerging", "2. Developing")
        answer_item(pages[1], ITEMS[0], "3. Maturing", "4. Thriving")
        answer_item(pages[1], ITEMS[1], "2. Developing", "3. Maturing")

        server.process.kill()  # SIGKILL: no clean shutdown, nothing flushed on the way out
        server.process.wait(timeout=10)
        server = start_app(artifacts_dir, env={"DATABASE_URL": postgres_url}, port=port)

        # One participant reopens their link in the same browser; the other on a new device.
        pages[0].goto(f"{server.url}/answer?token={tokens[0]}&step=1")
        elsewhere = open_walkthrough(browser, server.url, tokens[1])
        for page, (now, target) in (
            (pages[0], ("1. Emerging", "2. Developing")),
            (elsewhere, ("3. Maturing", "4. Thriving")),
        ):
            box = page.locator(f".st-key-answer_item-{ITEMS[0]}")
            expect(
                box.get_by_role("radiogroup", name="Where are we now?").get_by_role("radio", name=now)
            ).to_be_checked()
            expect(
                box.get_by_role("radiogroup", name="Where should we be in a year?").get_by_role(
                    "radio", name=target
                )
            ).to_be_checked()
            expect(box.get_by_text(SAVED)).to_be_visible()
        expect(elsewhere.locator(f".st-key-answer_item-{ITEMS[1]}").get_by_text(SAVED)).to_be_visible()

        # They carry on and submit on the restarted server.
        answer_item(pages[0], ITEMS[1], "2. Developing", "2. Developing")
        for page, token in ((pages[0], tokens[0]), (elsewhere, tokens[1])):
            page.goto(f"{server.url}/answer?token={token}&step=99")
            page.get_by_role("button", name="Submit my answers").click()
            expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
            expect_no_traceback(page)
    finally:
        server.stop()
    assert levels(database, tokens[0]) == {ITEMS[0]: (1, 2), ITEMS[1]: (2, 2)}
    assert levels(database, tokens[1]) == {ITEMS[0]: (3, 4), ITEMS[1]: (2, 3)}
    assert response_rows(database) == 4
    with transaction(database) as session:
        for token in tokens:
            person = participant_by_token(session=session, token=token)
            assert person is not None and participant_submitted(session=session, participant_id=person.id)
