"""A chart already drawn is not drawn again: the same figure at the same size (say, the same
summary downloaded twice, or two partnerships of a cohort pack with the same chart) comes from the
exporter's memory, and only figures it has not seen go to the browser."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.chart_export import CACHED_CHARTS, ChartExporter, ChartRequest


class CountingExporter(ChartExporter):
    """Draws without a browser, and counts what reached the drawing."""

    def __init__(self) -> None:
        super().__init__(browser_path="/unused")
        self.drawn: list[ChartRequest] = []

    def _draw(self, requests: Sequence[ChartRequest]) -> list[Any]:
        self.drawn.extend(requests)
        return [f"<svg>{r.figure.data[0].y[0]}-{r.width}x{r.height}</svg>" for r in requests]


def bar(value: int) -> go.Figure:
    return go.Figure(go.Bar(x=["a"], y=[value]))


def test_the_same_figure_at_the_same_size_is_drawn_once() -> None:
    exporter = CountingExporter()
    first = exporter.svgs([ChartRequest(bar(1), 100, 80), ChartRequest(bar(2), 100, 80)])
    again = exporter.svgs([ChartRequest(bar(1), 100, 80), ChartRequest(bar(2), 100, 80)])
    assert again == first == ["<svg>1-100x80</svg>", "<svg>2-100x80</svg>"]
    assert len(exporter.drawn) == 2


def test_a_figure_repeated_within_one_request_is_drawn_once() -> None:
    exporter = CountingExporter()
    out = exporter.svgs([ChartRequest(bar(3), 100, 80), ChartRequest(bar(3), 100, 80)])
    assert out == ["<svg>3-100x80</svg>"] * 2
    assert len(exporter.drawn) == 1


def test_another_size_or_another_figure_is_drawn_anew() -> None:
    exporter = CountingExporter()
    exporter.svgs([ChartRequest(bar(1), 100, 80)])
    out = exporter.svgs([ChartRequest(bar(1), 100, 90), ChartRequest(bar(4), 100, 80)])
    assert out == ["<svg>1-100x90</svg>", "<svg>4-100x80</svg>"]
    assert len(exporter.drawn) == 3


def test_a_chart_that_failed_is_tried_again_next_time() -> None:
    class FailingOnce(CountingExporter):
        failed = False

        def _draw(self, requests: Sequence[ChartRequest]) -> list[Any]:
            if not self.failed:
                self.failed = True
                self.problem = "Some charts could not be drawn (test)."
                return [None] * len(requests)
            return super()._draw(requests)

    exporter = FailingOnce()
    assert exporter.svgs([ChartRequest(bar(5), 100, 80)]) == [None]
    assert exporter.svgs([ChartRequest(bar(5), 100, 80)]) == ["<svg>5-100x80</svg>"]
    assert exporter.problem is None


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=CACHED_CHARTS * 2), min_size=1, max_size=40))
def test_whatever_is_asked_each_answer_is_the_drawing_of_its_own_figure(values: list[int]) -> None:
    exporter = CountingExporter()
    out = exporter.svgs([ChartRequest(bar(v), 100, 80) for v in values])
    assert out == [f"<svg>{v}-100x80</svg>" for v in values]
    assert len(exporter.drawn) == len(set(values))
