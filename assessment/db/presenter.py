"""The presenter's storage: which slide each workshop has on show, and the counts its join slide
shows.

The slide on show is a row per workshop, so the projector tab follows whichever device the
facilitator steps from, survives a reload or a restart, and reads the same on every replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessment.db.tables import Base, Participant, Response, utcnow

SLIDE_KEY_LENGTH = 120  # "domain:" and a bank slug of up to 80 characters


class PresenterSlide(Base):
    """The slide on show for a workshop: its key (``assessment.slides``), who showed it and when."""

    __tablename__ = "presenter_slides"
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    slide: Mapped[str] = mapped_column(String(SLIDE_KEY_LENGTH))
    shown_by: Mapped[str] = mapped_column(String(320))
    shown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class ShownSlide:
    slide: str
    shown_by: str
    shown_at: datetime


def shown_slide(*, session: Session, workshop_id: int, lock: bool = False) -> ShownSlide | None:
    """The slide the workshop has on show, or None before anyone has shown one. ``lock`` holds
    the row until the transaction ends (PostgreSQL), so two devices stepping at once take turns."""
    query = select(PresenterSlide).where(PresenterSlide.workshop_id == workshop_id)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).one_or_none()
    return None if row is None else ShownSlide(row.slide, row.shown_by, row.shown_at)


def store_shown_slide(*, session: Session, workshop_id: int, slide: str, actor: str) -> None:
    """Put ``slide`` on show for the workshop (the caller has checked it is one of its slides)."""
    if len(slide) > SLIDE_KEY_LENGTH:
        raise ValueError(f"a slide key is at most {SLIDE_KEY_LENGTH} characters")
    # One statement that inserts or replaces: two devices showing the workshop's first slide at
    # once cannot both insert.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"workshop_id": workshop_id, "slide": slide, "shown_by": actor, "shown_at": utcnow()}
    statement = insert(PresenterSlide).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["workshop_id"],
            set_={c: statement.excluded[c] for c in ("slide", "shown_by", "shown_at")},
        )
    )


@dataclass(frozen=True)
class SectorJoined:
    sector: str
    joined: int
    submitted: int


def joined_by_sector(*, session: Session, workshop_id: int) -> list[SectorJoined]:
    """How many have joined, and how many of them submitted, per sector: counts, never answers."""
    rows = session.execute(
        select(
            Participant.sector,
            func.count(Participant.id),
            func.count(Participant.submitted_at),
        )
        .where(Participant.workshop_id == workshop_id)
        .group_by(Participant.sector)
    )
    return [SectorJoined(str(sector), int(joined), int(submitted)) for sector, joined, submitted in rows]


def figures_stamp(*, session: Session, workshop_id: int) -> tuple[object, ...]:
    """A value that changes whenever anything the workshop's figures are made from may have: the
    participants (joining, submitting, leaving) and their answers (added, changed, removed).

    Equal stamps mean the same answers, so slides built once can be shown again without scoring
    them again (the presenter's slide changes must be quick); the stamp is read from the database
    on every change, so a cache keyed by it is never stale, on any replica.
    """
    people = session.execute(
        select(
            func.count(Participant.id),
            func.count(Participant.submitted_at),
            func.max(Participant.submitted_at),
            func.max(Participant.answers_revision),
            func.sum(Participant.answers_revision),
        ).where(Participant.workshop_id == workshop_id)
    ).one()
    answers = session.execute(
        select(func.count(Response.id), func.max(Response.updated_at))
        .join(Participant, Participant.id == Response.participant_id)
        .where(Participant.workshop_id == workshop_id)
    ).one()
    return (*people, *answers)


__all__ = [
    "SLIDE_KEY_LENGTH",
    "PresenterSlide",
    "SectorJoined",
    "ShownSlide",
    "figures_stamp",
    "joined_by_sector",
    "shown_slide",
    "store_shown_slide",
]
