"""Counting rows: how tests prove a refused request changed nothing. Test helpers, not product code."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.db.tables import Base, Participant, Response


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
