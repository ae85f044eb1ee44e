"""Time of the board PDF: one summary cold and warm, the demo cohort pack, a 42-partnership pack.

Run: .venv/bin/python bench/report.py [--small] [--partnerships N] [--one-process-too] [--json FILE]
[--against REF]
Targets (issue 18): warm summary under 1.0 s, cold (first in a process: imports, the chart
browser's start, fonts) under 4 s, the 42-partnership pack under 30 s on 2 cores. All on
SQLite, charts drawn.

The cold figure is measured in a fresh Python process, from before `assessment.report` is
imported to the PDF's bytes. Two warm figures, each the median of later summaries in one
process: the same summary again (its charts, and in versions that keep typeset PDFs the PDF
itself, may come from memory), and "fresh", where the exporter forgets its drawn charts and the
process its typeset PDFs first, so every chart is drawn and the PDF typeset as for a summary not
made before. Then the reveal: 30 participants (5 with --small) pressing Download at once. The
42-partnership cohort has 2 rounds of 20 respondents each (so every summary has a trend page;
``--partnerships N`` sets another size). The packs are made as
the CLI and the page make them, from this script run from a file (so its ``__main__`` is a file,
as a Streamlit page is): with a pool of typesetting processes from 8 files.
``--json FILE`` writes the figures as {name: seconds}; ``--against REF`` measures REF's code too,
in the same run, and prints each figure with its ratio to REF's (bench/versions.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from assessment.db import cohort_id, make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database
from bench.cohorts import build
from bench.common import machine
from bench.versions import add_options, code_root, side_by_side_if_asked, write_figures

COLD = """
import sys, time
start = time.perf_counter()
from assessment.report import workshop_summary_pdf
from assessment.db import make_engine, transaction
with transaction(make_engine(sys.argv[1])) as session:
    pdf = workshop_summary_pdf(session=session, workshop_id=int(sys.argv[2]))
print(time.perf_counter() - start, len(pdf.content), pdf.charts_problem or "")
"""


def demo_database() -> tuple[str, int, int]:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-report-')) / 'demo.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    summary = load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
        cohort = cohort_id(session=session, name=summary.cohort)
    engine.dispose()
    assert latest is not None
    return url, latest, cohort


def cold(url: str, workshop_id: int) -> float:
    root = code_root()  # the app measured: this tree, or the --against version
    done = subprocess.run(
        [sys.executable, "-c", COLD, url, str(workshop_id)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    seconds, size, problem = ([*done.stdout.strip().split(" ", 2), ""])[:3]
    if problem:
        raise SystemExit(f"charts were not drawn: {problem}")
    print(f"  cold summary: {float(seconds):.2f} s ({int(size) // 1024} KiB)")
    return float(seconds)


def warm(engine: Any, workshop_id: int, runs: int, *, forget: Callable[[], None] | None) -> list[float]:
    """Seconds for each of ``runs`` summaries after a first that is not counted; ``forget`` (if
    given) is called before each, outside the timing."""
    from assessment.report import workshop_summary_pdf

    times = []
    for run in range(runs + 1):  # the first may be the process's cold one: not counted as warm
        if forget:
            forget()
        with transaction(engine) as session:
            start = time.perf_counter()
            pdf = workshop_summary_pdf(session=session, workshop_id=workshop_id)
            seconds = time.perf_counter() - start
        if pdf.charts_problem:
            raise SystemExit(f"charts were not drawn: {pdf.charts_problem}")
        if run:
            times.append(seconds)
    return times


def at_once(url: str, workshop_id: int, callers: int) -> float:
    """Seconds from ``callers`` participants pressing Download on a revealed round's summary at the
    same moment (threads, as a server's sessions are) to the last PDF; the summary made once before."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from assessment.services.results import summary_pdf

    engine = make_engine(url)
    summary_pdf(engine=engine, actor=None, workshop_id=workshop_id)
    start = threading.Barrier(callers)

    def press(_: int) -> int:
        start.wait()
        return len(summary_pdf(engine=engine, actor=None, workshop_id=workshop_id).content)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=callers) as room:
        sizes = set(room.map(press, range(callers)))
    seconds = time.perf_counter() - began
    engine.dispose()
    assert len(sizes) == 1
    print(f"  {callers} participants pressing Download at once: the last PDF after {seconds:.2f} s")
    return seconds


def forgetting(exporter: Any) -> Callable[[], None] | None:
    """What makes the next summary as if never made in this process: its charts undrawn and
    its PDF not typeset; None for a version that keeps neither."""
    from assessment import report

    forget_drawn = getattr(exporter, "forget_drawn", None)
    forget_typeset = getattr(getattr(report, "render_pdf", None), "cache_clear", None)
    if forget_drawn is None:
        return None

    def forget() -> None:
        forget_drawn()
        if forget_typeset is not None:
            forget_typeset()

    return forget


def pack(url: str, cohort: int, label: str, *, workers: int | None = None) -> tuple[float, int]:
    """Seconds for a pack made as the page makes it (``workers``: as many processes as asked; by
    default the pool the page would use), nothing of it drawn or typeset before in this process."""
    from assessment import report
    from assessment.chart_export import shared_exporter
    from assessment.report import cohort_pack

    forget = forgetting(shared_exporter())
    if forget:
        forget()
    engine = make_engine(url)
    start = time.perf_counter()
    with transaction(engine) as session:
        files = list(cohort_pack(session=session, cohort_id=cohort, workers=workers))
    seconds = time.perf_counter() - start
    engine.dispose()
    used = workers or _workers_used(report, len(files))
    typeset = f"a pool of {used} typesetting processes" if used > 1 else "typeset in this process"
    print(f"  {label}: {len(files)} PDFs in {seconds:.1f} s ({seconds / len(files):.2f} s each; {typeset})")
    return seconds, len(files)


def _workers_used(report: Any, files: int) -> int:
    """How many typesetting processes the measured version used for a pack of ``files`` here."""
    if not hasattr(report, "pack_workers"):
        return 1
    can_start = getattr(report, "workers_can_start", None)  # versions that refused a file __main__
    return 1 if can_start is not None and not can_start() else int(report.pack_workers(None, files=files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="one cold run, 3 warm, a 4-partnership pack")
    parser.add_argument(
        "--partnerships",
        type=int,
        metavar="N",
        help="partnerships in the big pack (default 42; 4 with --small)",
    )
    parser.add_argument(
        "--one-process-too",
        action="store_true",
        help="make the big pack again typeset in one process, to weigh the pool against it",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here, in seconds")
    add_options(parser, json_option=False)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    colds, warms, partnerships = (1, 3, 4) if args.small else (3, 7, 42)
    partnerships = args.partnerships or partnerships
    print(f"machine: {machine()}")
    url, workshop_id, demo_cohort = demo_database()

    cold_times = [cold(url, workshop_id) for _ in range(colds)]

    from assessment.chart_export import shared_exporter

    engine = make_engine(url)
    exporter = shared_exporter()
    times = warm(engine, workshop_id, warms, forget=None)
    print(f"  warm summary, the same again: median {statistics.median(times):.2f} s, best {min(times):.2f} s")
    # Older versions kept no drawn charts: every summary was fresh there. A fresh summary is
    # typeset afresh too (versions that keep typeset PDFs forget them as well).
    forget = forgetting(exporter)
    fresh = warm(engine, workshop_id, warms, forget=forget) if forget else times
    print(
        f"  warm summary, charts drawn afresh: median {statistics.median(fresh):.2f} s, "
        f"best {min(fresh):.2f} s"
    )
    engine.dispose()
    callers = 5 if args.small else 30
    together = at_once(url, workshop_id, callers)
    demo_seconds, _files = pack(url, demo_cohort, "demo cohort pack")

    big_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-report-pack-')) / 'pack.db'}"
    big_cohort, _ = build(big_url, partnerships=partnerships, rounds=2, respondents=20)
    seconds, _files = pack(big_url, big_cohort, f"{partnerships}-partnership pack")
    alone = None
    if args.one_process_too:
        alone, _files = pack(big_url, big_cohort, f"{partnerships}-partnership pack, one process", workers=1)
    shared_exporter().close()
    figures = {
        "cold summary median (s)": statistics.median(cold_times),
        "warm summary median (s)": statistics.median(times),
        "warm summary, charts afresh, median (s)": statistics.median(fresh),
        f"{callers} asking at once, the last (s)": together,
        "demo cohort pack (s)": demo_seconds,
        f"{partnerships}-partnership pack (s)": seconds,
    }
    if alone is not None:
        figures[f"{partnerships}-partnership pack, one process (s)"] = alone
    print(
        f"summary: cold median {statistics.median(cold_times):.2f} s (target < 4), warm median "
        f"{statistics.median(times):.2f} s, fresh {statistics.median(fresh):.2f} s "
        f"(target < 1.0), {partnerships}-partnership pack {seconds:.1f} s (target < 30 for 42)"
    )
    write_figures(args.json, {name: round(value, 3) for name, value in figures.items()})


if __name__ == "__main__":
    main()
