"""Answering ahead on the pages: the facilitator sets a closing time and makes invitation links;
a participant's invitation link joins them once, shows the closing time, and resumes afterwards."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from streamlit.testing.v1 import AppTest

from assessment.db import transaction, workshop_info
from assessment.db.tables import Participant, Workshop
from assessment.services import Actor
from assessment.services import workshops as service
from tests.app.conftest import make_workshop, open_as_facilitator, open_page
from tests.conftest import PROJECT_ROOT
from ui.workshop_room import INVITATIONS_KEY, closing_moment, closing_words

pytestmark = pytest.mark.app

JOIN = "views/join.py"
ANSWER = "views/answer.py"


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def set_closing(engine: Engine, workshop_id: int, closes_at: datetime) -> None:
    service.change_closing_time(
        engine=engine, actor=Actor.operator(), workshop_id=workshop_id, closes_at=closes_at
    )


def invite(engine: Engine, workshop_id: int, people: str) -> list[str]:
    batch = service.invite(
        engine=engine,
        actor=Actor.operator(),
        workshop_id=workshop_id,
        people_text=people,
        join_address="/join",
    )
    return [row[2].rsplit("invite=", 1)[1] for row in batch.rows]


def participants(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Participant)) or 0)


def test_the_closing_time_is_said_in_uk_time_with_the_day() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert (
        closing_words(datetime(2026, 12, 4, 17, tzinfo=UTC), now=now)
        == "Answers close at 17:00 on Friday 4 December"
    )
    summer = datetime(2027, 6, 4, 16, tzinfo=UTC)  # 17:00 in London, British Summer Time
    assert closing_words(summer, now=now) == "Answers close at 17:00 on Friday 4 June 2027"
    assert (
        closing_words(datetime(2026, 11, 1, 9, tzinfo=UTC), now=now)
        == "Answers closed at 09:00 on Sunday 1 November"
    )
    assert closing_moment(date(2027, 6, 4), time(17)) == summer


def test_a_facilitator_creates_a_workshop_that_closes_itself_and_sees_when(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    at = open_as_facilitator(facilitator, "views/workshops.py")
    next(t for t in at.text_input if t.label == "Title").input("Answering ahead")
    at.checkbox(key="workshops_closes").check()
    day = date.today() + timedelta(days=10)
    at.date_input(key="workshops_closes_on").set_value(day)
    at.time_input(key="workshops_closes_time").set_value(time(17, 0))
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        stored = session.scalar(select(Workshop.closes_at).where(Workshop.title == "Answering ahead"))
    assert stored is not None
    assert stored.replace(tzinfo=UTC) == closing_moment(day, time(17, 0))
    assert closing_words(closing_moment(day, time(17, 0))) in texts(at)


def test_a_closing_time_in_the_past_is_refused_on_the_page_in_words(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db)
    at = open_as_facilitator(facilitator, "views/workshops.py")
    at.date_input(key=f"workshops_closing_day_{workshop.id}").set_value(date.today() - timedelta(days=1))
    next(b for b in at.button if b.label == "Set the closing time").click().run()
    assert not at.exception, at.exception
    assert "in the future" in texts(at)
    with transaction(app_db) as session:
        assert workshop_info(session=session, workshop_id=workshop.id).closes_at is None


def test_a_facilitator_makes_invitation_links_and_sees_who_has_not_finished(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, anonymous=False)
    at = open_as_facilitator(facilitator, "views/workshops.py")
    next(t for t in at.text_area if t.label.startswith("Names or email")).input(
        "Ann Smith <ann@example.org>\n=cmd|' /C calc'!A0\n"
    )
    next(b for b in at.button if b.label == "Make invitation links").click().run()
    assert not at.exception, at.exception
    assert "2 invitation links made" in texts(at)
    made = at.session_state[INVITATIONS_KEY]
    rows = list(csv.reader(io.StringIO(made["csv"])))
    assert [r[0] for r in rows] == ["name", "Ann Smith", "'=cmd|' /C calc'!A0"]
    frames = [f.value for f in at.dataframe]
    waiting = next(f for f in frames if "Invited person" in f.columns)
    assert list(waiting["Invited person"]) == ["Ann Smith", "=cmd|' /C calc'!A0"]
    assert set(waiting["Where they are"]) == {"not opened yet"}


def test_an_anonymous_workshop_shows_the_facilitator_counts_and_no_names(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, anonymous=True)
    invite(app_db, workshop.id, "Ann Smith\nBen Okafor\n")
    at = open_as_facilitator(facilitator, "views/workshops.py")
    assert {m.label: m.value for m in at.metric}.get("Invited") == "2"
    assert "only counts are shown" in texts(at)
    assert "Ann Smith" not in texts(at)
    assert not any("Invited person" in f.value.columns for f in at.dataframe)


def test_an_invitation_link_joins_once_shows_the_closing_time_and_then_admits_nobody(app_db: Engine) -> None:
    workshop = make_workshop(app_db, anonymous=False)
    closes_at = datetime.now(UTC) + timedelta(days=3)
    set_closing(app_db, workshop.id, closes_at)
    token = invite(app_db, workshop.id, "Ann Smith\n")[0]
    at = open_page(JOIN, invite=token)
    assert "You are invited as **Ann Smith**." in texts(at)
    assert closing_words(closes_at) in texts(at)
    assert not any(t.label == "Your name" for t in at.text_input)  # the invitation gives it
    at.selectbox[0].set_value("vcse")
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception, at.exception
    assert participants(app_db) == 1
    with transaction(app_db) as session:
        name, resume = session.execute(select(Participant.display_name, Participant.resume_token)).one()
    assert name == "Ann Smith"
    answering = open_page(ANSWER, token=resume)
    assert closing_words(closes_at) in texts(answering)
    # The same link again (another device, or whoever sent it): it admits nobody and leads to
    # nobody's answers; the person's own resume link, which only they have, does.
    again = open_page(JOIN, invite=token)
    assert not again.exception
    assert [t.value for t in again.title] == ["Join a workshop"]
    assert "This invitation has been used already" in texts(again)
    assert resume not in texts(again) and "you answer as P01" not in texts(again)
    assert participants(app_db) == 1


def test_a_link_that_is_no_invitation_says_so(app_db: Engine) -> None:
    make_workshop(app_db)
    at = open_page(JOIN, invite="madeup-token")
    assert "invitation link is not valid" in texts(at)


def test_after_the_closing_time_the_join_and_answer_pages_say_answering_has_closed(app_db: Engine) -> None:
    workshop = make_workshop(app_db, anonymous=True)
    closes_at = datetime.now(UTC) + timedelta(hours=1)
    set_closing(app_db, workshop.id, closes_at)
    token = invite(app_db, workshop.id, "Ann\n")[0]
    at = open_page(JOIN, invite=token)
    at.selectbox[0].set_value("vcse")
    next(b for b in at.button if b.label == "Start").click().run()
    with transaction(app_db) as session:
        resume = session.scalar(select(Participant.resume_token))
    # the deadline passes (moved back in the database, where no page would accept a past time)
    with transaction(app_db) as session:
        session.execute(
            update(Workshop)
            .where(Workshop.id == workshop.id)
            .values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    joining = open_page(JOIN, code=workshop.join_code)
    assert "This workshop is closed for answers." in texts(joining)
    assert "Answers closed at" in texts(joining)
    answering = open_page(ANSWER, token=str(resume))
    assert "Answering has closed for this workshop" in texts(answering)
    with transaction(app_db) as session:
        assert session.scalar(select(Workshop.status).where(Workshop.id == workshop.id)) == "closed"


def test_an_invitation_token_and_a_resume_token_never_stand_in_for_each_other(app_db: Engine) -> None:
    workshop = make_workshop(app_db, anonymous=False, title="Alder round")
    token = invite(app_db, workshop.id, "Ann Smith\n")[0]
    at = open_page(JOIN, invite=token)
    at.selectbox[0].set_value("vcse")
    next(b for b in at.button if b.label == "Start").click().run()
    with transaction(app_db) as session:
        resume = str(session.scalar(select(Participant.resume_token)))
    as_resume = open_page(ANSWER, token=token)
    assert "This link is not valid" in texts(as_resume)
    assert "Alder round" not in texts(as_resume)
    as_invitation = open_page(JOIN, invite=resume)
    assert "invitation link is not valid" in texts(as_invitation)
    assert "Ann Smith" not in texts(as_invitation)


def test_the_invitations_and_their_progress_are_only_on_a_signed_in_facilitators_page(app_db: Engine) -> None:
    workshop = make_workshop(app_db, anonymous=False)
    invite(app_db, workshop.id, "Ann Smith\n")
    for page, query in ((JOIN, {"code": workshop.join_code}), (ANSWER, {"token": "madeup"})):
        at = open_page(page, **query)
        assert "Ann Smith" not in texts(at)
        assert not any(b.label == "Make invitation links" for b in at.button)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "workshops.py"), default_timeout=30).run()
    assert at.warning[0].value == "Sign in to continue."
    assert "Ann Smith" not in texts(at)
