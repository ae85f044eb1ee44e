"""The re-rate round's storage: a workshop's one round (the questions chosen, when it opened and
finished) and each participant's re-rate answers.

A re-rate answer is a row of its own: the first answers (``responses``) are never touched, so the
results can always show the first rating beside the re-rate. Only the re-rate answers of people who
submitted their first answers are read for a figure (``frames.counted``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessment.db.frames import counted
from assessment.db.tables import Base, Participant, utcnow
from assessment.errors import Invalid, NotFound

REASON_LENGTH = 500  # characters: a sentence or two, said in the room
RERATE_OPEN_ALREADY = "This workshop has had its re-rate round already: there is one per workshop"


class RerateRound(Base):
    """A workshop's re-rate round: the questions chosen, who opened it and when, when it finished."""

    __tablename__ = "rerate_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    item_ids: Mapped[list[str]] = mapped_column(JSON)
    opened_by: Mapped[str] = mapped_column(String(320))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RerateAnswer(Base):
    """One participant's re-rate of one question: the levels they confirm or change to, and why."""

    __tablename__ = "rerate_answers"
    __table_args__ = (UniqueConstraint("round_id", "participant_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rerate_rounds.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(80))
    current: Mapped[int] = mapped_column(Integer)
    target: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class RerateInfo:
    id: int
    workshop_id: int
    item_ids: tuple[str, ...]
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None

    @property
    def stage(self) -> str:
        return "open" if self.closed_at is None else "finished"


@dataclass(frozen=True)
class StoredRerate:
    item_id: str
    current: int
    target: int
    reason: str | None
    answered_at: datetime


def _info(row: RerateRound) -> RerateInfo:
    return RerateInfo(
        row.id, row.workshop_id, tuple(row.item_ids), row.opened_by, row.opened_at, row.closed_at
    )


def rerate_round(*, session: Session, workshop_id: int) -> RerateInfo | None:
    """The workshop's re-rate round, or None before one was opened."""
    row = session.scalars(select(RerateRound).where(RerateRound.workshop_id == workshop_id)).one_or_none()
    return None if row is None else _info(row)


def lock_rerate_round(*, session: Session, workshop_id: int) -> RerateInfo | None:
    """The workshop's re-rate round, its row locked for the rest of the transaction; call it first.

    A no-op UPDATE: on PostgreSQL it locks the row, so a save and the finish take turns (a save
    that found the round open commits before the finish, never after it); on SQLite it takes the
    database's write lock before anything is read, so what is read next is what the write is
    checked against.
    """
    session.execute(
        update(RerateRound).where(RerateRound.workshop_id == workshop_id).values(id=RerateRound.id)
    )
    return rerate_round(session=session, workshop_id=workshop_id)


def rerate_stage(*, session: Session, workshop_id: int) -> str:
    """Where the workshop stands in its re-rate: "none", "open" or "finished" (``lifecycle.Rerate``)."""
    found = rerate_round(session=session, workshop_id=workshop_id)
    return "none" if found is None else found.stage


def open_rerate_round(
    *, session: Session, workshop_id: int, item_ids: Sequence[str], actor: str
) -> RerateInfo:
    """Open the workshop's one re-rate round on ``item_ids`` (the caller checked they may be re-rated)."""
    if rerate_round(session=session, workshop_id=workshop_id) is not None:
        raise Invalid(RERATE_OPEN_ALREADY)
    row = RerateRound(workshop_id=workshop_id, item_ids=list(item_ids), opened_by=actor, opened_at=utcnow())
    session.add(row)
    session.flush()
    return _info(row)


def finish_rerate_round(*, session: Session, workshop_id: int) -> RerateInfo:
    """Mark the workshop's open re-rate round finished; NotFound when none is open."""
    session.execute(
        update(RerateRound)
        .where(RerateRound.workshop_id == workshop_id, RerateRound.closed_at.is_(None))
        .values(closed_at=utcnow())
    )
    found = rerate_round(session=session, workshop_id=workshop_id)
    if found is None:
        raise NotFound("this workshop has no re-rate round")
    return found


def save_rerate_answer(
    *,
    session: Session,
    round_id: int,
    participant_id: int,
    item_id: str,
    current: int,
    target: int,
    reason: str | None,
) -> None:
    """Keep a participant's re-rate of a question; saving it again replaces it (the last change wins).

    One statement that inserts or replaces, so two saves from two tabs at once cannot both insert.
    """
    if reason is not None and len(reason) > REASON_LENGTH:
        raise Invalid(f"A reason is at most {REASON_LENGTH} characters; this one has {len(reason)}")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "round_id": round_id,
        "participant_id": participant_id,
        "item_id": item_id,
        "current": current,
        "target": target,
        "reason": reason,
        "answered_at": utcnow(),
    }
    statement = insert(RerateAnswer).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["round_id", "participant_id", "item_id"],
            set_={c: statement.excluded[c] for c in ("current", "target", "reason", "answered_at")},
        )
    )


def participant_rerates(*, session: Session, round_id: int, participant_id: int) -> dict[str, StoredRerate]:
    """One participant's re-rate answers in the round, by question."""
    rows = session.scalars(
        select(RerateAnswer).where(
            RerateAnswer.round_id == round_id, RerateAnswer.participant_id == participant_id
        )
    ).all()
    return {r.item_id: StoredRerate(r.item_id, r.current, r.target, r.reason, r.answered_at) for r in rows}


def rerate_answers(*, session: Session, workshop_id: int) -> pd.DataFrame:
    """The workshop's counted re-rate answers (only people who submitted, ``frames.counted``):
    participant, item_id, current, target, reason; empty before a round was opened."""
    query = counted(
        select(
            RerateAnswer.participant_id,
            RerateAnswer.item_id,
            RerateAnswer.current,
            RerateAnswer.target,
            RerateAnswer.reason,
        )
        .join(RerateRound, RerateRound.id == RerateAnswer.round_id)
        .join(Participant, Participant.id == RerateAnswer.participant_id)
        .where(RerateRound.workshop_id == workshop_id, Participant.workshop_id == workshop_id)
        .order_by(RerateAnswer.participant_id, RerateAnswer.item_id)
    )
    rows = [tuple(r) for r in session.execute(query).all()]
    return pd.DataFrame(rows, columns=["participant", "item_id", "current", "target", "reason"]).astype(
        {"current": "float64", "target": "float64"}
    )


__all__ = [
    "REASON_LENGTH",
    "RerateInfo",
    "StoredRerate",
    "finish_rerate_round",
    "lock_rerate_round",
    "open_rerate_round",
    "participant_rerates",
    "rerate_answers",
    "rerate_round",
    "rerate_stage",
    "save_rerate_answer",
]
