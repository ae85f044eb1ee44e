"""The chart browser is started in the background when the server starts, so the first PDF a
facilitator downloads does not wait for it: once per process, never in the caller's way, and a
browser that cannot start is logged and leaves the PDF its tables and its advice."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment import chart_export
from assessment.chart_export import INSTALL_HINT, ChartExporter, ChartRequest, warm_up_in_background
from assessment.settings import current

WAIT = 30.0


class HeldExporter(ChartExporter):
    """An exporter whose drawing waits until the test lets it go, and says where it ran."""

    def __init__(self) -> None:
        super().__init__(browser_path="/unused")
        self.release = threading.Event()
        self.threads: list[str] = []
        self.requests: list[int] = []

    def svgs(self, requests: Sequence[ChartRequest]) -> list[str | None]:
        self.threads.append(threading.current_thread().name)
        self.requests.append(len(requests))
        assert self.release.wait(WAIT)
        return ["<svg/>"] * len(requests)


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test is a process that has not warmed up yet, with the warm-up on."""
    monkeypatch.setattr(chart_export, "_warm_up_threads", None)
    monkeypatch.delenv("ICS_CHART_WARMUP", raising=False)
    yield


def join(threads: list[threading.Thread] | None) -> None:
    assert threads is not None
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()


def test_the_warm_up_is_on_unless_switched_off() -> None:
    assert current({}).chart_warm_up is True
    assert current({"ICS_CHART_WARMUP": ""}).chart_warm_up is True
    assert current({"ICS_CHART_WARMUP": "1"}).chart_warm_up is True
    for off in ("0", "off", "false", "no", " OFF "):
        assert current({"ICS_CHART_WARMUP": off}).chart_warm_up is False


def test_the_warm_up_returns_at_once_and_draws_on_a_thread_of_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exporter = HeldExporter()
    caplog.set_level(logging.INFO, logger="assessment.chart_export")
    started = time.perf_counter()
    threads = warm_up_in_background(exporter=exporter)
    assert time.perf_counter() - started < 1.0  # the drawing is still held: nothing waited on it
    assert threads and all(t.daemon for t in threads)  # never keeps a stopping server alive
    exporter.release.set()
    join(threads)
    assert exporter.threads and threading.current_thread().name not in exporter.threads
    assert exporter.requests == [chart_export.TABS]  # one small figure for each tab
    assert "The chart browser is started" in caplog.text


def test_the_warm_up_happens_once_per_process() -> None:
    exporter = HeldExporter()
    exporter.release.set()
    first = warm_up_in_background(exporter=exporter)
    second = warm_up_in_background(exporter=exporter)
    join(first)
    assert second is first
    assert exporter.requests == [chart_export.TABS]


@given(callers=st.integers(min_value=2, max_value=6))
def test_however_many_callers_race_the_browser_is_warmed_once(callers: int) -> None:
    chart_export._warm_up_threads = None  # each example is a fresh process
    exporter = HeldExporter()
    exporter.release.set()
    results: list[object] = []
    racers = [
        threading.Thread(target=lambda: results.append(warm_up_in_background(exporter=exporter)))
        for _ in range(callers)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(WAIT)
    assert len({id(r) for r in results}) == 1
    join(results[0])  # type: ignore[arg-type]
    assert exporter.requests == [chart_export.TABS]


def test_switched_off_nothing_is_started_and_the_log_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ICS_CHART_WARMUP", "off")
    caplog.set_level(logging.INFO, logger="assessment.chart_export")
    exporter = HeldExporter()
    assert warm_up_in_background(exporter=exporter) is None
    assert exporter.requests == []
    assert "ICS_CHART_WARMUP" in caplog.text


def test_a_browser_that_cannot_start_is_logged_and_the_pdf_keeps_its_advice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exporter = ChartExporter(browser_path="/nonexistent/chromium")
    join(warm_up_in_background(exporter=exporter))
    assert not exporter.running
    assert exporter.problem is not None and INSTALL_HINT in exporter.problem
    assert "could not be started in the background" in caplog.text
    assert INSTALL_HINT in caplog.text


def test_what_else_the_first_pdf_pays_for_is_warmed_too_and_its_failure_is_harmless(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exporter = HeldExporter()
    exporter.release.set()
    ran: list[str] = []

    def typesetting() -> None:
        ran.append(threading.current_thread().name)
        raise OSError("no fonts here")

    join(warm_up_in_background(exporter=exporter, also=typesetting))
    assert ran and ran[0] != threading.current_thread().name
    assert "no fonts here" in caplog.text
    assert exporter.requests == [chart_export.TABS]  # the browser was warmed all the same
