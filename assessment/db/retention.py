"""Each closed round's figures, kept when its individual answers are deleted (``retention``).

A round whose answers have gone has a row in ``retained_rounds`` (how many respondents, when) and
one row per domain in ``round_figures``: the team's domain figures exactly as
``scoring.team_domain_figures`` made them from the answers, anonymity threshold applied (a
withheld figure is NULL). Trends and cohort comparisons read these for such a round instead of
scoring answers that are no longer there, so their figures do not change when the answers go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessment.db.tables import AuditEntry, Base, Participant, Partnership, Workshop, utcnow

FIGURE_COLUMNS = ("current", "target", "gap")


class RetainedRound(Base):
    """A round whose individual answers were deleted, its figures kept in ``round_figures``."""

    __tablename__ = "retained_rounds"
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True)
    respondents: Mapped[int] = mapped_column(Integer)
    participants_deleted: Mapped[int] = mapped_column(Integer)
    answers_deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoundFigure(Base):
    """One domain's team figures of a retained round."""

    __tablename__ = "round_figures"
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("retained_rounds.workshop_id", ondelete="CASCADE"), primary_key=True
    )
    domain_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    current: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    rated_n: Mapped[int] = mapped_column(Integer)
    items_shown: Mapped[int] = mapped_column(Integer)
    withheld: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class RoundToRetain:
    """A closed round old enough for its answers to go."""

    workshop_id: int
    join_code: str
    title: str
    partnership: str
    closed_on: date
    participants: int


def _closed_on(session: Session, workshop: Workshop) -> date:
    """When answering last closed: the audit log's latest close, else the day it was held."""
    closed = session.scalar(
        select(func.max(AuditEntry.at)).where(
            # closed by hand, or by its closing time (assessment.lifecycle.CLOSED_AUTOMATICALLY)
            AuditEntry.action.in_(("workshop.closed", "workshop.closed_automatically")),
            AuditEntry.target == workshop.join_code,
        )
    )
    return closed.date() if isinstance(closed, datetime) else workshop.held_on


def rounds_closed_before(*, session: Session, cutoff: date) -> list[RoundToRetain]:
    """Closed rounds that still hold answers and closed before ``cutoff``, oldest first."""
    people = (
        select(Participant.workshop_id, func.count().label("people"))
        .group_by(Participant.workshop_id)
        .subquery()
    )
    rows = session.execute(
        select(Workshop, Partnership.name, people.c.people)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(people, people.c.workshop_id == Workshop.id)
        .where(Workshop.status == "closed", Workshop.id.not_in(select(RetainedRound.workshop_id)))
        .order_by(Workshop.held_on, Workshop.id)
    ).all()
    found = []
    for workshop, partnership, count in rows:
        closed_on = _closed_on(session, workshop)
        if closed_on < cutoff:
            found.append(
                RoundToRetain(
                    workshop_id=workshop.id,
                    join_code=workshop.join_code,
                    title=workshop.round_label or workshop.title,
                    partnership=partnership,
                    closed_on=closed_on,
                    participants=int(count),
                )
            )
    return found


def keep_figures_and_delete_answers(
    *, session: Session, workshop_id: int, domains: pd.DataFrame, respondents: int
) -> int:
    """Store the round's team domain figures, then delete its participants with every answer
    (their responses, free text and re-rate answers go with them, ON DELETE CASCADE). Returns how
    many participants were deleted. The caller holds the workshop's lock."""
    deleted = int(
        session.scalar(
            select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
        )
        or 0
    )
    session.add(RetainedRound(workshop_id=workshop_id, respondents=respondents, participants_deleted=deleted))
    session.flush()
    records: list[dict[Any, Any]] = domains.to_dict("records")
    for position, row in enumerate(records):
        session.add(
            RoundFigure(
                workshop_id=workshop_id,
                domain_id=str(row["domain"]),
                position=position,
                title=str(row["title"]),
                **{f: None if pd.isna(row[f]) else float(row[f]) for f in FIGURE_COLUMNS},
                n=int(row["n"]),
                rated_n=int(row["rated_n"]),
                items_shown=int(row["items_shown"]),
                withheld=bool(row["withheld"]),
            )
        )
    session.execute(delete(Participant).where(Participant.workshop_id == workshop_id))
    return deleted


def answers_deleted_at(*, session: Session, workshop_id: int) -> datetime | None:
    """When retention deleted the round's individual answers, or None while it still holds them."""
    return session.scalar(
        select(RetainedRound.answers_deleted_at).where(RetainedRound.workshop_id == workshop_id)
    )


def retained_figures(*, session: Session, workshop_ids: Sequence[int]) -> dict[int, tuple[pd.DataFrame, int]]:
    """For each of the rounds whose answers were deleted: its domain figures, in the columns and
    order ``scoring.team_domain_figures`` gives (withheld figures NaN), and its respondents."""
    ids = list(workshop_ids)
    if not ids:
        return {}
    kept = dict(
        session.execute(
            select(RetainedRound.workshop_id, RetainedRound.respondents).where(
                RetainedRound.workshop_id.in_(ids)
            )
        ).all()
    )
    if not kept:
        return {}
    rows = session.execute(
        select(
            RoundFigure.workshop_id,
            RoundFigure.domain_id,
            RoundFigure.title,
            RoundFigure.current,
            RoundFigure.target,
            RoundFigure.gap,
            RoundFigure.n,
            RoundFigure.rated_n,
            RoundFigure.items_shown,
            RoundFigure.withheld,
        )
        .where(RoundFigure.workshop_id.in_(list(kept)))
        .order_by(RoundFigure.workshop_id, RoundFigure.position)
    ).all()
    columns = ["workshop", "domain", "title", *FIGURE_COLUMNS, "n", "rated_n", "items_shown", "withheld"]
    frame = pd.DataFrame.from_records(rows, columns=columns).astype(
        {
            "workshop": "int64",
            "domain": str,
            "title": str,
            **dict.fromkeys(FIGURE_COLUMNS, "float64"),
            "n": "int64",
            "rated_n": "int64",
            "items_shown": "int64",
            "withheld": bool,
        }
    )
    return {
        workshop_id: (
            frame.loc[frame["workshop"] == workshop_id].drop(columns="workshop").reset_index(drop=True),
            int(respondents),
        )
        for workshop_id, respondents in kept.items()
    }


__all__ = [
    "RetainedRound",
    "RoundFigure",
    "RoundToRetain",
    "answers_deleted_at",
    "keep_figures_and_delete_answers",
    "retained_figures",
    "rounds_closed_before",
]
