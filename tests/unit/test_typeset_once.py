"""A PDF is typeset once per document and title in a process: asked again, it comes from memory;
asked by many at once (the reveal, when phones and the facilitator press Download together), one
typesets it and the others wait for that one. Each caller still gets the PDF of its own document."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import report
from tests.pdf_text import small_document

RESULTS = small_document("Riverside: cohort overview")


@pytest.fixture
def typesetter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A stand-in for the typesetter that takes a while and records every document it typesets; the
    process's memory of typeset PDFs starts empty and is emptied again after the test."""
    made: list[tuple[str, str]] = []
    lock = threading.Lock()

    def slow_typeset(document: str, *, title: str) -> bytes:
        time.sleep(0.05)
        with lock:
            made.append((document, title))
        return f"%PDF {title} | {document}".encode()

    report.render_pdf.cache_clear()
    monkeypatch.setattr(report, "typeset_pdf", slow_typeset)
    yield made
    report.render_pdf.cache_clear()


def test_the_same_summary_asked_again_is_not_typeset_again(typesetter: list[tuple[str, str]]) -> None:
    first = report.render_pdf(RESULTS, title="Riverside")
    again = report.render_pdf(RESULTS, title="Riverside")
    assert again == first
    assert typesetter == [(RESULTS, "Riverside")]
    assert report.typeset_before(RESULTS, title="Riverside") == first


def test_sixty_people_pressing_download_together_cost_one_typesetting(
    typesetter: list[tuple[str, str]],
) -> None:
    start = threading.Barrier(60)

    def press() -> bytes:
        start.wait()
        return report.render_pdf("<p>Revealed</p>", title="Round 2")

    with ThreadPoolExecutor(max_workers=60) as phones:
        pdfs = list(phones.map(lambda _: press(), range(60)))
    assert len(typesetter) == 1
    assert set(pdfs) == {b"%PDF Round 2 | <p>Revealed</p>"}


@settings(max_examples=30, deadline=None)
@given(
    asks=st.lists(
        st.tuples(st.sampled_from(["<p>a</p>", "<p>b</p>", "<p>a</p> "]), st.sampled_from(["One", "Two"])),
        min_size=1,
        max_size=12,
    )
)
def test_callers_at_once_each_get_the_pdf_of_their_own_document_and_title(
    asks: list[tuple[str, str]],
) -> None:
    """A cache that mixed two documents up would hand one partnership another's figures."""
    made: list[tuple[str, str]] = []

    def typeset(document: str, *, title: str) -> bytes:
        time.sleep(0.005)
        made.append((document, title))
        return f"%PDF {title} | {document}".encode()

    report.render_pdf.cache_clear()
    original = report.typeset_pdf
    report.typeset_pdf = typeset  # type: ignore[assignment]  # hypothesis runs many examples per test
    try:
        with ThreadPoolExecutor(max_workers=len(asks)) as callers:
            got = list(callers.map(lambda ask: report.render_pdf(ask[0], title=ask[1]), asks))
    finally:
        report.typeset_pdf = original  # type: ignore[assignment]
        report.render_pdf.cache_clear()
    assert got == [f"%PDF {title} | {document}".encode() for document, title in asks]
    assert sorted(made) == sorted(set(asks))  # each distinct document typeset exactly once


def test_a_failed_typesetting_is_not_kept_and_the_next_ask_tries_again(
    monkeypatch: pytest.MonkeyPatch, typesetter: list[tuple[str, str]]
) -> None:
    working = report.typeset_pdf

    def broken(document: str, *, title: str) -> bytes:
        raise RuntimeError("the typesetter stopped")

    monkeypatch.setattr(report, "typeset_pdf", broken)
    with pytest.raises(RuntimeError, match="stopped"):
        report.render_pdf(RESULTS, title="Riverside")
    assert report.typeset_before(RESULTS, title="Riverside") is None
    monkeypatch.setattr(report, "typeset_pdf", working)
    assert report.render_pdf(RESULTS, title="Riverside").startswith(b"%PDF")
    assert typesetter == [(RESULTS, "Riverside")]


def test_the_memory_of_typeset_pdfs_stays_within_its_bound(
    monkeypatch: pytest.MonkeyPatch, typesetter: list[tuple[str, str]]
) -> None:
    bound = report.TYPESET_KEPT_BYTES

    def big(document: str, *, title: str) -> bytes:
        return b"%PDF" + b"x" * (bound // 5)

    monkeypatch.setattr(report, "typeset_pdf", big)
    for number in range(12):
        report.render_pdf(f"<p>{number}</p>", title="A pack")
    kept: Any = report.render_pdf.cache
    assert kept.currsize <= bound
    assert report.typeset_before("<p>11</p>", title="A pack") is not None  # the latest is kept
    assert report.typeset_before("<p>0</p>", title="A pack") is None  # the oldest is let go
