"""Every chart is made without plotly checking each property as it is set (charts.unchecked_figure),
because those checks were half the time of making one. These tests put the checks back: each
figure, rebuilt by plotly with every property checked, must be accepted (an unknown or mistyped
property raises) and must be the same figure for the browser and for the PDF's chart drawing."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import charts
from tests.unit.test_chart_escaping import BUILDERS, HOSTILE, texts_from

SCALE = ["Emerging", "Developing", "Maturing", "Thriving"]


def assert_plotly_accepts_it_as_made(figure: go.Figure) -> None:
    checked = go.Figure(figure.to_dict())  # plotly's checks: an unknown or mistyped property raises
    # the same figure, whatever order plotly wrote its properties in
    assert json.loads(pio.to_json(checked)) == json.loads(pio.to_json(figure, validate=False))


@pytest.mark.parametrize("builder", list(BUILDERS))
@settings(max_examples=8, deadline=None)
@given(pool=st.lists(HOSTILE, min_size=1, max_size=9))
def test_every_kind_of_chart_is_one_plotly_accepts_with_its_checks(builder: str, pool: list[str]) -> None:
    assert_plotly_accepts_it_as_made(BUILDERS[builder](texts_from(pool)))


def test_the_panel_saying_there_is_nothing_to_show_is_one_plotly_accepts() -> None:
    assert_plotly_accepts_it_as_made(charts.nothing_to_show("Trend <b>of</b> domains"))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["North", "South <b>&</b>", "Ynys Môn place", "A" * 70]),
            st.sampled_from(["Shared purpose", "Mind the gaps", "Data & insight"]),
            st.one_of(st.none(), st.floats(1, 4)),
            st.one_of(st.none(), st.floats(1, 4)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_each_partnerships_radar_with_any_figures_missing_is_one_plotly_accepts(
    rows: list[tuple[str, str, float | None, float | None]],
) -> None:

    frame = pd.DataFrame(rows, columns=["name", "title", "current", "target"])
    for _, figure in charts.cohort_radars(frame, scale_labels=SCALE):
        assert_plotly_accepts_it_as_made(figure)
