"""Facilitator accounts and the sign-in bookkeeping kept in the audit log: the queries
``assessment.auth`` decides with. Hashing, the rate limit's rules and the words live there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.db.tables import AuditEntry, Facilitator


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    created_at: datetime


@dataclass(frozen=True)
class Credentials:
    id: int
    password_hash: str


def facilitator_id_by_email(*, session: Session, email: str) -> int | None:
    return session.scalar(select(Facilitator.id).where(Facilitator.email == email))


def add_facilitator(*, session: Session, email: str, password_hash: str) -> int | None:
    """Store the account; None when another transaction has just stored the same email (the
    unique constraint caught it; the caller's transaction must then roll back)."""
    facilitator = Facilitator(email=email, password_hash=password_hash)
    session.add(facilitator)
    try:
        session.flush()
    except IntegrityError:
        return None
    return facilitator.id


def lock_accounts_for_first_run(*, session: Session) -> None:
    """Serialise concurrent first-run submissions while reads carry on.

    On PostgreSQL this mode conflicts with itself; SQLite already serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE facilitators IN SHARE ROW EXCLUSIVE MODE"))


def facilitator_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Facilitator)) or 0)


def facilitator_email(*, session: Session, facilitator_id: int) -> str | None:
    """The account's email, or None when there is no such account (any more)."""
    return session.scalar(select(Facilitator.email).where(Facilitator.id == facilitator_id))


def accounts(*, session: Session) -> list[Account]:
    """Every account, oldest first (never the hash)."""
    rows = session.execute(
        select(Facilitator.id, Facilitator.email, Facilitator.created_at).order_by(Facilitator.id)
    )
    return [Account(fid, email, created_at) for fid, email, created_at in rows]


def credentials(*, session: Session, email: str) -> Credentials | None:
    row = session.execute(
        select(Facilitator.id, Facilitator.password_hash).where(Facilitator.email == email)
    ).one_or_none()
    return None if row is None else Credentials(int(row.id), str(row.password_hash))


def set_password_hash(*, session: Session, facilitator_id: int, password_hash: str) -> None:
    session.execute(
        update(Facilitator).where(Facilitator.id == facilitator_id).values(password_hash=password_hash)
    )


def entries_since(*, session: Session, target: str, counted: str, since: str) -> tuple[int, datetime | None]:
    """Entries with action ``counted`` for the target after its latest ``since`` entry (by the
    log's id, not its clock): how many, and when the latest was."""
    last = (
        select(func.coalesce(func.max(AuditEntry.id), 0))
        .where(AuditEntry.action == since, AuditEntry.target == target)
        .scalar_subquery()
    )
    count, latest = session.execute(
        select(func.count(), func.max(AuditEntry.at)).where(
            AuditEntry.action == counted, AuditEntry.target == target, AuditEntry.id > last
        )
    ).one()
    return int(count or 0), latest


def take_turn(*, session: Session, lock_key: int) -> None:
    """Make this transaction the only one holding ``lock_key`` until it ends.

    SQLite ignores FOR UPDATE, so BEGIN IMMEDIATE takes the database's write lock before anything
    is read: another process's transaction waits until this one has written. On PostgreSQL a
    transaction-scoped advisory lock on the key does the same, and leaves every other write alone.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))
    elif dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(lock_key)))


def change_entry(*, session: Session, entry_id: int, action: str, detail: dict[str, Any]) -> None:
    """Rewrite one audit entry's action and detail (a sign-in's claim becoming its outcome)."""
    entry = session.get(AuditEntry, entry_id)
    if entry is not None:
        entry.action = action
        entry.detail = detail
