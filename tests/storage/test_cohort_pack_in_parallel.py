"""The cohort pack, asked to, typesets its PDFs in a pool of processes, and still yields them one by
one, in the partnerships' order, with the progress bar moving before each: the same files, the
same text, as made one at a time in the caller's process (which is what the page and the command
do: a pool costs more than it saves now a summary typesets in a tenth of a second)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment import report, typesetter
from assessment.db import create_cohort, create_partnership, transaction
from assessment.report import cohort_pack, workshop_summary_pdf
from tests.pdf_text import small_document
from tests.storage.conftest import add_round

# The first and last share a file name (and a date): the second gets "-2".
NAMES = ["Alder place", "Birch place", "Cedar place", "Alder place!"]


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def cohort(engine: Engine) -> tuple[int, list[int]]:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="South cohort")
        partnerships = [
            create_partnership(session=session, cohort_id=cohort, name=name, kind="place") for name in NAMES
        ]
    item = "shared-purpose-stated"
    workshops = [
        add_round(
            engine,
            partnership=partnership,
            label="Round 1",
            held_on=date(2026, 5, 1 + index % 3),
            answers={item: [(1 + index % 3, 3), (2, 3), (2, 4)]},
        )
        for index, partnership in enumerate(partnerships)
    ]
    return cohort, workshops


def command_line_of(pid: int) -> list[bytes]:
    """The process's arguments, once the kernel has set them. `Popen` returns when the exec has
    begun, but Linux fills in the new arguments a moment later: on a busy machine the file read
    at once was empty in 376 of 400 tries (official CI failed on it once)."""
    deadline = time.monotonic() + 30
    while not (command := Path(f"/proc/{pid}/cmdline").read_bytes()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return command.split(b"\0")


def test_the_pool_s_workers_are_this_package_s_module_run_by_name_and_end_with_the_pool() -> None:
    """Started by name, a worker runs nothing of the parent's ``__main__`` (a page, a script); and
    started with exec at once, it is safe beside a web server's threads, unlike a fork."""
    with report.TypesettingPool(2) as pool:
        commands = [command_line_of(pid) for pid in pool.pids]
        processes = list(pool._processes)
    assert all(command[1:4] == [b"-P", b"-m", b"assessment.typesetter"] for command in commands)
    assert all(process.returncode == 0 for process in processes)


def test_a_worker_started_beside_another_checkout_imports_this_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool started from a folder that holds another ``assessment`` (an older checkout, as a
    benchmark measuring two versions has) still runs this package's typesetter: the parent's
    working directory is not put first on the worker's path."""
    other = tmp_path / "assessment"
    other.mkdir()
    (other / "__init__.py").write_text('raise ImportError("the other checkout was imported")\n')
    monkeypatch.chdir(tmp_path)
    with report.TypesettingPool(1) as pool:
        assert pool.submit(small_document("Beside another"), "A title").result(timeout=60).startswith(b"%PDF")


def test_a_worker_s_failure_is_told_and_the_pool_carries_on() -> None:
    with report.TypesettingPool(1) as pool:
        broken = pool.submit("not a document", "A title")
        with pytest.raises(typesetter.TypesettingFailed, match="could not be typeset"):
            broken.result(timeout=60)
        assert pool.submit(small_document("Still here"), "A title").result(timeout=60).startswith(b"%PDF")


def test_jobs_do_not_wait_for_ever_on_a_worker_that_died() -> None:
    with report.TypesettingPool(1) as pool:
        for process in pool._processes:
            process.kill()
            process.wait()
        with pytest.raises(typesetter.TypesettingFailed, match="stopped"):
            pool.submit(small_document("Hello"), "A title").result(timeout=60)


def test_when_every_worker_dies_at_once_no_queued_job_waits_for_ever() -> None:
    """Both processes die together with jobs queued: each job ends, typeset or failed in words. (Each
    feeder once asked whether the other was alive, and two dying together could each see the other
    alive and leave the queue to nobody.) Repeated, since the two deaths race."""
    for _ in range(5):
        with report.TypesettingPool(2) as pool:
            jobs = [pool.submit(small_document(f"Page {n}"), "A title") for n in range(6)]
            for process in pool._processes:
                process.kill()
            for job in jobs:
                try:
                    assert job.result(timeout=60).startswith(b"%PDF")
                except typesetter.TypesettingFailed as failed:
                    assert "stopped" in str(failed)
            with pytest.raises(typesetter.TypesettingFailed, match="every typesetting process stopped"):
                pool.submit("<p>After</p>", "A title").result(timeout=60)


def test_the_pack_is_the_same_made_by_a_pool_as_made_one_at_a_time(
    engine: Engine, cohort: tuple[int, list[int]]
) -> None:
    cohort_id, workshops = cohort
    seen: list[tuple[int, int, str]] = []
    report.render_pdf.cache_clear()  # else the pool would be handed nothing: all typeset before
    with transaction(engine) as session:
        pooled = list(
            cohort_pack(
                session=session,
                cohort_id=cohort_id,
                charts=False,
                workers=2,
                progress=lambda done, total, what: seen.append((done, total, what)),
            )
        )
        alone = list(cohort_pack(session=session, cohort_id=cohort_id, charts=False, workers=1))
        singles = [
            workshop_summary_pdf(session=session, workshop_id=w, charts=False).content for w in workshops
        ]
    assert [f.filename for f in pooled] == [f.filename for f in alone]
    assert [f.filename for f in pooled] == [
        "alder-place-2026-05-01-summary.pdf",
        "alder-place-2026-05-01-summary-2.pdf",
        "birch-place-2026-05-02-summary.pdf",
        "cedar-place-2026-05-03-summary.pdf",
        "cohort-overview.pdf",
    ]
    assert [text_of(f.content) for f in pooled] == [text_of(f.content) for f in alone]
    in_cohort_order = [singles[0], singles[3], singles[1], singles[2]]
    assert [text_of(f.content) for f in pooled[:-1]] == [text_of(pdf) for pdf in in_cohort_order]
    assert seen == [
        (0, 5, "Alder place"),
        (1, 5, "Alder place!"),
        (2, 5, "Birch place"),
        (3, 5, "Cedar place"),
        (4, 5, "cohort overview"),
        (5, 5, "done"),
    ]


def test_a_summary_downloaded_before_is_not_typeset_again_in_the_pack(
    engine: Engine, cohort: tuple[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cohort_id, workshops = cohort
    report.render_pdf.cache_clear()
    handed: list[str] = []
    submit = typesetter.TypesettingPool.submit

    def counted(pool: typesetter.TypesettingPool, document: str, title: str) -> object:
        handed.append(title)
        return submit(pool, document, title)

    monkeypatch.setattr(typesetter.TypesettingPool, "submit", counted)
    with transaction(engine) as session:
        downloaded = workshop_summary_pdf(session=session, workshop_id=workshops[1], charts=False)
        pack = list(cohort_pack(session=session, cohort_id=cohort_id, charts=False, workers=2))
    assert len(handed) == len(pack) - 1 == 4
    birch = next(f for f in pack if f.filename.startswith("birch"))
    assert birch.content == downloaded.content
    assert not any("Birch" in title for title in handed)


def test_a_pack_is_typeset_in_this_process_unless_workers_are_asked_for_and_never_more_than_files() -> None:
    # a pool's start costs more than typesetting in this process saves (bench/report.py)
    assert report.pack_workers(None, files=43) == 1
    assert report.pack_workers(3, files=43) == 3
    assert report.pack_workers(2, files=1) == 1
    assert report.pack_workers(0, files=5) == 1


# A script run from a file, as bench/report.py is and as a Streamlit server runs each page as
# ``__main__``: run again anywhere but as the main program (as a multiprocessing worker would, to
# prepare itself), it leaves a mark and fails.
SCRIPT_RUN_FROM_A_FILE = """
import json, sys
if __name__ != "__main__":
    open(sys.argv[2], "a").write("run again as " + __name__ + "\\n")
    raise SystemExit("a page was run again in a worker")
sys.path.insert(0, sys.argv[3])
from assessment import report, typesetter
from assessment.db import cohort_id, make_engine, transaction
from assessment.demo import load_demo
from assessment.migrate import upgrade_database

started = []
class Counted(typesetter.TypesettingPool):
    def __init__(self, size):
        super().__init__(size)
        started.append(self.pids)
report.TypesettingPool = Counted

engine = make_engine(sys.argv[1])
upgrade_database(engine)
summary = load_demo(engine=engine)
with transaction(engine) as session:
    cohort = cohort_id(session=session, name=summary.cohort)
    pooled = list(report.cohort_pack(session=session, cohort_id=cohort, charts=False, workers=2))
    alone = list(report.cohort_pack(session=session, cohort_id=cohort, charts=False, workers=1))
json.dump({
    "workers": report.pack_workers(2, files=len(pooled)),
    "pools": started,
    "pooled": [[f.filename, f.content.hex()] for f in pooled],
    "alone": [[f.filename, f.content.hex()] for f in alone],
}, sys.stdout)
"""


def test_a_pool_starts_from_a_script_run_from_a_file_and_never_runs_that_script_again(
    tmp_path: Path,
) -> None:
    script = tmp_path / "page.py"
    script.write_text(SCRIPT_RUN_FROM_A_FILE, encoding="utf-8")
    marks = tmp_path / "run-again.txt"
    root = str(Path(report.__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, str(script), f"sqlite:///{tmp_path / 'pack.db'}", str(marks), root],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not marks.exists(), marks.read_text()
    made = json.loads(done.stdout)
    assert made["workers"] == 2
    assert len(made["pools"]) == 1 and len(made["pools"][0]) == 2
    assert [name for name, _ in made["pooled"]] == [name for name, _ in made["alone"]]
    assert [text_of(bytes.fromhex(pdf)) for _, pdf in made["pooled"]] == [
        text_of(bytes.fromhex(pdf)) for _, pdf in made["alone"]
    ]
