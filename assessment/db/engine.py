"""The engine and the unit of work: which database, how it is opened, and one transaction per
user action (``with transaction(engine) as session:``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from assessment import settings

CONNECT_TIMEOUT_SECONDS = 5


def database_url(url: str | None = None) -> str:
    """The URL to use: an explicit one, else the settings' database URL, else the SQLite file in
    the data folder."""
    configured = settings.current()
    chosen = url or configured.database_url
    if chosen:
        if chosen.startswith("postgresql://"):
            chosen = "postgresql+psycopg://" + chosen.removeprefix("postgresql://")
        return chosen
    path = configured.default_sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


WAL_SWITCH_SECONDS = 30


def _use_wal(cursor: Any) -> None:
    """Put the database file in WAL mode, once per file, however many processes open it at once.

    Switching needs an exclusive lock, and SQLite reports "database is locked" at once, without
    its busy handler, when another process holds the new file: seen with three processes
    migrating one new database together (tests/storage/test_faults.py), about 1 run in 8. So a
    file already in WAL is left as it is, and the switch is retried briefly.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str | None = None) -> Engine:
    chosen = database_url(url)
    if chosen.startswith("sqlite"):
        engine = create_engine(chosen, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # WAL lets readers run while a participant's answer is written; foreign keys are off
            # by default in SQLite; busy_timeout makes concurrent writers wait, not fail.
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _use_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # A bounded connect: a database host that stops answering (rather than refusing) would
    # otherwise hold a participant's save for the operating system's TCP timeout, minutes.
    given = make_url(chosen).query
    connect_args = {} if "connect_timeout" in given else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(chosen, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


# SQLite primary result codes and PostgreSQL SQLSTATEs for "the database is there but will not
# take this write": read-only, no rights, full.
_SQLITE_REFUSALS = {3: "permission denied", 8: "read-only", 13: "full"}
_POSTGRES_REFUSALS = {
    "42501": "permission denied",
    "25006": "read-only",
    "53100": "full",
}


def write_refused(error: BaseException) -> str | None:
    """Why the database refused a write ("read-only", "full", "permission denied"), or None.

    None means any other database error, chiefly that it could not be reached; that one is worth
    retrying by itself, while a refusal lasts until someone fixes the database.
    """
    cause = getattr(error, "orig", None) or error
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return _SQLITE_REFUSALS.get(sqlite_code & 0xFF)
    sqlstate = getattr(cause, "sqlstate", None)
    return _POSTGRES_REFUSALS.get(sqlstate) if isinstance(sqlstate, str) else None


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back entirely on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
