"""The audit log: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from assessment.db.tables import AuditEntry, Cohort, CohortShare, Partnership, Workshop


def audit(
    *, session: Session, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail or {}))


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def audit_entry(
    *,
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> int:
    """Write an audit entry stamped ``at`` and return its id."""
    entry = AuditEntry(at=at, actor=actor, action=action, target=target, detail=detail or {})
    session.add(entry)
    session.flush()
    return entry.id


def latest_entry_times(*, session: Session, action: str, target: str, limit: int) -> list[datetime]:
    """When the latest ``limit`` entries with this action and target were written, newest first
    (by the log's id). SQLite hands back naive datetimes; they are UTC, and come back marked so."""
    rows = session.scalars(
        select(AuditEntry.at)
        .where(AuditEntry.action == action, AuditEntry.target == target)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    return [at if at.tzinfo else at.replace(tzinfo=UTC) for at in rows]


# --- reading the log back (the administrators' audit page) -------------------------------------------


@dataclass(frozen=True)
class LoggedEntry:
    id: int
    at: datetime  # UTC
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def entries_page(
    *,
    session: Session,
    leave_out_actors: Sequence[str],
    actor: str | None = None,
    targets: Sequence[str] | None = None,
    seen_targets: Sequence[str] | None = None,
    seen_action_prefix: str = "",
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[LoggedEntry], int]:
    """One page of the log, newest first (by the log's id), and how many entries match in all.

    Entries by ``leave_out_actors`` are left out; ``actor`` keeps only that actor's entries and
    ``targets`` only entries about one of those targets. With ``seen_targets``, only entries about
    one of them, or whose action starts with ``seen_action_prefix``, are kept at all."""
    conditions: list[ColumnElement[bool]] = (
        [AuditEntry.actor.not_in(list(leave_out_actors))] if leave_out_actors else []
    )
    if seen_targets is not None:
        conditions.append(
            or_(AuditEntry.target.in_(list(seen_targets)), AuditEntry.action.startswith(seen_action_prefix))
            if seen_action_prefix
            else AuditEntry.target.in_(list(seen_targets))
        )
    if actor is not None:
        conditions.append(AuditEntry.actor == actor)
    if targets is not None:
        conditions.append(AuditEntry.target.in_(list(targets)))
    total = int(session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0)
    rows = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    ).all()
    return [
        LoggedEntry(
            id=row.id,
            at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
            actor=row.actor,
            action=row.action,
            target=row.target,
            detail=dict(row.detail or {}),
        )
        for row in rows
    ], total


@dataclass(frozen=True)
class LoggedWorkshop:
    id: int
    join_code: str
    title: str
    partnership: str
    held_on: date


def _seen_by(facilitator_id: int) -> ColumnElement[bool]:
    """The cohorts a facilitator may see: their own, shared with them, and team-wide ones."""
    shared = select(CohortShare.cohort_id).where(CohortShare.facilitator_id == facilitator_id)
    return or_(Cohort.owner_id.is_(None), Cohort.owner_id == facilitator_id, Cohort.id.in_(shared))


def logged_workshops(*, session: Session, seen_by: int | None = None) -> list[LoggedWorkshop]:
    """Every workshop (archived ones too), newest first, or only those in the cohorts facilitator
    ``seen_by`` may see: what the log's entries about workshops name."""
    query = (
        select(Workshop.id, Workshop.join_code, Workshop.title, Partnership.name, Workshop.held_on)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .order_by(Workshop.held_on.desc(), Workshop.id.desc())
    )
    if seen_by is not None:
        query = query.where(_seen_by(seen_by))
    return [LoggedWorkshop(int(i), str(c), str(t), str(p), h) for i, c, t, p, h in session.execute(query)]


def seen_names(*, session: Session, facilitator_id: int) -> list[str]:
    """The names of the cohorts and partnerships facilitator ``facilitator_id`` may see (the
    targets of the log's entries about them)."""
    cohorts = session.scalars(select(Cohort.name).where(_seen_by(facilitator_id)))
    partnerships = session.scalars(
        select(Partnership.name)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .where(_seen_by(facilitator_id))
    )
    return [*cohorts, *partnerships]
