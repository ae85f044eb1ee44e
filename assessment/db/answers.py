"""Participants and their answers: joining, saving (whole or merged part by part, the latest
change winning: ``save_answer_change``), submitting, and the live progress counts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assessment.answers import (
    Answer,
    AnswerChange,
    IncompleteAnswer,
    Stamps,
    answer_parts,
    answer_problems,
    merge_change,
)
from assessment.db.tables import BankVersion, Cohort, Participant, Partnership, Response, Workshop, utcnow
from assessment.db.workshops import (
    WorkshopInfo,
    bank_for_version,
    lock_row,
    now,
    workshop_info,
    workshop_info_of,
)
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.framework import QuestionBank
from assessment.lifecycle import as_utc, deadline_passed

RESUME_TOKEN_BYTES = 24  # 192 bits


class AnsweringClosed(Forbidden):
    """An answer to a workshop that is not open for answers: refused, the stored ones kept."""


class AnswerNotComplete(Invalid):
    """A change that leaves the answer without a level it needs: nothing is stored."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"choose {missing} to save this answer")
        self.missing = missing


@dataclass(frozen=True)
class ParticipantInfo:
    id: int
    workshop_id: int
    label: str
    resume_token: str
    sector: str
    role: str


# --- participants and answers ----------------------------------------------------------------------------


def add_participant(
    *,
    session: Session,
    workshop_id: int,
    sector: str,
    role: str = "",
    display_name: str | None = None,
    label: str | None = None,
) -> ParticipantInfo:
    """Add a participant; without ``label`` they get the next free one (P01, P02, ...).

    Joins to one workshop are serialised by a write on its row, taken before anything is read:
    the next label is then computed from every label already committed, so simultaneous joins
    never collide, and a label a paper import used (P05) is skipped rather than failing every
    later join.
    """
    lock_row(session, Workshop, workshop_id)
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    sectors = [s.id for s in bank.sectors]
    if sector not in sectors:
        raise Invalid(f"'{sector}' is not a sector; expected one of {', '.join(sectors)}")
    taken = set(session.scalars(select(Participant.label).where(Participant.workshop_id == workshop_id)))
    if label is None:
        numbers = [int(t[1:]) for t in taken if t[:1] == "P" and t[1:].isdigit() and len(t) < 12]
        label = f"P{max(numbers, default=0) + 1:02d}"
    elif label in taken:
        raise Invalid(f"the label '{label}' is already taken in this workshop")
    participant = Participant(
        workshop_id=workshop_id,
        resume_token=secrets.token_urlsafe(RESUME_TOKEN_BYTES),
        label=label,
        sector=sector,
        role=role,
        display_name=display_name,
    )
    session.add(participant)
    session.flush()
    return ParticipantInfo(participant.id, workshop_id, label, participant.resume_token, sector, role)


_ANSWER_COLUMNS = (
    "participant_id",
    "item_id",
    "current",
    "target",
    "dont_know",
    "confidence",
    "comment",
    "tiers",
    "updated_at",
    "stamps",
    "revisions",
)


@cache
def _upsert_statement(dialect: str) -> Any:
    # Built once per dialect and run with parameters: building it per save was half the CPU
    # of a save (measured by bench/storage.py at 32 writers).
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Response).values({c: bindparam(c) for c in _ANSWER_COLUMNS})
    update = {c: statement.excluded[c] for c in _ANSWER_COLUMNS if c not in ("participant_id", "item_id")}
    return statement.on_conflict_do_update(index_elements=["participant_id", "item_id"], set_=update)


def _upsert(session: Session, values: dict[str, Any]) -> None:
    """Insert or replace one answer in a single statement, so two tabs never make two rows."""
    session.execute(_upsert_statement(session.get_bind().dialect.name), values)


def save_answer(
    *,
    session: Session,
    participant_id: int,
    answer: Answer,
    bank: QuestionBank,
    domains: list[str] | None = None,
) -> None:
    """Save (or replace) one whole answer after checking it against the workshop's bank.

    For the facilitator's tools (the paper import, sample data), which may fill in a workshop in
    any state. A participant's own changes go through ``save_answer_change``.
    """
    save_answers(session=session, participant_id=participant_id, answers=[answer], bank=bank, domains=domains)


def save_answers(
    *,
    session: Session,
    participant_id: int,
    answers: Sequence[Answer],
    bank: QuestionBank,
    domains: list[str] | None = None,
) -> None:
    """Save (or replace) one participant's whole answers as one write, each checked as
    ``save_answer`` checks it; any answer refused refuses them all, before anything is written.

    One revision for the lot and one statement run for all the rows: the sample data's 4,000
    answers were two statements each, most of loading it on PostgreSQL.
    """
    problems = [problem for answer in answers for problem in answer_problems(bank, answer, domains=domains)]
    if problems:
        raise Invalid("; ".join(problems))
    if not answers:
        return
    stamp = change_stamp()
    revision = _next_revision(session, participant_id)
    now = utcnow()
    rows = []
    # An item given twice keeps its last answer, as two saves one after the other would; one
    # statement run for many rows may not touch a row twice on PostgreSQL.
    for answer in {answer.item_id: answer for answer in answers}.values():
        parts = answer_parts(answer)
        rows.append(
            {
                "participant_id": participant_id,
                "item_id": answer.item_id,
                "current": answer.current,
                "target": answer.target,
                "dont_know": answer.dont_know,
                "confidence": answer.confidence,
                "comment": answer.comment,
                "tiers": answer.tiers,
                "updated_at": now,
                # Every part is replaced now: an open page's older change must not undo it.
                "stamps": dict.fromkeys(parts, stamp),
                "revisions": dict.fromkeys(parts, revision),
            }
        )
    session.execute(_upsert_statement(session.get_bind().dialect.name), rows)


def change_stamp() -> int:
    """The moment a change is made, in microseconds since the epoch: what orders changes."""
    return time.time_ns() // 1000


def _next_revision(session: Session, participant_id: int) -> int:
    """Count one more answer write for the participant and return the count.

    The UPDATE is also the lock: on PostgreSQL it locks the participant's row until commit; on
    SQLite it takes the database's write lock (waiting with the busy timeout) before this
    transaction reads anything, so what is read next is what the write is checked against.
    """
    revision = session.scalar(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(answers_revision=Participant.answers_revision + 1)
        .returning(Participant.answers_revision)
    )
    if revision is None:
        raise NotFound("no such participant")
    return int(revision)


@dataclass(frozen=True)
class StoredAnswer:
    answer: Answer
    stamps: Stamps  # part -> when its latest change was made (assessment.answers)
    revisions: Stamps  # part -> the participant's answers_revision when it was last written


CLOSED_AT_DEADLINE = (
    "answering closed at the workshop's closing time, so this answer was not saved; the answers you "
    "saved before then are kept"
)


def save_answer_change(
    *,
    session: Session,
    participant_id: int,
    change: AnswerChange,
    bank: QuestionBank,
    domains: list[str] | None = None,
) -> StoredAnswer:
    """Merge one participant's change into their stored answer, in the caller's transaction.

    Only the parts the change names are written, and only where the stored part is older (see
    assessment.answers.merge_change); the participant's row is locked first, so two saves of one
    participant, from any process, merge one after the other. Refused with AnsweringClosed when
    the workshop is not open, and with AnswerNotComplete when a level is still missing. Returns
    what is stored afterwards, which is what the screen must show as saved.
    """
    revision = _next_revision(session, participant_id)
    found = session.execute(
        select(Workshop.status, Workshop.closes_at)
        .join(Participant, Participant.workshop_id == Workshop.id)
        .where(Participant.id == participant_id)
        # PostgreSQL: closing waits for this save to commit, so none lands after the close.
        .with_for_update(read=True, of=Workshop)
    ).one_or_none()
    if found is None:
        raise NotFound("no such participant")
    status, closes_at = found
    if status != "open":
        raise AnsweringClosed("answering has closed for this workshop; your last saved answers are kept")
    # The closing time, read under the same lock: a save checked before it is kept (a close
    # recorded meanwhile waits for this commit); one at or after it is refused, recorded or not.
    if closes_at is not None and deadline_passed(as_utc(closes_at), now()):
        raise AnsweringClosed(CLOSED_AT_DEADLINE)
    try:
        item = bank.item(change.item_id)
    except KeyError:
        raise Invalid(f"there is no item '{change.item_id}' in the question bank") from None
    row = session.scalar(
        select(Response).where(Response.participant_id == participant_id, Response.item_id == change.item_id)
    )
    stored = _answer_of(row) if row is not None else None
    try:
        answer, stamps, taken = merge_change(
            stored,
            (row.stamps or {}) if row is not None else {},
            change,
            accountability=item.type == "accountability",
        )
    except IncompleteAnswer as exc:
        raise AnswerNotComplete(exc.missing) from None
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    problems = answer_problems(bank, answer, domains=domains)
    if problems:
        raise Invalid("; ".join(problems))
    revisions = dict((row.revisions or {}) if row is not None else {})
    revisions.update(dict.fromkeys(taken, revision))
    if taken:
        _upsert(
            session,
            {
                "participant_id": participant_id,
                "item_id": change.item_id,
                **{
                    c: getattr(answer, c) for c in ("current", "target", "dont_know", "confidence", "comment")
                },
                "tiers": answer.tiers,
                "updated_at": utcnow(),
                "stamps": stamps,
                "revisions": revisions,
            },
        )
    return StoredAnswer(answer, stamps, revisions)


def _answer_of(row: Response) -> Answer:
    return Answer(
        item_id=row.item_id,
        current=row.current,
        target=row.target,
        dont_know=bool(row.dont_know),
        confidence=row.confidence,
        comment=row.comment,
        tiers=row.tiers,
    )


# --- the live workshop -----------------------------------------------------------------------------


def participant_by_token(*, session: Session, token: str) -> ParticipantInfo | None:
    """The participant a resume link names; None for a wrong or tampered token."""
    if not token or len(token) > 64:
        return None
    row = session.scalar(select(Participant).where(Participant.resume_token == token))
    if row is None:
        return None
    return ParticipantInfo(row.id, row.workshop_id, row.label, row.resume_token, row.sector, row.role)


@dataclass(frozen=True)
class ParticipantAtWork:
    """A participant, their workshop and its bank's content hash, and where their answers stand:
    read in one statement, because the answer page reads it on every rerun."""

    participant: ParticipantInfo
    workshop: WorkshopInfo
    content_hash: str
    revision: int  # read in the same statement as the rest, before any answer is read
    submitted: bool


def participant_at_work(*, session: Session, token: str) -> ParticipantAtWork | None:
    """What the answer page needs about the participant a resume link names, in one statement;
    None for a wrong or tampered token."""
    if not token or len(token) > 64:
        return None
    row = session.execute(
        select(Participant, Workshop, Partnership.name, Cohort.name, BankVersion.content_hash)
        .join(Workshop, Workshop.id == Participant.workshop_id)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .join(BankVersion, BankVersion.id == Workshop.bank_version_id)
        .where(Participant.resume_token == token)
    ).one_or_none()
    if row is None:
        return None
    person, workshop, partnership, cohort, content_hash = row
    return ParticipantAtWork(
        participant=ParticipantInfo(
            person.id, person.workshop_id, person.label, person.resume_token, person.sector, person.role
        ),
        workshop=workshop_info_of(workshop, partnership, cohort),
        content_hash=content_hash,
        revision=int(person.answers_revision or 0),
        submitted=person.submitted_at is not None,
    )


def participant_submitted(*, session: Session, participant_id: int) -> bool:
    return (
        session.scalar(select(Participant.submitted_at).where(Participant.id == participant_id)) is not None
    )


def submit_participant(*, session: Session, participant_id: int) -> None:
    """Mark the answers as submitted; submitting again keeps the first time.

    One conditional UPDATE rather than a read and a write: a facilitator removing this participant
    at the same moment then either finds them submitted (and keeps them) or has removed them, and
    this says NotFound; never an update of a row deleted under it.
    """
    session.execute(
        update(Participant)
        .where(Participant.id == participant_id, Participant.submitted_at.is_(None))
        .values(submitted_at=utcnow())
    )
    if session.scalar(select(Participant.id).where(Participant.id == participant_id)) is None:
        raise NotFound("no such participant")


def participant_answers(*, session: Session, participant_id: int) -> dict[str, Answer]:
    """What this participant has saved so far, by item id."""
    rows = session.scalars(select(Response).where(Response.participant_id == participant_id)).all()
    return {r.item_id: _answer_of(r) for r in rows}


def participant_stored_answers(*, session: Session, participant_id: int) -> dict[str, StoredAnswer]:
    """What this participant has saved so far, by item id, with when each part was last changed."""
    rows = session.scalars(select(Response).where(Response.participant_id == participant_id)).all()
    return {
        r.item_id: StoredAnswer(_answer_of(r), dict(r.stamps or {}), dict(r.revisions or {})) for r in rows
    }


def participant_revision(*, session: Session, participant_id: int) -> int:
    """How many answer writes the participant has had: what a page has seen once it has read them."""
    return int(
        session.scalar(select(Participant.answers_revision).where(Participant.id == participant_id)) or 0
    )


@dataclass(frozen=True)
class Progress:
    joined: int
    submitted: int
    by_sector: dict[str, int]
    # per domain: the share of (participant x item) answers given so far, 0..1
    completion: dict[str, float]


def workshop_progress(
    *, session: Session, workshop_id: int, bank: QuestionBank, domains: list[str]
) -> Progress:
    """Live counts for the facilitator's screen, straight from the database (no process memory)."""
    people = session.execute(
        select(Participant.sector, Participant.submitted_at).where(Participant.workshop_id == workshop_id)
    ).all()
    by_sector: dict[str, int] = {}
    for sector, _ in people:
        by_sector[sector] = by_sector.get(sector, 0) + 1
    answered = dict(
        session.execute(
            select(Response.item_id, func.count())
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.workshop_id == workshop_id)
            .group_by(Response.item_id)
        ).all()
    )
    completion = {}
    for domain_id in domains:
        items = [i.id for i in bank.domain(domain_id).items]
        possible = len(items) * len(people)
        completion[domain_id] = (sum(answered.get(i, 0) for i in items) / possible) if possible else 0.0
    return Progress(
        joined=len(people),
        submitted=sum(1 for _, submitted in people if submitted is not None),
        by_sector=by_sector,
        completion=completion,
    )


def participant_count(*, session: Session, workshop_id: int) -> int:
    """Everyone who has joined the workshop, submitted or not."""
    return int(
        session.scalar(
            select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
        )
        or 0
    )


@dataclass(frozen=True)
class WorkshopPerson:
    id: int
    label: str
    sector: str


def workshop_people(*, session: Session, workshop_id: int) -> list[WorkshopPerson]:
    """Everyone who has joined the workshop (or was imported into it), by label and sector."""
    rows = session.execute(
        select(Participant.id, Participant.label, Participant.sector).where(
            Participant.workshop_id == workshop_id
        )
    )
    return [WorkshopPerson(pid, label, sector) for pid, label, sector in rows]


@dataclass(frozen=True)
class WaitingPerson:
    """Someone who joined and has not submitted: how far they got, never what they answered."""

    id: int
    label: str
    sector: str
    answered: int  # questions with an answer
    joined_at: datetime
    last_answer_at: datetime | None


def unsubmitted_people(*, session: Session, workshop_id: int) -> list[WaitingPerson]:
    """Everyone of the workshop who has not submitted, fewest answers first, then by label."""
    answered = (
        select(
            Response.participant_id,
            func.count().label("answered"),
            func.max(Response.updated_at).label("last_answer_at"),
        )
        .group_by(Response.participant_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Participant.id,
            Participant.label,
            Participant.sector,
            func.coalesce(answered.c.answered, 0),
            Participant.joined_at,
            answered.c.last_answer_at,
        )
        .outerjoin(answered, answered.c.participant_id == Participant.id)
        .where(Participant.workshop_id == workshop_id, Participant.submitted_at.is_(None))
    ).all()
    people = [WaitingPerson(*row) for row in rows]
    return sorted(people, key=lambda p: (p.answered, len(p.label), p.label))


def remove_unsubmitted_participant(
    *, session: Session, workshop_id: int, participant_id: int
) -> WaitingPerson:
    """Delete a participant who has not submitted, with their answers; returns who it was.

    The workshop's row is locked first, and the delete itself requires "not submitted", so a
    person who presses Submit at the same moment is either removed before submitting (their page
    then says the link is no longer valid) or kept: never a submitted person removed.
    """
    lock_participant_and_workshop(session=session, workshop_id=workshop_id, participant_id=participant_id)
    waiting = {p.id: p for p in unsubmitted_people(session=session, workshop_id=workshop_id)}
    person = waiting.get(participant_id)
    if person is None:
        raise NotFound("that participant is not one of this workshop's people who have not submitted")
    # The participant first, on the condition; their answers go with them (ON DELETE CASCADE).
    removed = session.execute(
        delete(Participant).where(
            Participant.id == participant_id,
            Participant.workshop_id == workshop_id,
            Participant.submitted_at.is_(None),
        )
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("that participant has just submitted, so they stay")
    return person


# --- a participant's own withdrawal ------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawnPerson:
    """Who withdrew: enough for the audit log, never what they answered."""

    label: str
    sector: str
    answered: int  # questions that had an answer
    submitted: bool


def lock_workshop(*, session: Session, workshop_id: int) -> None:
    """Take the workshop row's write lock before this transaction reads anything: a reveal, a
    join or a removal of the same workshop then waits until this transaction ends."""
    lock_row(session, Workshop, workshop_id)


def lock_participant_and_workshop(*, session: Session, workshop_id: int, participant_id: int) -> None:
    """Take the participant's row lock, then the workshop's, before this transaction reads anything.

    The same order a save takes them (its revision count locks the participant, then it reads the
    workshop's status under a share lock), so a removal and a save of the same person wait for
    each other. Locking the workshop first deadlocked against a save on PostgreSQL, and the
    database then failed one of the two with an error nobody could act on.
    """
    lock_row(session, Participant, participant_id)
    lock_row(session, Workshop, workshop_id)


def delete_participant(*, session: Session, workshop_id: int, participant_id: int) -> WithdrawnPerson:
    """Delete one participant of ``workshop_id`` with everything they gave: their answers, free text
    and re-rate answers go with them (ON DELETE CASCADE), and so do their name and role.

    The caller holds the person's and the workshop's locks (``lock_participant_and_workshop``) and
    has checked the rules under them.
    """
    person = session.execute(
        select(Participant.label, Participant.sector, Participant.submitted_at).where(
            Participant.id == participant_id, Participant.workshop_id == workshop_id
        )
    ).one_or_none()
    if person is None:
        raise NotFound("this link is not valid")
    answered = int(
        session.scalar(
            select(func.count()).select_from(Response).where(Response.participant_id == participant_id)
        )
        or 0
    )
    session.execute(delete(Participant).where(Participant.id == participant_id))
    return WithdrawnPerson(
        label=person.label, sector=person.sector, answered=answered, submitted=person.submitted_at is not None
    )
