"""Consensus records and the action plan on SQLite and PostgreSQL: history kept, bad input refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assessment.db import (
    cohort_id,
    create_partnership,
    create_workshop,
    transaction,
    workshop_info,
)
from assessment.errors import Refused
from assessment.outcomes import (
    ActionRecord,
    actions_since,
    consensus_history,
    create_action,
    current_consensus,
    list_actions,
    record_consensus,
    update_action,
)
from tests.storage.conftest import Facilitators, audit_entries
from tests.storage.counts import table_counts

FACILITATOR = "facilitator@example.org"
CO_FACILITATOR = "co-facilitator@example.org"


def partnership_of(engine: Engine, workshop_id: int) -> int:
    with transaction(engine) as session:
        return workshop_info(session=session, workshop_id=workshop_id).partnership_id


def test_recording_consensus_makes_it_the_current_record_for_its_domain(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        record_id = record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id="shared-purpose",
            level=2.5,
            rationale="Most partners can state the purpose; few use it to decide.",
            dissent="",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        current = current_consensus(session=session, workshop_id=workshop_id)
    assert list(current) == ["shared-purpose"]
    record = current["shared-purpose"]
    assert record.id == record_id
    assert (record.level, record.item_id, record.recorded_by) == (2.5, None, FACILITATOR)
    assert record.rationale.startswith("Most partners")
    [entry] = audit_entries(engine, "consensus.recorded")
    assert entry.actor == FACILITATOR
    assert entry.detail["previous_level"] is None
    assert entry.detail["level"] == 2.5
    assert entry.detail["workshop"] == workshop_id and entry.detail["domain"] == "shared-purpose"


def test_editing_consensus_keeps_the_history_with_the_previous_value_and_who_changed_it(
    engine: Engine, workshop_id: int
) -> None:
    for level, actor, dissent in ((2.0, FACILITATOR, ""), (3.0, CO_FACILITATOR, "VCSE members disagree")):
        with transaction(engine) as session:
            record_consensus(
                session=session,
                workshop_id=workshop_id,
                domain_id="mind-the-gaps",
                level=level,
                rationale=f"Settled on {level:g}",
                dissent=dissent,
                actor=actor,
            )
    with transaction(engine) as session:
        current = current_consensus(session=session, workshop_id=workshop_id)
        history = consensus_history(session=session, workshop_id=workshop_id, domain_id="mind-the-gaps")
    assert current["mind-the-gaps"].level == 3.0
    assert current["mind-the-gaps"].dissent == "VCSE members disagree"
    assert [(r.level, r.recorded_by) for r in history] == [(3.0, CO_FACILITATOR), (2.0, FACILITATOR)]
    entries = audit_entries(engine, "consensus.recorded")
    assert [(e.actor, e.detail["level"], e.detail["previous_level"]) for e in entries] == [
        (FACILITATOR, 2.0, None),
        (CO_FACILITATOR, 3.0, 2.0),
    ]
    assert entries[1].detail["dissent"] == "VCSE members disagree"
    assert entries[1].at is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"domain_id": "no-such-domain"}, "no domain 'no-such-domain'"),
        ({"level": 0.5}, "outside the scale 1 to 4"),
        ({"level": 4.5}, "outside the scale 1 to 4"),
        ({"level": float("nan")}, "must be a number"),
        ({"rationale": "x" * 2001}, "rationale is 2,001 characters"),
        ({"dissent": "x" * 2001}, "dissent is 2,001 characters"),
        ({"item_id": "trust-visible-wins"}, "no item 'trust-visible-wins' in the domain 'shared-purpose'"),
        ({"actor": "  "}, "actor is empty"),
    ],
)
def test_invalid_consensus_is_refused_and_nothing_is_written(
    engine: Engine, workshop_id: int, changes: dict[str, object], message: str
) -> None:
    request: dict[str, object] = {
        "workshop_id": workshop_id,
        "domain_id": "shared-purpose",
        "level": 2.0,
        "rationale": "",
        "dissent": "",
        "actor": FACILITATOR,
        **changes,
    }
    with transaction(engine) as session:
        before = table_counts(session=session)
    with pytest.raises(Refused, match=message), transaction(engine) as session:
        record_consensus(session=session, **request)  # type: ignore[arg-type]
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_consensus_for_a_domain_the_workshop_did_not_select_is_refused(
    engine: Engine, workshop_id: int
) -> None:
    partnership = partnership_of(engine, workshop_id)
    with transaction(engine) as session:
        bank_version = workshop_info(session=session, workshop_id=workshop_id).bank_version_id
        small = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=bank_version,
            title="Short session",
            held_on=date(2026, 4, 1),
            domains=["shared-purpose"],
        )
        before = table_counts(session=session)
    with pytest.raises(Refused, match="not part of this workshop"), transaction(engine) as session:
        record_consensus(
            session=session,
            workshop_id=small.id,
            domain_id="trust-momentum",
            level=2,
            rationale="",
            dissent="",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_item_level_consensus_is_kept_apart_from_its_domains_consensus(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id="shared-purpose",
            level=2.0,
            rationale="domain",
            dissent="",
            actor=FACILITATOR,
        )
        record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id="shared-purpose",
            item_id="shared-purpose-stated",
            level=3.5,
            rationale="item",
            dissent="",
            actor=FACILITATOR,
        )
        # A spectrum item is agreed on its own 1..5 positions.
        record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id="local-flexibility",
            item_id="flex-local-or-national",
            level=5,
            rationale="spectrum",
            dissent="",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        current = current_consensus(session=session, workshop_id=workshop_id)
        domain_history = consensus_history(
            session=session, workshop_id=workshop_id, domain_id="shared-purpose"
        )
        item_history = consensus_history(
            session=session,
            workshop_id=workshop_id,
            domain_id="shared-purpose",
            item_id="shared-purpose-stated",
        )
    assert current["shared-purpose"].level == 2.0
    assert current["shared-purpose/shared-purpose-stated"].level == 3.5
    assert current["local-flexibility/flex-local-or-national"].level == 5.0
    assert "local-flexibility" not in current
    assert [r.rationale for r in domain_history] == ["domain"]
    assert [r.rationale for r in item_history] == ["item"]
    previous = [e.detail["previous_level"] for e in audit_entries(engine, "consensus.recorded")]
    assert previous == [None, None, None]


def test_actions_are_created_updated_and_listed_by_domain_then_when_agreed(
    engine: Engine, workshop_id: int
) -> None:
    partnership = partnership_of(engine, workshop_id)
    with transaction(engine) as session:
        first = create_action(
            session=session,
            partnership_id=partnership,
            workshop_id=workshop_id,
            domain_id="trust-momentum",
            title="Joint leadership away day",
            owner="ICB chief executive",
            due_on=date(2026, 6, 30),
            actor=FACILITATOR,
        )
        second = create_action(
            session=session,
            partnership_id=partnership,
            domain_id="mind-the-gaps",
            item_id="gaps-finance-regimes",
            title="Finance directors explain each regime to the board",
            actor=FACILITATOR,
        )
        third = create_action(
            session=session,
            partnership_id=partnership,
            workshop_id=workshop_id,
            domain_id="trust-momentum",
            title="Publish a quarterly 'visible wins' note",
            status="in-progress",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        created = {a.id: a for a in list_actions(session=session, partnership_id=partnership)}
        update_action(
            session=session,
            action_id=first,
            actor=CO_FACILITATOR,
            status="done",
            notes="Held on 12 May.",
            owner="ICB chief executive",
        )
    with transaction(engine) as session:
        actions = list_actions(session=session, partnership_id=partnership)
    assert [a.id for a in actions] == [second, first, third]
    assert all(isinstance(a, ActionRecord) for a in actions)
    by_id = {a.id: a for a in actions}
    assert by_id[first].round_label == "R1" and by_id[first].workshop_id == workshop_id
    assert by_id[second].round_label is None and by_id[second].workshop_id is None
    assert by_id[second].item_id == "gaps-finance-regimes"
    assert (by_id[first].status, by_id[first].notes, by_id[first].due_on) == (
        "done",
        "Held on 12 May.",
        date(2026, 6, 30),
    )
    assert by_id[first].updated_at > created[first].updated_at
    assert by_id[third].updated_at == created[third].updated_at
    assert [e.detail["action"] for e in audit_entries(engine, "action.created")] == [first, second, third]
    [updated] = audit_entries(engine, "action.updated")
    assert updated.actor == CO_FACILITATOR
    # The owner was given but did not change, so only status and notes are recorded.
    assert updated.detail["changes"] == {
        "status": {"before": "planned", "after": "done"},
        "notes": {"before": "", "after": "Held on 12 May."},
    }


def test_a_due_date_change_is_audited_as_dates_in_words(engine: Engine, workshop_id: int) -> None:
    partnership = partnership_of(engine, workshop_id)
    with transaction(engine) as session:
        action = create_action(
            session=session,
            partnership_id=partnership,
            domain_id="accountability",
            title="Map who holds each decision",
            due_on=date(2026, 5, 1),
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        update_action(session=session, action_id=action, actor=FACILITATOR, due_on=date(2026, 7, 1))
    [entry] = audit_entries(engine, "action.updated")
    assert entry.detail["changes"] == {"due_on": {"before": "2026-05-01", "after": "2026-07-01"}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"domain_id": "shared-purpose"}, "domain_id cannot be changed"),
        ({"partnership_id": 7}, "partnership_id cannot be changed"),
        ({"status": "finished"}, "'finished' is not an action status"),
        ({"title": "   "}, "needs a title"),
        ({"title": "x" * 301}, "title is 301 characters"),
        ({"due_on": "next week"}, "due date must be a date"),
    ],
)
def test_an_action_update_with_an_unknown_field_or_bad_value_is_refused_and_changes_nothing(
    engine: Engine, workshop_id: int, changes: dict[str, object], message: str
) -> None:
    partnership = partnership_of(engine, workshop_id)
    with transaction(engine) as session:
        action = create_action(
            session=session,
            partnership_id=partnership,
            domain_id="accountability",
            title="Map who holds each decision",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        before_counts = table_counts(session=session)
        [before] = list_actions(session=session, partnership_id=partnership)
    with pytest.raises(Refused, match=message), transaction(engine) as session:
        update_action(session=session, action_id=action, actor=FACILITATOR, **changes)
    with transaction(engine) as session:
        assert table_counts(session=session) == before_counts
        assert list_actions(session=session, partnership_id=partnership) == [before]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "someday"}, "'someday' is not an action status"),
        ({"title": ""}, "needs a title"),
        ({"title": "x" * 301}, "title is 301 characters"),
        ({"domain_id": "no-such-domain"}, "no domain 'no-such-domain'"),
        ({"item_id": "trust-visible-wins"}, "no item 'trust-visible-wins' in the domain 'accountability'"),
        ({"owner": "x" * 201}, "owner is 201 characters"),
    ],
)
def test_an_invalid_new_action_is_refused_and_nothing_is_written(
    engine: Engine, workshop_id: int, changes: dict[str, object], message: str
) -> None:
    request: dict[str, object] = {
        "partnership_id": partnership_of(engine, workshop_id),
        "domain_id": "accountability",
        "title": "Map who holds each decision",
        "actor": FACILITATOR,
        **changes,
    }
    with transaction(engine) as session:
        before = table_counts(session=session)
    with pytest.raises(Refused, match=message), transaction(engine) as session:
        create_action(session=session, **request)  # type: ignore[arg-type]
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_actions_since_counts_per_domain_the_actions_agreed_in_earlier_rounds(
    engine: Engine, workshop_id: int
) -> None:
    partnership = partnership_of(engine, workshop_id)
    with transaction(engine) as session:
        bank_version = workshop_info(session=session, workshop_id=workshop_id).bank_version_id
        second_round = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=bank_version,
            title="Round two",
            held_on=date(2026, 9, 1),
            round_label="R2",
        )
        # Two different actions for one domain in one round (the same one twice would be one).
        for domain_id, round_id, title in (
            ("trust-momentum", workshop_id, "Joint away day"),
            ("trust-momentum", workshop_id, "Quarterly visible wins note"),
            ("accountability", workshop_id, "Map who decides"),
            ("accountability", second_round.id, "Map who decides"),
        ):
            create_action(
                session=session,
                partnership_id=partnership,
                workshop_id=round_id,
                domain_id=domain_id,
                title=title,
                actor=FACILITATOR,
            )
    with transaction(engine) as session:
        before_second = actions_since(session=session, partnership_id=partnership, before=date(2026, 9, 1))
        after_second = actions_since(session=session, partnership_id=partnership, before=date(2026, 9, 2))
        before_first = actions_since(session=session, partnership_id=partnership, before=date(2026, 3, 1))
    assert before_second == {"trust-momentum": 2, "accountability": 1}
    assert after_second == {"trust-momentum": 2, "accountability": 2}
    assert before_first == {}


def test_an_action_for_a_workshop_of_another_partnership_is_refused(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        workshop = workshop_info(session=session, workshop_id=workshop_id)
        other = create_partnership(
            session=session,
            cohort_id=cohort_id(session=session, name=workshop.cohort),
            name="Elsewhere",
            kind="place",
        )
        before = table_counts(session=session)
    with pytest.raises(Refused, match="another partnership"), transaction(engine) as session:
        create_action(
            session=session,
            partnership_id=other,
            workshop_id=workshop_id,
            domain_id="accountability",
            title="Not ours",
            actor=FACILITATOR,
        )
    with pytest.raises(Refused, match="no workshop yet"), transaction(engine) as session:
        create_action(
            session=session,
            partnership_id=other,
            domain_id="accountability",
            title="Nothing yet",
            actor=FACILITATOR,
        )
    with transaction(engine) as session:
        assert table_counts(session=session) == before


# --- the services: who may record, one transaction, the audit under the actor's name ---------------


def private_workshop(facilitators: Facilitators) -> tuple[int, int, int]:
    """A workshop in a cohort owned by one facilitator; (workshop, owner, stranger)."""
    owner = facilitators.account("owner@nhs.net")
    stranger = facilitators.account("stranger@nhs.net")
    workshop = facilitators.workshop(owner, cohort="Private cohort", partnership="Hidden place")
    return workshop, owner, stranger


def test_a_facilitator_cannot_record_consensus_or_actions_in_a_cohort_not_shared_with_them(
    engine: Engine, facilitators: Facilitators
) -> None:
    from assessment.errors import NotFound
    from assessment.services import Actor
    from assessment.services import outcomes as services

    workshop, _, stranger = private_workshop(facilitators)
    with transaction(engine) as session:
        before = table_counts(session=session)
    actor = Actor.facilitator(stranger)
    with pytest.raises(NotFound):
        services.record_consensus(
            engine=engine,
            actor=actor,
            workshop_id=workshop,
            domain_id="shared-purpose",
            level=2,
            rationale="",
            dissent="",
        )
    with pytest.raises(NotFound):
        services.add_action(
            engine=engine, actor=actor, workshop_id=workshop, domain_id="shared-purpose", title="T"
        )
    with pytest.raises(NotFound):
        services.list_actions(engine=engine, actor=actor, workshop_id=workshop)
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_the_owner_records_consensus_and_edits_actions_through_the_services_audited_under_their_name(
    engine: Engine, facilitators: Facilitators
) -> None:
    from assessment.services import Actor
    from assessment.services import outcomes as services

    workshop, owner, _ = private_workshop(facilitators)
    actor = Actor.facilitator(owner)
    services.record_consensus(
        engine=engine,
        actor=actor,
        workshop_id=workshop,
        domain_id="shared-purpose",
        level=2.5,
        rationale="R",
        dissent="",
    )
    action = services.add_action(
        engine=engine, actor=actor, workshop_id=workshop, domain_id="shared-purpose", title="Close it"
    )
    assert (
        services.edit_actions(
            engine=engine, actor=actor, workshop_id=workshop, changes={action: {"owner": "Chief officer"}}
        )
        == 1
    )
    assert [a.owner for a in services.list_actions(engine=engine, actor=actor, workshop_id=workshop)] == [
        "Chief officer"
    ]
    assert [
        r.level
        for r in services.consensus_history(
            engine=engine, actor=actor, workshop_id=workshop, domain_id="shared-purpose"
        )
    ] == [2.5]
    assert {e.actor for e in audit_entries(engine, "consensus.recorded")} == {actor.audit_name}


def test_an_action_of_another_partnership_cannot_be_edited_through_this_workshop(
    engine: Engine, workshop_id: int, facilitators: Facilitators
) -> None:
    from assessment.errors import NotFound
    from assessment.services import Actor
    from assessment.services import outcomes as services

    other, owner, _ = private_workshop(facilitators)
    actor = Actor.facilitator(owner)
    theirs = services.add_action(
        engine=engine,
        actor=Actor.operator(),
        workshop_id=workshop_id,
        domain_id="shared-purpose",
        title="Not yours",
    )
    with pytest.raises(NotFound):
        services.edit_actions(
            engine=engine, actor=actor, workshop_id=other, changes={theirs: {"owner": "Me"}}
        )
    with transaction(engine) as session:
        (kept,) = list_actions(session=session, partnership_id=partnership_of(engine, workshop_id))
    assert kept.owner == ""


def test_results_and_the_pdf_refuse_a_participant_before_the_reveal_and_a_stranger_always(
    engine: Engine, facilitators: Facilitators
) -> None:
    from assessment.errors import NotFound
    from assessment.services import Actor
    from assessment.services import results as services

    workshop, owner, stranger = private_workshop(facilitators)
    with pytest.raises(NotFound):
        services.workshop_results(engine=engine, actor=Actor.facilitator(stranger), workshop_id=workshop)
    with pytest.raises(NotFound):
        services.summary_pdf(engine=engine, actor=None, workshop_id=workshop)
    model = services.workshop_results(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop)
    assert model.withheld and {f.text for f in model.overall.values()} == {"withheld"}
    with transaction(engine) as session:
        cohort = cohort_id(session=session, name="Private cohort")
    with pytest.raises(NotFound):
        services.cohort_pack_zip(
            engine=engine, actor=Actor.facilitator(stranger), cohort_id=cohort, charts=False
        )
