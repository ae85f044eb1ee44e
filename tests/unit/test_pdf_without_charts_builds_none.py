"""A PDF made without charts (no browser, or ``--no-charts``) does not build the chart figures
it would not draw: building them is a good part of a summary's time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from assessment import report as report_module
from assessment.chart_export import ChartExporter, ChartRequest
from assessment.report import WorkshopReport, summary_context
from assessment.scoring import UNCLEAR_TIER
from tests.unit.test_accountability_wording import scored


class Refusing:
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a chart figure was built")


class Blank(ChartExporter):
    def __init__(self) -> None:
        super().__init__(browser_path="/unused")

    def svgs(self, requests: Sequence[ChartRequest]) -> list[str | None]:
        return ["<svg/>"] * len(requests)


def room() -> WorkshopReport:
    answers = {"quality-failure": [UNCLEAR_TIER, "ics-nhs-body"] * 2, "overspend": ["ics-nhs-body"] * 4}
    return WorkshopReport(scored(answers), {}, [], pd.DataFrame())


def test_no_chart_figure_is_built_when_no_chart_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "accountability_bars", Refusing())
    context = summary_context(room(), None)
    assert context["charts"] == {}
    assert context["accountability"]  # the table is there all the same


def test_the_figures_are_built_when_the_charts_are_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "accountability" in summary_context(room(), Blank())["charts"]
    monkeypatch.setattr(report_module, "accountability_bars", Refusing())
    with pytest.raises(AssertionError, match="a chart figure was built"):
        summary_context(room(), Blank())
