"""Cohorts and partnerships: who may see and change them, the comparison and the trend.

One door per action for the Cohorts and partnerships page, the comparison and trend pages and the
command line. A facilitator acts through ``assessment.cohort_admin``'s permission-checking
changes (their own cohorts, shared ones, team-wide ones within its rules); the operator (the
command line) acts on any cohort, team-wide ones included. Each call is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment import cohort_admin
from assessment.db import (
    PARTNERSHIP_KINDS,
    audit,
    cohort_id,
    create_cohort,
    create_partnership,
    list_partnerships,
    partnership_id,
    transaction,
)
from assessment.errors import Forbidden, NotFound
from assessment.services import Actor
from assessment.services.workshops import PartnershipSummary

if TYPE_CHECKING:  # imported where used: scoring a cohort or a trend pulls in pandas' heavier paths
    from assessment.cohorts import CohortComparison
    from assessment.outcomes import ActionRecord
    from assessment.trends import QuestionChange

NOT_SHARED = "that cohort does not exist or has not been shared with you"
NO_PARTNERSHIP = "that partnership does not exist or has not been shared with you"


@dataclass(frozen=True)
class CohortSummary:
    """A cohort the actor may see: its partnership count, and whether they own it or all do."""

    id: int
    name: str
    partnerships: int
    owned: bool
    team: bool


@dataclass(frozen=True)
class Trend:
    """A partnership's rounds, scored (``assessment.trends.trend_frame``) with a row for every round
    and domain, each with its state (``trends.every_round_and_domain``), and its actions; where its
    rounds used different bank versions, the questions that differ (``trends.trend_question_changes``)."""

    frame: pd.DataFrame
    actions: tuple[ActionRecord, ...]
    question_changes: tuple[QuestionChange, ...] = ()


def _facilitator(actor: Actor, doing: str) -> int:
    if actor.facilitator_id is None:
        raise Forbidden(f"only a facilitator can {doing}, from the pages")
    return actor.facilitator_id


def _require_cohort(session: Session, actor: Actor, cohort: int) -> None:
    if actor.facilitator_id is not None:
        cohort_admin.require_cohort(session=session, facilitator_id=actor.facilitator_id, cohort_id=cohort)


def _require_partnership(session: Session, actor: Actor, partnership: int) -> dict[str, object]:
    found = next((p for p in list_partnerships(session=session) if p["id"] == partnership), None)
    if found is None:
        raise NotFound(NO_PARTNERSHIP)
    if actor.facilitator_id is not None and not cohort_admin.can_see_cohort(
        session=session,
        facilitator_id=actor.facilitator_id,
        cohort_id=cohort_id(session=session, name=str(found["cohort"])),
    ):
        raise NotFound(NO_PARTNERSHIP)
    return found


# --- reads ----------------------------------------------------------------------------------------


def visible_cohorts(*, engine: Engine, actor: Actor) -> list[CohortSummary]:
    """The cohorts (not archived) a facilitator may open, by name."""
    facilitator = _facilitator(actor, "list the cohorts they may see")
    with transaction(engine) as session:
        rows = cohort_admin.visible_cohorts(session=session, facilitator_id=facilitator)
    return [CohortSummary(**row) for row in rows]


def find_cohort(*, engine: Engine, actor: Actor, name: str) -> int:
    """The id of the cohort called ``name``, if the actor may see it."""
    with transaction(engine) as session:
        found = cohort_id(session=session, name=name)
        _require_cohort(session, actor, found)
    return found


def find_partnership(*, engine: Engine, actor: Actor, name: str, cohort: str | None = None) -> int:
    """The id of the partnership called ``name`` (in ``cohort`` when several share it)."""
    with transaction(engine) as session:
        found = partnership_id(session=session, name=name, cohort=cohort)
        _require_partnership(session, actor, found)
    return found


def cohort_partnerships(*, engine: Engine, actor: Actor, cohort_id: int) -> list[PartnershipSummary]:
    """The partnerships (not archived) of one cohort the facilitator may see, by name."""
    facilitator = _facilitator(actor, "list a cohort's partnerships")
    with transaction(engine) as session:
        _require_cohort(session, actor, cohort_id)
        names = {
            c["id"]: c["name"]
            for c in cohort_admin.visible_cohorts(session=session, facilitator_id=facilitator)
        }
        rows = list_partnerships(session=session)
    return [PartnershipSummary(**row) for row in rows if row["cohort"] == names.get(cohort_id)]


def compare(
    *,
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    kinds: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    bank_version: str | None = None,
) -> CohortComparison:
    """Each partnership's latest round in the cohort, side by side (``assessment.cohorts``); each
    domain's figure from the latest round that asked it, with that round and its date."""
    from assessment.cohorts import compare_cohort

    with transaction(engine) as session:
        _require_cohort(session, actor, cohort_id)
        return compare_cohort(
            session=session,
            cohort_id=cohort_id,
            kinds=list(kinds) if kinds else None,
            since=since,
            until=until,
            bank_version=bank_version,
        )


def trend(*, engine: Engine, actor: Actor, partnership_id: int) -> Trend:
    """The partnership's rounds, scored round by round, with its actions; a domain a round did not
    ask is "not asked" there, never "withheld"."""
    from assessment.outcomes import list_actions
    from assessment.trends import every_round_and_domain, trend_frame, trend_question_changes

    with transaction(engine) as session:
        _require_partnership(session, actor, partnership_id)
        frame = every_round_and_domain(trend_frame(session=session, partnership_id=partnership_id))
        actions = list_actions(session=session, partnership_id=partnership_id)
        changes = trend_question_changes(session=session, partnership_id=partnership_id)
    return Trend(frame=frame, actions=tuple(actions), question_changes=tuple(changes))


# --- changes --------------------------------------------------------------------------------------


def create(*, engine: Engine, actor: Actor, name: str) -> int:
    """A new cohort: the facilitator's own, or a team-wide one made by the operator."""
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            return cohort_admin.create_own_cohort(
                session=session, facilitator_id=actor.facilitator_id, name=name
            )
        created = create_cohort(session=session, name=name)
        audit(session=session, actor=actor.audit_name, action="cohort.created", target=name.strip())
        return created


def rename(*, engine: Engine, actor: Actor, cohort_id: int, name: str) -> None:
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            cohort_admin.rename_cohort(
                session=session, facilitator_id=actor.facilitator_id, cohort_id=cohort_id, name=name
            )
        else:
            cohort_admin.operator_rename_cohort(
                session=session, cohort_id=cohort_id, name=name, actor=actor.audit_name
            )


def share(*, engine: Engine, actor: Actor, cohort_id: int, email: str) -> None:
    facilitator = _facilitator(actor, "share a cohort")
    with transaction(engine) as session:
        cohort_admin.share_cohort(
            session=session, facilitator_id=facilitator, cohort_id=cohort_id, email=email
        )


def archive(*, engine: Engine, actor: Actor, cohort_id: int) -> bool:
    """Hide the cohort from the pages; nothing is deleted. False when it already was archived."""
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            return cohort_admin.archive_cohort(
                session=session, facilitator_id=actor.facilitator_id, cohort_id=cohort_id
            )
        return cohort_admin.operator_archive_cohort(
            session=session, cohort_id=cohort_id, actor=actor.audit_name
        )


def unarchive(*, engine: Engine, actor: Actor, cohort_id: int) -> bool:
    """Show an archived cohort on the pages again. False when it was not archived.

    The same rule as archiving: a facilitator their own cohorts, the operator any, team-wide ones
    included."""
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            return cohort_admin.unarchive_cohort(
                session=session, facilitator_id=actor.facilitator_id, cohort_id=cohort_id
            )
        return cohort_admin.operator_unarchive_cohort(
            session=session, cohort_id=cohort_id, actor=actor.audit_name
        )


def archived_cohorts(*, engine: Engine, actor: Actor) -> list[CohortSummary]:
    """The archived cohorts a facilitator may bring back or ask the operator to: their own and
    team-wide ones, by name (a cohort shared with them is its owner's to unarchive)."""
    facilitator = _facilitator(actor, "list the archived cohorts")
    with transaction(engine) as session:
        rows = cohort_admin.visible_cohorts(session=session, facilitator_id=facilitator, archived=True)
    return [CohortSummary(**row) for row in rows if row["owned"] or row["team"]]


def add_partnership(
    *, engine: Engine, actor: Actor, cohort_id: int, name: str, kind: str, parent_id: int | None = None
) -> int:
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            return cohort_admin.add_partnership(
                session=session,
                facilitator_id=actor.facilitator_id,
                cohort_id=cohort_id,
                name=name,
                kind=kind,
                parent_id=parent_id,
            )
        created = create_partnership(
            session=session, cohort_id=cohort_id, name=name, kind=kind, parent_id=parent_id
        )
        audit(session=session, actor=actor.audit_name, action="partnership.created", target=name.strip())
        return created


def rename_partnership(*, engine: Engine, actor: Actor, partnership_id: int, name: str) -> None:
    facilitator = _facilitator(actor, "rename a partnership")
    with transaction(engine) as session:
        cohort_admin.rename_partnership(
            session=session, facilitator_id=facilitator, partnership_id=partnership_id, name=name
        )


def move_partnership(*, engine: Engine, actor: Actor, partnership_id: int, cohort_id: int) -> None:
    """Move a partnership with its workshops; the operator may move one out of a team-wide cohort."""
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            cohort_admin.move_partnership(
                session=session,
                facilitator_id=actor.facilitator_id,
                partnership_id=partnership_id,
                cohort_id=cohort_id,
            )
        else:
            cohort_admin.operator_move_partnership(
                session=session, partnership_id=partnership_id, cohort_id=cohort_id, actor=actor.audit_name
            )


def archive_partnership(*, engine: Engine, actor: Actor, partnership_id: int) -> None:
    facilitator = _facilitator(actor, "archive a partnership")
    with transaction(engine) as session:
        cohort_admin.archive_partnership(
            session=session, facilitator_id=facilitator, partnership_id=partnership_id
        )


def delete_partnership(*, engine: Engine, actor: Actor, partnership_id: int, typed_name: str) -> None:
    """Delete a partnership and all it holds; with workshops, only when its name is typed exactly."""
    facilitator = _facilitator(actor, "delete a partnership")
    with transaction(engine) as session:
        cohort_admin.delete_partnership(
            session=session, facilitator_id=facilitator, partnership_id=partnership_id, typed_name=typed_name
        )


__all__ = [
    "PARTNERSHIP_KINDS",
    "CohortSummary",
    "Trend",
    "add_partnership",
    "archive",
    "archive_partnership",
    "archived_cohorts",
    "cohort_partnerships",
    "compare",
    "create",
    "delete_partnership",
    "find_cohort",
    "find_partnership",
    "move_partnership",
    "rename",
    "rename_partnership",
    "share",
    "trend",
    "unarchive",
    "visible_cohorts",
]
