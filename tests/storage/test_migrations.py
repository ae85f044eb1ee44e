"""Schema changes go through Alembic: from nothing, from the previous revision, never backwards."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from assessment.cli import main
from assessment.db import transaction
from assessment.db.tables import Base
from assessment.migrate import DatabaseTooNew, current_revision, head_revision, upgrade_database
from tests.storage.counts import table_counts


def test_an_empty_database_is_upgraded_to_the_current_schema(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(inspect(empty_engine).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}


def test_the_migrations_build_exactly_the_tables_the_code_declares(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrading_from_the_previous_revision_keeps_existing_data(empty_engine: Engine) -> None:
    upgrade_database(empty_engine, revision="0001")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cohorts (id, name, archived, created_at) "
                "VALUES (1, 'Old cohort', false, CURRENT_TIMESTAMP)"
            )
        )
    assert "audit_log" not in inspect(empty_engine).get_table_names()
    upgrade_database(empty_engine)
    with transaction(empty_engine) as session:
        counts = table_counts(session=session)
    assert counts["cohorts"] == 1 and counts["audit_log"] == 0
    assert current_revision(empty_engine) == head_revision()


def test_running_the_migrations_twice_changes_nothing(engine: Engine) -> None:
    with transaction(engine) as session:
        before = table_counts(session=session)
    upgrade_database(engine)
    with transaction(engine) as session:
        assert table_counts(session=session) == before
    assert current_revision(engine) == head_revision()


def test_a_database_from_newer_code_is_refused_with_a_clear_message(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseTooNew, match=r"schema revision 9999, which this version .* does not know"):
        upgrade_database(engine)


def test_the_cli_refuses_a_newer_database_with_exit_1_and_no_traceback(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    code = main(["init", "--db", engine.url.render_as_string(hide_password=False)])
    err = capsys.readouterr().err
    assert code == 1
    assert "upgrade the application" in err and "Traceback" not in err
