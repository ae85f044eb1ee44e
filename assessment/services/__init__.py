"""One function per thing a person does, called by the pages and the command line alike.

Each service takes the engine and who is acting (an ``Actor`` for facilitators and the command
line, a resume token for a participant), checks they may, validates, runs in one transaction of its
own and leaves an audit entry, so a rule written here holds whichever door the request came
through. Pages and the command line call services; neither opens a transaction nor touches the
tables. A refusal is an ``assessment.errors.Refused`` whose words are fit to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from assessment.cohort_admin import require_cohort
from assessment.db import WorkshopInfo, cohort_id, workshop_info

CLI_OPERATOR = "cli"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in facilitator, or the operator at the command line.

    A facilitator acts only within the cohorts they can see (their own, shared with them, or
    team-wide); the operator has the whole database in hand already and acts on any.
    ``audit_name`` is what the audit log records.
    """

    facilitator_id: int | None
    audit_name: str

    @classmethod
    def facilitator(cls, facilitator_id: int) -> Actor:
        return cls(facilitator_id=facilitator_id, audit_name=f"facilitator:{facilitator_id}")

    @classmethod
    def operator(cls, name: str = CLI_OPERATOR) -> Actor:
        return cls(facilitator_id=None, audit_name=name)

    @property
    def is_operator(self) -> bool:
        return self.facilitator_id is None


def workshop_for(*, session: Session, actor: Actor, workshop_id: int) -> WorkshopInfo:
    """The workshop, if the actor may see it; otherwise NotFound, the same words as a missing one."""
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    if actor.facilitator_id is not None:
        require_cohort(
            session=session,
            facilitator_id=actor.facilitator_id,
            cohort_id=cohort_id(session=session, name=workshop.cohort),
        )
    return workshop


__all__ = ["CLI_OPERATOR", "Actor", "workshop_for"]
