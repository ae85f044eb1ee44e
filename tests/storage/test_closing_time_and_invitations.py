"""Answering ahead, on SQLite and PostgreSQL: a workshop closes itself at its closing time (read as
closed by every door, recorded once, a save at the same moment kept or refused by when it was
checked), and per-person invitations admit exactly one participant each."""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

import assessment.db.workshops as stored_workshops
from assessment.answers import AnswerChange
from assessment.db import change_stamp, create_cohort, create_partnership, participant_answers, transaction
from assessment.db.tables import AuditEntry, Invitation, Participant
from assessment.errors import Invalid, NotFound
from assessment.lifecycle import CLOSED_AUTOMATICALLY
from assessment.services import Actor
from assessment.services import workshops as service
from assessment.services.participants import (
    INVITATION_USED,
    AnsweringClosed,
    invitation_to_join,
    join_by_invitation,
    join_workshop,
    participant_session,
    save_answer,
    submit,
    withdraw,
    workshop_to_join,
)
from tests.storage.conftest import SHIPPED_BANK_TEXT

OPERATOR = Actor.operator()
ITEM = "shared-purpose-stated"
JOIN = "https://ics.example.org/join"
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


class Clock:
    """The moment the store takes as now, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moved = Clock(START)
    monkeypatch.setattr(stored_workshops, "clock", moved)
    yield moved


def a_workshop(engine: Engine, *, anonymous: bool = True, closes_at: datetime | None = DEADLINE) -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
    created = service.create_workshop(
        engine=engine,
        actor=OPERATOR,
        partnership_id=partnership,
        title="Answering ahead",
        held_on=date(2026, 12, 4),
        round_label=None,
        domains=None,
        anonymous=anonymous,
        bank_yaml=SHIPPED_BANK_TEXT,
        closes_at=closes_at,
    )
    service.take_step(engine=engine, actor=OPERATOR, workshop_id=created.id, step="open")
    return created.id


def code_of(engine: Engine, workshop_id: int) -> str:
    return service.find_workshop(
        engine=engine, actor=OPERATOR, join_code=_code(engine, workshop_id)
    ).join_code


def _code(engine: Engine, workshop_id: int) -> str:
    from assessment.db import workshop_info

    with transaction(engine) as session:
        return workshop_info(session=session, workshop_id=workshop_id).join_code


def joined(engine: Engine, workshop_id: int, name: str | None = None) -> str:
    return join_workshop(
        engine=engine,
        join_code=_code(engine, workshop_id),
        sector="vcse",
        role="",
        display_name=name,
        address="192.0.2.7",
    )


def levels(current: int, target: int) -> AnswerChange:
    return AnswerChange(item_id=ITEM, parts={"current": current, "target": target}, stamp=change_stamp())


def stored(engine: Engine, token: str) -> tuple[int | None, int | None] | None:
    me = participant_session(engine=engine, token=token)
    with transaction(engine) as session:
        answer = participant_answers(session=session, participant_id=me.participant_id).get(ITEM)
    return None if answer is None else (answer.current, answer.target)


def audits(engine: Engine, *actions: str) -> int:
    with transaction(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(actions)))
            or 0
        )


def stored_status(engine: Engine, workshop_id: int) -> str:
    from assessment.db.tables import Workshop

    with transaction(engine) as session:
        return str(session.scalar(select(Workshop.status).where(Workshop.id == workshop_id)))


# --- the closing time -----------------------------------------------------------------------------


def test_a_workshop_past_its_closing_time_is_closed_for_every_door_and_the_close_is_recorded_once(
    engine: Engine, clock: Clock
) -> None:
    workshop_id = a_workshop(engine)
    token = joined(engine, workshop_id)
    save_answer(engine=engine, token=token, change=levels(1, 2))
    assert participant_session(engine=engine, token=token).answering
    clock.at = DEADLINE
    assert not participant_session(engine=engine, token=token).answering
    code = _code(engine, workshop_id)
    assert workshop_to_join(engine=engine, join_code=code, address="192.0.2.7").status == "closed"
    assert service.find_workshop(engine=engine, actor=OPERATOR, join_code=code).status == "closed"
    assert [w.status for w in service.visible_workshops(engine=engine, actor=OPERATOR)] == ["closed"]
    with pytest.raises(AnsweringClosed, match="answers"):
        save_answer(engine=engine, token=token, change=levels(3, 4))
    with pytest.raises(AnsweringClosed):
        submit(engine=engine, token=token)
    with pytest.raises(Invalid, match="closed for answers"):
        joined(engine, workshop_id)
    assert stored(engine, token) == (1, 2)  # saved before the deadline: kept
    assert stored_status(engine, workshop_id) == "closed"
    assert audits(engine, CLOSED_AUTOMATICALLY) == 1
    assert audits(engine, "workshop.closed") == 0


def test_an_answer_saved_a_moment_before_the_closing_time_is_kept(engine: Engine, clock: Clock) -> None:
    workshop_id = a_workshop(engine)
    token = joined(engine, workshop_id)
    clock.at = DEADLINE - timedelta(microseconds=1)
    save_answer(engine=engine, token=token, change=levels(2, 3))
    clock.at = DEADLINE
    with pytest.raises(AnsweringClosed):
        save_answer(engine=engine, token=token, change=levels(4, 4))
    assert stored(engine, token) == (2, 3)


def test_reopening_after_the_closing_time_is_refused_until_a_later_time_is_set(
    engine: Engine, clock: Clock
) -> None:
    workshop_id = a_workshop(engine)
    clock.at = DEADLINE + timedelta(hours=1)
    with pytest.raises(Invalid, match="set a later closing time"):
        service.take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="open")
    with pytest.raises(Invalid, match="in the future"):
        service.change_closing_time(
            engine=engine, actor=OPERATOR, workshop_id=workshop_id, closes_at=DEADLINE
        )
    later = DEADLINE + timedelta(days=1)
    changed = service.change_closing_time(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, closes_at=later
    )
    assert (changed.status, changed.closes_at) == ("closed", later)  # a new time never reopens by itself
    assert (
        service.take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="open").status
        == "open"
    )
    assert audits(engine, CLOSED_AUTOMATICALLY) == 1


def test_a_closing_time_in_the_past_is_refused_when_the_workshop_is_created(
    engine: Engine, clock: Clock
) -> None:
    with pytest.raises(Invalid, match="in the future"):
        a_workshop(engine, closes_at=START - timedelta(minutes=1))


def test_closing_by_hand_as_the_clock_closes_it_is_one_close_never_two(engine: Engine) -> None:
    workshop_id = a_workshop(engine, closes_at=datetime.now(UTC) + timedelta(hours=1))
    code = _code(engine, workshop_id)
    soon = datetime.now(UTC) + timedelta(seconds=0.5)
    service.change_closing_time(engine=engine, actor=OPERATOR, workshop_id=workshop_id, closes_at=soon)
    time.sleep(max((soon - datetime.now(UTC)).total_seconds(), 0) + 0.05)
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def by_hand() -> None:
        barrier.wait()
        service.take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="close")

    def reading() -> None:
        barrier.wait()
        service.find_workshop(engine=engine, actor=OPERATOR, join_code=code)

    run_all([by_hand, reading, reading, by_hand], failures)
    assert failures == []
    assert stored_status(engine, workshop_id) == "closed"
    assert audits(engine, CLOSED_AUTOMATICALLY, "workshop.closed") == 1


def run_all(jobs: list[Callable[[], None]], failures: list[BaseException]) -> None:
    def guarded(job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except BaseException as exc:
                failures.append(exc)

        return run

    threads = [threading.Thread(target=guarded(job)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_saves_racing_the_closing_time_are_kept_when_checked_before_it_and_refused_after(
    engine: Engine,
) -> None:
    workshop_id = a_workshop(engine, closes_at=datetime.now(UTC) + timedelta(hours=1))
    code = _code(engine, workshop_id)
    tokens = [joined(engine, workshop_id) for _ in range(3)]
    # the deadline is set once everyone has joined, so the saves start well before it however
    # slow the machine is
    deadline = datetime.now(UTC) + timedelta(seconds=1)
    service.change_closing_time(engine=engine, actor=OPERATOR, workshop_id=workshop_id, closes_at=deadline)
    kept: dict[str, tuple[int, int]] = {}
    late_but_saved: list[datetime] = []
    failures: list[BaseException] = []

    def saving(token: str) -> Callable[[], None]:
        def run() -> None:
            n = 0
            while datetime.now(UTC) < deadline + timedelta(seconds=0.7):
                n += 1
                value = (n % 4 + 1, 4)
                started = datetime.now(UTC)
                try:
                    save_answer(engine=engine, token=token, change=levels(*value))
                except AnsweringClosed:
                    continue
                kept[token] = value
                if started >= deadline:
                    late_but_saved.append(started)

        return run

    def reading() -> None:
        while datetime.now(UTC) < deadline + timedelta(seconds=0.7):
            service.find_workshop(engine=engine, actor=OPERATOR, join_code=code)

    run_all([*(saving(t) for t in tokens), reading], failures)
    assert failures == []
    assert late_but_saved == []
    # every save that was kept is there, and nothing after it
    assert {t: stored(engine, t) for t in tokens} == {t: kept.get(t) for t in tokens}
    assert kept, "no save landed before the deadline: the race was not run"
    assert stored_status(engine, workshop_id) == "closed"
    assert audits(engine, CLOSED_AUTOMATICALLY) == 1


# --- invitations ----------------------------------------------------------------------------------

PEOPLE = 'Ann Smith <ann@example.org>\nbob@example.org\n=HYPERLINK("http://x"),eve@example.org\nCarol Jones\n'


def test_the_invitation_csv_has_one_unique_link_each_with_formulas_neutralised(
    engine: Engine, clock: Clock
) -> None:
    workshop_id = a_workshop(engine, anonymous=False)
    batch = service.invite(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, people_text=PEOPLE, join_address=JOIN
    )
    rows = list(csv.reader(io.StringIO(batch.csv_text())))
    assert rows[0] == ["name", "email", "link"]
    assert [r[:2] for r in rows[1:]] == [
        ["Ann Smith", "ann@example.org"],
        ["", "bob@example.org"],
        ['\'=HYPERLINK("http://x")', "eve@example.org"],
        ["Carol Jones", ""],
    ]
    links = [r[2] for r in rows[1:]]
    assert all(link.startswith(f"{JOIN}?code={batch.join_code}&invite=") for link in links)
    tokens = [link.rsplit("invite=", 1)[1] for link in links]
    assert len(set(tokens)) == 4
    with transaction(engine) as session:
        hashes = set(session.scalars(select(Invitation.token_hash)))
    # only the hashes are kept: a copy of the database holds no working link
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert not hashes & set(tokens)
    assert audits(engine, "workshop.invited") == 1


def test_an_invitation_link_admits_exactly_one_participant_and_then_leads_to_nobodys_answers(
    engine: Engine, clock: Clock
) -> None:
    """Three devices open one link at once: one joins, the others are refused in words. Opened again
    later, the link admits nobody and hands out no resume token: whoever sent the mail merge holds
    every link, and must not be able to read what the person answered."""
    workshop_id = a_workshop(engine, anonymous=False)
    batch = service.invite(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, people_text="Ann Smith\n", join_address=JOIN
    )
    token = batch.rows[0][2].rsplit("invite=", 1)[1]
    first = invitation_to_join(engine=engine, token=token)
    assert (first.name, first.used) == ("Ann Smith", False)
    failures: list[BaseException] = []
    joined: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(3)

    def device() -> None:
        barrier.wait()
        try:
            joined.append(join_by_invitation(engine=engine, token=token, sector="vcse", role=""))
        except Invalid as exc:
            refused.append(str(exc))

    run_all([device, device, device], failures)
    assert failures == []
    assert len(joined) == 1 and refused == [INVITATION_USED, INVITATION_USED]
    with pytest.raises(Invalid, match="has been used already"):
        join_by_invitation(engine=engine, token=token, sector="nhs-trust", role="")
    later = invitation_to_join(engine=engine, token=token)
    assert later.used and joined[0] not in repr(later)
    with transaction(engine) as session:
        people = session.execute(select(Participant.display_name, Participant.sector)).all()
    assert people == [("Ann Smith", "vcse")]
    assert audits(engine, "participant.joined") == 1


def test_a_person_who_withdrew_can_join_again_by_their_invitation_with_none_of_their_old_answers(
    engine: Engine, clock: Clock
) -> None:
    workshop_id = a_workshop(engine, anonymous=False)
    batch = service.invite(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, people_text="Ann Smith\n", join_address=JOIN
    )
    link = batch.rows[0][2].rsplit("invite=", 1)[1]
    first = join_by_invitation(engine=engine, token=link, sector="vcse", role="")
    save_answer(engine=engine, token=first, change=levels(2, 3))
    withdraw(engine=engine, token=first)
    assert not invitation_to_join(engine=engine, token=link).used  # the deletion cleared the link
    again = join_by_invitation(engine=engine, token=link, sector="nhs-trust", role="")
    assert again != first and stored(engine, again) is None
    with pytest.raises(NotFound):
        participant_session(engine=engine, token=first)
    with transaction(engine) as session:
        people = session.execute(select(Participant.display_name, Participant.sector)).all()
    assert people == [("Ann Smith", "nhs-trust")]
    assert invitation_to_join(engine=engine, token=link).used


def test_a_named_workshop_shows_who_has_not_finished(engine: Engine, clock: Clock) -> None:
    workshop_id = a_workshop(engine, anonymous=False)
    batch = service.invite(
        engine=engine,
        actor=OPERATOR,
        workshop_id=workshop_id,
        people_text="Ann Smith\nBen Okafor\ncara@example.org\n",
        join_address=JOIN,
    )
    tokens = [row[2].rsplit("invite=", 1)[1] for row in batch.rows]
    ann = join_by_invitation(engine=engine, token=tokens[0], sector="vcse", role="")
    join_by_invitation(engine=engine, token=tokens[1], sector="vcse", role="")
    save_answer(engine=engine, token=ann, change=levels(1, 2))
    submit(engine=engine, token=ann)
    seen = service.invitation_progress(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    assert (seen.invited, seen.joined, seen.submitted) == (3, 2, 1)
    assert seen.not_finished == (
        ("Ben Okafor", "joined, not submitted"),
        ("cara@example.org", "not opened yet"),
    )


def test_an_anonymous_workshop_keeps_no_name_and_shows_only_counts(engine: Engine, clock: Clock) -> None:
    workshop_id = a_workshop(engine, anonymous=True)
    batch = service.invite(
        engine=engine,
        actor=OPERATOR,
        workshop_id=workshop_id,
        people_text="Ann Smith <ann@example.org>\nBen Okafor\n",
        join_address=JOIN,
    )
    assert batch.rows[0][:2] == ("Ann Smith", "ann@example.org")  # the mail merge still has them
    token = batch.rows[0][2].rsplit("invite=", 1)[1]
    assert invitation_to_join(engine=engine, token=token).name is None
    resume = join_by_invitation(engine=engine, token=token, sector="vcse", role="")
    submit(engine=engine, token=resume)
    with transaction(engine) as session:
        kept = session.execute(select(Invitation.name, Invitation.email)).all()
        names = session.scalars(select(Participant.display_name)).all()
    assert kept == [(None, None), (None, None)]
    assert names == [None]
    seen = service.invitation_progress(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    assert (seen.anonymous, seen.invited, seen.joined, seen.submitted, seen.not_finished) == (
        True,
        2,
        1,
        1,
        (),
    )


def test_a_link_that_is_no_invitation_is_refused_in_words(engine: Engine, clock: Clock) -> None:
    a_workshop(engine)
    for token in ("not-a-token", "x" * 70, "../etc"):
        with pytest.raises(NotFound, match="invitation link is not valid"):
            invitation_to_join(engine=engine, token=token)


def test_invitations_after_answering_has_closed_are_refused(engine: Engine, clock: Clock) -> None:
    workshop_id = a_workshop(engine)
    clock.at = DEADLINE
    with pytest.raises(Invalid, match="Answering has closed"):
        service.invite(
            engine=engine, actor=OPERATOR, workshop_id=workshop_id, people_text="Ann\n", join_address=JOIN
        )


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "at least one name"),
        ("ann@example\n", "line 1: 'ann@example' is not an email address"),
        ("Ann\nann\n", "line 2: the same person as line 1"),
        ("a@example.org, b@example.org\n", "line 1: give one email address, not two"),
        ("x" * 201 + "\n", "line 1: a name must be 1 to 200 characters"),
    ],
)
def test_the_people_typed_are_refused_with_the_line_and_the_reason(typed: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        service.read_invitees(typed)


def test_an_uploaded_csv_with_a_header_row_is_read_like_typed_lines() -> None:
    people = service.read_invitees("name,email\r\nAnn Smith,ann@example.org\r\n,bob@example.org\r\n")
    assert [(p.name, p.email) for p in people] == [
        ("Ann Smith", "ann@example.org"),
        (None, "bob@example.org"),
    ]


def test_retention_counts_from_the_close_the_clock_made(engine: Engine, clock: Clock) -> None:
    from assessment.db.retention import rounds_closed_before

    workshop_id = a_workshop(engine)
    joined(engine, workshop_id)
    clock.at = DEADLINE
    service.find_workshop(engine=engine, actor=OPERATOR, join_code=_code(engine, workshop_id))
    with transaction(engine) as session:
        (closed,) = rounds_closed_before(session=session, cutoff=date(2100, 1, 1))
        recorded = session.scalar(select(AuditEntry.at).where(AuditEntry.action == CLOSED_AUTOMATICALLY))
    assert recorded is not None
    assert closed.closed_on == recorded.date() != date(2026, 12, 4)  # not the day it was held
