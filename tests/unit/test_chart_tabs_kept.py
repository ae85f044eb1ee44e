"""The chart browser keeps each tab between figures instead of reloading it after every one (as
kaleido does on its own), and that changes nothing drawn: a figure drawn in a tab that has drawn
others is the same SVG as one drawn in a freshly loaded tab, apart from plotly's random ids. A tab
is reloaded after FIGURES_BEFORE_RELOAD figures, and a figure that fails means a fresh browser
for the next PDF. These run the real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import canonicalize

import plotly.graph_objects as go
import pytest
from kaleido._kaleido_tab._tab import _KaleidoTab
from plotly.subplots import make_subplots

from assessment import chart_export
from assessment.chart_export import ChartExporter, ChartRequest, find_browser

pytestmark = pytest.mark.skipif(find_browser() is None, reason="needs Chromium (make system-deps)")


@pytest.fixture
def reloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tabs reloaded, one entry a reload, counted at kaleido's own tab class."""
    seen: list[str] = []
    reload = _KaleidoTab.reload

    async def counting(tab: Any) -> Any:
        seen.append(tab.tab.target_id)
        return await reload(tab)

    monkeypatch.setattr(_KaleidoTab, "reload", counting)
    return seen


@pytest.fixture
def exporter() -> Iterator[ChartExporter]:
    made = ChartExporter()
    yield made
    made.close()


def varied_figures() -> list[go.Figure]:
    """Figures of the kinds the summary draws, each leaving its own state behind in a tab if
    plotly kept any: polar, bars with patterns, subplots with shared axes, annotations."""
    polar = go.Figure(go.Scatterpolar(r=[1, 3, 2, 4], theta=["A", "B", "C", "D"], fill="toself"))
    bars = go.Figure(
        [
            go.Bar(x=[1, 2], y=["x", "y"], orientation="h", marker_pattern_shape="/"),
            go.Bar(x=[2, 1], y=["x", "y"]),
        ]
    )
    bars.update_layout(barmode="stack")
    panels = make_subplots(rows=2, cols=2, shared_xaxes=True, subplot_titles=["One", "Two", "Three", "Four"])
    for n in range(4):
        panels.add_trace(go.Scatter(x=[1, 2, 3], y=[n, n + 1, n]), row=n // 2 + 1, col=n % 2 + 1)
    noted = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    noted.add_annotation(x=0.5, y=0.5, text="Noted <b>here</b>")
    return [polar, bars, panels, noted, go.Figure(go.Bar(x=["only"], y=[1]))]


def without_random_ids(svg: str) -> str:
    """The drawing as canonical XML (attributes in one order: plotly sets a legend's in another
    order once a tab has drawn a legend), with plotly's random hex names of clip paths, patterns,
    traces and colour bars taken out."""
    svg = re.sub(r'id="[^"]*"', 'id=""', svg)
    svg = re.sub(r"url\(['\"]?#[^)]*\)", "url()", svg)
    svg = re.sub(r'href="#[^"]*"', 'href=""', svg)
    return canonicalize(re.sub(r"\b(trace|legend|clip|y?cb)[0-9a-f]{6}", r"\1", svg))


def test_drawing_many_figures_reloads_no_tab(exporter: ChartExporter, reloads: list[str]) -> None:
    figures = [go.Figure(go.Bar(x=["a"], y=[n])) for n in range(12)]
    drawn = exporter.svgs([ChartRequest(f, 200, 150) for f in figures])
    assert all(drawn), exporter.problem
    assert reloads == []


def test_a_tab_is_reloaded_after_its_allowance_of_figures(
    exporter: ChartExporter, reloads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_export, "FIGURES_BEFORE_RELOAD", 3)
    monkeypatch.setattr(chart_export, "TABS", 1)
    figures = [go.Figure(go.Bar(x=["a"], y=[n])) for n in range(7)]
    drawn = exporter.svgs([ChartRequest(f, 200, 150) for f in figures])
    assert all(drawn), exporter.problem
    # Seven figures in one tab, reloaded after every third: after the third and the sixth.
    assert len(reloads) == 2


def test_a_figure_drawn_in_a_kept_tab_is_the_one_a_fresh_tab_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = [ChartRequest(f, 420, 300) for f in varied_figures()]
    kept = ChartExporter()
    try:
        # Drawn twice over in kept tabs: every figure follows others in the same tab.
        kept.svgs(list(reversed(requests)))
        kept.forget_drawn()
        after_others = kept.svgs(requests)
    finally:
        kept.close()
    monkeypatch.setattr(chart_export, "FIGURES_BEFORE_RELOAD", 1)  # kaleido's own way
    fresh = ChartExporter()
    try:
        each_fresh = fresh.svgs(requests)
    finally:
        fresh.close()
    assert all(after_others) and all(each_fresh)
    for kept_svg, fresh_svg in zip(after_others, each_fresh, strict=True):
        assert kept_svg is not None and fresh_svg is not None
        assert without_random_ids(kept_svg) == without_random_ids(fresh_svg)


def test_a_figure_that_fails_leaves_the_next_pdf_a_fresh_browser(
    exporter: ChartExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert exporter.start()
    browser = exporter._kaleido
    calc_fig = browser.calc_fig

    async def failing_second(figure: Any, *args: Any, **kwargs: Any) -> Any:
        if figure.data[0].y[0] == 2:
            raise RuntimeError("the tab stopped answering")
        return await calc_fig(figure, *args, **kwargs)

    monkeypatch.setattr(browser, "calc_fig", failing_second)
    drawn = exporter.svgs([ChartRequest(go.Figure(go.Bar(x=["a"], y=[n])), 200, 150) for n in (1, 2)])
    assert drawn[0] is not None and drawn[1] is None
    assert exporter.problem is not None and "could not be drawn" in exporter.problem
    assert not exporter.running  # the browser that held the failing tab is gone

    again = exporter.svgs([ChartRequest(go.Figure(go.Bar(x=["a"], y=[2])), 200, 150)])
    assert again[0] is not None and exporter.problem is None
    assert exporter._kaleido is not browser
