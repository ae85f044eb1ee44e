"""The audit log: who did what to which target, written in the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

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
