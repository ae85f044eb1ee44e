"""Backing up a database to a file and restoring it, on SQLite and on PostgreSQL.

SQLite: Python's ``sqlite3`` online backup API (``Connection.backup``), a consistent copy even
while the app is writing; the backup is one self-contained SQLite file. PostgreSQL: the server's
own tools, ``pg_dump --format=custom`` and ``pg_restore`` (from the postgresql-client package,
the server's major version or newer), which this module runs.

A backup is written to a temporary file beside the one named, then renamed: a backup that stops
half-way never leaves a file that looks whole. A restore first checks the file is a backup of
this application (it holds the migrations table, at a schema revision this code knows) and
refuses to replace a database that holds anything unless forced; afterwards the restored
database is upgraded to this code's schema, so an older backup can be restored into a newer
version of the app.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, inspect, select, table
from sqlalchemy.engine import URL

from assessment.errors import Invalid
from assessment.migrate import MIGRATIONS, current_revision, head_revision, upgrade_database
from assessment.settings import child_environment

VERSION_TABLE = "alembic_version"
CLIENT_HINT = (
    "install the PostgreSQL client tools (on Debian or Ubuntu: sudo apt-get install postgresql-client), "
    "of the database server's major version or newer"
)
TOOL_SECONDS = 3600


class OperationRefused(Invalid):
    """A backup or restore that would be wrong, or cannot be done; nothing was changed."""


@dataclass(frozen=True)
class Done:
    """What a backup or a restore did: the file, and the schema revision it holds."""

    path: Path
    revision: str
    tool: str


def _known_revisions() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _check_revision(revision: str | None, source: Path) -> str:
    if revision is None:
        raise OperationRefused(
            f"{source} is not a backup of ICS Readiness: it has no {VERSION_TABLE} table; nothing was changed"
        )
    if revision not in _known_revisions():
        raise OperationRefused(
            f"{source} was made by a newer version of ICS Readiness (schema revision {revision}; this "
            f"version knows up to {head_revision()}): restore it with that version; nothing was changed"
        )
    return revision


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise OperationRefused("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise OperationRefused(
            f"{target} already exists: name a new file, so that no earlier backup is overwritten"
        )
    if not target.parent.is_dir():
        raise OperationRefused(f"the folder {target.parent} does not exist: create it, or name another file")


def _rows_held(engine: Engine) -> dict[str, int]:
    """Each of the database's tables that holds rows, and how many (the migrations table aside)."""
    names = [name for name in inspect(engine).get_table_names() if name != VERSION_TABLE]
    held = {}
    with engine.connect() as connection:
        for name in names:
            count = connection.scalar(select(func.count()).select_from(table(name)))
            if count:
                held[name] = int(count)
    return held


def _refuse_unless_empty(engine: Engine, *, force: bool, shown: str) -> None:
    if force:
        return
    held = _rows_held(engine)
    if held:
        sample = ", ".join(f"{count} rows in {name}" for name, count in sorted(held.items())[:3])
        raise OperationRefused(
            f"the database at {shown} is not empty ({sample}{', ...' if len(held) > 3 else ''}): "
            "restoring would replace everything in it; add --force to replace it; nothing was changed"
        )


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# --- SQLite --------------------------------------------------------------------------------------


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    if not has_table:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _sqlite_backup(engine: Engine, target: Path) -> Done:
    source = _sqlite_path(engine)
    if not source.exists():
        raise OperationRefused(f"there is no database at {source}: nothing to back up")
    revision = current_revision(engine)
    if revision is None:
        raise OperationRefused(f"the database at {source} has no ICS Readiness tables: nothing to back up")
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    try:
        with sqlite3.connect(source, timeout=30) as reading, sqlite3.connect(partial) as writing:
            reading.backup(writing)
            # One self-contained file: no -wal beside it to forget when the backup is copied away.
            writing.execute("PRAGMA journal_mode=DELETE")
        reading.close()
        writing.close()
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return Done(target, revision, "SQLite online backup")


def _sqlite_restore(engine: Engine, source: Path, *, force: bool) -> Done:
    target = _sqlite_path(engine)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        found = _sqlite_revision(backup)
    except sqlite3.DatabaseError as exc:
        raise OperationRefused(
            f"{source} is not a backup of ICS Readiness: it is not a SQLite database ({exc}); "
            "nothing was changed"
        ) from None
    finally:
        backup.close()
    revision = _check_revision(found, source)
    if target.exists():
        _refuse_unless_empty(engine, force=force, shown=str(target))
    engine.dispose()
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as reading,
        sqlite3.connect(target, timeout=30) as writing,
    ):
        reading.backup(writing)
    reading.close()
    writing.close()
    return Done(source, revision, "SQLite online backup")


# --- PostgreSQL ----------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OperationRefused(f"{name} is not installed, and a PostgreSQL database needs it: {CLIENT_HINT}")
    return found


def _libpq_environment(url: URL) -> dict[str, str]:
    """The connection as libpq's environment, so the password never shows in a process list."""
    given = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        value = url.query.get(option)
        given[variable] = value if isinstance(value, str) else None
    return child_environment({key: str(value) for key, value in given.items() if value})


def _run(command: list[str], *, env: dict[str, str], what: str) -> str:
    try:
        finished = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TOOL_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OperationRefused(f"{what} failed: {exc}") from None
    if finished.returncode != 0:
        said = [line for line in finished.stderr.strip().splitlines() if line.strip()]
        reason = said[-1] if said else f"exit status {finished.returncode}"
        raise OperationRefused(f"{what} failed: {reason}")
    return finished.stdout


def _postgres_backup(engine: Engine, target: Path) -> Done:
    pg_dump = _tool("pg_dump")
    revision = current_revision(engine)
    if revision is None:
        raise OperationRefused(
            f"the database at {_shown(engine)} has no ICS Readiness tables: nothing to back up"
        )
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(handle)
    try:
        _run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
            env=_libpq_environment(engine.url),
            what="pg_dump",
        )
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return Done(target, revision, "pg_dump --format=custom")


_COPY_REVISION = re.compile(rf"^COPY \S*{VERSION_TABLE} \(version_num\) FROM stdin;\n([^\n\\]+)\n", re.M)


def _postgres_restore(engine: Engine, source: Path, *, force: bool) -> Done:
    pg_restore = _tool("pg_restore")
    env = _libpq_environment(engine.url)
    try:
        listing = _run([pg_restore, "--list", str(source)], env=env, what=f"reading {source}")
    except OperationRefused:
        raise OperationRefused(
            f"{source} is not a backup of ICS Readiness: pg_restore cannot read it (a backup of a "
            "PostgreSQL database is made by `python -m assessment backup` with pg_dump --format=custom); "
            "nothing was changed"
        ) from None
    revision: str | None = None
    if re.search(rf"\bTABLE DATA \S+ {VERSION_TABLE}\b", listing):
        versions = _run(
            [pg_restore, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(source)],
            env=env,
            what=f"reading {source}",
        )
        found = _COPY_REVISION.search(versions)
        revision = found.group(1) if found else None
    revision = _check_revision(revision, source)
    _refuse_unless_empty(engine, force=force, shown=_shown(engine))
    # Every table goes first, so that a backup of an older schema lands in an empty database and
    # is then upgraded, rather than meeting tables of a newer one.
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    engine.dispose()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={env['PGDATABASE']}",
            str(source),
        ],
        env=env,
        what="pg_restore",
    )
    return Done(source, revision, "pg_restore")


# --- the two operations --------------------------------------------------------------------------


def backup_database(*, engine: Engine, target: Path) -> Done:
    """Copy the whole database to ``target``, a new file."""
    _refuse_existing(target)
    if engine.dialect.name == "sqlite":
        return _sqlite_backup(engine, target)
    return _postgres_backup(engine, target)


def restore_database(*, engine: Engine, source: Path, force: bool) -> Done:
    """Replace the database with the backup in ``source``, then upgrade it to this code's schema."""
    if not source.is_file():
        raise OperationRefused(f"{source}: no such file")
    if engine.dialect.name == "sqlite":
        done = _sqlite_restore(engine, source, force=force)
    else:
        done = _postgres_restore(engine, source, force=force)
    upgrade_database(engine)
    return done
