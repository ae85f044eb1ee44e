"""The charts are built from the figures given: gaps stay gaps, and every name is drawn whole."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assessment.charts import (
    FONT,
    NHS_PALE_GREY,
    accountability_bars,
    answer_distribution,
    domain_radar,
    domain_radar_with_spread,
    gaps_ranked,
    level_counts,
    perception_gaps,
    sector_lens,
    spectrum_dumbbells,
    trend_lines,
    wrapped,
)

SCALE = ["Emerging", "Developing", "Maturing", "Thriving"]


def test_the_radar_draws_one_closed_trace_per_series_on_the_bank_scale() -> None:
    figure = domain_radar(
        ["Shared purpose", "Mind the gaps", "Trust"],
        {"Now": [1.5, 2.0, 3.0], "Target": [3, 3, 4]},
        scale_labels=SCALE,
        title="Team",
    )
    now, target = figure.data
    assert list(now.r) == [1.5, 2.0, 3.0, 1.5] and list(now.theta) == ["1", "2", "3", "1"]
    (key,) = figure.layout.annotations  # the numbered spokes' key, beside the circle
    assert key.text.split("<br>") == [
        "1  Shared purpose",
        "2  Mind the gaps",
        "3  Trust",
        "",
        "From the centre out: Emerging,",
        "Developing, Maturing, Thriving",
    ]
    assert list(target.r) == [3, 3, 4, 3]
    assert figure.layout.polar.radialaxis.range == (1, 4)
    # the levels are named in the key, not along a radius across the lines and a spoke's number
    assert figure.layout.polar.radialaxis.showticklabels is False
    assert now.line.dash != target.line.dash  # told apart without colour


def test_a_withheld_domain_is_a_gap_not_a_zero() -> None:
    figure = domain_radar(["A", "B"], {"Now": [2.0, None]}, scale_labels=SCALE, title="t")
    assert figure.data[0].r[1] is None and figure.data[0].connectgaps is False
    assert not any(isinstance(v, float) and math.isclose(v, 0) for v in figure.data[0].r if v is not None)


def test_long_domain_names_are_wrapped_at_spaces_never_cut() -> None:
    assert wrapped("Keeping the focus on patient care, recovery and inequalities", 30) == (
        "Keeping the focus on patient<br>care, recovery and<br>inequalities"
    )
    assert wrapped("Mind the gaps", 30) == "Mind the gaps"
    assert wrapped("Accountability: where the buck stops & more", 16) == (
        "Accountability:<br>where the buck<br>stops &amp; more"
    )


# --- the builders for the team picture, the sector lens and trends ------------------------------------


def _numbers(values: object) -> list[float | None]:
    return [None if v is None else float(v) for v in values]  # type: ignore[attr-defined]


def _no_zero(values: object) -> bool:
    return all(v is None or not math.isclose(float(v), 0.0) for v in values)  # type: ignore[attr-defined]


def _trace(figure: go.Figure, name: str) -> Any:
    (found,) = [t for t in figure.data if t.name == name]
    return found


def _domains(*, spread: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "domain": ["purpose", "gaps", "trust"],
            "title": ["Shared purpose", "Mind the gaps", "Trust"],
            "current": [2.0, np.nan, 3.5],
            "target": [3.0, np.nan, 4.0],
        }
    )
    if spread:
        frame["q1"] = [1.5, np.nan, 3.0]
        frame["q3"] = [2.5, np.nan, 4.0]
    return frame


def test_the_spread_radar_draws_current_and_target_with_a_gap_for_a_domain_without_figures() -> None:
    figure = domain_radar_with_spread(_domains(spread=False), scale_labels=SCALE, title="Team")
    now, target = _trace(figure, "Team now"), _trace(figure, "Team target")
    assert _numbers(now.r) == [2.0, None, 3.5, 2.0]
    assert _numbers(target.r) == [3.0, None, 4.0, 3.0]
    assert list(now.theta) == ["1", "2", "3", "1"]  # numbered spokes; the key names them
    assert list(now.hovertext) == ["Shared purpose", "Mind the gaps", "Trust", "Shared purpose"]
    assert now.line.dash != target.line.dash and now.marker.symbol != target.marker.symbol


def test_the_interquartile_band_is_drawn_only_when_quartiles_are_given() -> None:
    without = domain_radar_with_spread(_domains(spread=False), scale_labels=SCALE, title="Team")
    assert not any(t.fill for t in without.data)
    assert len(without.data) == 2

    figure = domain_radar_with_spread(_domains(), scale_labels=SCALE, title="Team")
    (band,) = [t for t in figure.data if t.fill == "tonext"]
    lower = figure.data[list(figure.data).index(band) - 1]
    assert _numbers(lower.r) == [1.5, None, 3.0, 1.5]
    assert _numbers(band.r) == [2.5, None, 4.0, 2.5]
    assert "rgba" in band.fillcolor  # translucent, so the lines read through it


def test_the_consensus_is_a_marker_only_series_keyed_by_domain_id() -> None:
    figure = domain_radar_with_spread(
        _domains(), scale_labels=SCALE, title="Team", consensus={"trust": 3.0, "purpose": 2.5}
    )
    agreed = _trace(figure, "Agreed in the room")
    assert agreed.mode == "markers"
    assert _numbers(agreed.r) == [2.5, None, 3.0]
    assert list(agreed.theta) == ["1", "2", "3"]


def test_gaps_are_ranked_largest_first_at_the_top_without_the_missing_ones() -> None:
    rows = pd.DataFrame({"title": ["Small", "Missing", "Large", "Middle"], "gap": [0.3, np.nan, 1.75, 1.0]})
    figure = gaps_ranked(rows, label_column="title", title="Gaps")
    (bars,) = figure.data
    assert list(bars.y) == ["Large", "Middle", "Small"]
    assert _numbers(bars.x) == [1.75, 1.0, 0.3]
    assert list(bars.text) == ["1.75", "1.00", "0.30"]  # two places, as the table beside it
    assert figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.xaxis.title.text == "Gap (levels)"


def test_level_counts_include_levels_nobody_chose_and_leave_out_dont_knows() -> None:
    answers = pd.DataFrame(
        {
            "participant": ["a", "b", "c", "d", "a", "b"],
            "sector": ["nhs"] * 6,
            "item_id": ["q1", "q1", "q1", "q1", "q2", "other"],
            "current": [1.0, 1.0, 3.0, np.nan, 2.0, 4.0],
            "target": [2.0, 2.0, 4.0, np.nan, 3.0, 4.0],
            "dont_know": [False, False, False, True, False, False],
        }
    )
    counts = level_counts(answers, ["q2", "q1"], levels=4)
    assert list(counts.columns) == ["item_id", "level", "count"]
    assert counts.to_dict("records") == [
        {"item_id": "q2", "level": 1, "count": 0},
        {"item_id": "q2", "level": 2, "count": 1},
        {"item_id": "q2", "level": 3, "count": 0},
        {"item_id": "q2", "level": 4, "count": 0},
        {"item_id": "q1", "level": 1, "count": 2},
        {"item_id": "q1", "level": 2, "count": 0},
        {"item_id": "q1", "level": 3, "count": 1},
        {"item_id": "q1", "level": 4, "count": 0},
    ]
    assert int(counts["count"].sum()) == 4  # the don't-know and the other item are not counted


def test_the_answer_distribution_stacks_one_bar_per_item_in_the_given_order() -> None:
    counts = pd.DataFrame(
        {
            "item_label": ["Second item"] * 4 + ["First item"] * 4,
            "level": [1, 2, 3, 4] * 2,
            "count": [0, 1, 0, 0, 2, 0, 1, np.nan],
        }
    )
    figure = answer_distribution(counts, scale_labels=SCALE, title="Where we disagree")
    assert figure.layout.barmode == "stack"
    assert [t.name for t in figure.data] == [f"{i} {label}" for i, label in enumerate(SCALE, 1)]
    assert all(list(t.y) == ["Second item", "First item"] for t in figure.data)
    assert [_numbers(t.x) for t in figure.data] == [[0, 2], [1, 0], [0, 1], [0, None]]
    assert len({t.marker.color for t in figure.data}) == 4
    assert len({t.marker.pattern.shape for t in figure.data}) == 4
    assert figure.layout.xaxis.title.text == "Answers"


def _sectors() -> pd.DataFrame:
    rows = [
        ("nhs", "purpose", "Shared purpose", 2.0, False),
        ("nhs", "gaps", "Mind the gaps", 3.0, False),
        ("council", "purpose", "Shared purpose", 3.0, False),
        ("council", "gaps", "Mind the gaps", np.nan, True),
        ("vcse", "purpose", "Shared purpose", np.nan, True),
        ("vcse", "gaps", "Mind the gaps", np.nan, True),
    ]
    frame = pd.DataFrame(rows, columns=["sector", "domain", "title", "current", "withheld"])
    return frame.assign(target=frame["current"] + 1, gap=1.0, n=3, rated_n=3, sector_n=3)


def test_the_sector_lens_draws_one_series_per_sector_and_never_a_withheld_figure() -> None:
    labels = {"nhs": "NHS", "council": "Local authority", "vcse": "Voluntary sector"}
    figure = sector_lens(_sectors(), sector_labels=labels, scale_labels=SCALE, title="By sector")
    nhs, council = _trace(figure, "NHS"), _trace(figure, "Local authority")
    assert list(nhs.x) == ["1", "2"]  # numbered as on the radar, the key under the chart
    (key,) = figure.layout.annotations
    assert key.text.split("<br>")[1:] == ["1  Shared purpose", "2  Mind the gaps"]
    assert _numbers(nhs.y) == [2.0, 3.0]
    assert _numbers(council.y) == [3.0, None] and council.connectgaps is False
    assert nhs.line.dash != council.line.dash and nhs.marker.symbol != council.marker.symbol
    assert figure.layout.yaxis.range == (1, 4) and list(figure.layout.yaxis.ticktext) == SCALE


def test_a_sector_withheld_everywhere_is_named_in_the_legend_with_no_points() -> None:
    labels = {"nhs": "NHS", "council": "Local authority", "vcse": "Voluntary sector"}
    figure = sector_lens(_sectors(), sector_labels=labels, scale_labels=SCALE, title="By sector")
    small = _trace(figure, "Voluntary sector (withheld: too few)")
    assert small.showlegend is True
    assert all(v is None for v in small.y)
    assert all(_no_zero(t.y) for t in figure.data)


def test_perception_gaps_are_ranked_largest_first_under_domain_titles() -> None:
    gaps = pd.DataFrame({"domain": ["purpose", "gaps", "trust"], "gap": [0.5, 2.0, np.nan], "sectors": 2})
    figure = perception_gaps(
        gaps, titles={"purpose": "Shared purpose", "gaps": "Mind the gaps"}, title="Seen differently"
    )
    (bars,) = figure.data
    assert list(bars.y) == ["Mind the gaps", "Shared purpose"]
    assert _numbers(bars.x) == [2.0, 0.5]
    assert figure.layout.yaxis.autorange == "reversed"


def _spectrum() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["s1", "s2", "s3"],
            "now": [2.0, np.nan, 4.0],
            "preferred": [4.0, np.nan, 3.0],
            "shift": [2.0, np.nan, -1.0],
            "iqr": [1.0, np.nan, 0.5],
            "split": [False, None, True],
            "withheld": [False, True, False],
        }
    )


SPECTRUM_LABELS = {
    "s1": ("Decisions are made", "Centrally", "Locally"),
    "s2": ("Money flows", "By contract", "By trust"),
    "s3": ("Data is shared", "Rarely", "By default"),
}


def test_spectrum_dumbbells_join_now_to_preferred_and_skip_withheld_items() -> None:
    figure = spectrum_dumbbells(_spectrum(), labels=SPECTRUM_LABELS, title="Spectrum")
    line, now, preferred = _trace(figure, "Shift"), _trace(figure, "Now"), _trace(figure, "Preferred")
    assert list(now.y) == ["Decisions are made", "Data is shared"]
    assert _numbers(now.x) == [2.0, 4.0] and _numbers(preferred.x) == [4.0, 3.0]
    assert _numbers(line.x) == [2.0, 4.0, None, 4.0, 3.0, None]
    assert now.marker.symbol != preferred.marker.symbol
    assert figure.layout.xaxis.range == (1, 5)
    ends = [a.text for a in figure.layout.annotations]
    assert any("Centrally" in t for t in ends) and any("Locally" in t for t in ends)


def test_each_statement_names_its_own_poles_inside_the_ends_of_its_line() -> None:
    figure = spectrum_dumbbells(_spectrum(), labels=SPECTRUM_LABELS, title="Spectrum")
    poles = [(a.y, a.x, a.xanchor, a.text, a.textangle) for a in figure.layout.annotations]
    assert poles == [
        ("Decisions are made", 1, "left", "Centrally", None),
        ("Decisions are made", 5, "right", "Locally", None),
        ("Data is shared", 1, "left", "Rarely", None),
        ("Data is shared", 5, "right", "By default", None),
    ]
    assert figure.layout.xaxis.range == (1, 5)  # x=1 and x=5 are the plot's own edges


def test_a_single_spectrum_item_names_its_poles_too() -> None:
    figure = spectrum_dumbbells(_spectrum().iloc[[0]], labels=SPECTRUM_LABELS, title="Spectrum")
    assert [a.text for a in figure.layout.annotations] == ["Centrally", "Locally"]


def _accountability() -> pd.DataFrame:
    shares = [
        {"national": 0.1, "ics": 0.7, "place": 0.1, "unclear": 0.1},
        {"national": 0.25, "ics": 0.25, "place": 0.25, "unclear": 0.25},
        None,
        {"national": 0.0, "ics": 0.6, "place": 0.2, "unclear": 0.2},
    ]
    return pd.DataFrame(
        {
            "item_id": ["who"] * 4,
            "function_id": ["commissioning", "workforce", "estates", "data"],
            "n": [10, 4, 2, 5],
            "shares": shares,
            "modal_tier": ["ics", "national", None, "ics"],
            "clarity": [0.7, 0.25, np.nan, 0.6],
            "withheld": [False, False, True, False],
        }
    )


TIERS = {"national": "National", "ics": "System", "place": "Place", "unclear": "Unclear"}
FUNCTIONS = {"commissioning": "Commissioning", "workforce": "Workforce", "estates": "Estates", "data": "Data"}


def test_accountability_bars_stack_each_functions_shares_to_one_in_tier_order() -> None:
    figure = accountability_bars(
        _accountability(), function_labels=FUNCTIONS, tier_labels=TIERS, title="Who", clarity_flag=0.6
    )
    assert [t.name for t in figure.data] == list(TIERS.values())
    assert figure.layout.barmode == "stack"
    for row in range(3):
        assert math.isclose(sum(float(t.x[row]) for t in figure.data), 1.0)
    assert _numbers(_trace(figure, "System").x) == [0.7, 0.25, 0.6]
    assert _trace(figure, "Unclear").marker.color == NHS_PALE_GREY
    assert len({t.marker.pattern.shape for t in figure.data}) == len(TIERS)


def test_only_functions_under_sixty_percent_clarity_are_flagged_unclear_and_withheld_ones_are_left_out() -> (
    None
):
    figure = accountability_bars(
        _accountability(), function_labels=FUNCTIONS, tier_labels=TIERS, title="Who", clarity_flag=0.6
    )
    assert list(figure.data[0].y) == ["Commissioning", "Workforce ⚠ unclear", "Data"]
    assert not any("Estates" in label for label in figure.layout.yaxis.categoryarray)


def _trend() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "round": ["Spring 2025", "Autumn 2024", "Spring 2025", "Autumn 2024", "Autumn 2025"],
            "held_on": [
                date(2025, 4, 1),
                date(2024, 10, 1),
                date(2025, 4, 1),
                date(2024, 10, 1),
                date(2025, 10, 1),
            ],
            "domain": ["purpose", "purpose", "trust", "trust", "trust"],
            "title": ["Shared purpose", "Shared purpose", "Trust", "Trust", "Trust"],
            "current": [2.5, 2.0, np.nan, 3.0, 3.5],
            "target": [3.5, 3.0, np.nan, 4.0, 4.0],
        }
    )


def _panel(figure: go.Figure, axis: str, name: str) -> Any:
    (found,) = [t for t in figure.data if t.xaxis == axis and t.name == name]
    return found


def test_trend_lines_draw_one_small_panel_per_domain_with_the_rounds_in_date_order() -> None:
    figure = trend_lines(_trend(), scale_labels=SCALE, title="Over time")
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ["Shared purpose", "Trust"]  # each panel named above it
    purpose, trust = _panel(figure, "x", "Now"), _panel(figure, "x2", "Now")
    assert list(purpose.x) == ["Autumn<br>2024", "Spring<br>2025", "Autumn<br>2025"]  # whole, wrapped
    assert _numbers(purpose.y) == [2.0, 2.5, None]
    assert _numbers(trust.y) == [3.0, None, 3.5] and trust.connectgaps is False
    assert _numbers(_panel(figure, "x2", "Target").y) == [4.0, None, 4.0]
    assert list(figure.layout.yaxis.ticktext) == SCALE
    assert figure.layout.yaxis2.matches == "y"  # one scale for every panel


def test_in_every_panel_now_and_target_differ_in_line_and_marker_not_only_colour() -> None:
    figure = trend_lines(_trend(), scale_labels=SCALE, title="Over time")
    styles = {(t.name, t.line.dash, t.marker.symbol) for t in figure.data}
    assert styles == {("Now", "solid", "circle"), ("Target", "dash", "diamond-open")}
    assert [t.name for t in figure.data if t.showlegend] == ["Now", "Target"]  # each named once


def test_a_single_domain_trend_adds_its_target_dashed() -> None:
    trend = _trend()
    figure = trend_lines(trend.loc[trend["domain"] == "purpose"], scale_labels=SCALE, title="Over time")
    now, target = figure.data
    assert _numbers(now.y) == [2.0, 2.5] and _numbers(target.y) == [3.0, 3.5]
    assert now.line.dash == "solid" and target.line.dash == "dash"


def test_a_question_bank_change_is_marked_with_a_dotted_line_at_its_round_in_every_panel() -> None:
    figure = trend_lines(_trend(), scale_labels=SCALE, title="Over time", version_changes=["Spring 2025"])
    assert [(s.xref, s.x0, s.x1, s.line.dash) for s in figure.layout.shapes] == [
        ("x", "Spring<br>2025", "Spring<br>2025", "dot"),
        ("x2", "Spring<br>2025", "Spring<br>2025", "dot"),
    ]
    note = _trace(figure, "Question bank changed")  # the dotted line explained in the legend
    assert note.line.dash == "dot" and note.showlegend
    assert not trend_lines(_trend(), scale_labels=SCALE, title="t").layout.shapes


def test_every_builder_exports_with_a_title_and_named_axes() -> None:
    labels = {"nhs": "NHS", "council": "Local authority", "vcse": "Voluntary sector"}
    counts = pd.DataFrame({"item_label": ["An item"] * 4, "level": [1, 2, 3, 4], "count": [1, 2, 0, 1]})
    figures = [
        domain_radar_with_spread(_domains(), scale_labels=SCALE, title="Radar", consensus={"trust": 3}),
        gaps_ranked(_domains().assign(gap=[1.0, np.nan, 0.5]), label_column="title", title="Gaps"),
        answer_distribution(counts, scale_labels=SCALE, title="Answers"),
        sector_lens(_sectors(), sector_labels=labels, scale_labels=SCALE, title="Sectors"),
        perception_gaps(pd.DataFrame({"domain": ["a"], "gap": [1.0], "sectors": [2]}), titles={}, title="P"),
        spectrum_dumbbells(_spectrum(), labels=SPECTRUM_LABELS, title="Spectrum"),
        accountability_bars(
            _accountability(), function_labels=FUNCTIONS, tier_labels=TIERS, title="Who", clarity_flag=0.6
        ),
        trend_lines(_trend(), scale_labels=SCALE, title="Trend", version_changes=["Spring 2025"]),
    ]
    for figure in figures:
        exported = figure.to_dict()
        layout = exported["layout"]
        assert layout["title"]["text"]
        assert layout["font"]["family"] == FONT and layout["paper_bgcolor"] == "white"
        assert layout["legend"]["orientation"] == "h"
        if "polar" not in layout:
            assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]


def test_long_names_are_wrapped_whole_and_kept_distinct_on_the_axes() -> None:
    rows = pd.DataFrame(
        {
            "title": [
                "Keeping the focus on patient care, recovery and inequalities",
                "Keeping the focus on patient care and prevention",
            ],
            "gap": [1.0, 2.0],
        }
    )
    (bars,) = gaps_ranked(rows, label_column="title", title="Gaps").data
    assert [label.replace("<br>", " ") for label in bars.y] == [
        "Keeping the focus on patient care and prevention",
        "Keeping the focus on patient care, recovery and inequalities",
    ]
    assert all("<br>" in label for label in bars.y)  # wrapped, to sit beside the bars
    same = gaps_ranked(rows.assign(title="Shared purpose"), label_column="title", title="Gaps")
    assert list(same.data[0].y) == ["Shared purpose", "Shared purpose (2)"]


def test_builders_draw_an_empty_chart_rather_than_fail_when_nothing_can_be_shown() -> None:
    def empty(*columns: str) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})

    figures = [
        domain_radar_with_spread(
            empty("domain", "title", "current", "target"), scale_labels=SCALE, title="t"
        ),
        gaps_ranked(empty("title", "gap"), label_column="title", title="t"),
        answer_distribution(empty("item_label", "level", "count"), scale_labels=SCALE, title="t"),
        sector_lens(
            empty("sector", "domain", "title", "current", "withheld"),
            sector_labels={},
            scale_labels=SCALE,
            title="t",
        ),
        perception_gaps(empty("domain", "gap", "sectors"), titles={}, title="t"),
        spectrum_dumbbells(empty("item_id", "now", "preferred", "withheld"), labels={}, title="t"),
        accountability_bars(
            empty("function_id", "shares", "clarity", "withheld"),
            function_labels={},
            tier_labels=TIERS,
            title="t",
            clarity_flag=0.6,
        ),
        trend_lines(
            empty("round", "held_on", "domain", "title", "current", "target"), scale_labels=SCALE, title="t"
        ),
    ]
    for figure in figures:
        assert figure.to_json()
        assert all(not [v for v in (getattr(t, "x", None) or ()) if v is not None] for t in figure.data)


def _cohort_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["North", "North", "South", "South", "Tiny", "Tiny"],
            "domain": ["a", "b", "a", "b", "a", "b"],
            "title": ["Shared purpose", "Mind the gaps"] * 3,
            "current": [2.0, 3.0, 1.5, 2.5, math.nan, math.nan],
            "target": [3.0, 3.5, 3.0, 3.0, math.nan, math.nan],
        }
    )


def test_the_cohort_heatmap_adds_the_median_row_and_labels_withheld_cells_in_words() -> None:
    from assessment.charts import cohort_heatmap

    median = pd.DataFrame(
        {"domain": ["a", "b"], "title": ["Shared purpose", "Mind the gaps"], "current": [1.75, 2.75]}
    )
    figure = cohort_heatmap(_cohort_frame(), median, scale_labels=SCALE, title="Cohort")
    heat = figure.data[0]
    assert list(heat.y) == ["North", "South", "Tiny", "Cohort median"]
    assert [list(row) for row in heat.z] == [[2.0, 3.0], [1.5, 2.5], [None, None], [1.75, 2.75]]
    assert list(heat.text[2]) == ["withheld", "withheld"]


def test_the_cohort_distribution_plots_each_shown_partnership_once_per_domain() -> None:
    from assessment.charts import cohort_distribution

    figure = cohort_distribution(_cohort_frame(), scale_labels=SCALE, title="Spread")
    purpose = next(t for t in figure.data if t.name == "Shared purpose")
    assert sorted(purpose.x) == [1.5, 2.0]  # Tiny is withheld: absent, not zero
    assert set(purpose.y) == {"Shared purpose"}  # a row per domain, named in full
    assert list(purpose.text) == ["North", "South"]


def test_each_partnership_has_a_radar_of_its_own_on_one_scale() -> None:
    from assessment.charts import SMALL_RADAR_WIDTH, cohort_radars

    radars = cohort_radars(_cohort_frame(), scale_labels=SCALE)
    assert [name for name, _ in radars] == ["North", "South", "Tiny"]
    for name, figure in radars:
        assert figure.layout.title.text == name
        assert [trace.name for trace in figure.data] == ["Now", "Target"]
        assert figure.layout.polar.radialaxis.range == (1, 4)  # every radar on the same scale
        assert figure.layout.polar.angularaxis.categoryarray == ("1", "2")  # spokes as in the key
        assert figure.layout.width == SMALL_RADAR_WIDTH
    north = radars[0][1].data
    assert list(north[0].r) == [2.0, 3.0, 2.0] and list(north[0].theta) == ["1", "2", "1"]  # closed
    assert list(north[1].r) == [3.0, 3.5, 3.0]
    assert list(north[0].hovertext) == ["Shared purpose", "Mind the gaps", "Shared purpose"]


def test_a_long_partnership_name_is_wrapped_whole_and_the_radar_grows_to_hold_it() -> None:
    from assessment.charts import PARTNERSHIP_TITLE_WIDTH, cohort_radars

    frame = _cohort_frame()
    long_name = "Mid and South Essex Health and Care Partnership (Thurrock place)"
    frame["name"] = frame["name"].replace("North", long_name)
    (_, long), (_, short), _ = cohort_radars(frame, scale_labels=SCALE)
    lines = long.layout.title.text.split("<br>")
    assert " ".join(lines) == long_name and all(len(line) <= PARTNERSHIP_TITLE_WIDTH for line in lines)
    assert len(lines) >= 3
    # every radar's plot the same size, the title's extra lines above it
    assert long.layout.height - long.layout.margin.t == short.layout.height - short.layout.margin.t
    assert long.layout.margin.t > short.layout.margin.t
