"""Who sees which cohort, and every change to cohorts and partnerships audited, nothing lost by a click."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.cohort_admin import (
    add_partnership,
    archive_partnership,
    can_see_cohort,
    create_own_cohort,
    delete_partnership,
    move_partnership,
    rename_cohort,
    rename_partnership,
    require_cohort,
    share_cohort,
    visible_cohorts,
)
from assessment.db import (
    NotFound,
    add_participant,
    bank_for_version,
    create_cohort,
    create_workshop,
    save_answer,
    store_bank_version,
    transaction,
)
from assessment.db.tables import AuditEntry
from assessment.errors import Refused
from tests.conftest import PROJECT_ROOT
from tests.storage.counts import table_counts


@pytest.fixture
def people(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        alice = create_facilitator(
            session=session, email="alice@nhs.net", password="alice passphrase", actor="t"
        )
        bob = create_facilitator(session=session, email="bob@nhs.net", password="bob's passphrase", actor="t")
    return alice, bob


def test_a_facilitator_sees_own_shared_and_team_cohorts_but_not_anothers(
    engine: Engine, people: tuple[int, int]
) -> None:
    alice, bob = people
    with transaction(engine) as session:
        mine = create_own_cohort(session=session, facilitator_id=alice, name="Alice's cohort")
        create_own_cohort(session=session, facilitator_id=bob, name="Bob's cohort")
        create_cohort(session=session, name="Team cohort")  # no owner: made from the CLI
        assert {c["name"] for c in visible_cohorts(session=session, facilitator_id=alice)} == {
            "Alice's cohort",
            "Team cohort",
        }
        assert not can_see_cohort(session=session, facilitator_id=bob, cohort_id=mine)
        with pytest.raises(NotFound, match="has not been shared with you"):
            require_cohort(session=session, facilitator_id=bob, cohort_id=mine)
        share_cohort(session=session, facilitator_id=alice, cohort_id=mine, email="Bob@NHS.net")
        assert can_see_cohort(session=session, facilitator_id=bob, cohort_id=mine)


def test_only_the_owner_changes_a_cohort_even_once_shared(engine: Engine, people: tuple[int, int]) -> None:
    alice, bob = people
    with transaction(engine) as session:
        mine = create_own_cohort(session=session, facilitator_id=alice, name="Alice's cohort")
        share_cohort(session=session, facilitator_id=alice, cohort_id=mine, email="bob@nhs.net")
    with pytest.raises(Refused, match="only the cohort's owner"), transaction(engine) as session:
        rename_cohort(session=session, facilitator_id=bob, cohort_id=mine, name="Taken over")


def test_renaming_and_moving_a_partnership_are_audited(engine: Engine, people: tuple[int, int]) -> None:
    alice, _ = people
    with transaction(engine) as session:
        first = create_own_cohort(session=session, facilitator_id=alice, name="First")
        second = create_own_cohort(session=session, facilitator_id=alice, name="Second")
        ics = add_partnership(
            session=session, facilitator_id=alice, cohort_id=first, name="Riverside ICS", kind="ics"
        )
        place = add_partnership(
            session=session,
            facilitator_id=alice,
            cohort_id=first,
            name="Northam",
            kind="place",
            parent_id=ics,
        )
        rename_partnership(session=session, facilitator_id=alice, partnership_id=place, name="Northam place")
        move_partnership(session=session, facilitator_id=alice, partnership_id=place, cohort_id=second)
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == [
        "partnership.created",
        "partnership.created",
        "partnership.renamed",
        "partnership.moved",
    ]


def test_a_place_must_belong_to_an_ics(engine: Engine, people: tuple[int, int]) -> None:
    alice, _ = people
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=alice, name="C")
        place = add_partnership(
            session=session, facilitator_id=alice, cohort_id=cohort, name="A place", kind="place"
        )
    with pytest.raises(Refused, match="belongs to an ICS"), transaction(engine) as session:
        add_partnership(
            session=session, facilitator_id=alice, cohort_id=cohort, name="B", kind="place", parent_id=place
        )


def _partnership_with_a_workshop(engine: Engine, facilitator: int) -> int:
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=facilitator, name="With history")
        partnership = add_partnership(
            session=session, facilitator_id=facilitator, cohort_id=cohort, name="Riverside ICS", kind="ics"
        )
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        bank = bank_for_version(session=session, bank_version_id=version)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="R1",
            held_on=date(2026, 1, 1),
        )
        person = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
        save_answer(
            session=session,
            participant_id=person.id,
            bank=bank,
            answer=Answer(item_id="shared-purpose-stated", current=2, target=3),
        )
    return partnership


def test_deleting_a_partnership_with_workshops_needs_its_name_typed_and_is_audited(
    engine: Engine, people: tuple[int, int]
) -> None:
    alice, _ = people
    partnership = _partnership_with_a_workshop(engine, alice)
    with transaction(engine) as session:
        before = table_counts(session=session)
    with (
        pytest.raises(Refused, match="type the partnership's name exactly"),
        transaction(engine) as session,
    ):
        delete_partnership(
            session=session, facilitator_id=alice, partnership_id=partnership, typed_name="Riverside"
        )
    with transaction(engine) as session:
        assert table_counts(session=session) == before
        delete_partnership(
            session=session, facilitator_id=alice, partnership_id=partnership, typed_name="Riverside ICS"
        )
    with transaction(engine) as session:
        after = table_counts(session=session)
        deleted = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "partnership.deleted")
        ).all()
    assert (after["partnerships"], after["workshops"], after["responses"]) == (0, 0, 0)
    assert deleted == ["partnership.deleted"]


def test_another_facilitator_cannot_delete_or_archive_my_partnership(
    engine: Engine, people: tuple[int, int]
) -> None:
    alice, bob = people
    partnership = _partnership_with_a_workshop(engine, alice)
    with pytest.raises(NotFound), transaction(engine) as session:
        delete_partnership(
            session=session, facilitator_id=bob, partnership_id=partnership, typed_name="Riverside ICS"
        )
    with pytest.raises(NotFound), transaction(engine) as session:
        archive_partnership(session=session, facilitator_id=bob, partnership_id=partnership)
