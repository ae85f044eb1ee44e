"""Storage under load: answer-save latency with concurrent writers, and workshop load + scoring.

Run: .venv/bin/python bench/storage.py [--small] [--pg-url URL]
  or pg_virtualenv -- .venv/bin/python bench/storage.py   (PostgreSQL from the PG* environment)

1. Each writer is one participant saving answers back to back, one transaction per answer
   (``with transaction(engine) as s: save_answer(...)``), as the walkthrough page does. All
   writers start together; every save is timed, from opening the transaction to its commit.
   Afterwards every answer is read back: present exactly once, with the value that was sent.
2. A 60-respondent workshop, every item answered: ``workshop_answers`` then ``score_workshop``,
   median of 20 (what the results page does on each rerun).

Targets: p95 save < 20 ms on SQLite and < 30 ms on PostgreSQL at 32 writers; load + score
< 100 ms. The engines are the app's own (``make_engine``), pools and pragmas included.
PostgreSQL runs in a database this script creates and drops; SQLite in a temporary file.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import URL, make_url

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    database_url,
    make_engine,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
    workshop_answers,
)
from assessment.db.tables import Participant, Response
from assessment.framework import AccountabilityItem, Item, QuestionBank, SpectrumItem
from assessment.migrate import upgrade_database
from assessment.scoring import score_workshop
from bench.versions import code_root
from tests.storage.conftest import postgres_admin_url as postgres_environment_url

ROOT = code_root()  # the app measured: this tree, or the --against version
TARGET_P95_MS = {"sqlite": 20.0, "postgresql": 30.0}
TARGET_LOAD_SCORE_MS = 100.0


@dataclass(frozen=True)
class Size:
    writers: tuple[int, ...]
    answers_per_writer: int
    respondents: int
    repeats: int


FULL = Size(writers=(1, 8, 32), answers_per_writer=50, respondents=60, repeats=20)
SMALL = Size(writers=(1, 4), answers_per_writer=10, respondents=12, repeats=5)


@dataclass(frozen=True)
class SaveResult:
    backend: str
    writers: int
    latencies_ms: np.ndarray
    wall_s: float
    expected: int
    present: int
    duplicates: int
    mismatched: int

    @property
    def verified(self) -> bool:
        return self.present == self.expected and self.duplicates == 0 and self.mismatched == 0


@dataclass(frozen=True)
class LoadResult:
    backend: str
    respondents: int
    rows: int
    load_ms: float
    score_ms: float
    total_ms: float


# --- machine and databases ------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass  # not Linux: the platform's name is the best we have
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def postgres_admin_url(explicit: str | None) -> URL | None:
    if explicit:
        return make_url(database_url(explicit))
    return postgres_environment_url()  # the PG* environment, as the storage tests read it


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="ics-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            upgrade_database(engine)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(admin_url: URL) -> Iterator[Engine]:
    """A database of our own in the cluster, dropped afterwards whatever happens."""
    name = f"ics_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


# --- data -----------------------------------------------------------------------------------------


def random_answer(rng: random.Random, item: Item, bank: QuestionBank) -> Answer:
    if isinstance(item, AccountabilityItem):
        tiers = [t.id for t in item.tiers]
        return Answer(item_id=item.id, tiers={f.id: rng.choice(tiers) for f in item.functions}, confidence=2)
    if rng.random() < 0.04:
        return Answer(item_id=item.id, dont_know=True)
    top = 5 if isinstance(item, SpectrumItem) else bank.max_level
    current = rng.randint(1, top)
    return Answer(
        item_id=item.id, current=current, target=min(top, current + rng.randint(0, 2)), confidence=2
    )


def new_workshop(engine: Engine, title: str) -> tuple[int, int, QuestionBank]:
    yaml_text = (ROOT / "questions.yaml").read_text(encoding="utf-8")
    with transaction(engine) as session:
        cohort_id = create_cohort(session=session, name=f"Bench {title} {uuid.uuid4().hex[:8]}")
        partnership = create_partnership(session=session, cohort_id=cohort_id, name="Bench ICS", kind="ics")
        bank_version = store_bank_version(session=session, yaml_text=yaml_text)
        bank = bank_for_version(session=session, bank_version_id=bank_version)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=bank_version,
            title=title,
            held_on=date(2026, 11, 23),
        )
    return workshop.id, bank_version, bank


# --- 1. concurrent answer saves ------------------------------------------------------------------------


def bench_saves(engine: Engine, backend: str, writers: int, per_writer: int, seed: int) -> SaveResult:
    workshop_id, _, bank = new_workshop(engine, f"saves x{writers}")
    sectors = [s.id for s in bank.sectors]
    # A participant walks the bank in order, so the first answers are the first items.
    items = [item for _, item in bank.iter_items()][:per_writer]
    domains = [d.id for d in bank.domains]
    rng = random.Random(seed)
    with transaction(engine) as session:
        people = [
            add_participant(session=session, workshop_id=workshop_id, sector=sectors[n % len(sectors)]).id
            for n in range(writers)
        ]
    plans = {person: [random_answer(rng, item, bank) for item in items] for person in people}

    latencies: list[list[float]] = [[] for _ in people]
    errors: list[BaseException] = []
    start = threading.Barrier(writers + 1)

    def write(slot: int, person: int) -> None:
        try:
            start.wait()
            for answer in plans[person]:
                began = time.perf_counter()
                with transaction(engine) as session:
                    save_answer(
                        session=session, participant_id=person, answer=answer, bank=bank, domains=domains
                    )
                latencies[slot].append(time.perf_counter() - began)
        except BaseException as exc:  # reported after the run; a silent thread would hide a failure
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(slot, p)) for slot, p in enumerate(people)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} writer(s) failed on {backend}; first: {errors[0]!r}")

    present, duplicates, mismatched = verify(engine, workshop_id, plans)
    return SaveResult(
        backend=backend,
        writers=writers,
        latencies_ms=np.array([t * 1000 for slot in latencies for t in slot]),
        wall_s=wall,
        expected=sum(len(answers) for answers in plans.values()),
        present=present,
        duplicates=duplicates,
        mismatched=mismatched,
    )


def verify(engine: Engine, workshop_id: int, plans: dict[int, list[Answer]]) -> tuple[int, int, int]:
    """(answers found, (participant, item) pairs stored more than once, values that differ)."""
    with transaction(engine) as session:
        rows = session.execute(
            select(
                Response.participant_id,
                Response.item_id,
                Response.current,
                Response.target,
                Response.dont_know,
                Response.tiers,
            )
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.workshop_id == workshop_id)
        ).all()
    stored: dict[tuple[int, str], list[tuple[object, ...]]] = {}
    for participant, item, current, target, dont_know, tiers in rows:
        stored.setdefault((participant, item), []).append((current, target, bool(dont_know), tiers))
    duplicates = sum(1 for values in stored.values() if len(values) > 1)
    present = mismatched = 0
    for person, answers in plans.items():
        for answer in answers:
            values = stored.get((person, answer.item_id))
            if not values:
                continue
            present += 1
            if values[0] != (answer.current, answer.target, answer.dont_know, answer.tiers):
                mismatched += 1
    return present, duplicates, mismatched


# --- 2. workshop load + scoring ------------------------------------------------------------------------


def bench_load_and_score(engine: Engine, backend: str, respondents: int, repeats: int) -> LoadResult:
    workshop_id, _, bank = new_workshop(engine, "load and score")
    sectors = [s.id for s in bank.sectors]
    domains = [d.id for d in bank.domains]
    rng = random.Random(11)
    with transaction(engine) as session:
        for n in range(respondents):
            person = add_participant(
                session=session, workshop_id=workshop_id, sector=sectors[n % len(sectors)]
            )
            for _, item in bank.iter_items():
                save_answer(
                    session=session,
                    participant_id=person.id,
                    answer=random_answer(rng, item, bank),
                    bank=bank,
                )
            submit_participant(session=session, participant_id=person.id)  # only these count

    def once() -> tuple[float, float, int]:
        began = time.perf_counter()
        with transaction(engine) as session:
            answers, tier_answers = workshop_answers(session=session, workshop_id=workshop_id)
        loaded = time.perf_counter()
        score_workshop(answers, bank, tier_answers=tier_answers, domains=domains)
        return loaded - began, time.perf_counter() - loaded, len(answers) + len(tier_answers)

    once()  # warm the statement cache and the pool, as a running app would be
    runs = [once() for _ in range(repeats)]
    return LoadResult(
        backend=backend,
        respondents=respondents,
        rows=runs[0][2],
        load_ms=statistics.median(r[0] for r in runs) * 1000,
        score_ms=statistics.median(r[1] for r in runs) * 1000,
        total_ms=statistics.median(r[0] + r[1] for r in runs) * 1000,
    )


# --- report ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="1 and 4 writers x 10 answers: a CI smoke run")
    parser.add_argument("--pg-url", help="a PostgreSQL server URL (default: the PG* environment)")
    args = parser.parse_args()
    size = SMALL if args.small else FULL

    print(f"machine: {machine()}")
    backends: list[tuple[str, URL | None]] = [("sqlite", None)]
    admin_url = postgres_admin_url(args.pg_url)
    if admin_url is None:
        print("PostgreSQL: not configured (no --pg-url, PGHOST unset): running SQLite only")
    else:
        backends.append(("postgresql", admin_url))

    saves: list[SaveResult] = []
    loads: list[LoadResult] = []
    for backend, url in backends:
        context = sqlite_engine() if url is None else postgres_engine(url)
        with context as engine:
            if backend == "postgresql":
                with engine.connect() as connection:
                    print(f"PostgreSQL: {connection.execute(text('SHOW server_version')).scalar()}")
            for n, writers in enumerate(size.writers):
                saves.append(bench_saves(engine, backend, writers, size.answers_per_writer, seed=n))
            loads.append(bench_load_and_score(engine, backend, size.respondents, size.repeats))

    print()
    print(f"answer saves ({size.answers_per_writer} per writer, one transaction each, all writers at once)")
    header = f"{'backend':<11}{'writers':>8}{'saves':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'saves/s':>9}"
    print(f"{header}  verified")
    for r in saves:
        p50, p95 = np.percentile(r.latencies_ms, [50, 95])
        check = (
            f"yes: {r.present}/{r.expected} present once, values match"
            if r.verified
            else f"NO: {r.present}/{r.expected} present, {r.duplicates} duplicated, {r.mismatched} differ"
        )
        print(
            f"{r.backend:<11}{r.writers:>8}{len(r.latencies_ms):>7}{p50:>9.1f}{p95:>9.1f}"
            f"{r.latencies_ms.max():>9.1f}{len(r.latencies_ms) / r.wall_s:>9.0f}  {check}"
        )
    print()
    print(f"workshop load + score ({size.respondents} respondents, every item; median of {size.repeats})")
    print(f"{'backend':<11}{'rows':>7}{'load ms':>9}{'score ms':>10}{'total ms':>10}")
    for load in loads:
        print(
            f"{load.backend:<11}{load.rows:>7}{load.load_ms:>9.1f}{load.score_ms:>10.1f}{load.total_ms:>10.1f}"
        )

    print()
    if args.small:
        # The targets are stated for 32 writers and 60 respondents; a smoke run cannot judge them.
        print("--small: a smoke run at reduced sizes; the targets are not judged")
    else:
        for r in saves:
            if r.writers == max(size.writers):
                p95 = float(np.percentile(r.latencies_ms, 95))
                target = TARGET_P95_MS[r.backend]
                verdict = "met" if p95 < target else "NOT met"
                print(
                    f"target p95 save < {target:.0f} ms, {r.backend}, {r.writers} writers: "
                    f"{p95:.1f} ms, {verdict}"
                )
        for load in loads:
            verdict = "met" if load.total_ms < TARGET_LOAD_SCORE_MS else "NOT met"
            print(
                f"target load + score < {TARGET_LOAD_SCORE_MS:.0f} ms, {load.backend}: "
                f"{load.total_ms:.1f} ms, {verdict}"
            )
    if not all(r.verified for r in saves):
        sys.exit(1)


if __name__ == "__main__":
    main()
