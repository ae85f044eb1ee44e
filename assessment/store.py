"""Storage: SQLAlchemy 2 tables and a small repository API.

Every function is keyword-only and takes the session explicitly; the caller owns the
transaction (``with transaction(engine) as session:``), one per user action. Unique constraints
make double submits harmless. A participant's change is merged part by part into their stored
answer, the latest change winning (``save_answer_change``).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from assessment import limits
from assessment.answers import (
    Answer,
    AnswerChange,
    IncompleteAnswer,
    Stamps,
    answer_parts,
    answer_problems,
    merge_change,
)
from assessment.errors import NotFound as NotFound  # re-exported: pages and tests import them from here
from assessment.errors import StoreError as StoreError
from assessment.framework import QuestionBank, parse_bank

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "ics_readiness.db"

# Join codes are read aloud and typed on phones: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
RESUME_TOKEN_BYTES = 24  # 192 bits
CONNECT_TIMEOUT_SECONDS = 5

PARTNERSHIP_KINDS = ("ics", "place", "provider-collaborative", "neighbourhood", "other")
WORKSHOP_STATUSES = ("draft", "open", "closed")
ACTION_STATUSES = ("planned", "in-progress", "done", "dropped")


class AnsweringClosed(StoreError):
    """An answer to a workshop that is not open for answers: refused, the stored ones kept."""


class AnswerNotComplete(StoreError):
    """A change that leaves the answer without a level it needs: nothing is stored."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"choose {missing} to save this answer")
        self.missing = missing


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- tables ----------------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Facilitator(Base):
    __tablename__ = "facilitators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Cohort(Base):
    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CohortShare(Base):
    __tablename__ = "cohort_shares"
    __table_args__ = (UniqueConstraint("cohort_id", "facilitator_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"))


class Partnership(Base):
    __tablename__ = "partnerships"
    __table_args__ = (
        UniqueConstraint("cohort_id", "name"),
        CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in PARTNERSHIP_KINDS)})", name="partnership_kind"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BankVersion(Base):
    """A question bank exactly as a workshop used it; never changed once stored."""

    __tablename__ = "bank_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Workshop(Base):
    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in WORKSHOP_STATUSES)})", name="workshop_status"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_versions.id"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    round_label: Mapped[str | None] = mapped_column(String(80))
    join_code: Mapped[str] = mapped_column(String(JOIN_CODE_LENGTH), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    domains: Mapped[list[str]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    resume_token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80))  # pseudonymous, e.g. P07; unique per workshop
    sector: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str | None] = mapped_column(String(200))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Counts this participant's answer writes; each written part records the count it was written
    # at (Response.revisions), so a page knows which stored parts changed since it last drew them.
    answers_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (UniqueConstraint("workshop_id", "label"),)


class Response(Base):
    """One row per participant and item; accountability answers keep {function: tier} in tiers."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("participant_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(80))
    current: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[int | None] = mapped_column(Integer)
    dont_know: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    tiers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the person made each part's latest change (assessment.answers.merge_change), so an
    # older change that lands late never overwrites a newer one. NULL for rows before 0005.
    stamps: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # The participant's answers_revision at which each part was last written.
    revisions: Mapped[dict[str, int] | None] = mapped_column(JSON)


class Consensus(Base):
    __tablename__ = "consensus"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"))
    domain_id: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[str | None] = mapped_column(String(80))
    level: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text, default="")
    dissent: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ACTION_STATUSES)})", name="action_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"))
    domain_id: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_action", "target", "action"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- engine and transactions ---------------------------------------------------------------------------


def database_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else DATABASE_URL, else the SQLite file under data/."""
    chosen = url or os.environ.get("DATABASE_URL")
    if chosen:
        if chosen.startswith("postgresql://"):
            chosen = "postgresql+psycopg://" + chosen.removeprefix("postgresql://")
        return chosen
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


WAL_SWITCH_SECONDS = 30


def _use_wal(cursor: Any) -> None:
    """Put the database file in WAL mode, once per file, however many processes open it at once.

    Switching needs an exclusive lock, and SQLite reports "database is locked" at once, without
    its busy handler, when another process holds the new file: seen with three processes
    migrating one new database together (tests/storage/test_faults.py), about 1 run in 8. So a
    file already in WAL is left as it is, and the switch is retried briefly.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str | None = None) -> Engine:
    chosen = database_url(url)
    if chosen.startswith("sqlite"):
        engine = create_engine(chosen, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # WAL lets readers run while a participant's answer is written; foreign keys are off
            # by default in SQLite; busy_timeout makes concurrent writers wait, not fail.
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _use_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # A bounded connect: a database host that stops answering (rather than refusing) would
    # otherwise hold a participant's save for the operating system's TCP timeout, minutes.
    given = make_url(chosen).query
    connect_args = {} if "connect_timeout" in given else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(chosen, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


# SQLite primary result codes and PostgreSQL SQLSTATEs for "the database is there but will not
# take this write": read-only, no rights, full.
_SQLITE_REFUSALS = {3: "permission denied", 8: "read-only", 13: "full"}
_POSTGRES_REFUSALS = {
    "42501": "permission denied",
    "25006": "read-only",
    "53100": "full",
}


def write_refused(error: BaseException) -> str | None:
    """Why the database refused a write ("read-only", "full", "permission denied"), or None.

    None means any other database error, chiefly that it could not be reached; that one is worth
    retrying by itself, while a refusal lasts until someone fixes the database.
    """
    cause = getattr(error, "orig", None) or error
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return _SQLITE_REFUSALS.get(sqlite_code & 0xFF)
    sqlstate = getattr(cause, "sqlstate", None)
    return _POSTGRES_REFUSALS.get(sqlstate) if isinstance(sqlstate, str) else None


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back entirely on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


# --- plain results (nothing ORM leaves this module's callers' hands) -------------------------------


@dataclass(frozen=True)
class WorkshopInfo:
    id: int
    join_code: str
    title: str
    held_on: date
    round_label: str | None
    status: str
    revealed: bool
    anonymous: bool
    domains: tuple[str, ...]
    partnership_id: int
    partnership: str
    cohort: str
    bank_version_id: int


@dataclass(frozen=True)
class ParticipantInfo:
    id: int
    workshop_id: int
    label: str
    resume_token: str
    sector: str
    role: str


def audit(
    *, session: Session, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail or {}))


# --- cohorts and partnerships ------------------------------------------------------------------------------


def create_cohort(*, session: Session, name: str, owner_id: int | None = None) -> int:
    name = name.strip()
    if not name:
        raise StoreError("a cohort needs a name")
    # the store is the door every page and command passes: the column's width and no NUL, here
    name = limits.checked_text(name, what="a cohort's name", limit=limits.COHORT_NAME_CHARS)
    if session.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
        raise StoreError(f"a cohort called '{name}' already exists")
    cohort = Cohort(name=name, owner_id=owner_id)
    session.add(cohort)
    session.flush()
    return cohort.id


def cohort_id(*, session: Session, name: str) -> int:
    found = session.scalar(select(Cohort.id).where(Cohort.name == name))
    if found is None:
        raise NotFound(f"there is no cohort called '{name}'")
    return found


def create_partnership(
    *, session: Session, cohort_id: int, name: str, kind: str, parent_id: int | None = None
) -> int:
    name = name.strip()
    if kind not in PARTNERSHIP_KINDS:
        raise StoreError(
            f"'{kind}' is not a kind of partnership; expected one of {', '.join(PARTNERSHIP_KINDS)}"
        )
    if not name:
        raise StoreError("a partnership needs a name")
    name = limits.checked_text(name, what="a partnership's name", limit=limits.PARTNERSHIP_NAME_CHARS)
    exists = select(Partnership.id).where(Partnership.cohort_id == cohort_id, Partnership.name == name)
    if session.scalar(exists) is not None:
        raise StoreError(f"the cohort already has a partnership called '{name}'")
    partnership = Partnership(cohort_id=cohort_id, name=name, kind=kind, parent_id=parent_id)
    session.add(partnership)
    session.flush()
    return partnership.id


def partnership_id(*, session: Session, name: str, cohort: str | None = None) -> int:
    query = select(Partnership.id).where(Partnership.name == name)
    if cohort is not None:
        query = query.join(Cohort, Cohort.id == Partnership.cohort_id).where(Cohort.name == cohort)
    found = session.scalars(query).all()
    if not found:
        raise NotFound(f"there is no partnership called '{name}'")
    if len(found) > 1:
        raise StoreError(f"several partnerships are called '{name}'; name the cohort too")
    return found[0]


# --- bank versions ---------------------------------------------------------------------------------


def bank_hash(yaml_text: str) -> str:
    return hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()


def store_bank_version(*, session: Session, yaml_text: str) -> int:
    """Keep this exact bank text; the same text is stored once, however often it is used."""
    digest = bank_hash(yaml_text)
    found = session.scalar(select(BankVersion.id).where(BankVersion.content_hash == digest))
    if found is not None:
        return found
    bank = parse_bank(yaml_text)
    version = BankVersion(bank_id=bank.id, version=bank.version, content_hash=digest, yaml_text=yaml_text)
    session.add(version)
    session.flush()
    return version.id


_BANK_CACHE: dict[str, QuestionBank] = {}


def bank_for_version(*, session: Session, bank_version_id: int) -> QuestionBank:
    """The bank a workshop used. A stored version never changes, so each is parsed once per
    process, keyed by its content hash: ids repeat across databases, hashes do not."""
    digest = session.scalar(select(BankVersion.content_hash).where(BankVersion.id == bank_version_id))
    if digest is None:
        raise NotFound(f"there is no bank version {bank_version_id}")
    cached = _BANK_CACHE.get(digest)
    if cached is None:
        text = session.scalar(select(BankVersion.yaml_text).where(BankVersion.id == bank_version_id))
        cached = _BANK_CACHE.setdefault(digest, parse_bank(text or ""))
    return cached


# --- workshops ----------------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_workshop(
    *,
    session: Session,
    partnership_id: int,
    bank_version_id: int,
    title: str,
    held_on: date,
    round_label: str | None = None,
    domains: list[str] | None = None,
    anonymous: bool = True,
) -> WorkshopInfo:
    bank = bank_for_version(session=session, bank_version_id=bank_version_id)
    known = [d.id for d in bank.domains]
    chosen = known if not domains else list(domains)
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise StoreError(f"unknown domain(s) {', '.join(unknown)}; the bank has: {', '.join(known)}")
    if not title.strip():
        raise StoreError("a workshop needs a title")
    title = limits.checked_text(title, what="a workshop's title", limit=limits.WORKSHOP_TITLE_CHARS)
    if round_label is not None:
        round_label = (
            limits.checked_text(
                round_label, what="a round label", limit=limits.ROUND_LABEL_CHARS, required=False
            )
            or None
        )
    code = new_join_code()
    while session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is not None:
        code = new_join_code()
    workshop = Workshop(
        partnership_id=partnership_id,
        bank_version_id=bank_version_id,
        title=title.strip(),
        held_on=held_on,
        round_label=round_label,
        join_code=code,
        domains=chosen,
        anonymous=anonymous,
    )
    session.add(workshop)
    session.flush()
    return workshop_info(session=session, join_code=code)


def workshop_info(
    *, session: Session, join_code: str | None = None, workshop_id: int | None = None
) -> WorkshopInfo:
    query = (
        select(Workshop, Partnership.name, Cohort.name)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
    )
    if join_code is not None:
        query = query.where(Workshop.join_code == join_code.strip().upper())
    elif workshop_id is not None:
        query = query.where(Workshop.id == workshop_id)
    else:
        raise ValueError("give a join code or a workshop id")
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(
            f"there is no workshop with the code '{join_code}'" if join_code else "no such workshop"
        )
    w, partnership, cohort = row
    return WorkshopInfo(
        id=w.id,
        join_code=w.join_code,
        title=w.title,
        held_on=w.held_on,
        round_label=w.round_label,
        status=w.status,
        revealed=w.revealed,
        anonymous=w.anonymous,
        domains=tuple(w.domains),
        partnership_id=w.partnership_id,
        partnership=partnership,
        cohort=cohort,
        bank_version_id=w.bank_version_id,
    )


def list_workshops(*, session: Session) -> list[dict[str, Any]]:
    """Every workshop with its partnership, cohort and respondent count, newest first."""
    respondents = (
        select(Participant.workshop_id, func.count(func.distinct(Response.participant_id)).label("n"))
        .join(Response, Response.participant_id == Participant.id)
        .group_by(Participant.workshop_id)
        .subquery()
    )
    query = (
        select(Workshop, Partnership.name, Cohort.name, func.coalesce(respondents.c.n, 0))
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .outerjoin(respondents, respondents.c.workshop_id == Workshop.id)
        .order_by(Workshop.held_on.desc(), Workshop.id.desc())
    )
    return [
        {
            "join_code": w.join_code,
            "title": w.title,
            "date": w.held_on.isoformat(),
            "round": w.round_label,
            "status": w.status,
            "revealed": w.revealed,
            "partnership": partnership,
            "cohort": cohort,
            "respondents": int(n),
        }
        for w, partnership, cohort, n in session.execute(query)
    ]


def set_workshop_state(
    *, session: Session, workshop_id: int, actor: str, status: str | None = None, revealed: bool | None = None
) -> None:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("no such workshop")
    if status is not None:
        if status not in WORKSHOP_STATUSES:
            raise StoreError(f"'{status}' is not a workshop status")
        audit(
            session=session,
            actor=actor,
            action=f"workshop.{status}",
            target=workshop.join_code,
            detail={"from": workshop.status},
        )
        workshop.status = status
    if revealed is not None:
        audit(
            session=session,
            actor=actor,
            action="workshop.reveal" if revealed else "workshop.hide",
            target=workshop.join_code,
        )
        workshop.revealed = revealed


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
    _lock_row(session, Workshop, workshop_id)
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    sectors = [s.id for s in bank.sectors]
    if sector not in sectors:
        raise StoreError(f"'{sector}' is not a sector; expected one of {', '.join(sectors)}")
    taken = set(session.scalars(select(Participant.label).where(Participant.workshop_id == workshop_id)))
    if label is None:
        numbers = [int(t[1:]) for t in taken if t[:1] == "P" and t[1:].isdigit() and len(t) < 12]
        label = f"P{max(numbers, default=0) + 1:02d}"
    elif label in taken:
        raise StoreError(f"the label '{label}' is already taken in this workshop")
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


def _lock_row(session: Session, table: type[Workshop], row_id: int) -> None:
    """Take the write lock for ``row_id`` before this transaction reads anything.

    A no-op UPDATE: on PostgreSQL it locks the row until commit; on SQLite it takes the database's
    write lock, waiting with the busy timeout, so what is read next is what the write is checked
    against (a read first would pin a snapshot that a concurrent writer makes stale, and SQLite
    then refuses the write at once with "database is locked").
    """
    session.execute(update(table).where(table.id == row_id).values(id=table.id))


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
    problems = answer_problems(bank, answer, domains=domains)
    if problems:
        raise StoreError("; ".join(problems))
    stamp = change_stamp()
    revision = _next_revision(session, participant_id)
    parts = answer_parts(answer)
    _upsert(
        session,
        {
            "participant_id": participant_id,
            "item_id": answer.item_id,
            "current": answer.current,
            "target": answer.target,
            "dont_know": answer.dont_know,
            "confidence": answer.confidence,
            "comment": answer.comment,
            "tiers": answer.tiers,
            "updated_at": utcnow(),
            # Every part is replaced now: an open page's older change must not undo it.
            "stamps": dict.fromkeys(parts, stamp),
            "revisions": dict.fromkeys(parts, revision),
        },
    )


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
    status = session.scalar(
        select(Workshop.status)
        .join(Participant, Participant.workshop_id == Workshop.id)
        .where(Participant.id == participant_id)
        # PostgreSQL: closing waits for this save to commit, so none lands after the close.
        .with_for_update(read=True, of=Workshop)
    )
    if status is None:
        raise NotFound("no such participant")
    if status != "open":
        raise AnsweringClosed("answering has closed for this workshop; your last saved answers are kept")
    try:
        item = bank.item(change.item_id)
    except KeyError:
        raise StoreError(f"there is no item '{change.item_id}' in the question bank") from None
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
        raise StoreError(str(exc)) from None
    problems = answer_problems(bank, answer, domains=domains)
    if problems:
        raise StoreError("; ".join(problems))
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


@dataclass(frozen=True)
class ResponseRow:
    """One stored answer with who gave it: what scoring, export and the views all start from."""

    participant: int
    label: str
    sector: str
    role: str
    display_name: str | None
    item_id: str
    current: int | None
    target: int | None
    dont_know: bool
    confidence: int | None
    comment: str | None
    tiers: dict[str, str] | None


def response_rows(*, session: Session, workshop_id: int) -> list[ResponseRow]:
    rows = session.execute(
        select(
            Participant.id,
            Participant.label,
            Participant.sector,
            Participant.role,
            Participant.display_name,
            Response.item_id,
            Response.current,
            Response.target,
            Response.dont_know,
            Response.confidence,
            Response.comment,
            Response.tiers,
        )
        .join(Response, Response.participant_id == Participant.id)
        .where(Participant.workshop_id == workshop_id)
        .order_by(Participant.id, Response.item_id)
    ).all()
    return [
        ResponseRow(
            pid, label, sector, role, name, item, current, target, bool(dont_know), confidence, comment, tiers
        )
        for pid, label, sector, role, name, item, current, target, dont_know, confidence, comment, tiers in (
            tuple(row) for row in rows
        )
    ]


def workshop_answers(*, session: Session, workshop_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The workshop's answers in scoring's shape: (answers, tier_answers)."""
    rows = [
        (
            r.participant,
            r.label,
            r.sector,
            r.role,
            r.display_name,
            r.item_id,
            r.current,
            r.target,
            r.dont_know,
            r.confidence,
            r.comment,
            r.tiers,
        )
        for r in response_rows(session=session, workshop_id=workshop_id)
    ]
    level_rows, tier_rows = [], []
    for (
        pid,
        label,
        sector,
        role,
        name,
        item_id,
        current,
        target,
        dont_know,
        confidence,
        comment,
        tiers,
    ) in rows:
        common = {
            "participant": pid,
            "label": label,
            "sector": sector,
            "role": role,
            "display_name": name,
            "item_id": item_id,
            "confidence": confidence,
            "comment": comment,
        }
        if tiers is not None:
            for function_id, tier in tiers.items():
                tier_rows.append({**common, "function_id": function_id, "tier": tier})
        else:
            level_rows.append({**common, "current": current, "target": target, "dont_know": bool(dont_know)})
    answers = pd.DataFrame(
        level_rows,
        columns=[
            "participant",
            "label",
            "sector",
            "role",
            "display_name",
            "item_id",
            "current",
            "target",
            "dont_know",
            "confidence",
            "comment",
        ],
    ).astype({"current": "float64", "target": "float64", "dont_know": "bool"})
    tier_answers = pd.DataFrame(
        tier_rows,
        columns=[
            "participant",
            "label",
            "sector",
            "role",
            "display_name",
            "item_id",
            "function_id",
            "tier",
            "confidence",
            "comment",
        ],
    )
    return answers, tier_answers


def scoring_frames(*, session: Session, workshop_ids: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Only the columns scoring reads, for several workshops at once (trends, cohorts):
    (answers, tier_answers), each with a ``workshop`` column.

    The level answers, by far the most rows, are fetched through the DB-API cursor of the
    session's own connection (same transaction), because SQLAlchemy's per-row processing cost
    three times the query itself at a cohort's 252,000 rows (bench/RESULTS.md). The few
    accountability rows go through SQLAlchemy, which decodes their JSON.
    """
    ids = list(workshop_ids)
    level_columns = ["workshop", "participant", "sector", "item_id", "current", "target", "dont_know"]
    levels_query = (
        select(
            Participant.workshop_id,
            Participant.id,
            Participant.sector,
            Response.item_id,
            Response.current,
            Response.target,
            Response.dont_know,
        )
        .join(Response, Response.participant_id == Participant.id)
        # A level answer has a current level or is a don't-know. Not "tiers IS NULL": the JSON
        # type stores Python None as the JSON text null, which SQL does not see as NULL.
        .where(Participant.workshop_id.in_(ids), Response.current.is_not(None) | Response.dont_know)
    )
    connection = session.connection()
    compiled = levels_query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    parameters: Any = (
        tuple(compiled.params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else compiled.params
    )
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), parameters)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    answers = pd.DataFrame.from_records(rows, columns=level_columns).astype(
        {"current": "float64", "target": "float64", "dont_know": "bool"}
    )
    tier_rows = session.execute(
        select(Participant.workshop_id, Participant.id, Participant.sector, Response.item_id, Response.tiers)
        .join(Response, Response.participant_id == Participant.id)
        .where(Participant.workshop_id.in_(ids), Response.current.is_(None), Response.dont_know.is_(False))
    ).all()
    tiers = [
        (workshop, participant, sector, item, function, tier)
        for workshop, participant, sector, item, chosen in tier_rows
        for function, tier in (chosen or {}).items()
    ]
    tier_answers = pd.DataFrame(
        tiers, columns=["workshop", "participant", "sector", "item_id", "function_id", "tier"]
    )
    return answers, tier_answers


def response_count(*, session: Session, workshop_id: int | None = None) -> int:
    query = select(func.count()).select_from(Response)
    if workshop_id is not None:
        query = query.join(Participant, Participant.id == Response.participant_id).where(
            Participant.workshop_id == workshop_id
        )
    return int(session.scalar(query) or 0)


def table_counts(*, session: Session) -> dict[str, int]:
    """Rows per table: what tests compare to prove a refused request changed nothing."""
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --- the live workshop -----------------------------------------------------------------------------


def participant_by_token(*, session: Session, token: str) -> ParticipantInfo | None:
    """The participant a resume link names; None for a wrong or tampered token."""
    if not token or len(token) > 64:
        return None
    row = session.scalar(select(Participant).where(Participant.resume_token == token))
    if row is None:
        return None
    return ParticipantInfo(row.id, row.workshop_id, row.label, row.resume_token, row.sector, row.role)


def participant_submitted(*, session: Session, participant_id: int) -> bool:
    return (
        session.scalar(select(Participant.submitted_at).where(Participant.id == participant_id)) is not None
    )


def submit_participant(*, session: Session, participant_id: int) -> None:
    """Mark the answers as submitted; submitting again keeps the first time."""
    participant = session.get(Participant, participant_id)
    if participant is None:
        raise NotFound("no such participant")
    if participant.submitted_at is None:
        participant.submitted_at = utcnow()


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


def list_partnerships(*, session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Partnership.id, Partnership.name, Partnership.kind, Cohort.name)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .where(Partnership.archived.is_(False))
        .order_by(Cohort.name, Partnership.name)
    ).all()
    return [{"id": pid, "name": name, "kind": kind, "cohort": cohort} for pid, name, kind, cohort in rows]


def list_cohorts(*, session: Session) -> list[dict[str, Any]]:
    """Cohorts that are not archived, with how many partnerships each holds."""
    rows = session.execute(
        select(Cohort.id, Cohort.name, func.count(Partnership.id))
        .outerjoin(Partnership, (Partnership.cohort_id == Cohort.id) & Partnership.archived.is_(False))
        .where(Cohort.archived.is_(False))
        .group_by(Cohort.id, Cohort.name)
        .order_by(Cohort.name)
    ).all()
    return [{"id": cid, "name": name, "partnerships": int(count)} for cid, name, count in rows]
