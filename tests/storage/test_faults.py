"""Faults below the app: a database that goes away, refuses writes or fills up; migrations started
by several processes at once; a question bank edited between two rounds. In each, nothing that
was acknowledged is lost, nothing is half-written, and the error says what is wrong.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    participant_answers,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
    workshop_info,
    write_refused,
)
from assessment.db.tables import Base
from assessment.errors import Refused
from assessment.framework import QuestionBank, parse_bank
from assessment.migrate import current_revision, head_revision, upgrade_database
from assessment.results import score_stored_workshop
from tests.conftest import PROJECT_ROOT
from tests.storage.conftest import SHIPPED_BANK_TEXT, _fresh_postgres
from tests.storage.counts import table_counts
from tests.tcp_proxy import TcpProxy

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how", "shared-purpose-community-voice"]


def _participant(engine: Engine, workshop_id: int) -> tuple[int, QuestionBank]:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="vcse")
    return person.id, bank


def _save(engine: Engine, person: int, bank: QuestionBank, item_id: str, current: int) -> None:
    with transaction(engine) as session:
        answer = Answer(item_id=item_id, current=current, target=4)
        save_answer(session=session, participant_id=person, answer=answer, bank=bank)


def _levels(engine: Engine, person: int) -> dict[str, int | None]:
    with transaction(engine) as session:
        return {
            item: a.current for item, a in participant_answers(session=session, participant_id=person).items()
        }


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


def _workshop(engine: Engine, bank_text: str = SHIPPED_BANK_TEXT, title: str = "Round one") -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=f"Cohort {uuid.uuid4().hex[:6]}")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=bank_text)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 3, 1),
        )
    return workshop.id


@pytest.fixture
def postgres() -> Iterator[Engine]:
    """A fresh PostgreSQL database at the current schema (skip, or fail under
    ICS_REQUIRE_POSTGRES, without PostgreSQL: the rule of tests/storage/conftest.py)."""
    for engine in _fresh_postgres():
        upgrade_database(engine)
        yield engine


# --- the database goes away for a few seconds ---------------------------------------------------


def test_saves_while_the_database_is_cut_off_fail_as_retryable_and_all_land_once_it_is_back(
    postgres: Engine,
) -> None:
    person, bank = _participant(postgres, _workshop(postgres))
    url = postgres.url
    with TcpProxy(url.host or "localhost", url.port or 5432) as proxy:
        app = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        try:
            _save(app, person, bank, ITEMS[0], 1)  # the pool now holds a live connection
            proxy.cut()
            kept = [(ITEMS[1], 2), (ITEMS[2], 3)]
            for item_id, level in kept:
                with pytest.raises(DBAPIError) as failed:
                    _save(app, person, bank, item_id, level)
                # Not a refusal: this is the kind the app keeps and retries by itself.
                assert write_refused(failed.value) is None
            time.sleep(2)  # an outage of a few seconds, not one lost packet
            with pytest.raises(DBAPIError):
                _save(app, person, bank, ITEMS[1], 2)
            proxy.restore()
            for item_id, level in kept:  # the retries: the pool replaces its dead connections
                _save(app, person, bank, item_id, level)
            assert proxy.refused >= 3  # the outage was really felt, connection by connection
        finally:
            app.dispose()
    assert _levels(postgres, person) == {ITEMS[0]: 1, ITEMS[1]: 2, ITEMS[2]: 3}
    with transaction(postgres) as session:
        rows = session.execute(
            text("SELECT count(*) FROM responses WHERE participant_id = :p"), {"p": person}
        )
        assert rows.scalar_one() == 3  # each exactly once


# --- a read-only database, a full disk ------------------------------------------------------------


@contextmanager
def _read_only_engine(engine: Engine) -> Iterator[Engine]:
    """The same database, opened so that it can be read but not written.

    SQLite: the file opened read-only (file permissions would not stop root, who runs CI).
    PostgreSQL: a login role granted only SELECT, as an operator might set up for reporting.
    """
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        reader = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        try:
            yield reader
        finally:
            reader.dispose()
        return
    role, password = f"ics_reader_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    database = engine.url.database
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    reader = make_engine(
        engine.url.set(username=role, password=password).render_as_string(hide_password=False)
    )
    try:
        yield reader
    finally:
        reader.dispose()
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))


def _integrity(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        return "ok"  # PostgreSQL's own transactions: checked below by the data being unchanged
    with engine.connect() as connection:
        return str(connection.execute(text("PRAGMA integrity_check")).scalar_one())


def test_a_read_only_database_refuses_an_answer_with_a_clear_reason_and_keeps_its_data(
    engine: Engine, workshop_id: int
) -> None:
    person, bank = _participant(engine, workshop_id)
    _save(engine, person, bank, ITEMS[0], 2)
    before = _counts(engine)
    with _read_only_engine(engine) as reader:
        assert _levels(reader, person) == {ITEMS[0]: 2}  # reading still works
        with pytest.raises(DBAPIError) as refused, transaction(reader) as session:
            # Two writes in one transaction: neither may land.
            save_answer(
                session=session,
                participant_id=person,
                answer=Answer(item_id=ITEMS[0], current=4, target=4),
                bank=bank,
            )
            save_answer(
                session=session,
                participant_id=person,
                answer=Answer(item_id=ITEMS[1], current=1, target=2),
                bank=bank,
            )
    reason = write_refused(refused.value)
    assert reason == ("read-only" if engine.dialect.name == "sqlite" else "permission denied")
    assert _counts(engine) == before
    assert _levels(engine, person) == {ITEMS[0]: 2}
    assert _integrity(engine) == "ok"
    _save(engine, person, bank, ITEMS[1], 3)  # and the writable database still takes answers
    assert _levels(engine, person) == {ITEMS[0]: 2, ITEMS[1]: 3}


def test_a_full_disk_refuses_a_batch_of_answers_whole_with_a_clear_reason_and_no_corruption(
    tmp_path: Path,
) -> None:
    # SQLite's max_page_count makes the file "full" at a chosen size, as a full disk would: the
    # same SQLITE_FULL error. (A full disk under PostgreSQL cannot be staged on a shared cluster.)
    url = f"sqlite:///{tmp_path / 'full.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    workshop = _workshop(engine)
    person, bank = _participant(engine, workshop)
    _save(engine, person, bank, ITEMS[0], 2)
    with engine.connect() as connection:
        pages = int(connection.execute(text("PRAGMA page_count")).scalar_one())
    before = _counts(engine)

    full = make_engine(url)

    @event.listens_for(full, "connect")
    def _cap(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
        cursor.close()

    with pytest.raises(DBAPIError) as refused, transaction(full) as session:
        for _ in range(40):  # many long answers: far more than two more pages
            someone = add_participant(session=session, workshop_id=workshop, sector="vcse")
            for item_id in ITEMS:
                answer = Answer(item_id=item_id, current=1, target=2, comment="x" * 1000)
                save_answer(session=session, participant_id=someone.id, answer=answer, bank=bank)
    full.dispose()
    assert write_refused(refused.value) == "full"
    assert "full" in str(refused.value)
    assert _counts(engine) == before  # the whole batch rolled back, not the first half of it
    assert _integrity(engine) == "ok"
    _save(engine, person, bank, ITEMS[1], 3)  # space again: answers are taken
    assert _levels(engine, person) == {ITEMS[0]: 2, ITEMS[1]: 3}
    engine.dispose()


def test_an_unreachable_database_is_not_mistaken_for_a_refusal() -> None:
    # The app retries on its own only what is not a refusal; a refusal waits for a person.
    nowhere = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(DBAPIError) as failed, nowhere.connect():
        pass
    assert write_refused(failed.value) is None
    assert write_refused(ValueError("not a database error")) is None


# --- migrations ------------------------------------------------------------------------------------

MIGRATE_WHEN_TOLD = """
import sys
from assessment.migrate import upgrade_database
from assessment.db import make_engine
engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
upgrade_database(engine)
print("migrated", flush=True)
"""


def test_three_processes_migrating_one_empty_database_at_once_all_succeed(empty_engine: Engine) -> None:
    # Two app servers and the CLI starting together on a new database: before the migration
    # lock, all but one failed ("table ... already exists", "duplicate key ... pg_type").
    url = empty_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_WHEN_TOLD, url],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for process in processes:  # every one has imported and is waiting
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:  # then all are told at once
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    failures = [
        # The error's own line, not SQLAlchemy's "Background on this error" link after it.
        [line for line in err.strip().splitlines() if "Error" in line][-1:]
        for (_, err), p in zip(results, processes, strict=True)
        if p.returncode
    ]
    assert failures == []
    assert [out.strip() for out, _ in results] == ["migrated"] * 3
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        versions = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
    assert versions == 1


def test_a_migration_run_again_on_a_database_in_use_changes_no_answer(
    engine: Engine, workshop_id: int
) -> None:
    person, bank = _participant(engine, workshop_id)
    _save(engine, person, bank, ITEMS[0], 3)
    before = _counts(engine)
    upgrade_database(engine)
    upgrade_database(engine)
    assert _counts(engine) == before
    assert _levels(engine, person) == {ITEMS[0]: 3}
    assert current_revision(engine) == head_revision()


# --- a bank edited between rounds ----------------------------------------------------------------

NEW_ITEM = "shared-purpose-outcomes-tracked"
DROPPED_ITEM = "shared-purpose-decision-test"
REWORDED_ITEM = "shared-purpose-stated"
REWORDED_TEXT = "Every partner has signed a written purpose built around what local people need."


def _edited_bank() -> str:
    """The shipped bank, version 1.1.0: one item reworded, one removed, one added."""
    document = yaml.safe_load(SHIPPED_BANK_TEXT)
    document["version"] = "1.1.0"
    domain = next(d for d in document["domains"] if d["id"] == "shared-purpose")
    stated = next(i for i in domain["items"] if i["id"] == REWORDED_ITEM)
    stated["text"] = REWORDED_TEXT
    domain["items"] = [i for i in domain["items"] if i["id"] != DROPPED_ITEM]
    added = copy.deepcopy(stated)  # a copy, or the dump would share it through a YAML alias
    added.update(id=NEW_ITEM, text="Partners track a few outcomes tied to the purpose.")
    domain["items"].append(added)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def test_a_bank_edited_between_rounds_leaves_the_old_round_its_questions_and_gives_the_new_round_the_edit(
    engine: Engine,
) -> None:
    first = _workshop(engine, title="Round one")
    people = []
    for _ in range(3):  # three respondents, so the round's figures are shown, not withheld
        person, old_bank = _participant(engine, first)
        with transaction(engine) as session:
            for item_id in (REWORDED_ITEM, DROPPED_ITEM):
                answer = Answer(item_id=item_id, current=2, target=3)
                save_answer(session=session, participant_id=person, answer=answer, bank=old_bank)
            submit_participant(session=session, participant_id=person)
        people.append(person)
    before = score_stored_workshop_items(engine, first)

    edited = _edited_bank()
    second = _workshop(engine, bank_text=edited, title="Round two")

    old, new = _bank_of(engine, first), _bank_of(engine, second)
    assert (old.version, new.version) == ("1.0.0", "1.1.0")
    # The first round keeps the words its people answered, and its dropped item.
    assert old.item(REWORDED_ITEM).text != REWORDED_TEXT and old.item(DROPPED_ITEM)
    with pytest.raises(KeyError):
        old.item(NEW_ITEM)
    assert new.item(REWORDED_ITEM).text == REWORDED_TEXT and new.item(NEW_ITEM)
    with pytest.raises(KeyError):
        new.item(DROPPED_ITEM)
    # Its answers and figures are untouched by the edit.
    assert score_stored_workshop_items(engine, first) == before
    assert before[DROPPED_ITEM] == 2.0
    # Each round takes answers to its own questions only.
    latecomer, bank_seen = _participant(engine, first)
    with pytest.raises(Refused, match=NEW_ITEM), transaction(engine) as session:
        save_answer(
            session=session,
            participant_id=latecomer,
            answer=Answer(item_id=NEW_ITEM, current=1, target=2),
            bank=bank_seen,
        )
    newcomer, bank_seen = _participant(engine, second)
    assert bank_seen.version == "1.1.0"
    _save(engine, newcomer, bank_seen, NEW_ITEM, 1)
    with pytest.raises(Refused, match=DROPPED_ITEM):
        _save(engine, newcomer, bank_seen, DROPPED_ITEM, 1)
    assert _levels(engine, newcomer) == {NEW_ITEM: 1}


def _bank_of(engine: Engine, workshop_id: int) -> QuestionBank:
    with transaction(engine) as session:
        version = workshop_info(session=session, workshop_id=workshop_id).bank_version_id
        return bank_for_version(session=session, bank_version_id=version)


def score_stored_workshop_items(engine: Engine, workshop_id: int) -> dict[str, float]:
    """Each answered item's median current level, scored from the stored round as the results
    page scores it."""
    with transaction(engine) as session:
        items = score_stored_workshop(session=session, workshop_id=workshop_id).scores.items
    answered = items.loc[items["n"] > 0]
    return {
        str(item): float(level) for item, level in zip(answered["item_id"], answered["current"], strict=True)
    }


def test_storing_the_same_bank_text_twice_reuses_one_version(engine: Engine) -> None:
    with transaction(engine) as session:
        first = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        again = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        edited = store_bank_version(session=session, yaml_text=_edited_bank())
    assert first == again != edited
    assert parse_bank(_edited_bank()).version == "1.1.0"
