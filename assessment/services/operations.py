"""Retention: delete the individual answers of rounds closed long ago, keeping their figures.

The operator's alone (the command line): it deletes what facilitators and participants gave, for
every cohort at once, on the schedule the organisation's information governance sets.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from assessment.db import audit, bank_for_version, scoring_frames, transaction, workshop_info
from assessment.db.answers import lock_workshop
from assessment.db.retention import (
    RoundToRetain,
    answers_deleted_at,
    keep_figures_and_delete_answers,
    rounds_closed_before,
)
from assessment.errors import Forbidden, Invalid
from assessment.scoring import team_domain_figures
from assessment.services import Actor, workshop_for

RETENTION_ACTION = "answers.retention"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Retention:
    """What retention found (and, unless a dry run, deleted): the rounds, and the cut-off day."""

    cutoff: date
    rounds: tuple[RoundToRetain, ...]
    deleted: bool

    @property
    def participants(self) -> int:
        return sum(r.participants for r in self.rounds)


def apply_retention(
    *, engine: Engine, actor: Actor, older_than_months: int, dry_run: bool, today: date | None = None
) -> Retention:
    """Delete every participant, with their answers, free text and re-rate answers, of each round
    closed more than ``older_than_months`` months ago; first store the round's team figures, which
    trends and cohort comparisons then read instead. One transaction per round, under the
    workshop's lock, so a round reopened meanwhile is left alone. ``dry_run`` only lists them."""
    if not actor.is_operator:
        raise Forbidden("only the service's operator can delete answers for retention")
    if older_than_months < 1:
        raise Invalid(
            f"--older-than-months must be a whole number of months, 1 or more, not {older_than_months}"
        )
    cutoff = months_before(today or date.today(), older_than_months)
    with transaction(engine) as session:
        found = rounds_closed_before(session=session, cutoff=cutoff)
    if dry_run:
        return Retention(cutoff, tuple(found), deleted=False)
    done = []
    for candidate in found:
        with transaction(engine) as session:
            lock_workshop(session=session, workshop_id=candidate.workshop_id)
            workshop = workshop_info(session=session, workshop_id=candidate.workshop_id)
            if workshop.status != "closed":
                continue  # reopened since it was listed: its answers are in use again
            bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
            answers, tiers = scoring_frames(session=session, workshop_ids=[workshop.id])
            domains, respondents = team_domain_figures(
                answers, bank, tier_answers=tiers, domains=list(workshop.domains)
            )
            deleted = keep_figures_and_delete_answers(
                session=session, workshop_id=workshop.id, domains=domains, respondents=respondents
            )
            audit(
                session=session,
                actor=actor.audit_name,
                action=RETENTION_ACTION,
                target=workshop.join_code,
                detail={"participants": deleted, "respondents": respondents, "cutoff": cutoff.isoformat()},
            )
        done.append(candidate)
    return Retention(cutoff, tuple(done), deleted=True)


def answers_deleted_on(*, engine: Engine, actor: Actor, workshop_id: int) -> date | None:
    """The day retention deleted the workshop's individual answers, or None while it holds them."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        deleted = answers_deleted_at(session=session, workshop_id=workshop.id)
    return deleted.date() if deleted is not None else None


__all__ = ["RETENTION_ACTION", "Retention", "answers_deleted_on", "apply_retention", "months_before"]
