"""The smaller holes of the adversarial review, each shut on SQLite and PostgreSQL: team-wide
cohorts cannot be taken by one facilitator, the command line keeps names within their columns,
and the raw export of an anonymous workshop leaves out what identifies people."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import Engine, select

from assessment.answers import Answer
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
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    response_rows,
    save_answer,
    store_bank_version,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry, Partnership
from assessment.errors import Refused
from assessment.io import RAW_EXPORT_WARNING, export_workshop, import_workshop
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
        pytest.raises(Refused, match=r"team-wide cohort.*only the operator"),
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


def test_the_operator_renames_archives_and_empties_a_team_wide_cohort_from_the_command_line(
    engine: Engine, team: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db = url(engine)
    assert run(capsys, "partnership", "move", "Riverside ICS", "--to", "Alice's cohort", "--db", db)[0] == 0
    assert run(capsys, "cohort", "rename", "Team cohort", "All facilitators", "--db", db)[0] == 0
    assert run(capsys, "cohort", "archive", "All facilitators", "--db", db)[0] == 0
    with transaction(engine) as session:
        moved = session.get(Partnership, team["partnership"])
        assert moved is not None and moved.cohort_id == team["private"]
        names = {c["name"] for c in visible_cohorts(session=session, facilitator_id=team["bob"])}
        assert "All facilitators" not in names and "Team cohort" not in names  # archived
        done = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")).all()
    assert sorted(done) == ["cohort.archived", "cohort.renamed", "partnership.moved"]


def test_the_operators_rename_keeps_to_the_columns_width(
    engine: Engine, team: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(engine)
    code, _, err = run(capsys, "cohort", "rename", "Team cohort", "N" * 5000, "--db", url(engine))
    assert code == 2 and "must be 1 to 200 characters" in err
    assert snapshot(engine) == before


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


# --- the raw answer export -------------------------------------------------------------------------------

ROLE = "Director of public health"  # one person in the room holds it: with the sector, a name


def answered_workshop(engine: Engine, *, anonymous: bool, title: str = "Round one") -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=f"Export cohort {title} {anonymous}")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        bank = bank_for_version(session=session, bank_version_id=version)
        created = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 3, 1),
            anonymous=anonymous,
        )
        for sector, role, level in (("local-authority", ROLE, 3), ("nhs-trust", "", 2), ("vcse", "", 1)):
            person = add_participant(session=session, workshop_id=created.id, sector=sector, role=role)
            for item, dont_know in (("shared-purpose-stated", False), ("easy-digital", True)):
                answer = (
                    Answer(item_id=item, dont_know=True)
                    if dont_know
                    else Answer(item_id=item, current=level, target=4, comment=f"from {sector}")
                )
                save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
    return created.id


def exported_columns_and_text(engine: Engine, workshop_id: int, fmt: str) -> tuple[list[str], str]:
    with transaction(engine) as session:
        content = export_workshop(session=session, workshop_id=workshop_id, fmt=fmt)
    if fmt == "json":
        rows = json.loads(content)
        return sorted({key for row in rows for key in row}), content.decode("utf-8")
    if fmt == "csv":
        text = content.decode("utf-8-sig")
        return next(csv.reader(io.StringIO(text))), text
    import openpyxl  # type: ignore[import-untyped]

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    cells = [[str(c.value) for c in row] for row in sheet.iter_rows()]
    return cells[0], "\n".join(",".join(row) for row in cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_anonymous_workshops_export_leaves_out_the_role_that_would_identify_people(
    fmt: str, engine: Engine
) -> None:
    columns, text = exported_columns_and_text(engine, answered_workshop(engine, anonymous=True), fmt)
    assert "role" not in columns and ROLE not in text
    assert {"participant", "sector", "item_id", "current", "target"} <= set(columns)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_named_workshops_export_keeps_the_role(fmt: str, engine: Engine) -> None:
    columns, text = exported_columns_and_text(engine, answered_workshop(engine, anonymous=False), fmt)
    assert "role" in columns and ROLE in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_paper_round_trip_of_an_anonymous_workshop_works_without_the_role_column(
    fmt: str, engine: Engine
) -> None:
    source = answered_workshop(engine, anonymous=True)
    with transaction(engine) as session:
        content = export_workshop(session=session, workshop_id=source, fmt=fmt)
    fresh = _empty_like(engine, source)  # the workshop the paper answers are typed into
    summary = import_workshop(engine=engine, workshop_id=fresh, content=content, filename=f"answers.{fmt}")
    assert (summary.participants, summary.answers) == (3, 6)

    def answers(workshop_id: int) -> list[tuple[object, ...]]:
        with transaction(engine) as session:
            rows = response_rows(session=session, workshop_id=workshop_id)
            return sorted(
                (r.label, r.sector, r.item_id, r.current, r.target, bool(r.dont_know), r.comment)
                for r in rows
            )

    assert answers(fresh) == answers(source)


def _empty_like(engine: Engine, workshop_id: int) -> int:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        return create_workshop(
            session=session,
            partnership_id=info.partnership_id,
            bank_version_id=info.bank_version_id,
            title="Empty, for the import",
            held_on=info.held_on,
        ).id


def test_the_export_command_warns_on_stderr_that_the_file_holds_individual_answers(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    workshop_id = answered_workshop(engine, anonymous=True)
    with transaction(engine) as session:
        code = workshop_info(session=session, workshop_id=workshop_id).join_code
    exit_code, out, err = run(capsys, "export", "--workshop", code, "--format", "json", "--db", url(engine))
    assert exit_code == 0, err
    assert RAW_EXPORT_WARNING in err and "individual answers" in err
    assert "individual answers" not in out  # the file itself holds only the answers
    assert len(json.loads(out)) == 6
