"""Facilitator accounts, their signed-in sessions and the sign-in bookkeeping kept in the audit
log: the queries ``assessment.auth`` decides with. Hashing, the rate limit's rules, the sessions'
lifetime and the words live there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.db.tables import AuditEntry, Cohort, CohortShare, Facilitator, FacilitatorSession


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    created_at: datetime
    administrator: bool = False
    disabled_at: datetime | None = None
    must_change_password: bool = False


@dataclass(frozen=True)
class Credentials:
    id: int
    password_hash: str
    disabled: bool = False


def facilitator_id_by_email(*, session: Session, email: str) -> int | None:
    return session.scalar(select(Facilitator.id).where(Facilitator.email == email))


def add_facilitator(
    *,
    session: Session,
    email: str,
    password_hash: str,
    administrator: bool = False,
    must_change_password: bool = False,
) -> int | None:
    """Store the account; None when another transaction has just stored the same email (the
    unique constraint caught it; the caller's transaction must then roll back)."""
    facilitator = Facilitator(
        email=email,
        password_hash=password_hash,
        administrator=administrator,
        must_change_password=must_change_password,
    )
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


_ACCOUNT_COLUMNS = (
    Facilitator.id,
    Facilitator.email,
    Facilitator.created_at,
    Facilitator.administrator,
    Facilitator.disabled_at,
    Facilitator.must_change_password,
)


def _account(row: Any) -> Account:
    return Account(int(row[0]), str(row[1]), row[2], bool(row[3]), row[4], bool(row[5]))


def accounts(*, session: Session) -> list[Account]:
    """Every account, oldest first (never the hash)."""
    return [_account(row) for row in session.execute(select(*_ACCOUNT_COLUMNS).order_by(Facilitator.id))]


def account(*, session: Session, facilitator_id: int, lock: bool = False) -> Account | None:
    """One account (never the hash); None when there is none. ``lock`` holds its row until the
    transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
    query = select(*_ACCOUNT_COLUMNS).where(Facilitator.id == facilitator_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    return None if row is None else _account(row)


def credentials(*, session: Session, email: str) -> Credentials | None:
    row = session.execute(
        select(Facilitator.id, Facilitator.password_hash, Facilitator.disabled_at).where(
            Facilitator.email == email
        )
    ).one_or_none()
    return None if row is None else Credentials(int(row.id), str(row.password_hash), row[2] is not None)


def set_password_hash(
    *, session: Session, facilitator_id: int, password_hash: str, must_change: bool | None = None
) -> None:
    """A new hash; ``must_change`` also sets (True) or clears (False) the demand that the
    password be changed at the next sign-in, and None leaves it as it is."""
    values: dict[str, Any] = {"password_hash": password_hash}
    if must_change is not None:
        values["must_change_password"] = must_change
    session.execute(update(Facilitator).where(Facilitator.id == facilitator_id).values(**values))


def set_disabled_at(*, session: Session, facilitator_id: int, at: datetime | None) -> None:
    """Disable the account from ``at``, or enable it again with None."""
    session.execute(update(Facilitator).where(Facilitator.id == facilitator_id).values(disabled_at=at))


def set_administrator(*, session: Session, facilitator_id: int, administrator: bool) -> None:
    session.execute(
        update(Facilitator).where(Facilitator.id == facilitator_id).values(administrator=administrator)
    )


def lock_administrators(*, session: Session) -> None:
    """Hold every administrator's row until the transaction ends, so two changes that each leave
    one administrator cannot together leave none (PostgreSQL; SQLite serialises writers)."""
    session.execute(select(Facilitator.id).where(Facilitator.administrator.is_(True)).with_for_update())


def enabled_administrator_ids(*, session: Session) -> list[int]:
    """The administrators who are not disabled, oldest first."""
    return list(
        session.scalars(
            select(Facilitator.id)
            .where(Facilitator.administrator.is_(True), Facilitator.disabled_at.is_(None))
            .order_by(Facilitator.id)
        )
    )


def remove_facilitator(*, session: Session, facilitator_id: int) -> None:
    """Delete the account with its sessions and the shares made to it (its cohorts must have
    another owner first: the foreign key refuses otherwise)."""
    session.execute(delete(FacilitatorSession).where(FacilitatorSession.facilitator_id == facilitator_id))
    session.execute(delete(CohortShare).where(CohortShare.facilitator_id == facilitator_id))
    session.execute(delete(Facilitator).where(Facilitator.id == facilitator_id))


def owned_cohort_names(*, session: Session, facilitator_id: int) -> list[str]:
    """The names of the cohorts this account owns, archived ones included, alphabetically."""
    return list(
        session.scalars(select(Cohort.name).where(Cohort.owner_id == facilitator_id).order_by(Cohort.name))
    )


def give_cohorts(*, session: Session, from_id: int, to_id: int) -> int:
    """Make ``to_id`` the owner of every cohort ``from_id`` owns; how many moved. A share of one of
    them with the new owner goes: an owner needs none."""
    moved = select(Cohort.id).where(Cohort.owner_id == from_id).scalar_subquery()
    session.execute(
        delete(CohortShare).where(CohortShare.facilitator_id == to_id, CohortShare.cohort_id.in_(moved))
    )
    result = session.execute(update(Cohort).where(Cohort.owner_id == from_id).values(owner_id=to_id))
    return int(getattr(result, "rowcount", 0) or 0)


# --- sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    facilitator_id: int
    email: str
    expires_at: datetime
    revoked_at: datetime | None
    disabled_at: datetime | None = None
    administrator: bool = False
    must_change_password: bool = False


def add_session(
    *, session: Session, facilitator_id: int, token_hash: str, created_at: datetime, expires_at: datetime
) -> None:
    session.add(
        FacilitatorSession(
            facilitator_id=facilitator_id, token_hash=token_hash, created_at=created_at, expires_at=expires_at
        )
    )
    session.flush()


def session_by_hash(*, session: Session, token_hash: str) -> SessionRow | None:
    """The session with this token hash and its account's email; None when there is none (or its
    account is gone)."""
    row = session.execute(
        select(
            FacilitatorSession.facilitator_id,
            Facilitator.email,
            FacilitatorSession.expires_at,
            FacilitatorSession.revoked_at,
            Facilitator.disabled_at,
            Facilitator.administrator,
            Facilitator.must_change_password,
        )
        .join(Facilitator, Facilitator.id == FacilitatorSession.facilitator_id)
        .where(FacilitatorSession.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        return None
    return SessionRow(int(row[0]), str(row[1]), row[2], row[3], row[4], bool(row[5]), bool(row[6]))


def revoke_session(*, session: Session, token_hash: str, at: datetime) -> None:
    session.execute(
        update(FacilitatorSession)
        .where(FacilitatorSession.token_hash == token_hash, FacilitatorSession.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def revoke_sessions(
    *, session: Session, facilitator_id: int, at: datetime, keep_hash: str | None = None
) -> int:
    """End every session of the account not ended already (expired ones too: another replica's
    clock may still think them live), but the one whose token hash is ``keep_hash``; how many
    that was."""
    query = update(FacilitatorSession).where(
        FacilitatorSession.facilitator_id == facilitator_id, FacilitatorSession.revoked_at.is_(None)
    )
    if keep_hash is not None:
        query = query.where(FacilitatorSession.token_hash != keep_hash)
    result = session.execute(query.values(revoked_at=at))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_sessions_ended_before(*, session: Session, facilitator_id: int, before: datetime) -> None:
    """Delete the account's sessions that expired, or were ended, before ``before``."""
    session.execute(
        delete(FacilitatorSession).where(
            FacilitatorSession.facilitator_id == facilitator_id,
            or_(FacilitatorSession.expires_at < before, FacilitatorSession.revoked_at < before),
        )
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
