"""Bring a database to the schema this code expects, through Alembic migrations.

The app and the CLI call ``upgrade_database`` on start: an empty or older database is upgraded;
a database written by newer code is refused, because this code would misread it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number, the same in every process of this application: the key of the PostgreSQL
# advisory lock that lets one process at a time migrate.
MIGRATION_LOCK_KEY = 4_172_026_001


class DatabaseTooNew(Exception):
    """The database has a schema revision this code does not know."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(engine: Engine, *, revision: str = "head") -> None:
    current = current_revision(engine)
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseTooNew(
            f"the database is at schema revision {current}, which this version of ICS Readiness does not "
            f"know (it knows up to {head_revision()}); upgrade the application, or point it at another "
            "database with DATABASE_URL or --db"
        )
    config = _config()
    with engine.begin() as connection:
        _one_at_a_time(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _one_at_a_time(connection: Connection) -> None:
    """Hold a database-wide lock until this migration commits.

    Two app servers (or a server and the CLI) starting together on an empty database would each
    create the tables, and all but one failed ("duplicate key ... pg_type_typname_nsp_index" on
    PostgreSQL, "table ... already exists" on SQLite). With the lock the others wait, then Alembic,
    reading the version inside the same transaction, finds the schema current and does nothing.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only before INSERT/UPDATE/DELETE, so DDL ran outside one:
        # an explicit BEGIN IMMEDIATE takes the write lock now (waiting up to the busy timeout)
        # and makes the whole migration one transaction, as it is on PostgreSQL.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
