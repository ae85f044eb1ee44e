"""Archiving a cohort and bringing it back, on SQLite and PostgreSQL: the owner does both from the
page, the operator from the command line (team-wide cohorts only there), every change audited,
and an archived cohort still reachable by the facilitators who may bring it back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort, share_cohort
from assessment.db import create_cohort, transaction
from assessment.db.tables import AuditEntry
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.services import Actor
from assessment.services import cohorts as service
from tests.corpus import snapshot
from tests.storage.cli_helpers import run, url


@pytest.fixture
def cohorts(engine: Engine) -> dict[str, int]:
    """Alice's own cohort (shared with Bob), Bob's own, and a team-wide one."""
    with transaction(engine) as session:
        alice = create_facilitator(
            session=session, email="alice@nhs.net", password="alice passphrase", actor="t"
        )
        bob = create_facilitator(session=session, email="bob@nhs.net", password="bob's passphrase", actor="t")
        mine = create_own_cohort(session=session, facilitator_id=alice, name="Alice's cohort")
        share_cohort(session=session, facilitator_id=alice, cohort_id=mine, email="bob@nhs.net")
        bobs = create_own_cohort(session=session, facilitator_id=bob, name="Bob's cohort")
        team = create_cohort(session=session, name="Team cohort")
    return {"alice": alice, "bob": bob, "mine": mine, "bobs": bobs, "team": team}


def names(cohort_list: list[service.CohortSummary]) -> set[str]:
    return {c.name for c in cohort_list}


def audit_trail(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)
            .where(AuditEntry.action.like("cohort.%archived"))
            .order_by(AuditEntry.id)
        ).all()
    return [(actor, action, target) for actor, action, target in rows]


def test_the_owner_archives_and_unarchives_a_cohort_and_both_are_audited(
    engine: Engine, cohorts: dict[str, int]
) -> None:
    alice = Actor.facilitator(cohorts["alice"])
    service.archive(engine=engine, actor=alice, cohort_id=cohorts["mine"])
    assert "Alice's cohort" not in names(service.visible_cohorts(engine=engine, actor=alice))
    assert names(service.archived_cohorts(engine=engine, actor=alice)) == {"Alice's cohort"}
    service.unarchive(engine=engine, actor=alice, cohort_id=cohorts["mine"])
    assert "Alice's cohort" in names(service.visible_cohorts(engine=engine, actor=alice))
    assert service.archived_cohorts(engine=engine, actor=alice) == []
    actor = f"facilitator:{cohorts['alice']}"
    assert audit_trail(engine) == [
        (actor, "cohort.archived", "Alice's cohort"),
        (actor, "cohort.unarchived", "Alice's cohort"),
    ]


def test_archiving_twice_or_unarchiving_a_cohort_in_use_writes_nothing(
    engine: Engine, cohorts: dict[str, int]
) -> None:
    alice = Actor.facilitator(cohorts["alice"])
    before = snapshot(engine)
    assert service.unarchive(engine=engine, actor=alice, cohort_id=cohorts["mine"]) is False
    assert snapshot(engine) == before
    assert service.archive(engine=engine, actor=alice, cohort_id=cohorts["mine"]) is True
    archived = snapshot(engine)
    assert service.archive(engine=engine, actor=alice, cohort_id=cohorts["mine"]) is False  # a second click
    assert snapshot(engine) == archived


def test_only_the_owner_may_unarchive_and_others_learn_nothing(
    engine: Engine, cohorts: dict[str, int]
) -> None:
    service.archive(engine=engine, actor=Actor.facilitator(cohorts["alice"]), cohort_id=cohorts["mine"])
    service.archive(engine=engine, actor=Actor.facilitator(cohorts["bob"]), cohort_id=cohorts["bobs"])
    before = snapshot(engine)
    bob, alice = Actor.facilitator(cohorts["bob"]), Actor.facilitator(cohorts["alice"])
    with pytest.raises(Forbidden, match="only the cohort's owner"):
        service.unarchive(engine=engine, actor=bob, cohort_id=cohorts["mine"])  # shared with him, not his
    with pytest.raises(NotFound, match="has not been shared with you"):
        service.unarchive(engine=engine, actor=alice, cohort_id=cohorts["bobs"])
    assert snapshot(engine) == before
    # Bob sees his own archived cohort to bring back; Alice's shared one is not his to manage.
    assert names(service.archived_cohorts(engine=engine, actor=bob)) == {"Bob's cohort"}


def test_a_team_wide_cohort_is_unarchived_only_by_the_operator(
    engine: Engine, cohorts: dict[str, int]
) -> None:
    operator = Actor.operator()
    service.archive(engine=engine, actor=operator, cohort_id=cohorts["team"])
    alice = Actor.facilitator(cohorts["alice"])
    assert "Team cohort" in names(service.archived_cohorts(engine=engine, actor=alice))
    before = snapshot(engine)
    with pytest.raises(Invalid, match="only the operator can unarchive it, with `cohort unarchive`"):
        service.unarchive(engine=engine, actor=alice, cohort_id=cohorts["team"])
    assert snapshot(engine) == before
    service.unarchive(engine=engine, actor=operator, cohort_id=cohorts["team"])
    assert "Team cohort" in names(service.visible_cohorts(engine=engine, actor=alice))
    assert audit_trail(engine)[-1] == ("cli", "cohort.unarchived", "Team cohort")


def test_the_command_line_archives_and_unarchives_by_name(
    engine: Engine, cohorts: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db = url(engine)
    assert run(capsys, "cohort", "archive", "Team cohort", "--db", db)[:2] == (
        0,
        "cohort 'Team cohort' archived: hidden from the pages, nothing deleted\n",
    )
    code, out, _ = run(capsys, "cohort", "unarchive", "Team cohort", "--db", db)
    assert (code, out) == (0, "cohort 'Team cohort' unarchived: shown on the pages again\n")
    code, out, _ = run(capsys, "cohort", "unarchive", "Team cohort", "--db", db)
    assert (code, out) == (0, "cohort 'Team cohort' was not archived: nothing changed\n")
    before = snapshot(engine)
    code, _, err = run(capsys, "cohort", "unarchive", "No such cohort", "--db", db)
    assert code == 2 and "there is no cohort called 'No such cohort'" in err
    assert snapshot(engine) == before
    assert [(actor, action) for actor, action, _ in audit_trail(engine)] == [
        ("cli", "cohort.archived"),
        ("cli", "cohort.unarchived"),
    ]
