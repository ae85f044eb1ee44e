"""Cohorts and partnerships as the facilitator's admin changes them: who sees which cohort,
sharing, renaming, archiving, moving and deleting. The rules (who may, what is audited) live in
``assessment.cohort_admin``; these read and write rows in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from assessment.db.tables import (
    Action,
    Cohort,
    CohortShare,
    Consensus,
    ConsensusEvidence,
    Participant,
    Partnership,
    Response,
    Workshop,
)


@dataclass(frozen=True)
class CohortRow:
    id: int
    name: str
    owner_id: int | None  # None: team-wide
    archived: bool


@dataclass(frozen=True)
class VisibleCohort:
    id: int
    name: str
    owner_id: int | None
    partnerships: int  # not archived


@dataclass(frozen=True)
class PartnershipRow:
    id: int
    cohort_id: int
    name: str
    kind: str
    parent_id: int | None
    archived: bool


def _visible(facilitator_id: int) -> ColumnElement[bool]:
    shared = select(CohortShare.cohort_id).where(CohortShare.facilitator_id == facilitator_id)
    return or_(Cohort.owner_id.is_(None), Cohort.owner_id == facilitator_id, Cohort.id.in_(shared))


def visible_cohort_rows(
    *, session: Session, facilitator_id: int, archived: bool = False
) -> list[VisibleCohort]:
    """The cohorts, not archived (or only the archived ones), that the facilitator owns, has been
    shared or are team-wide; by name."""
    rows = session.execute(
        select(Cohort.id, Cohort.name, Cohort.owner_id, func.count(Partnership.id))
        .outerjoin(Partnership, (Partnership.cohort_id == Cohort.id) & Partnership.archived.is_(False))
        .where(Cohort.archived.is_(archived), _visible(facilitator_id))
        .group_by(Cohort.id, Cohort.name, Cohort.owner_id)
        .order_by(Cohort.name)
    ).all()
    return [VisibleCohort(cid, name, owner, int(count)) for cid, name, owner, count in rows]


def cohort_visible_to(*, session: Session, facilitator_id: int, cohort_id: int) -> bool:
    found = session.scalar(select(Cohort.id).where(Cohort.id == cohort_id, _visible(facilitator_id)))
    return found is not None


def cohort_row(*, session: Session, cohort_id: int) -> CohortRow | None:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    return CohortRow(cohort.id, cohort.name, cohort.owner_id, bool(cohort.archived))


def partnership_row(*, session: Session, partnership_id: int) -> PartnershipRow | None:
    p = session.get(Partnership, partnership_id)
    if p is None:
        return None
    return PartnershipRow(p.id, p.cohort_id, p.name, p.kind, p.parent_id, bool(p.archived))


def cohort_name_taken(*, session: Session, name: str, other_than: int | None = None) -> bool:
    query = select(Cohort.id).where(Cohort.name == name)
    if other_than is not None:
        query = query.where(Cohort.id != other_than)
    return session.scalar(query) is not None


def change_cohort(*, session: Session, cohort_id: int, values: dict[str, Any]) -> None:
    """Write new values for the cohort's name or archived flag."""
    session.execute(update(Cohort).where(Cohort.id == cohort_id).values(**values))


def set_cohort_archived(*, session: Session, cohort_id: int, archived: bool) -> bool:
    """Archive or unarchive the cohort; False when it already was (nothing written).

    One conditional UPDATE: of two requests at once, only one finds the cohort to change."""
    changed = session.execute(
        update(Cohort)
        .where(Cohort.id == cohort_id, Cohort.archived.is_not(archived))
        .values(archived=archived)
    )
    return bool(getattr(changed, "rowcount", 0))


def share_cohort_with(*, session: Session, cohort_id: int, facilitator_id: int) -> bool:
    """Share the cohort with the facilitator; False when it already was (nothing written)."""
    exists = select(CohortShare.id).where(
        CohortShare.cohort_id == cohort_id, CohortShare.facilitator_id == facilitator_id
    )
    if session.scalar(exists) is not None:
        return False
    session.add(CohortShare(cohort_id=cohort_id, facilitator_id=facilitator_id))
    session.flush()
    return True


def partnership_name_taken(
    *, session: Session, cohort_id: int, name: str, other_than: int | None = None
) -> bool:
    query = select(Partnership.id).where(Partnership.cohort_id == cohort_id, Partnership.name == name)
    if other_than is not None:
        query = query.where(Partnership.id != other_than)
    return session.scalar(query) is not None


def change_partnership(*, session: Session, partnership_id: int, values: dict[str, Any]) -> None:
    """Write new values for the partnership's name, cohort or archived flag."""
    session.execute(update(Partnership).where(Partnership.id == partnership_id).values(**values))


def partnership_has_places(*, session: Session, partnership_id: int) -> bool:
    """Whether another partnership names this one as its parent."""
    found = session.scalar(select(Partnership.id).where(Partnership.parent_id == partnership_id).limit(1))
    return found is not None


def delete_partnership_rows(*, session: Session, partnership_id: int, workshop_ids: Sequence[int]) -> None:
    """Delete the partnership with its workshops, their answers, consensus and its actions."""
    workshops = list(workshop_ids)
    people = select(Participant.id).where(Participant.workshop_id.in_(workshops))
    session.execute(delete(Response).where(Response.participant_id.in_(people)))
    session.execute(delete(Participant).where(Participant.workshop_id.in_(workshops)))
    session.execute(delete(Consensus).where(Consensus.workshop_id.in_(workshops)))
    session.execute(delete(ConsensusEvidence).where(ConsensusEvidence.workshop_id.in_(workshops)))
    session.execute(delete(Action).where(Action.partnership_id == partnership_id))
    session.execute(delete(Workshop).where(Workshop.id.in_(workshops)))
    session.execute(delete(Partnership).where(Partnership.id == partnership_id))
