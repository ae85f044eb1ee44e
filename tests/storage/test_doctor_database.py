"""`doctor` on each backend: a current database passes, one behind on migrations or out of reach fails."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment.migrate import head_revision, upgrade_database
from assessment.operations import check_database
from tests.storage.cli_helpers import run, url


def test_a_database_at_the_latest_schema_passes_both_database_checks(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "doctor", "--no-charts", "--db", url(engine))
    assert code == 0, out
    assert out.splitlines()[0].startswith("OK   database: reachable at ")
    assert f"OK   migrations: the schema is at revision {head_revision()}" in out
    assert out.rstrip().endswith("checks passed")


def test_a_database_behind_on_migrations_is_told_to_run_init(empty_engine: Engine) -> None:
    upgrade_database(empty_engine, revision="0007")
    database, migrations = check_database(url(empty_engine))
    assert database.ok
    assert not migrations.ok
    assert "revision 0007, behind" in migrations.words
    assert "`python -m assessment init`" in migrations.words


def test_an_empty_database_is_told_to_run_init(empty_engine: Engine) -> None:
    with empty_engine.connect():  # SQLite makes its file on the first connection
        pass
    checks = check_database(url(empty_engine))
    assert [c.ok for c in checks] == [True, False]
    assert "no tables yet" in checks[1].words


def test_a_database_written_by_a_newer_version_is_told_to_upgrade_the_application(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    _, migrations = check_database(url(engine))
    assert not migrations.ok
    assert "9999" in migrations.words and "upgrade the application" in migrations.words


def test_a_database_out_of_reach_is_reported_with_what_to_check(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        unreachable = "sqlite:////nonexistent-folder/for/sure/app.db"
    else:
        unreachable = engine.url.set(port=1, host="127.0.0.1").render_as_string(hide_password=False)
    checks = check_database(unreachable)
    assert len(checks) == 1 and not checks[0].ok
    assert "DATABASE_URL" in checks[0].words or "init" in checks[0].words
