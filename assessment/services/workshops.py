"""Opening, closing, revealing and hiding a workshop: the lifecycle's one door."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessment.cohort_admin import require_cohort
from assessment.lifecycle import State, Step, TransitionRefused, next_state, state_of
from assessment.store import StoreError, cohort_id, set_workshop_state, workshop_info


def take_step(
    *,
    session: Session,
    workshop_id: int,
    step: Step,
    facilitator_id: int | None = None,
    operator: str | None = None,
) -> State:
    """Move the workshop one step through its lifecycle (``assessment.lifecycle``) and audit it.

    A facilitator acts only on workshops of cohorts they can see; ``operator`` (the command line)
    acts on any. A step the lifecycle refuses is a StoreError saying why, and changes nothing.
    """
    if (facilitator_id is None) == (operator is None):
        raise ValueError("say who acts: a facilitator_id or an operator")
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    if facilitator_id is not None:
        # the same words whether the workshop is someone else's or missing
        require_cohort(
            session=session,
            facilitator_id=facilitator_id,
            cohort_id=cohort_id(session=session, name=workshop.cohort),
        )
    actor = operator if operator is not None else f"facilitator:{facilitator_id}"
    try:
        following = next_state(state_of(workshop.status, workshop.revealed), step)
    except TransitionRefused as exc:
        raise StoreError(str(exc)) from None
    set_workshop_state(
        session=session,
        workshop_id=workshop_id,
        actor=actor,
        status=following.status if following.status != workshop.status else None,
        revealed=following.revealed if following.revealed != workshop.revealed else None,
    )
    return following
