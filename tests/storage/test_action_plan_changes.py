"""The action plan through its services on SQLite and PostgreSQL: a repeated "add" makes one action,
even when the two requests race, and an action can be deleted, audited with what it said, only by
someone who may see its partnership."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial

import pytest
from sqlalchemy import Engine, func, select

from assessment.db import create_workshop, transaction, workshop_info
from assessment.db.tables import Action
from assessment.errors import NotFound
from assessment.services import Actor
from assessment.services.outcomes import add_action, delete_action, edit_actions, list_actions
from tests.storage.conftest import Facilitators, audit_entries
from tests.storage.counts import table_counts

OPERATOR = Actor.operator()
GAP_TITLE = "Close the gap on Shared purpose"


def action_count(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Action)) or 0)


def add_gap_action(engine: Engine, workshop_id: int, actor: Actor = OPERATOR) -> int:
    return add_action(
        engine=engine, actor=actor, workshop_id=workshop_id, domain_id="shared-purpose", title=GAP_TITLE
    )


def at_once(calls: int, call: Callable[[], int]) -> list[int]:
    """Run ``call`` from ``calls`` threads released together, as a double click's two reruns are."""
    start = threading.Barrier(calls)

    def one(_: int) -> int:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(one, range(calls)))


def test_pressing_add_twice_for_the_same_gap_keeps_one_action_and_one_audit_entry(
    engine: Engine, workshop_id: int
) -> None:
    first = add_gap_action(engine, workshop_id)
    second = add_gap_action(engine, workshop_id)
    assert first == second
    assert action_count(engine) == 1
    assert [e.detail["action"] for e in audit_entries(engine, "action.created")] == [first]


def test_concurrent_adds_of_the_same_new_action_store_it_once(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        domains = workshop_info(session=session, workshop_id=workshop_id).domains
    # A race is won or lost by timing: one for every domain gives it many chances to show.
    for domain in domains:
        add = partial(
            add_action,
            engine=engine,
            actor=OPERATOR,
            workshop_id=workshop_id,
            domain_id=domain,
            title=GAP_TITLE,
        )
        ids = at_once(4, add)
        assert len(set(ids)) == 1, domain
    assert action_count(engine) == len(domains)
    assert len(audit_entries(engine, "action.created")) == len(domains)


def test_once_the_first_action_is_filled_in_the_same_button_adds_a_second(
    engine: Engine, workshop_id: int
) -> None:
    first = add_gap_action(engine, workshop_id)
    edit_actions(engine=engine, actor=OPERATOR, workshop_id=workshop_id, changes={first: {"owner": "ICB"}})
    second = add_gap_action(engine, workshop_id)
    assert second != first
    assert action_count(engine) == 2


def test_the_same_title_for_another_domain_or_round_is_another_action(
    engine: Engine, workshop_id: int
) -> None:
    first = add_gap_action(engine, workshop_id)
    other_domain = add_action(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, domain_id="mind-the-gaps", title=GAP_TITLE
    )
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        later = create_workshop(
            session=session,
            partnership_id=info.partnership_id,
            bank_version_id=info.bank_version_id,
            title="Round two",
            held_on=date(2026, 9, 1),
            round_label="R2",
        ).id
    next_round = add_gap_action(engine, later)
    assert len({first, other_domain, next_round}) == 3
    assert action_count(engine) == 3


def test_deleting_an_action_removes_it_and_audits_what_it_said(engine: Engine, workshop_id: int) -> None:
    kept = add_action(
        engine=engine, actor=OPERATOR, workshop_id=workshop_id, domain_id="mind-the-gaps", title="Keep me"
    )
    doomed = add_action(
        engine=engine,
        actor=OPERATOR,
        workshop_id=workshop_id,
        domain_id="shared-purpose",
        title="Joint away day",
        owner="ICB chief executive",
        due_on=date(2026, 6, 30),
        notes="Book the hall",
    )
    delete_action(engine=engine, actor=OPERATOR, workshop_id=workshop_id, action_id=doomed)
    assert [a.id for a in list_actions(engine=engine, actor=OPERATOR, workshop_id=workshop_id)] == [kept]
    [entry] = audit_entries(engine, "action.deleted")
    assert entry.actor == OPERATOR.audit_name and entry.target == f"action:{doomed}"
    assert entry.detail["title"] == "Joint away day"
    assert entry.detail["owner"] == "ICB chief executive"
    assert entry.detail["due_on"] == "2026-06-30" and entry.detail["notes"] == "Book the hall"
    assert entry.detail["domain"] == "shared-purpose" and entry.detail["workshop"] == workshop_id


def test_deleting_an_action_already_deleted_is_refused_as_not_found_and_writes_nothing(
    engine: Engine, workshop_id: int
) -> None:
    action = add_gap_action(engine, workshop_id)
    delete_action(engine=engine, actor=OPERATOR, workshop_id=workshop_id, action_id=action)
    with transaction(engine) as session:
        before = table_counts(session=session)
    with pytest.raises(NotFound, match="does not exist"):
        delete_action(engine=engine, actor=OPERATOR, workshop_id=workshop_id, action_id=action)
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_a_facilitator_deletes_only_actions_of_partnerships_they_may_see(
    engine: Engine, facilitators: Facilitators
) -> None:
    alice = facilitators.account("alice@nhs.net")
    own_workshop = facilitators.workshop(
        alice, cohort="Alice's cohort", partnership="Westby", title="Westby round"
    )
    # A private cohort of someone else's workshop: Alice cannot reach it, and learns nothing.
    bob = facilitators.account("bob@nhs.net")
    bob_workshop = facilitators.workshop(
        bob, cohort="Bob's cohort", partnership="Eastby", title="Eastby round"
    )
    bobs_action = add_gap_action(engine, bob_workshop, Actor.facilitator(bob))
    alices_action = add_gap_action(engine, own_workshop, Actor.facilitator(alice))
    with transaction(engine) as session:
        before = table_counts(session=session)
    alice_actor = Actor.facilitator(alice)
    with pytest.raises(NotFound, match="has not been shared with you"):
        delete_action(engine=engine, actor=alice_actor, workshop_id=bob_workshop, action_id=bobs_action)
    # Through her own workshop, Bob's action is not her partnership's: the same "not found".
    with pytest.raises(NotFound, match="does not exist or is not this partnership's"):
        delete_action(engine=engine, actor=alice_actor, workshop_id=own_workshop, action_id=bobs_action)
    with transaction(engine) as session:
        assert table_counts(session=session) == before
    delete_action(engine=engine, actor=alice_actor, workshop_id=own_workshop, action_id=alices_action)
    [entry] = audit_entries(engine, "action.deleted")
    assert entry.actor == f"facilitator:{alice}"
