"""What the sample data needs beyond the ordinary writes: finding the demo cohort, dating a room's
joins and answers on the workshop's own day, and counting what a cohort holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assessment.db.tables import Cohort, Participant, Partnership, Response, Workshop


@dataclass(frozen=True)
class PersonTimes:
    participant_id: int
    joined_at: datetime
    submitted_at: datetime


@dataclass(frozen=True)
class CohortContents:
    partnerships: int
    participants: int
    answers: int
    join_codes: tuple[str, ...]  # by partnership, then oldest first


def cohort_id_named(*, session: Session, name: str) -> int | None:
    return session.scalar(select(Cohort.id).where(Cohort.name == name))


def date_people(*, session: Session, people: Sequence[PersonTimes], answered_at: datetime) -> None:
    """Set when each person joined and submitted, and when all their answers were last changed."""
    session.execute(
        update(Participant),
        [{"id": p.participant_id, "joined_at": p.joined_at, "submitted_at": p.submitted_at} for p in people],
    )
    session.execute(
        update(Response)
        .where(Response.participant_id.in_([p.participant_id for p in people]))
        .values(updated_at=answered_at)
    )


def cohort_contents(*, session: Session, cohort_id: int) -> CohortContents:
    partnership_ids = select(Partnership.id).where(Partnership.cohort_id == cohort_id)
    workshop_ids = select(Workshop.id).where(Workshop.partnership_id.in_(partnership_ids))
    participant_ids = select(Participant.id).where(Participant.workshop_id.in_(workshop_ids))
    codes = session.scalars(
        select(Workshop.join_code)
        .where(Workshop.id.in_(workshop_ids))
        .order_by(Workshop.partnership_id, Workshop.held_on, Workshop.id)
    ).all()
    return CohortContents(
        partnerships=int(session.scalar(select(func.count()).select_from(partnership_ids.subquery())) or 0),
        participants=int(session.scalar(select(func.count()).select_from(participant_ids.subquery())) or 0),
        answers=int(
            session.scalar(select(func.count()).where(Response.participant_id.in_(participant_ids))) or 0
        ),
        join_codes=tuple(codes),
    )
