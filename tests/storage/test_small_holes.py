"""The smaller holes of the adversarial review, each shut on SQLite and PostgreSQL: team-wide
cohorts cannot be taken by one facilitator, the command line keeps names within their columns,
and the raw export of an anonymous workshop leaves out what identifies people."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, select

from assessment.auth import create_facilitator
from assessment.cohort_admin import (
    add_partnership,
    archive_cohort,
    archive_partnership,
    create_own_cohort,
    delete_partnership,
    move_partnership,
    rename_cohort,
    rename_partnership,
    share_cohort,
    visible_cohorts,
)
from assessment.store import (
    Partnership,
    StoreError,
    create_cohort,
    create_partnership,
    create_workshop,
    store_bank_version,
    transaction,
)
from tests.corpus import snapshot
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import SHIPPED_BANK_TEXT

# --- team-wide cohorts -------------------------------------------------------------------------------


@pytest.fixture
def team(engine: Engine) -> dict[str, int]:
    """A team-wide cohort (no owner, as the command line makes it) with a partnership that has a
    workshop, and two facilitators, one with a private cohort of her own."""
    with transaction(engine) as session:
        alice = create_facilitator(
            session=session, email="alice@nhs.net", password="alice passphrase", actor="t"
        )
        bob = create_facilitator(session=session, email="bob@nhs.net", password="bob's passphrase", actor="t")
        cohort = create_cohort(session=session, name="Team cohort")
        other_team = create_cohort(session=session, name="Second team cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Round one",
            held_on=date(2026, 3, 1),
        )
        private = create_own_cohort(session=session, facilitator_id=alice, name="Alice's cohort")
    return {
        "alice": alice,
        "bob": bob,
        "cohort": cohort,
        "other_team": other_team,
        "partnership": partnership,
        "private": private,
    }


TAKINGS = {
    "moving a partnership into a private cohort": lambda s, t: move_partnership(
        session=s, facilitator_id=t["alice"], partnership_id=t["partnership"], cohort_id=t["private"]
    ),
    "renaming the cohort": lambda s, t: rename_cohort(
        session=s, facilitator_id=t["alice"], cohort_id=t["cohort"], name="Alice's now"
    ),
    "archiving the cohort": lambda s, t: archive_cohort(
        session=s, facilitator_id=t["alice"], cohort_id=t["cohort"]
    ),
    "sharing the cohort": lambda s, t: share_cohort(
        session=s, facilitator_id=t["alice"], cohort_id=t["cohort"], email="bob@nhs.net"
    ),
    "archiving a partnership": lambda s, t: archive_partnership(
        session=s, facilitator_id=t["alice"], partnership_id=t["partnership"]
    ),
    "deleting a partnership": lambda s, t: delete_partnership(
        session=s, facilitator_id=t["alice"], partnership_id=t["partnership"], typed_name="Riverside ICS"
    ),
}


@pytest.mark.parametrize("taking", list(TAKINGS))
def test_no_facilitator_can_take_a_team_wide_cohort_or_its_partnerships_from_the_others(
    taking: str, engine: Engine, team: dict[str, int]
) -> None:
    before = snapshot(engine)
    with (
        pytest.raises(StoreError, match=r"team-wide cohort.*only the operator"),
        transaction(engine) as session,
    ):
        TAKINGS[taking](session, team)
    assert snapshot(engine) == before
    with transaction(engine) as session:
        # The other facilitator still sees the cohort and its partnership, as before.
        seen = {c["name"]: c for c in visible_cohorts(session=session, facilitator_id=team["bob"])}
        assert seen["Team cohort"]["partnerships"] == 1


def test_everyone_may_still_add_to_a_team_wide_cohort_correct_names_and_move_between_team_cohorts(
    engine: Engine, team: dict[str, int]
) -> None:
    with transaction(engine) as session:
        added = add_partnership(
            session=session,
            facilitator_id=team["bob"],
            cohort_id=team["cohort"],
            name="Northam",
            kind="place",
        )
        rename_partnership(
            session=session, facilitator_id=team["alice"], partnership_id=added, name="Northam place"
        )
        move_partnership(
            session=session, facilitator_id=team["alice"], partnership_id=added, cohort_id=team["other_team"]
        )
    with transaction(engine) as session:
        moved = session.get(Partnership, added)
        assert moved is not None and (moved.name, moved.cohort_id) == ("Northam place", team["other_team"])


def test_a_private_partnership_may_be_given_to_a_team_wide_cohort(
    engine: Engine, team: dict[str, int]
) -> None:
    with transaction(engine) as session:
        mine = add_partnership(
            session=session,
            facilitator_id=team["alice"],
            cohort_id=team["private"],
            name="Westby",
            kind="ics",
        )
        move_partnership(
            session=session, facilitator_id=team["alice"], partnership_id=mine, cohort_id=team["cohort"]
        )
    with transaction(engine) as session:
        assert session.scalar(select(Partnership.cohort_id).where(Partnership.id == mine)) == team["cohort"]


# --- names from the command line ------------------------------------------------------------------------

LONG = "N" * 5000


@pytest.fixture
def named_place(engine: Engine, capsys: pytest.CaptureFixture[str]) -> str:
    """A cohort and a partnership made from the command line; returns the database URL."""
    db = url(engine)
    assert run(capsys, "cohort", "create", "North", "--db", db)[0] == 0
    assert (
        run(capsys, "partnership", "create", "Northam", "--cohort", "North", "--kind", "ics", "--db", db)[0]
        == 0
    )
    return db


COMMANDS = {
    "cohort name": ("cohort", "create", LONG),
    "partnership name": ("partnership", "create", LONG, "--cohort", "North", "--kind", "place"),
    "workshop title": (
        "workshop",
        "create",
        "--partnership",
        "Northam",
        "--title",
        LONG,
        "--date",
        "2026-04-01",
    ),
    "round label": (
        "workshop",
        "create",
        "--partnership",
        "Northam",
        "--title",
        "Spring",
        "--date",
        "2026-04-01",
        "--round",
        "R" * 81,
    ),
    "name with a NUL": ("cohort", "create", "South\x00east"),
}


@pytest.mark.parametrize("what", list(COMMANDS))
def test_the_cli_refuses_a_name_wider_than_its_column_with_exit_2_and_changes_nothing(
    what: str, engine: Engine, named_place: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(engine)
    code, out, err = run(capsys, *COMMANDS[what], "--db", named_place)
    assert code == 2, (out, err)
    limit = "80" if what == "round label" else "200"
    expected = "NUL character" if "NUL" in what else f"must be 1 to {limit} characters"
    assert expected in err
    assert LONG not in err  # the message says what is wrong without repeating 5,000 characters
    assert snapshot(engine) == before


def test_the_cli_keeps_a_name_of_exactly_the_columns_width(
    engine: Engine, named_place: str, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "T" * 200
    code, out, err = run(
        capsys,
        "workshop",
        "create",
        "--partnership",
        "Northam",
        "--title",
        title,
        "--date",
        "2026-04-01",
        "--db",
        named_place,
    )
    assert code == 0, err
    code, out, _ = run(capsys, "workshop", "list", "--json", "--db", named_place)
    assert [w["title"] for w in json.loads(out)] == [title]
