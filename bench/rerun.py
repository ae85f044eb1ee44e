"""What one rerun of the answering page costs on the server, and where that time goes.

Run: .venv/bin/python bench/rerun.py [--small] [--postgres] [--busy N] [--against REF]
  --postgres: a database in the PostgreSQL of the PG* environment (e.g. under
  `pg_virtualenv -t -- ...`); otherwise SQLite in a temporary file.
  --busy N: the same reruns again while N processes keep cores busy (a room's other sessions,
  roughly), so the cost is recorded idle and under load.

Issue 18 asks what a rerun does beyond the answer's own save. Each rerun is the walkthrough page
of a participant halfway through the largest step, run through the app's frame (AppTest), as a
browser's click reruns it. Per rerun: the wall time; the SQL statements sent and the time inside
the database driver; whether the question bank was parsed (``load_bank``/``parse_bank`` calls) or
came from the cache; the elements drawn. Then a cProfile of the reruns, its time split by where
the code lives (Streamlit, the app, SQLAlchemy and the driver, pydantic, other).
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    make_engine,
    save_answer,
    transaction,
    workshop_info,
)
from assessment.framework import MaturityItem
from assessment.migrate import upgrade_database
from bench.common import machine, percentile, scratch_database
from bench.versions import add_options, code_root, side_by_side_if_asked, write_figures
from tests.app.conftest import make_workshop

ROOT = code_root()  # the app measured: this tree, or the --against version


class Statements:
    """Every SQL statement any engine sends, and the time spent in the driver for it."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.kinds: Counter[str] = Counter()
        self._started: list[float] = []

    def before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += 1
        self.kinds[statement.lstrip().split(None, 1)[0].upper()] += 1
        self._started.append(time.perf_counter())

    def after(self, *_args: Any) -> None:
        if self._started:
            self.seconds += time.perf_counter() - self._started.pop()


@contextmanager
def counting_statements() -> Iterator[Statements]:
    statements = Statements()
    event.listen(Engine, "before_cursor_execute", statements.before)
    event.listen(Engine, "after_cursor_execute", statements.after)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", statements.before)
        event.remove(Engine, "after_cursor_execute", statements.after)


def _spin(stop: Any) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextmanager
def busy_cores(processes: int) -> Iterator[None]:
    """``processes`` processes spinning on the CPU until the block ends."""
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=5)


def prepare(url: str) -> tuple[str, int, int]:
    """An open workshop; a participant who has answered the first half of the largest step's
    maturity questions. Returns (resume token, step number, questions on that step)."""
    engine = make_engine(url)
    upgrade_database(engine)
    workshop = make_workshop(engine, name="Rerun partnership")
    with transaction(engine) as session:
        person = add_participant(session=session, workshop_id=workshop.id, sector="nhs-trust")
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
    sizes = [len(bank.domain(domain_id).items) for domain_id in info.domains]
    step = sizes.index(max(sizes)) + 1
    items = [item for item in bank.domain(info.domains[step - 1]).items if isinstance(item, MaturityItem)]
    with transaction(engine) as session:
        for item in items[: len(items) // 2]:
            save_answer(
                session=session,
                participant_id=person.id,
                bank=bank,
                answer=Answer(item_id=item.id, current=2, target=3),
            )
    engine.dispose()
    return person.resume_token, step, max(sizes)


def elements_drawn(at: AppTest) -> int:
    """How many elements the rerun drew (every node of the page's tree)."""
    count, stack = 0, list(at.main.children.values())
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(getattr(node, "children", {}).values())
    return count


def rerun_figures(at: AppTest, reruns: int) -> dict[str, float]:
    times, statement_counts, driver_ms = [], [], []
    with counting_statements() as statements:
        for _ in range(reruns):
            before_count, before_seconds = statements.count, statements.seconds
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            statement_counts.append(statements.count - before_count)
            driver_ms.append((statements.seconds - before_seconds) * 1000)
    assert not at.exception, at.exception
    return {
        "rerun median (ms)": statistics.median(times) * 1000,
        "rerun p95 (ms)": percentile(times, 0.95) * 1000,
        "SQL statements per rerun": statistics.median(statement_counts),
        "time in the database driver per rerun (ms)": statistics.median(driver_ms),
    }


AREAS = (
    ("streamlit", "Streamlit (widgets, page, protobufs)"),
    ("sqlalchemy", "SQLAlchemy"),
    ("psycopg", "the database driver"),
    ("sqlite3", "the database driver"),
    ("pydantic", "pydantic"),
    ("/assessment/", "the app: assessment"),
    ("/ui/", "the app: ui"),
    ("/views/", "the app: views"),
)


def profile_split(at: AppTest, reruns: int) -> tuple[dict[str, float], list[str], int]:
    """Own time per area over ``reruns`` reruns, as a share; the ten costliest functions of the
    app by cumulative time; and how many times the bank was parsed."""
    # AppTest runs the page in a thread of its own: profile every thread started meanwhile.
    profilers: list[cProfile.Profile] = []

    def profile_this_thread(*_args: object) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()  # replaces this hook for the rest of the thread

    threading.setprofile(profile_this_thread)
    try:
        for _ in range(reruns):
            at.run()
    finally:
        threading.setprofile(None)
    stats = pstats.Stats(*profilers)
    own: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    parsed = 0
    app_functions = []
    for (filename, _line, name), (_calls, primitive, own_time, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        area = next((label for marker, label in AREAS if marker in filename), "other (Python, pandas, …)")
        own[area] += own_time
        by_function[f"{Path(filename).name}:{name}"] += own_time
        if name in ("load_bank", "parse_bank") and filename.endswith("framework.py"):
            parsed += primitive
        if any(marker in filename for marker in ("/assessment/", "/ui/", "/views/")):
            app_functions.append((cumulative, f"{Path(filename).parent.name}/{Path(filename).name}:{name}"))
    # AppTest compiles each page script on every run; a server compiles it once and keeps it
    # (Streamlit's ScriptCache), so this part of the profile is the harness's, not a room's.
    compiling = sum(
        seconds
        for where, seconds in by_function.items()
        if where.startswith(("ast.py:", "magic.py:")) or where.endswith("builtins.compile>")
    )
    own["compiling the page scripts (AppTest only: a server compiles them once)"] = compiling
    own["other (Python, pandas, …)"] -= compiling
    total = sum(own.values()) or 1.0
    shares = {area: seconds / total for area, seconds in own.most_common()}
    top = [
        f"{seconds / reruns * 1000:6.1f} ms  {where}" for seconds, where in sorted(app_functions)[-10:][::-1]
    ]
    top.append("and the costliest functions by their own time, anywhere:")
    top += [f"{seconds / reruns * 1000:6.1f} ms  {where}" for where, seconds in by_function.most_common(8)]
    return shares, top, parsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="10 reruns, for the CI smoke run")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL from the PG* environment")
    parser.add_argument("--busy", type=int, default=0, help="also rerun while N processes keep cores busy")
    add_options(parser)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    reruns = 10 if args.small else 60

    with scratch_database(args.postgres) as url:
        measure(args, url, reruns)


def measure(args: argparse.Namespace, url: str, reruns: int) -> None:
    token, step, questions = prepare(url)

    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/answer.py")
    at.query_params["token"] = token
    at.query_params["step"] = str(step)
    at.run()
    assert not at.exception, at.exception
    at.run()  # caches warm, as in a room after the first minute

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"machine: {machine()}, {backend}; the answering page, step {step} ({questions} questions)")
    figures = {f"idle: {name}": value for name, value in rerun_figures(at, reruns).items()}
    figures["elements drawn per rerun"] = elements_drawn(at)
    shares, top, parsed = profile_split(at, reruns)
    figures["bank parsed per rerun"] = parsed / reruns
    if args.busy:
        with busy_cores(args.busy):
            time.sleep(0.5)
            figures.update(
                {
                    f"{args.busy} cores busy: {name}": value
                    for name, value in rerun_figures(at, reruns).items()
                }
            )

    for name, value in figures.items():
        print(f"  {name}: {value:.1f}")
    print(f"  where a rerun's own time goes (cProfile over {reruns} reruns, its overhead included):")
    for area, share in shares.items():
        print(f"    {share:5.1%}  {area}")
    print("  the app's costliest functions, cumulative per rerun (under the profiler):")
    for line in top:
        print(f"    {line}")
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
