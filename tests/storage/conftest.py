"""Every storage test runs on SQLite and on a real PostgreSQL, each test on a fresh database.

PostgreSQL comes from the PG* environment that `pg_virtualenv` sets (make test runs pytest
inside it). Without it the PostgreSQL cases skip, unless ICS_REQUIRE_POSTGRES=1 (set by make
test and CI), where they fail: the PostgreSQL tier must really run there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import URL

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
)
from assessment.db.tables import AuditEntry
from assessment.migrate import upgrade_database
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
NEXT_BANK_TEXT = SHIPPED_BANK_TEXT.replace('version: "1.0.0"', 'version: "1.1.0"', 1)
Levels = Sequence[tuple[int, int] | None]  # per respondent: (current, target), or None for don't know


def add_round(
    engine: Engine,
    *,
    partnership: int,
    label: str,
    held_on: date,
    answers: dict[str, Levels],
    bank_text: str = SHIPPED_BANK_TEXT,
    domains: list[str] | None = None,
) -> int:
    """A round where respondent i gives answers[item][i]; returns the workshop's id."""
    people = {len(levels) for levels in answers.values()}
    assert len(people) == 1
    with transaction(engine) as session:
        version = store_bank_version(session=session, yaml_text=bank_text)
        bank = bank_for_version(session=session, bank_version_id=version)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=f"Readiness workshop {label}",
            held_on=held_on,
            round_label=label,
            domains=domains,
        )
        sectors = ["nhs-trust", "local-authority", "vcse"]
        for index in range(people.pop()):
            person = add_participant(session=session, workshop_id=workshop.id, sector=sectors[index % 3])
            for item_id, levels in answers.items():
                given = levels[index]
                answer = (
                    Answer(item_id=item_id, dont_know=True)
                    if given is None
                    else Answer(item_id=item_id, current=given[0], target=given[1])
                )
                save_answer(
                    session=session,
                    participant_id=person.id,
                    answer=answer,
                    bank=bank,
                    domains=list(workshop.domains),
                )
            submit_participant(session=session, participant_id=person.id)
    return workshop.id


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


def audit_entries(engine: Engine, action: str) -> list[AuditEntry]:
    """The audit log's entries for ``action``, oldest first."""
    with transaction(engine) as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


@dataclass(frozen=True)
class Facilitators:
    """Facilitator accounts, and workshops in cohorts they own, in the test's database."""

    engine: Engine

    def account(self, email: str) -> int:
        """A new facilitator account; its id."""
        with transaction(self.engine) as session:
            return create_facilitator(
                session=session, email=email, password="a sound passphrase for tests", actor="t"
            )

    def workshop(self, owner: int, *, cohort: str, partnership: str, title: str = "Round one") -> int:
        """A workshop on the shipped bank, held on 1 March 2026, of a new place partnership in a new
        cohort that only ``owner`` may see; its id."""
        with transaction(self.engine) as session:
            cohort_id = create_cohort(session=session, name=cohort, owner_id=owner)
            partnership_id = create_partnership(
                session=session, cohort_id=cohort_id, name=partnership, kind="place"
            )
            version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
            return create_workshop(
                session=session,
                partnership_id=partnership_id,
                bank_version_id=version,
                title=title,
                held_on=date(2026, 3, 1),
            ).id


@pytest.fixture
def facilitators(engine: Engine) -> Facilitators:
    """Makes facilitator accounts and their private workshops (the permission tests' setup)."""
    return Facilitators(engine)
