"""The tables: SQLAlchemy 2 declarative classes. Only the ``assessment.db`` package imports them
(and Alembic's environment, for the metadata).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Join codes are read aloud and typed on phones: no 0/O, 1/I/L.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8

PARTNERSHIP_KINDS = ("ics", "place", "provider-collaborative", "neighbourhood", "other")
WORKSHOP_STATUSES = ("draft", "open", "closed")
ACTION_STATUSES = ("planned", "in-progress", "done", "dropped")


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
    # The first account ever made is one; administrators run the team from the app's Team page.
    administrator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set while the account is disabled: it cannot sign in, and its sessions have been ended.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A temporary password (a new account's, or a reset's) is changed before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class FacilitatorSession(Base):
    """A signed-in browser: the cookie holds a random token, this row only its SHA-256 hash.

    Ended by expiry, by signing out (revoked_at), by a password change (every row of the account
    revoked) or by removing the account (its rows deleted).
    """

    __tablename__ = "facilitator_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    # When answering closes by itself (UTC); None: only when the facilitator closes it.
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class ConsensusEvidence(Base):
    """What the team would point a regulator to for a domain's agreed level: a short note and,
    when there is one, a web link. A domain's items are replaced together, in their order."""

    __tablename__ = "consensus_evidence"
    __table_args__ = (Index("ix_consensus_evidence_workshop_domain", "workshop_id", "domain_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"))
    domain_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(2000), default="")
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- question banks a facilitator edits (migration 0011) -----------------------------------------------


class QuestionBankRow(Base):
    """A question bank of a facilitator's own, with a name; its text lives in its versions.

    The shipped bank is never a row: a facilitator starts one of these from it (or from a file)."""

    __tablename__ = "question_banks"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuestionBankShare(Base):
    __tablename__ = "question_bank_shares"
    __table_args__ = (UniqueConstraint("question_bank_id", "facilitator_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"))
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"))


class QuestionBankEdition(Base):
    """Version ``number`` (1, 2, ...) of a facilitator's bank: its text is a ``bank_versions`` row,
    which never changes; the change summary says what differs from the version before."""

    __tablename__ = "question_bank_versions"
    __table_args__ = (UniqueConstraint("question_bank_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    bank_version_id: Mapped[int] = mapped_column(ForeignKey("bank_versions.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Invitation(Base):
    """One person's invitation to a workshop: the link holds a random token, this row its SHA-256.

    In a named workshop it keeps the name and email it was made for; in an anonymous one neither
    (assessment/db/invitations.py says why). ``participant_id`` is who the link admitted: while it is
    set, the link admits nobody else and leads to nobody's answers. Deleting that participant (a
    withdrawal, a removal) clears it, so the link can admit its person afresh, with no answers;
    indexed for that clearing.
    """

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
