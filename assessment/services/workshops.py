"""Workshops: what a facilitator (or the operator) may list, create, follow and step through.

Every function here is the one door for its action, called alike by the Workshops page and the
command line: it checks who acts (a facilitator sees only the cohorts they may see), validates,
runs in one transaction of its own and audits what it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment import limits
from assessment.cohort_admin import visible_cohorts
from assessment.db import (
    WorkshopInfo,
    audit,
    bank_for_version,
    list_partnerships,
    list_workshops,
    remove_unsubmitted_participant,
    rerate_stage,
    set_workshop_state,
    store_bank_version,
    transaction,
    unsubmitted_people,
    workshop_info,
    workshop_progress,
)
from assessment.db import create_workshop as store_workshop
from assessment.errors import Invalid, NotFound
from assessment.lifecycle import RERATE_STAGES, State, Step, TransitionRefused, next_state, state_of
from assessment.services import Actor, workshop_for

NO_TITLE = "Give the workshop a title: it is empty"
NO_DOMAINS = "Choose at least one domain for the workshop"
REMOVE_AFTER_REVEAL = (
    "The results have been revealed, so nobody can be removed now: hide the results first if the room "
    "must change"
)
RERATE_BY_ITS_CONTROLS = (
    "A re-rate is opened with the questions it asks, chosen on the Workshops page, and finished there"
)
NUL_IN_TITLE = "The title or round label contains a NUL character, which cannot be stored; retype it"


@dataclass(frozen=True)
class WorkshopSummary:
    """One line of the list of workshops, newest first."""

    join_code: str
    title: str
    date: str  # ISO 8601
    round: str | None
    status: str
    revealed: bool
    partnership: str
    cohort: str
    respondents: int


@dataclass(frozen=True)
class PartnershipSummary:
    id: int
    name: str
    kind: str
    cohort: str


@dataclass(frozen=True)
class ProgressView:
    """Live progress with its labels: sectors and domains by the names the bank gives them."""

    joined: int
    submitted: int
    by_sector: tuple[tuple[str, int], ...]  # (sector label, joined)
    completion: tuple[tuple[str, float], ...]  # (domain title, share answered 0..1)


def _visible_names(session: Session, actor: Actor) -> set[str] | None:
    """Names of the cohorts the actor may see; None for the operator, who may see all."""
    if actor.facilitator_id is None:
        return None
    return {c["name"] for c in visible_cohorts(session=session, facilitator_id=actor.facilitator_id)}


def visible_workshops(*, engine: Engine, actor: Actor) -> list[WorkshopSummary]:
    """The workshops of the cohorts the actor may see, newest first."""
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        rows = list_workshops(session=session)
    return [WorkshopSummary(**row) for row in rows if visible is None or row["cohort"] in visible]


def visible_partnerships(*, engine: Engine, actor: Actor) -> list[PartnershipSummary]:
    """The partnerships (not archived) of the cohorts the actor may see, by cohort and name."""
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        rows = list_partnerships(session=session)
    return [PartnershipSummary(**row) for row in rows if visible is None or row["cohort"] in visible]


def find_workshop(*, engine: Engine, actor: Actor, join_code: str) -> WorkshopInfo:
    """The workshop with this code, if the actor may see it (else NotFound, as for no workshop)."""
    with transaction(engine) as session:
        found = workshop_info(session=session, join_code=join_code)
        return workshop_for(session=session, actor=actor, workshop_id=found.id)


def _checked_title(title: str, round_label: str | None) -> tuple[str, str | None]:
    if "\x00" in title + (round_label or ""):
        # PostgreSQL refuses a NUL in text with an error; SQLite would keep it. Refused alike.
        raise Invalid(NUL_IN_TITLE)
    if not title.strip():
        raise Invalid(NO_TITLE)
    return limits.workshop_title_and_round(title, round_label)


def create_workshop(
    *,
    engine: Engine,
    actor: Actor,
    partnership_id: int,
    title: str,
    held_on: date,
    round_label: str | None,
    domains: Sequence[str] | None,
    anonymous: bool,
    bank_yaml: str,
) -> WorkshopInfo:
    """A new draft workshop for the partnership, on this bank; ``domains`` None means all of them.

    Refused (Invalid) without a title, with no domain chosen, or with text the database cannot
    hold; a partnership the actor may not see is NotFound, in the same words as a missing one.
    """
    title, round_label = _checked_title(title, round_label)
    if domains is not None and not list(domains):
        raise Invalid(NO_DOMAINS)
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        partnership = next((p for p in list_partnerships(session=session) if p["id"] == partnership_id), None)
        if partnership is None or (visible is not None and partnership["cohort"] not in visible):
            raise NotFound("that partnership does not exist or has not been shared with you")
        version = store_bank_version(session=session, yaml_text=bank_yaml)
        created = store_workshop(
            session=session,
            partnership_id=partnership_id,
            bank_version_id=version,
            title=title,
            held_on=held_on,
            round_label=round_label,
            domains=list(domains) if domains is not None else None,
            anonymous=anonymous,
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="workshop.created",
            target=created.join_code,
            detail={"partnership": partnership["name"], "title": created.title},
        )
    return created


def progress(*, engine: Engine, actor: Actor, workshop_id: int) -> ProgressView:
    """Live counts for the facilitator's screen, straight from the database (no process memory)."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        counts = workshop_progress(
            session=session, workshop_id=workshop.id, bank=bank, domains=list(workshop.domains)
        )
    sectors = {s.id: s.label for s in bank.sectors}
    return ProgressView(
        joined=counts.joined,
        submitted=counts.submitted,
        by_sector=tuple((sectors.get(s, s), n) for s, n in counts.by_sector.items()),
        completion=tuple((bank.domain(d).title, share) for d, share in counts.completion.items()),
    )


@dataclass(frozen=True)
class WaitingView:
    """Someone who joined and has not submitted, as the facilitator's screen lists them."""

    id: int
    label: str
    sector: str  # the sector's label
    answered: str  # "3 of 40 questions"
    joined_at: datetime
    last_answer_at: datetime | None


def not_submitted(*, engine: Engine, actor: Actor, workshop_id: int) -> list[WaitingView]:
    """Who joined and has not submitted (their answers do not count), fewest answers first.

    How far each got, never what they answered: the facilitator can tell an abandoned join (a
    second device, a tab left behind) from someone still answering.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        people = unsubmitted_people(session=session, workshop_id=workshop.id)
    questions = sum(len(bank.domain(d).items) for d in workshop.domains)
    sectors = {s.id: s.label for s in bank.sectors}
    return [
        WaitingView(
            id=p.id,
            label=p.label,
            sector=sectors.get(p.sector, p.sector),
            answered=f"{p.answered} of {questions} question{'' if questions == 1 else 's'}",
            joined_at=p.joined_at,
            last_answer_at=p.last_answer_at,
        )
        for p in people
    ]


def remove_participant(*, engine: Engine, actor: Actor, workshop_id: int, participant_id: int) -> str:
    """Remove someone who joined and has not submitted, with their answers, before the reveal.

    For a join left behind (the same person on a second device, a tab nobody came back to), so
    the joined count is the room. Only before the reveal, only someone who has not submitted,
    and audited with who it was (label and sector, never an answer). Returns the label.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        if workshop.revealed:
            raise Invalid(REMOVE_AFTER_REVEAL)
        person = remove_unsubmitted_participant(
            session=session, workshop_id=workshop.id, participant_id=participant_id
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="participant.removed",
            target=workshop.join_code,
            detail={"label": person.label, "sector": person.sector, "answered": person.answered},
        )
    return person.label


def take_step(*, engine: Engine, actor: Actor, workshop_id: int, step: Step) -> State:
    """Move the workshop one step through its lifecycle (``assessment.lifecycle``) and audit it.

    A facilitator acts only on workshops of cohorts they can see; the operator acts on any. A step
    the lifecycle refuses is Invalid, saying why, and changes nothing. The re-rate's own steps
    ("rerate", "finish") go through ``assessment.services.rerate``, which chooses its questions.
    """
    if step in ("rerate", "finish"):
        raise Invalid(RERATE_BY_ITS_CONTROLS)
    with transaction(engine) as session:
        # the same words whether the workshop is someone else's or missing
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        stage = rerate_stage(session=session, workshop_id=workshop.id)
        rerate = next(s for s in RERATE_STAGES if s == stage)
        try:
            following = next_state(state_of(workshop.status, workshop.revealed, rerate), step)
        except TransitionRefused as exc:
            raise Invalid(str(exc)) from None
        set_workshop_state(
            session=session,
            workshop_id=workshop_id,
            actor=actor.audit_name,
            status=following.status if following.status != workshop.status else None,
            revealed=following.revealed if following.revealed != workshop.revealed else None,
        )
    return following


__all__ = [
    "PartnershipSummary",
    "ProgressView",
    "WaitingView",
    "WorkshopSummary",
    "create_workshop",
    "find_workshop",
    "not_submitted",
    "progress",
    "remove_participant",
    "take_step",
    "visible_partnerships",
    "visible_workshops",
]
