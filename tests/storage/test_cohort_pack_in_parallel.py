"""The cohort pack typesets its PDFs in a pool of processes sized to the machine's cores, and
still yields them one by one, in the partnerships' order, with the progress bar moving before
each: the same files, the same text, as made one at a time in the caller's process."""

from __future__ import annotations

import importlib.machinery
import io
import sys
import types
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment import report
from assessment.db import create_cohort, create_partnership, transaction
from assessment.report import cohort_pack, workshop_summary_pdf
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


def test_the_pool_starts_its_workers_in_a_way_safe_beside_a_server_s_threads() -> None:
    assert report.pack_pool_context().get_start_method() in {"spawn", "forkserver"}


def test_workers_are_forked_from_a_server_that_has_the_typesetter_loaded_already() -> None:
    """Each worker would otherwise import the report's modules and WeasyPrint itself, seconds of
    two cores at the start of every pack."""
    context = report.pack_pool_context()
    if context.get_start_method() != "forkserver":
        pytest.skip("this system has no forkserver: workers are spawned, each loading the typesetter")
    from multiprocessing import forkserver

    assert {"assessment.report", "weasyprint"} <= set(forkserver._forkserver._preload_modules)


@pytest.fixture
def main_run_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``__main__`` a worker need not re-run, as under `python -m` (the CLI): earlier AppTests in
    this process leave a page as ``__main__``, as a Streamlit server does."""
    main = types.ModuleType("__main__")
    main.__spec__ = importlib.machinery.ModuleSpec("assessment.__main__", None)
    monkeypatch.setitem(sys.modules, "__main__", main)


def test_no_pool_starts_where_a_worker_would_re_run_a_page_as_its_main(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = types.ModuleType("__main__")
    page.__file__ = "views/cohorts.py"  # as a Streamlit server's __main__ while a page runs
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    assert not report.workers_can_start()
    assert report.pack_workers(None, files=43) == 1
    assert report.pack_workers(2, files=43) == 1


@pytest.mark.usefixtures("main_run_by_name")
def test_the_pack_is_the_same_made_by_a_pool_as_made_one_at_a_time(
    engine: Engine, cohort: tuple[int, list[int]]
) -> None:
    cohort_id, workshops = cohort
    seen: list[tuple[int, int, str]] = []
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


@pytest.mark.usefixtures("main_run_by_name")
def test_the_pool_is_sized_to_the_cores_and_never_larger_than_the_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    assert report.pack_workers(None, files=43) == 2
    assert report.pack_workers(None, files=1) == 1
    monkeypatch.setattr(report.os, "cpu_count", lambda: None)
    assert report.pack_workers(None, files=43) == 1
    assert report.pack_workers(3, files=43) == 3


@pytest.mark.usefixtures("main_run_by_name")
def test_a_small_pack_is_typeset_without_a_pool_unless_workers_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a pool's start costs more than it saves on a few PDFs (bench/report.py, 4 partnerships)
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    assert report.pack_workers(None, files=report.POOL_FROM_FILES - 1) == 1
    assert report.pack_workers(None, files=report.POOL_FROM_FILES) == 2
    assert report.pack_workers(2, files=3) == 2
