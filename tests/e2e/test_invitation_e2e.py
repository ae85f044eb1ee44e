"""A participant opens their personal invitation link: they see when answering closes, join
without typing a code, answer, and once the closing time has passed the same link shows the
workshop closed, their saved answer kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select, update

from assessment.db import make_engine, participant_answers, transaction
from assessment.db.tables import Participant, Workshop
from assessment.migrate import upgrade_database
from assessment.services import Actor
from assessment.services import workshops as service
from tests.app.conftest import make_workshop
from tests.e2e.conftest import answer_item, expect_no_traceback, new_context, start_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
ITEM = "shared-purpose-stated"


def test_an_invitation_link_shows_the_closing_time_takes_answers_and_then_shows_the_workshop_closed(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'invite.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    workshop = make_workshop(engine, anonymous=False, title="Ahead round")
    closes_at = datetime.now(UTC) + timedelta(days=2)
    operator = Actor.operator()
    service.change_closing_time(engine=engine, actor=operator, workshop_id=workshop.id, closes_at=closes_at)
    server = start_app(artifacts_dir, env={"DATABASE_URL": url})
    try:
        batch = service.invite(
            engine=engine,
            actor=operator,
            workshop_id=workshop.id,
            people_text="Ann Smith <ann@example.org>\n",
            join_address=f"{server.url}/join",
        )
        link = batch.rows[0][2]
        page = new_context(browser, viewport=PHONE).new_page()
        page.goto(link)
        expect(page.get_by_text("You are invited as Ann Smith")).to_be_visible()
        expect(page.get_by_text("Answers close at", exact=False)).to_be_visible()
        page.get_by_role("combobox", name="Which part of the system do you work in?").click()
        page.get_by_role("option", name="VCSE", exact=True).click()
        page.get_by_role("button", name="Start").click()
        page.wait_for_url("**/answer?token=*")
        expect(page.get_by_text("Answers close at", exact=False)).to_be_visible()
        answer_item(page, ITEM, "2. Developing", "3. Maturing")
        page.screenshot(path=artifacts_dir / "invitation-answering.png")
        # The closing time passes (moved back in the database: no page accepts a past time).
        with transaction(engine) as session:
            session.execute(
                update(Workshop)
                .where(Workshop.id == workshop.id)
                .values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        # The same link again admits nobody and leads to nobody's answers (whoever sent it holds it
        # too); this device, which joined by it, is offered its own answers.
        page.goto(link)
        expect(page.get_by_text("This invitation has been used already", exact=False)).to_be_visible()
        page.get_by_role("button", name="See your answers").click()
        page.wait_for_url("**/answer?token=*")
        expect(page.get_by_text("Answering has closed for this workshop", exact=False)).to_be_visible()
        expect_no_traceback(page)
        page.screenshot(path=artifacts_dir / "invitation-closed.png")
        page.context.close()
        with transaction(engine) as session:
            people = session.execute(select(Participant.id, Participant.display_name)).all()
            assert [name for _, name in people] == ["Ann Smith"]
            kept = participant_answers(session=session, participant_id=people[0][0])[ITEM]
            status = session.scalar(select(Workshop.status).where(Workshop.id == workshop.id))
        assert (kept.current, kept.target) == (2, 3)
        assert status == "closed"
    finally:
        server.stop()
        engine.dispose()
