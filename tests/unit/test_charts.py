"""The radar is built from the figures given: gaps stay gaps, and labels fit small screens."""

from __future__ import annotations

import math

from assessment.charts import domain_radar, short_label

SCALE = ["Emerging", "Developing", "Maturing", "Thriving"]


def test_the_radar_draws_one_closed_trace_per_series_on_the_bank_scale() -> None:
    figure = domain_radar(
        ["Shared purpose", "Mind the gaps", "Trust"],
        {"Now": [1.5, 2.0, 3.0], "Target": [3, 3, 4]},
        scale_labels=SCALE,
        title="Team",
    )
    now, target = figure.data
    assert list(now.r) == [1.5, 2.0, 3.0, 1.5] and now.theta[0] == now.theta[-1] == "Shared purpose"
    assert list(target.r) == [3, 3, 4, 3]
    assert figure.layout.polar.radialaxis.range == (1, 4)
    assert list(figure.layout.polar.radialaxis.ticktext) == SCALE
    assert now.line.dash != target.line.dash  # told apart without colour


def test_a_withheld_domain_is_a_gap_not_a_zero() -> None:
    figure = domain_radar(["A", "B"], {"Now": [2.0, None]}, scale_labels=SCALE, title="t")
    assert figure.data[0].r[1] is None and figure.data[0].connectgaps is False
    assert not any(isinstance(v, float) and math.isclose(v, 0) for v in figure.data[0].r if v is not None)


def test_long_domain_names_are_shortened_for_the_axis() -> None:
    assert (
        short_label("Keeping the focus on patient care, recovery and inequalities")
        == "Keeping the focus on pa…"
    )
    assert short_label("Mind the gaps") == "Mind the gaps"
