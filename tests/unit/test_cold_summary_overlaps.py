"""The first summary in a process does not wait for the chart browser's start before doing its
own work: the browser is started on a thread while the summary reads the database and loads the
typesetter, and the charts are drawn once it is up. A browser already running is left alone."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from assessment import report as report_module
from assessment.chart_export import ChartExporter, ChartRequest
from assessment.report import WorkshopReport, workshop_summary_pdf
from assessment.scoring import UNCLEAR_TIER
from tests.unit.test_accountability_wording import scored

WAIT = 30.0


class SlowToStart(ChartExporter):
    """A browser that is not up until the test says so."""

    def __init__(self, *, up: bool = False) -> None:
        super().__init__(browser_path="/unused")
        self.up = up
        self.started_on: list[str] = []
        self.asked = threading.Event()
        self.release = threading.Event()

    @property
    def running(self) -> bool:
        return self.up

    def start(self) -> bool:
        self.started_on.append(threading.current_thread().name)
        self.asked.set()
        assert self.release.wait(WAIT)
        self.up = True
        return True

    def svgs(self, requests: Sequence[ChartRequest]) -> list[str | None]:
        assert self.up, "charts drawn before the browser was up"
        return ['<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'] * len(requests)


def room() -> WorkshopReport:
    answers = {"quality-failure": [UNCLEAR_TIER, "ics-nhs-body"] * 2, "overspend": ["ics-nhs-body"] * 4}
    return WorkshopReport(scored(answers), {}, [], pd.DataFrame())


def test_the_browser_starts_while_the_summary_reads_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    exporter = SlowToStart()
    read_during_start: list[bool] = []

    def gather(**_kwargs: Any) -> WorkshopReport:
        # The browser's start was asked for before the database was read, and is still going.
        read_during_start.append(exporter.asked.wait(WAIT) and not exporter.up)
        exporter.release.set()
        return room()

    monkeypatch.setattr(report_module, "gather_workshop_report", gather)
    pdf = workshop_summary_pdf(session=None, workshop_id=1, exporter=exporter)  # type: ignore[arg-type]
    assert read_during_start == [True]
    assert exporter.started_on and exporter.started_on[0] != threading.current_thread().name
    assert pdf.charts_problem is None and pdf.content.startswith(b"%PDF-")


def test_a_browser_already_up_is_not_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    exporter = SlowToStart(up=True)
    monkeypatch.setattr(report_module, "gather_workshop_report", lambda **_kwargs: room())
    workshop_summary_pdf(session=None, workshop_id=1, exporter=exporter)  # type: ignore[arg-type]
    assert exporter.started_on == []


def test_start_is_a_no_op_for_a_running_exporter_and_says_why_it_failed_otherwise() -> None:
    missing = ChartExporter(browser_path="/nonexistent/chromium")
    assert missing.start() is False
    assert missing.problem is not None and "no Chrome or Chromium browser was found" in missing.problem
