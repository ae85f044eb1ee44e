"""Question banks facilitators edit: the bank (a name and an owner), who it is shared with, and its
numbered versions, each pointing to an immutable ``bank_versions`` text. Runs in the caller's
transaction; permission is the service's (``assessment.services.banks``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from assessment.db.tables import (
    BankVersion,
    Facilitator,
    QuestionBankEdition,
    QuestionBankRow,
    QuestionBankShare,
    Workshop,
)


@dataclass(frozen=True)
class BankRow:
    id: int
    name: str
    owner_id: int
    owner_email: str
    latest: int  # the newest version's number (0 before the first is stored)


@dataclass(frozen=True)
class EditionRow:
    id: int
    question_bank_id: int
    number: int
    bank_version_id: int
    summary: dict[str, Any]
    saved_by: str  # the email of whoever saved it ("" when that account is gone)
    saved_at: datetime


def create_bank(*, session: Session, name: str, owner_id: int) -> int:
    row = QuestionBankRow(name=name, owner_id=owner_id)
    session.add(row)
    session.flush()
    return row.id


def bank_name_taken(*, session: Session, owner_id: int, name: str) -> bool:
    query = select(QuestionBankRow.id).where(
        QuestionBankRow.owner_id == owner_id, QuestionBankRow.name == name
    )
    return session.scalar(query) is not None


def _latest() -> Any:
    return (
        select(func.coalesce(func.max(QuestionBankEdition.number), 0))
        .where(QuestionBankEdition.question_bank_id == QuestionBankRow.id)
        .scalar_subquery()
    )


def _bank_rows(session: Session, where: Any) -> list[BankRow]:
    query = (
        select(
            QuestionBankRow.id, QuestionBankRow.name, QuestionBankRow.owner_id, Facilitator.email, _latest()
        )
        .join(Facilitator, Facilitator.id == QuestionBankRow.owner_id)
        .where(where)
        .order_by(QuestionBankRow.name, QuestionBankRow.id)
    )
    return [BankRow(int(i), str(n), int(o), str(e), int(v)) for i, n, o, e, v in session.execute(query)]


def visible_banks(*, session: Session, facilitator_id: int) -> list[BankRow]:
    """The banks the facilitator owns or has been shared, by name."""
    shared = select(QuestionBankShare.question_bank_id).where(
        QuestionBankShare.facilitator_id == facilitator_id
    )
    return _bank_rows(
        session, or_(QuestionBankRow.owner_id == facilitator_id, QuestionBankRow.id.in_(shared))
    )


def bank_row(*, session: Session, question_bank_id: int) -> BankRow | None:
    found = _bank_rows(session, QuestionBankRow.id == question_bank_id)
    return found[0] if found else None


def can_use(*, session: Session, facilitator_id: int, question_bank_id: int) -> bool:
    owned = select(QuestionBankRow.id).where(
        QuestionBankRow.id == question_bank_id, QuestionBankRow.owner_id == facilitator_id
    )
    shared = select(QuestionBankShare.id).where(
        QuestionBankShare.question_bank_id == question_bank_id,
        QuestionBankShare.facilitator_id == facilitator_id,
    )
    return session.scalar(owned) is not None or session.scalar(shared) is not None


def share_bank_with(*, session: Session, question_bank_id: int, facilitator_id: int) -> bool:
    """Share the bank with the facilitator; False when it already was (nothing written)."""
    exists = select(QuestionBankShare.id).where(
        QuestionBankShare.question_bank_id == question_bank_id,
        QuestionBankShare.facilitator_id == facilitator_id,
    )
    if session.scalar(exists) is not None:
        return False
    session.add(QuestionBankShare(question_bank_id=question_bank_id, facilitator_id=facilitator_id))
    session.flush()
    return True


def lock_bank(*, session: Session, question_bank_id: int) -> None:
    """Take the bank's write lock before this transaction reads anything, so two saves of the same
    bank number their versions one after the other. A no-op UPDATE, as ``lock_row`` does: on
    SQLite a read first would pin a snapshot, and the second save's write would then fail at once
    with "database is locked" instead of waiting."""
    session.execute(
        update(QuestionBankRow).where(QuestionBankRow.id == question_bank_id).values(id=QuestionBankRow.id)
    )


def add_edition(
    *,
    session: Session,
    question_bank_id: int,
    number: int,
    bank_version_id: int,
    summary: dict[str, Any],
    saved_by: int | None,
) -> int:
    row = QuestionBankEdition(
        question_bank_id=question_bank_id,
        number=number,
        bank_version_id=bank_version_id,
        summary=summary,
        saved_by=saved_by,
    )
    session.add(row)
    session.flush()
    return row.id


def _edition_rows(session: Session, where: Any) -> list[EditionRow]:
    query = (
        select(
            QuestionBankEdition.id,
            QuestionBankEdition.question_bank_id,
            QuestionBankEdition.number,
            QuestionBankEdition.bank_version_id,
            QuestionBankEdition.summary,
            Facilitator.email,
            QuestionBankEdition.saved_at,
        )
        .outerjoin(Facilitator, Facilitator.id == QuestionBankEdition.saved_by)
        .where(where)
        .order_by(QuestionBankEdition.question_bank_id, QuestionBankEdition.number)
    )
    return [
        EditionRow(int(i), int(b), int(n), int(v), dict(s or {}), str(e or ""), at)
        for i, b, n, v, s, e, at in session.execute(query)
    ]


def editions(*, session: Session, question_bank_id: int) -> list[EditionRow]:
    """The bank's versions, oldest first."""
    return _edition_rows(session, QuestionBankEdition.question_bank_id == question_bank_id)


def editions_of(*, session: Session, question_bank_ids: list[int]) -> list[EditionRow]:
    return _edition_rows(session, QuestionBankEdition.question_bank_id.in_(question_bank_ids))


def version_text(*, session: Session, bank_version_id: int) -> str | None:
    return session.scalar(select(BankVersion.yaml_text).where(BankVersion.id == bank_version_id))


def versions_holding_ids(*, session: Session, question_bank_id: int | None = None) -> list[tuple[int, str]]:
    """(id, content hash) of every bank version a workshop has used, and of every version of this
    bank when given: the ids they hold are never given to another question."""
    used = select(Workshop.bank_version_id).distinct()
    where: Any = BankVersion.id.in_(used)
    if question_bank_id is not None:
        own = select(QuestionBankEdition.bank_version_id).where(
            QuestionBankEdition.question_bank_id == question_bank_id
        )
        where = or_(where, BankVersion.id.in_(own))
    query = select(BankVersion.id, BankVersion.content_hash).where(where).order_by(BankVersion.id)
    return [(int(i), str(h)) for i, h in session.execute(query)]
