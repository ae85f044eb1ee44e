"""Consensus records and the action plan: the queries ``assessment.outcomes`` decides with.

Consensus rows are only ever added (the newest is the current one); actions are added, their
fields changed and deleted. The rules (levels, text limits, who may, what is audited) live in
``assessment.outcomes``; this module reads and writes rows in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from assessment.db.tables import Action, Consensus, ConsensusEvidence, Partnership, Workshop


@dataclass(frozen=True)
class Evidence:
    """One item of evidence for a domain's agreed level: a short note, and a web link or ""."""

    note: str
    link: str = ""


@dataclass(frozen=True)
class ConsensusRecord:
    id: int
    workshop_id: int
    domain_id: str
    item_id: str | None
    level: float
    rationale: str
    dissent: str
    recorded_by: str
    recorded_at: datetime
    # What the team would point a regulator to: the domain's evidence (a domain's record only).
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ActionRecord:
    id: int
    partnership_id: int
    workshop_id: int | None
    round_label: str | None
    domain_id: str
    item_id: str | None
    title: str
    owner: str
    due_on: date | None
    status: str
    notes: str
    created_at: datetime
    updated_at: datetime


def _consensus_record(row: Consensus) -> ConsensusRecord:
    return ConsensusRecord(
        id=row.id,
        workshop_id=row.workshop_id,
        domain_id=row.domain_id,
        item_id=row.item_id,
        level=float(row.level),
        rationale=row.rationale,
        dissent=row.dissent,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _of_domain(workshop_id: int, domain_id: str, item_id: str | None) -> list[ColumnElement[bool]]:
    return [
        Consensus.workshop_id == workshop_id,
        Consensus.domain_id == domain_id,
        Consensus.item_id.is_(None) if item_id is None else Consensus.item_id == item_id,
    ]


def consensus_records(*, session: Session, workshop_id: int) -> list[ConsensusRecord]:
    """Every consensus record of the workshop, oldest first."""
    rows = session.scalars(
        select(Consensus)
        .where(Consensus.workshop_id == workshop_id)
        .order_by(Consensus.recorded_at, Consensus.id)
    ).all()
    return [_consensus_record(r) for r in rows]


def domain_consensus_records(
    *,
    session: Session,
    workshop_id: int,
    domain_id: str,
    item_id: str | None = None,
    limit: int | None = None,
) -> list[ConsensusRecord]:
    """The records for one domain (or one of its items), newest first; at most ``limit``."""
    query = (
        select(Consensus)
        .where(*_of_domain(workshop_id, domain_id, item_id))
        .order_by(Consensus.recorded_at.desc(), Consensus.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [_consensus_record(r) for r in session.scalars(query).all()]


def add_consensus(
    *,
    session: Session,
    workshop_id: int,
    domain_id: str,
    item_id: str | None,
    level: float,
    rationale: str,
    dissent: str,
    recorded_by: str,
    recorded_at: datetime,
) -> int:
    """Store one consensus record; returns its id."""
    record = Consensus(
        workshop_id=workshop_id,
        domain_id=domain_id,
        item_id=item_id,
        level=level,
        rationale=rationale,
        dissent=dissent,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
    )
    session.add(record)
    session.flush()
    return record.id


def latest_workshop_id(*, session: Session, partnership_id: int) -> int | None:
    """The partnership's most recent workshop (by date, then by creation), or None."""
    return session.scalar(
        select(Workshop.id)
        .where(Workshop.partnership_id == partnership_id)
        .order_by(Workshop.held_on.desc(), Workshop.id.desc())
        .limit(1)
    )


class NewAction(TypedDict):
    """The fields an action is added with, and the ones a repeated request is matched on."""

    partnership_id: int
    workshop_id: int | None
    domain_id: str
    item_id: str | None
    title: str
    owner: str
    due_on: date | None
    status: str
    notes: str


def add_action(
    *, session: Session, at: datetime, updated_at: datetime | None = None, **fields: Unpack[NewAction]
) -> int:
    """Store one action agreed ``at`` (last changed ``updated_at``, when not then); returns its id."""
    action = Action(**fields, created_at=at, updated_at=at if updated_at is None else updated_at)
    session.add(action)
    session.flush()
    return action.id


def lock_partnership_plan(*, session: Session, partnership_id: int) -> None:
    """Hold the partnership's action plan for this transaction: another that asks waits until it ends.

    A no-op UPDATE of the partnership's row: on PostgreSQL it locks the row until commit; on
    SQLite it takes the database's write lock (waiting with the busy timeout). What is read after
    it is what the write is checked against, so two requests that each look for an action before
    adding it cannot both miss the other's.
    """
    session.execute(update(Partnership).where(Partnership.id == partnership_id).values(id=Partnership.id))


def unchanged_action_id(*, session: Session, **fields: Unpack[NewAction]) -> int | None:
    """The oldest action with exactly these fields that nobody has changed since it was added."""
    same = [
        getattr(Action, name).is_(None) if value is None else getattr(Action, name) == value
        for name, value in fields.items()
    ]
    return session.scalar(
        select(Action.id).where(*same, Action.updated_at == Action.created_at).order_by(Action.id).limit(1)
    )


def _action_records(session: Session, *where: ColumnElement[bool]) -> list[ActionRecord]:
    rows = session.execute(
        select(Action, Workshop.round_label)
        .outerjoin(Workshop, Workshop.id == Action.workshop_id)
        .where(*where)
        .order_by(Action.domain_id, Action.created_at, Action.id)
    ).all()
    return [
        ActionRecord(
            id=a.id,
            partnership_id=a.partnership_id,
            workshop_id=a.workshop_id,
            round_label=round_label,
            domain_id=a.domain_id,
            item_id=a.item_id,
            title=a.title,
            owner=a.owner,
            due_on=a.due_on,
            status=a.status,
            notes=a.notes,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )
        for a, round_label in rows
    ]


def action_record(*, session: Session, action_id: int) -> ActionRecord | None:
    found = _action_records(session, Action.id == action_id)
    return found[0] if found else None


def action_records(*, session: Session, partnership_id: int) -> list[ActionRecord]:
    """The partnership's actions by domain id, then in the order they were agreed."""
    return _action_records(session, Action.partnership_id == partnership_id)


def change_action(*, session: Session, action_id: int, values: dict[str, Any], at: datetime) -> None:
    """Write new values for some of an action's fields, and when they changed."""
    session.execute(update(Action).where(Action.id == action_id).values(**values, updated_at=at))


def remove_action(*, session: Session, action_id: int) -> bool:
    """Delete one action; False when there was none to delete."""
    deleted = session.execute(delete(Action).where(Action.id == action_id))
    return bool(getattr(deleted, "rowcount", 0))


def action_dates(*, session: Session, partnership_id: int) -> list[tuple[str, date | None, datetime]]:
    """Each of the partnership's actions as (domain id, its workshop's date or None, created at)."""
    rows = session.execute(
        select(Action.domain_id, Workshop.held_on, Action.created_at)
        .outerjoin(Workshop, Workshop.id == Action.workshop_id)
        .where(Action.partnership_id == partnership_id)
    ).all()
    return [(domain_id, held_on, created_at) for domain_id, held_on, created_at in rows]


# --- evidence beside a domain's agreed level -----------------------------------------------------------


def evidence_by_domain(
    *, session: Session, workshop_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[Evidence, ...]]:
    """The evidence of each (workshop, domain) that has any, each domain's items in their order."""
    if not workshop_ids:
        return {}
    rows = session.execute(
        select(
            ConsensusEvidence.workshop_id,
            ConsensusEvidence.domain_id,
            ConsensusEvidence.note,
            ConsensusEvidence.link,
        )
        .where(ConsensusEvidence.workshop_id.in_(list(workshop_ids)))
        .order_by(ConsensusEvidence.workshop_id, ConsensusEvidence.domain_id, ConsensusEvidence.position)
    ).all()
    found: dict[tuple[int, str], list[Evidence]] = {}
    for workshop_id, domain_id, note, link in rows:
        found.setdefault((workshop_id, domain_id), []).append(Evidence(note=note, link=link))
    return {key: tuple(items) for key, items in found.items()}


def lock_workshop(*, session: Session, workshop_id: int) -> None:
    """Hold the workshop's row for this transaction (as ``lock_partnership_plan`` does the plan's):
    what is read after it is what a write is checked against."""
    session.execute(update(Workshop).where(Workshop.id == workshop_id).values(id=Workshop.id))


def replace_evidence(
    *,
    session: Session,
    workshop_id: int,
    domain_id: str,
    items: Sequence[Evidence],
    added_by: str,
    at: datetime,
) -> None:
    """The domain's evidence becomes ``items``, in their order."""
    session.execute(
        delete(ConsensusEvidence).where(
            ConsensusEvidence.workshop_id == workshop_id, ConsensusEvidence.domain_id == domain_id
        )
    )
    session.add_all(
        ConsensusEvidence(
            workshop_id=workshop_id,
            domain_id=domain_id,
            position=position,
            note=item.note,
            link=item.link,
            added_by=added_by,
            added_at=at,
        )
        for position, item in enumerate(items)
    )
    session.flush()
