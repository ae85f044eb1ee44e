"""Every storage test runs on SQLite and on a real PostgreSQL, each test on a fresh database.

PostgreSQL comes from the PG* environment that `pg_virtualenv` sets (make test runs pytest
inside it). Without it the PostgreSQL cases skip, unless ICS_REQUIRE_POSTGRES=1 (set by make
test and CI), where they fail: the PostgreSQL tier must really run there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from assessment.migrate import upgrade_database
from assessment.store import (
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    store_bank_version,
    transaction,
)
from tests.conftest import PROJECT_ROOT

BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> URL | None:
    if not os.environ.get("PGHOST"):
        return None
    return URL.create(
        "postgresql+psycopg",
        username=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD"),
        host=os.environ["PGHOST"],
        port=int(os.environ.get("PGPORT", "5432")),
        database=os.environ.get("PGDATABASE", "postgres"),
    )


def _fresh_postgres() -> Iterator[Engine]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        message = "no PostgreSQL (PGHOST unset): run under `make test`, which starts one with pg_virtualenv"
        if os.environ.get("ICS_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    name = f"ics_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield engine
        engine.dispose()
    else:
        yield from _fresh_postgres()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A database at the current schema."""
    upgrade_database(empty_engine)
    return empty_engine


SHIPPED_BANK_TEXT = (PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8")


@pytest.fixture
def workshop_id(engine: Engine) -> int:
    """One workshop of one place partnership, on the shipped bank, all domains."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        bank_version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=bank_version,
            title="Round one",
            held_on=date(2026, 3, 1),
            round_label="R1",
        )
    return workshop.id
