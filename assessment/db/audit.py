"""The audit log: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.db.tables import AuditEntry


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
