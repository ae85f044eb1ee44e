"""Consensus and the action plan: the doors a facilitator records and edits them through.

``assessment.outcomes`` validates (levels on the scale, text limits, statuses); each service here
adds who may (a facilitator only within cohorts they can see), one transaction and the audit
entry that ``assessment.outcomes`` writes under the actor's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine

from assessment import outcomes
from assessment.db import transaction
from assessment.errors import NotFound
from assessment.outcomes import ActionRecord, ConsensusRecord, Evidence
from assessment.services import Actor, workshop_for


def record_consensus(
    *,
    engine: Engine,
    actor: Actor,
    workshop_id: int,
    domain_id: str,
    level: float,
    rationale: str,
    dissent: str,
    item_id: str | None = None,
) -> int:
    """Record the level the team agrees on for a domain (or one of its questions); its id."""
    with transaction(engine) as session:
        workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id=domain_id,
            level=level,
            rationale=rationale,
            dissent=dissent,
            actor=actor.audit_name,
            item_id=item_id,
        )


def consensus_history(
    *, engine: Engine, actor: Actor, workshop_id: int, domain_id: str, item_id: str | None = None
) -> list[ConsensusRecord]:
    """Every consensus recorded for a domain (or question), newest first."""
    with transaction(engine) as session:
        workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.consensus_history(
            session=session, workshop_id=workshop_id, domain_id=domain_id, item_id=item_id
        )


def set_evidence(
    *,
    engine: Engine,
    actor: Actor,
    workshop_id: int,
    domain_id: str,
    items: Sequence[Evidence],
    based_on: Sequence[Evidence] | None = None,
) -> tuple[Evidence, ...]:
    """Make ``items`` the evidence beside a domain's agreed level (added, edited, removed at once);
    what is stored. Refused, with nothing written, when ``based_on`` (what the facilitator was
    shown) is no longer what is stored."""
    with transaction(engine) as session:
        workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.set_evidence(
            session=session,
            workshop_id=workshop_id,
            domain_id=domain_id,
            items=items,
            actor=actor.audit_name,
            based_on=based_on,
        )


def rounds_evidence(
    *, engine: Engine, actor: Actor, workshop_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[Evidence, ...]]:
    """The evidence beside the agreed levels of these workshops (a partnership's rounds, say), by
    (workshop, domain); every workshop must be one the actor may see."""
    with transaction(engine) as session:
        for workshop_id in dict.fromkeys(workshop_ids):
            workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.evidence_by_domain(session=session, workshop_ids=list(dict.fromkeys(workshop_ids)))


def add_action(
    *,
    engine: Engine,
    actor: Actor,
    workshop_id: int,
    domain_id: str,
    title: str,
    item_id: str | None = None,
    owner: str = "",
    due_on: date | None = None,
    status: str = "planned",
    notes: str = "",
) -> int:
    """An action for a domain of the workshop's partnership, agreed in this workshop; its id."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.create_action(
            session=session,
            partnership_id=workshop.partnership_id,
            workshop_id=workshop_id,
            domain_id=domain_id,
            title=title,
            actor=actor.audit_name,
            item_id=item_id,
            owner=owner,
            due_on=due_on,
            status=status,
            notes=notes,
        )


def edit_actions(
    *, engine: Engine, actor: Actor, workshop_id: int, changes: dict[int, dict[str, Any]]
) -> int:
    """Apply each action's changes (title, owner, notes, status, due_on), all or none, to actions
    of the workshop's partnership. Returns how many actions changed."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        ours = {a.id for a in outcomes.list_actions(session=session, partnership_id=workshop.partnership_id)}
        for action_id, fields in changes.items():
            if action_id not in ours:
                raise NotFound(outcomes.NOT_IN_PLAN)
            outcomes.update_action(session=session, action_id=action_id, actor=actor.audit_name, **fields)
    return len(changes)


def delete_action(*, engine: Engine, actor: Actor, workshop_id: int, action_id: int) -> ActionRecord:
    """Delete one action of the workshop's partnership, audited with what it said; what it was."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.delete_action(
            session=session,
            partnership_id=workshop.partnership_id,
            action_id=action_id,
            actor=actor.audit_name,
        )


def list_actions(*, engine: Engine, actor: Actor, workshop_id: int) -> list[ActionRecord]:
    """The action plan of the workshop's partnership, every round."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.list_actions(session=session, partnership_id=workshop.partnership_id)


def actions_since(*, engine: Engine, actor: Actor, workshop_id: int) -> dict[str, int]:
    """Actions per domain agreed in the partnership's rounds before this workshop's."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return outcomes.actions_since(
            session=session, partnership_id=workshop.partnership_id, before=workshop.held_on
        )


__all__ = [
    "actions_since",
    "add_action",
    "consensus_history",
    "delete_action",
    "edit_actions",
    "list_actions",
    "record_consensus",
    "rounds_evidence",
    "set_evidence",
]
