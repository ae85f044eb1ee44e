"""`backup` and `restore` on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore).

Back up, change, restore: the figures are back. A restore refuses a file that is not a backup of
this app, and a database that holds anything unless --force; a backup never overwrites a file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assessment.db import create_cohort, create_partnership, make_engine, transaction
from assessment.migrate import head_revision, upgrade_database
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import _fresh_postgres, add_round
from tests.storage.counts import table_counts


@pytest.fixture
def other_database(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A second, empty database on the same backend as ``engine``."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
        yield other
        other.dispose()
    else:
        yield from _fresh_postgres()


def demo_figures(engine: Engine, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, int], list[object]]:
    """Every table's row count, and every workshop's figures as `scores --json` prints them."""
    code, out, err = run(capsys, "workshop", "list", "--json", "--db", url(engine))
    assert code == 0, err
    figures = []
    for workshop in json.loads(out):
        code, out, err = run(
            capsys, "scores", "--workshop", workshop["join_code"], "--json", "--db", url(engine)
        )
        assert code == 0, err
        figures.append(json.loads(out))
    with transaction(engine) as session:
        return table_counts(session=session), figures


def with_rounds(engine: Engine, name: str = "Eastvale ICS") -> None:
    """A partnership with two scored rounds."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=f"{name} cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name=name, kind="ics")
    add_round(
        engine,
        partnership=partnership,
        label="R1",
        held_on=date(2026, 1, 10),
        answers={
            "shared-purpose-stated": [(1, 3), (2, 4), (2, 4)],
            "trust-candid-relationships": [(1, 2), None, (1, 2)],
        },
    )
    add_round(
        engine,
        partnership=partnership,
        label="R2",
        held_on=date(2026, 4, 10),
        answers={"shared-purpose-stated": [(2, 4), (3, 4), (3, 4), (4, 4)]},
    )


def test_back_up_change_restore_and_the_figures_are_back(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_rounds(engine)
    before = demo_figures(engine, capsys)
    backup = tmp_path / "ics.backup"
    code, out, err = run(capsys, "backup", str(backup), "--db", url(engine))
    assert code == 0, err
    assert backup.is_file() and f"(schema {head_revision()})" in out
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []

    # a change after the backup: another partnership's rounds, a new cohort
    with_rounds(engine, "Westvale ICS")
    run(capsys, "cohort", "create", "Made after the backup", "--db", url(engine))
    assert demo_figures(engine, capsys) != before

    code, out, err = run(capsys, "restore", str(backup), "--db", url(engine))
    assert code == 2
    assert "is not empty" in err and "--force" in err
    assert demo_figures(engine, capsys) != before  # refused: nothing changed

    code, out, err = run(capsys, "restore", str(backup), "--force", "--db", url(engine))
    assert code == 0, err
    assert out.startswith("restored ")
    assert demo_figures(engine, capsys) == before


def test_a_backup_restores_into_a_new_empty_database_without_force(
    engine: Engine, other_database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_rounds(engine)
    backup = tmp_path / "ics.backup"
    assert run(capsys, "backup", str(backup), "--db", url(engine))[0] == 0
    upgrade_database(other_database)  # `init` was run there: tables, but no rows
    code, _, err = run(capsys, "restore", str(backup), "--db", url(other_database))
    assert code == 0, err
    assert demo_figures(other_database, capsys) == demo_figures(engine, capsys)


def test_a_backup_of_an_older_schema_is_restored_then_upgraded(
    empty_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_database(empty_engine, revision="0007")  # a database of the version before the re-rate round
    with empty_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO cohorts (name, archived, created_at) VALUES ('Kept', false, CURRENT_TIMESTAMP)"
        )
    backup = tmp_path / "old.backup"
    code, out, err = run(capsys, "backup", str(backup), "--db", url(empty_engine))  # backed up as it is
    assert code == 0, err
    assert "(schema 0007)" in out
    code, out, err = run(capsys, "restore", str(backup), "--force", "--db", url(empty_engine))
    assert code == 0, err
    assert f"(schema 0007, now {head_revision()})" in out
    code, out, _ = run(capsys, "cohort", "show", "Kept", "--db", url(empty_engine))
    assert code == 0 and out.startswith("Kept: ")


def test_a_backup_never_overwrites_a_file(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = tmp_path / "earlier.backup"
    earlier.write_bytes(b"an earlier backup")
    code, _, err = run(capsys, "backup", str(earlier), "--db", url(engine))
    assert code == 2
    assert "already exists" in err
    assert earlier.read_bytes() == b"an earlier backup"


def test_a_file_that_is_not_a_backup_of_this_app_is_refused_and_nothing_changes(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_rounds(engine)
    before = demo_figures(engine, capsys)
    stranger = tmp_path / "stranger.db"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.close()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello", encoding="utf-8")
    for wrong in (stranger, text_file, tmp_path / "missing.backup"):
        code, _, err = run(capsys, "restore", str(wrong), "--force", "--db", url(engine))
        assert code == 2, wrong
        assert str(wrong) in err
        assert "not a backup of ICS Readiness" in err or "no such file" in err
    assert demo_figures(engine, capsys) == before


def test_a_backup_made_by_a_newer_version_is_refused(
    engine: Engine, other_database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    backup = tmp_path / "newer.backup"
    assert run(capsys, "backup", str(backup), "--db", url(engine))[0] == 0
    code, _, err = run(capsys, "restore", str(backup), "--db", url(other_database))
    assert code == 2
    assert "newer version" in err and "9999" in err


def test_postgresql_without_pg_dump_or_pg_restore_says_what_to_install_and_sqlite_needs_neither(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "ics.backup"
    assert run(capsys, "backup", str(backup), "--db", url(engine))[0] == 0
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore, nothing else either
    code, out, err = run(capsys, "backup", str(tmp_path / "second.backup"), "--db", url(engine))
    restored, _, restore_err = run(capsys, "restore", str(backup), "--force", "--db", url(engine))
    if engine.dialect.name == "sqlite":
        assert (code, restored) == (0, 0), err + restore_err
        assert "SQLite online backup" in out
        return
    assert code == 2
    assert "pg_dump is not installed" in err and "postgresql-client" in err
    assert restored == 2
    assert "pg_restore is not installed" in restore_err
