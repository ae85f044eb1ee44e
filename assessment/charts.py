"""Plotly figure builders: one definition serves the screen and the PDF.

Colours come from the NHS identity palette and are told apart by line style and markers too,
so a figure still reads in greyscale or for a colour-blind reader. Every figure has a table
beside it on screen; these builders take plain data so tests can check what is drawn.

Every name is drawn whole: a board reads the PDF without tooltips, so a label is wrapped at
spaces (``wrapped``), never cut. Where fourteen domains share one chart (the radar's spokes, the
heatmap's columns, the sector lens) they are numbered in the bank's order, the same numbers in
every chart, with a key of the full names drawn in the figure itself.

Plotly reads a subset of HTML in every piece of text it draws (links, styles, line breaks), so
every string that reaches a figure goes through ``chart_text`` here, in the builders: callers pass
text as typed, and a partnership called ``<a href=...>`` is drawn as those characters, never as a
link, on screen and in the PDF alike.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from assessment.limits import without_bidi_controls
from assessment.readings import two_places

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#FFB81C"
NHS_DARK_GREY = "#425563"
NHS_AQUA_GREEN = "#00A499"
NHS_PALE_GREY = "#AEB7BD"
NHS_PINK = "#AE2573"
NHS_PURPLE = "#330072"
NHS_DARK_GREEN = "#006747"
NHS_TEXT = "#212B32"
GRID = "#D8DDE0"
FONT = "Arial, Helvetica, sans-serif"
UNCLEAR = "unclear"  # the accountability tier for "nobody knows who owns this"

# (colour, line dash, marker symbol): each series differs in all three, so no reader relies on colour.
SERIES_STYLES: tuple[tuple[str, str, str], ...] = (
    (NHS_BLUE, "solid", "circle"),
    (NHS_WARM_YELLOW, "dash", "diamond"),
    (NHS_AQUA_GREEN, "dot", "square"),
    (NHS_DARK_GREY, "dashdot", "x"),
    (NHS_PINK, "longdash", "triangle-up"),
    (NHS_PURPLE, "longdashdot", "star"),
    (NHS_DARK_GREEN, "solid", "cross"),
    (NHS_DARK_BLUE, "dash", "triangle-down"),
)
# Fill patterns for bar segments, so stacked segments read apart in greyscale.
PATTERNS: tuple[str, ...] = ("", "/", ".", "x", "\\", "+", "-", "|")
TIER_COLOURS: tuple[str, ...] = (
    NHS_DARK_BLUE,
    NHS_BLUE,
    NHS_AQUA_GREEN,
    NHS_WARM_YELLOW,
    NHS_PINK,
    NHS_PURPLE,
    NHS_DARK_GREEN,
)


# --- text: escaped, whole, and wrapped at spaces --------------------------------------------------

# Characters per line: a name at the side of a bar chart, a question or statement, a pole of a
# spectrum statement, a line of a key, the title of a small panel and a round under its panel.
# The widths fit the PDF's A4 column (640 pixels) as well as the screen; a word longer than a
# line keeps a line of its own.
LABEL_WIDTH = 46
QUESTION_WIDTH = 56
STATEMENT_WIDTH = 34
POLE_WIDTH = 26
KEY_WIDTH = 52
PANEL_TITLE_WIDTH = 22
ROUND_WIDTH = 8
LABEL_FONT = 11  # category labels and keys: pixels
LINE_PX = 14  # one line of 11-pixel text, as plotly spaces it


def chart_text(text: object) -> str:
    """Text as a figure must be given it: ``&``, ``<`` and ``>`` as entities, which plotly draws
    as the characters, and no bidirectional controls (an unmatched right-to-left override would
    reverse the rest of a label)."""
    return html.escape(without_bidi_controls(str(text)), quote=False)


def wrap_lines(text: object, width: int) -> list[str]:
    """The text in lines of at most ``width`` characters, broken only at spaces: no word is cut
    and nothing is left out (a word longer than a line has a line of its own)."""
    plain = without_bidi_controls(str(text))
    lines = textwrap.wrap(plain, width=width, break_long_words=False, break_on_hyphens=False)
    return lines or [plain.strip()]


def wrapped(text: object, width: int) -> str:
    """The whole text for a figure, wrapped with plotly's ``<br>`` and escaped line by line
    (escaping after wrapping, so no entity is ever split across two lines)."""
    return "<br>".join(chart_text(line) for line in wrap_lines(text, width))


def line_count(label: str) -> int:
    return label.count("<br>") + 1


def _category_labels(texts: Sequence[object], width: int = LABEL_WIDTH) -> list[str]:
    """Whole names, wrapped and escaped, kept distinct (two bars sharing a category would be
    drawn as one): a repeated name is numbered, "(2)"."""
    seen: dict[str, int] = {}
    labels: list[str] = []
    for text in texts:
        name = str(text)
        seen[name] = seen.get(name, 0) + 1
        label = wrapped(name if seen[name] == 1 else f"{name} ({seen[name]})", width)
        while label in labels:  # a name typed with "(2)" meeting a numbered repeat
            seen[name] += 1
            label = wrapped(f"{name} ({seen[name]})", width)
        labels.append(label)
    return labels


def _band_px(labels: Sequence[str], *, at_least: int = 24) -> int:
    """Pixels for each row of a category axis, which plotly spaces evenly: each label is centred
    on its row, so two neighbours need half of each one's lines between their centres, and a
    little air. (Sized by the tallest label alone, fourteen rows would all be three lines tall.)"""
    lines = [line_count(label) for label in labels]
    pairs = [(above + below) * LINE_PX // 2 + 6 for above, below in itertools.pairwise(lines)]
    return max([at_least, *pairs, *(n * LINE_PX for n in lines)])


def spoke_labels(count: int) -> list[str]:
    """The numbers that stand for the domains on a crowded axis: "1", "2", … in the bank's order."""
    return [str(number) for number in range(1, count + 1)]


def domain_key(names: Sequence[object], *, width: int = KEY_WIDTH) -> list[str]:
    """The key to numbered spokes or columns, one escaped line each: "1  Shared purpose", a
    long name carried on to an indented line below."""
    lines = []
    for number, name in enumerate(names, start=1):
        first, *rest = wrap_lines(f"{number}  {name}", width)
        lines.append(chart_text(first))
        lines += ["\u00a0" * 5 + chart_text(line) for line in rest]
    return lines


KEY_TITLE = "Key to the numbers"


def _key_annotation(lines: Sequence[str], *, below_px: int) -> dict[str, Any]:
    """The key as one block under the plot: its lines aligned on the left, the block centred."""
    return {
        "text": "<br>".join([KEY_TITLE, *lines]),
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0,
        "xanchor": "center",
        "yanchor": "top",
        "yshift": -below_px,
        "align": "left",
        "showarrow": False,
        "font": {"size": LABEL_FONT, "color": NHS_TEXT},
    }


def _key_px(lines: Sequence[str]) -> int:
    return (len(lines) + 1) * LINE_PX + 12 if lines else 0


# --- shared pieces -------------------------------------------------------------------------------------

# Short lines: the panel must fit the half-width radar of the PDF's first page as well as a phone.
NOTHING_TO_SHOW = (
    "Nothing to show here:<br>every answer was “don't know”, or the figures<br>"
    "are withheld because too few people gave them."
)


def unchecked_figure(data: Any = None, layout: dict[str, Any] | None = None) -> go.Figure:
    """A figure that plotly does not check property by property as it is made and laid out. Its
    checks were half or more of the time of making a chart: about 3 ms of a small radar, 0.2 s of
    a board summary's figures, paid again on every run of a page. Every figure made here is
    checked by the tests instead (tests/unit/test_charts_as_plotly_checks_them.py), which rebuild
    it with plotly's checks and compare."""
    return go.Figure(data=data, layout=layout, _validate=False)


def nothing_to_show(title: str, message: str = NOTHING_TO_SHOW) -> go.Figure:
    """A panel saying why there is no chart, in place of empty axes (which read as a broken
    chart, and which plotly cannot always scale when there is no value to fit them to)."""
    return unchecked_figure(
        None,
        {
            "title": {"text": chart_text(title), "font": {"size": 16}},
            "font": {"family": FONT, "size": 12, "color": NHS_TEXT},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": message,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": 14, "color": NHS_DARK_GREY},
                }
            ],
            "height": 220,
            "margin": {"l": 40, "r": 40, "t": 60, "b": 40},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
        },
    )


def _style(index: int) -> tuple[str, str, str]:
    return SERIES_STYLES[index % len(SERIES_STYLES)]


def _number(value: object) -> float | None:
    """A figure for plotting, or None for a gap: NaN, None and withheld figures are never zero."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _nothing_in(*values: object) -> bool:
    """True when not one of the values is a figure that could be drawn."""
    return all(_number(value) is None for value in values)


def _flag(value: object) -> bool:
    return bool(value) if _number(value) is not None or isinstance(value, bool) else False


def _sequential_blues(count: int) -> list[str]:
    """Light to dark blue through NHS blue, one colour per level."""
    stops = [(0xD0, 0xE3, 0xF5), (0x00, 0x5E, 0xB8), (0x00, 0x21, 0x5C)]
    if count <= 1:
        return [NHS_BLUE] * count
    colours = []
    for i in range(count):
        position = i / (count - 1) * (len(stops) - 1)
        low = min(int(position), len(stops) - 2)
        t = position - low
        rgb = [round(a + (b - a) * t) for a, b in zip(stops[low], stops[low + 1], strict=True)]
        colours.append("#{:02X}{:02X}{:02X}".format(*rgb))
    return colours


def _stacked_marker(colour: str, position: int) -> dict[str, Any]:
    """A segment of a stacked bar: its colour, a white edge, and a pattern so it reads in grey."""
    return {
        "color": colour,
        "line": {"color": "white", "width": 1},
        "pattern": {"shape": PATTERNS[position % len(PATTERNS)], "solidity": 0.25},
    }


# --- layout: room for every label, the key and the legend ---------------------------------------------

TOP_PX = 60  # the title
AXIS_PX = 64  # an axis's tick labels and title under the plot
LEGEND_ROW_PX = 24
LEGEND_WIDTH_PX = 560  # the narrowest plot the legend must fit: the PDF's column, less its margins


def _legend_rows(traces: Sequence[Any], *, width_px: int = LEGEND_WIDTH_PX) -> int:
    """How many rows the horizontal legend takes, entries laid left to right as plotly does."""
    names = [str(t.name) for t in traces if t.showlegend is not False and t.name]
    rows, used = 1, 0
    for name in names:
        need = 44 + 7 * len(html.unescape(name))  # the symbol and the words, at 12 pixels
        if used and used + need > width_px:
            rows, used = rows + 1, 0
        used += need
    return rows


def _layout(
    traces: Sequence[Any],
    *,
    title: str,
    plot_px: int | None = None,
    key: Sequence[str] = (),
    below_px: int = AXIS_PX,
    top_px: int = TOP_PX,
    grid: dict[str, Any] | None = None,
    **extra: Any,
) -> go.Figure:
    """The figure of ``traces``, with its title, fonts and foot: under the plot the axis
    (``below_px``), then the key, then the legend at the very bottom (container coordinates), each
    with room kept, so no text lies over another. With ``plot_px`` the figure is as tall as its rows
    need. ``grid`` is the layout of a grid of panels (trend_lines) to lay this over.

    The layout is made whole, then the figure once from it: plotly's update_layout costs ten times
    as much as laying a figure out as it is made."""
    legend_rows = 0 if extra.get("showlegend") is False else _legend_rows(traces)
    key_px = _key_px(key)
    bottom = below_px + key_px + LEGEND_ROW_PX * legend_rows + 10
    layout: dict[str, Any] = {
        **(grid or {}),
        "title": {"text": chart_text(title), "font": {"size": 16}},
        "font": {"family": FONT, "size": 12, "color": NHS_TEXT},
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "x": 0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "margin": {"l": 60, "r": 40, "t": top_px, "b": bottom},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **extra,
    }
    if key:
        layout["annotations"] = [*layout.get("annotations", []), _key_annotation(key, below_px=below_px)]
    if plot_px is not None:
        layout["height"] = top_px + plot_px + bottom
    return unchecked_figure(list(traces), layout)


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": chart_text(title)},
        "gridcolor": GRID,
        "linecolor": NHS_DARK_GREY,
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def _scale_axis(title: str, scale_labels: Sequence[str], **extra: Any) -> dict[str, Any]:
    levels = len(scale_labels)
    scale: dict[str, Any] = {
        "range": [1, levels],
        "tickvals": list(range(1, levels + 1)),
        "ticktext": [chart_text(label) for label in scale_labels],
    }
    return _axis(title, **(scale | extra))


def _category_axis(title: str, categories: Sequence[str], *, top_down: bool = False) -> dict[str, Any]:
    # type="category": a first trace of only gaps (a withheld sector) would otherwise make plotly
    # choose a numeric axis, on which no name can be placed.
    extra: dict[str, Any] = {
        "type": "category",
        "categoryorder": "array",
        "categoryarray": list(categories),
        "tickfont": {"size": LABEL_FONT},
    }
    if top_down:
        extra["autorange"] = "reversed"  # the first row is drawn at the top
    return _axis(title, **extra)


def _rows_px(labels: Sequence[str], *, at_least: int = 120, band_px: int | None = None) -> int:
    return max(at_least, (band_px or _band_px(labels)) * len(labels))


# --- the radar: numbered spokes and their key ----------------------------------------------------------

RADAR_PX = 240  # the least height of the circle with its spoke numbers
RADAR_SPLIT = 0.45  # the circle takes the left of the figure, the key the right
RADAR_KEY_WIDTH = 42  # characters: the key's column in the PDF's half-width chart (400 pixels)
RADAR_KEY_FONT = 9
RADAR_KEY_LINE_PX = 12
RADAR_TOP_PX = 40


def _radar_trace(
    values: Sequence[float | None], names: Sequence[str], *, name: str, style: tuple[str, str, str]
) -> go.Scatterpolar:
    colour, dash, marker = style
    closed = [*spoke_labels(len(values)), "1"] if values else []
    return go.Scatterpolar(
        r=[*values, values[0]] if values else [],
        theta=closed,
        name=chart_text(name),
        mode="lines+markers",
        line={"color": colour, "dash": dash, "width": 2},
        marker={"symbol": marker, "size": 7},
        connectgaps=False,
        hovertext=[*names, names[0]] if names else [],
        hoverinfo="text+r+name",
    )


def _levels_key(scale_labels: Sequence[str]) -> list[str]:
    """The rings named, for the key: "From the centre out: Emerging, Developing, …"."""
    names = ", ".join(str(label) for label in scale_labels)
    # narrower than the domains' lines: this line has no short number in front, so it runs wider
    return [chart_text(line) for line in wrap_lines(f"From the centre out: {names}", RADAR_KEY_WIDTH - 10)]


def _radar_layout(
    traces: Sequence[go.Scatterpolar], domains: Sequence[str], *, scale_labels: Sequence[str], title: str
) -> go.Figure:
    """Spokes numbered clockwise from the top, the key of full names beside the circle and the
    levels' names under it, the legend under both. Side by side, the figure is hardly taller than
    the circle, so it keeps its place on the PDF's first page; the figure is as tall as the longer
    of the two. The levels are named in the key, not along a radius: there they lay across the
    team's lines and markers and the number of the spoke beside them."""
    key = [*domain_key(domains, width=RADAR_KEY_WIDTH), "", *_levels_key(scale_labels)]
    legend_rows = _legend_rows(traces, width_px=380)
    plot_px = max(RADAR_PX, len(key) * RADAR_KEY_LINE_PX + 10)
    bottom = 22 * legend_rows + 8
    levels = len(scale_labels)
    layout = {
        "title": {"text": chart_text(title), "font": {"size": 16}, "x": 0.02, "y": 0.98, "yanchor": "top"},
        "font": {"family": FONT, "size": 12, "color": NHS_TEXT},
        "polar": {
            "domain": {"x": [0.03, RADAR_SPLIT], "y": [0.04, 0.96]},
            "radialaxis": {
                "range": [1, levels],
                "tickvals": list(range(1, levels + 1)),
                "ticktext": [chart_text(label) for label in scale_labels],
                "showticklabels": False,  # named in the key (_levels_key)
                "showline": False,
                "ticks": "",
            },
            "angularaxis": {
                "type": "category",
                "categoryarray": spoke_labels(len(domains)),
                "direction": "clockwise",
                "rotation": 90,
                "tickfont": {"size": 11, "color": NHS_TEXT},
            },
        },
        "legend": {
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "x": 0,
            "yanchor": "bottom",
            "font": {"size": 11},
        },
        "margin": {"l": 10, "r": 10, "t": RADAR_TOP_PX, "b": bottom},
        "height": RADAR_TOP_PX + plot_px + bottom,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "annotations": [
            {
                "text": "<br>".join(key),
                "xref": "paper",
                "yref": "paper",
                "x": RADAR_SPLIT + 0.05,
                "y": 1,
                "xanchor": "left",
                "yanchor": "top",
                "align": "left",
                "showarrow": False,
                "font": {"size": RADAR_KEY_FONT, "color": NHS_TEXT},
            }
        ],
    }
    return unchecked_figure(list(traces), layout)


def domain_radar(
    domains: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    scale_labels: Sequence[str],
    title: str,
) -> go.Figure:
    """Current, target (and any other series) per domain on the maturity scale, 1 at the centre;
    the spokes numbered, with the key to the full names under the circle.

    A domain with no figure (withheld or not answered) is left as a gap, never drawn as zero.
    """
    if _nothing_in(*(v for values in series.values() for v in values)):
        return nothing_to_show(title)
    names = [chart_text(d) for d in domains]
    traces = [
        _radar_trace(list(values), names, name=name, style=_style(index))
        for index, (name, values) in enumerate(series.items())
    ]
    return _radar_layout(traces, [str(d) for d in domains], scale_labels=scale_labels, title=title)


def domain_radar_with_spread(
    domains: pd.DataFrame,
    *,
    scale_labels: Sequence[str],
    title: str,
    consensus: dict[str, float] | None = None,
) -> go.Figure:
    """The team's current and target per domain, the middle half of the room as a band, and the
    level the room agreed on (consensus, keyed by domain id) as markers.

    ``domains`` has domain, title, current, target and optionally q1 and q3 (no band without them).
    """
    titles = domains["title"].astype(str).tolist()
    if _nothing_in(*domains["current"], *domains["target"]):
        return nothing_to_show(title)
    names = [chart_text(t) for t in titles]
    spokes = spoke_labels(len(titles))
    closed = [*spokes, spokes[0]] if spokes else []
    lines = [
        _radar_trace([_number(v) for v in domains[column]], names, name=name, style=_style(index))
        for index, (column, name) in enumerate((("current", "Team now"), ("target", "Team target")))
    ]
    band: list[go.Scatterpolar] = []
    if {"q1", "q3"} <= set(domains.columns) and (domains["q1"].notna() | domains["q3"].notna()).any():
        q1 = [_number(v) for v in domains["q1"]]
        q3 = [_number(v) for v in domains["q3"]]
        edge = {"color": NHS_BLUE, "width": 0.5}
        band = [
            go.Scatterpolar(
                r=[*q1, q1[0]],
                theta=closed,
                name="Lower quartile",
                mode="lines",
                line=edge,
                legendgroup="spread",
                showlegend=False,
                connectgaps=False,
                hoverinfo="skip",
            ),
            go.Scatterpolar(
                r=[*q3, q3[0]],
                theta=closed,
                name="Middle half of the team (quartiles)",
                mode="lines",
                line=edge,
                fill="tonext",
                fillcolor="rgba(0, 94, 184, 0.15)",
                legendgroup="spread",
                connectgaps=False,
                hoverinfo="skip",
            ),
        ]
    extra: list[go.Scatterpolar] = []
    if consensus is not None:
        extra.append(
            go.Scatterpolar(
                r=[_number(consensus.get(str(d))) for d in domains["domain"]],
                theta=spokes,
                name="Agreed in the room",
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 12,
                    "color": NHS_DARK_BLUE,
                    "line": {"color": "white", "width": 1},
                },
                hovertext=names,
                hoverinfo="text+r+name",
            )
        )
    # The band goes underneath so the team's lines stay legible over it.
    return _radar_layout([*band, *lines, *extra], titles, scale_labels=scale_labels, title=title)


# --- ranked bars ------------------------------------------------------------------------------------


_AXIS_NAMES = {"title": "Domain", "domain": "Domain", "item_label": "Question", "label": "Question"}


def _ranked_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_title: str,
    y_title: str,
    name: str,
    hover: Sequence[str],
) -> go.Figure:
    if _nothing_in(*values):
        return nothing_to_show(title)
    shown = _category_labels(labels)
    bars = go.Bar(
        x=list(values),
        y=shown,
        orientation="h",
        name=name,
        text=[two_places(v) for v in values],  # the precision of every figure
        textposition="auto",
        marker={"color": NHS_BLUE, "line": {"color": NHS_DARK_BLUE, "width": 1}},
        hovertext=[chart_text(h) for h in hover],
        hoverinfo="text+x",
        cliponaxis=False,
    )
    return _layout(
        [bars],
        title=title,
        plot_px=_rows_px(shown),
        showlegend=False,
        xaxis=_axis(x_title, zeroline=True, zerolinecolor=NHS_DARK_GREY),
        yaxis=_category_axis(y_title, shown, top_down=True),
    )


def gaps_ranked(rows: pd.DataFrame, *, label_column: str, title: str) -> go.Figure:
    """Gap between target and now, largest at the top; rows without a gap are left out."""
    shown = rows.loc[rows["gap"].notna()].sort_values("gap", ascending=False, kind="stable")
    labels = shown[label_column].astype(str).tolist()
    return _ranked_bars(
        labels,
        shown["gap"].astype(float).tolist(),
        title=title,
        x_title="Gap (levels)",
        y_title=_AXIS_NAMES.get(label_column, label_column.replace("_", " ").capitalize()),
        name="Gap",
        hover=labels,
    )


def perception_gaps(gaps: pd.DataFrame, *, titles: dict[str, str], title: str) -> go.Figure:
    """How far apart the sectors see each domain (highest minus lowest sector), largest at the top."""
    shown = gaps.loc[gaps["gap"].notna()].sort_values("gap", ascending=False, kind="stable")
    labels = [titles.get(str(d), str(d)) for d in shown["domain"]]
    sectors = shown["sectors"].tolist() if "sectors" in shown.columns else [None] * len(shown)
    return _ranked_bars(
        labels,
        shown["gap"].astype(float).tolist(),
        title=title,
        x_title="Difference between sectors (levels)",
        y_title="Domain",
        name="Perception gap",
        hover=[
            label if _number(s) is None else f"{label} ({int(float(s))} sectors)"
            for label, s in zip(labels, sectors, strict=True)
        ],
    )


# --- where we disagree ------------------------------------------------------------------------------


def level_counts(answers: pd.DataFrame, item_ids: list[str], *, levels: int | None = None) -> pd.DataFrame:
    """How many chose each current level per item (item_id, level, count), don't-knows left out.

    Every level 1..``levels`` appears for every item, with a zero where nobody chose it;
    ``levels`` defaults to the highest level anyone chose, so pass the scale length when known.
    """
    rated = answers.loc[
        answers["item_id"].isin(item_ids)
        & ~answers["dont_know"].fillna(False).astype(bool)
        & answers["current"].notna(),
        ["item_id", "current"],
    ]
    top = levels if levels is not None else (int(rated["current"].max()) if len(rated) else 0)
    index = pd.MultiIndex.from_product([list(item_ids), range(1, top + 1)], names=["item_id", "level"])
    counts = (
        rated.assign(level=rated["current"].astype(int))
        .groupby(["item_id", "level"], sort=False)
        .size()
        .reindex(index, fill_value=0)
    )
    return counts.rename("count").reset_index().astype({"count": "int64", "level": "int64"})


def answer_distribution(counts: pd.DataFrame, *, scale_labels: Sequence[str], title: str) -> go.Figure:
    """One stacked bar per item: how many chose each level, lightest for level 1, in the given order."""
    items = list(dict.fromkeys(counts["item_label"].astype(str)))
    shown = _category_labels(items, QUESTION_WIDTH)
    # A missing or withheld count stays a gap: min_count keeps an all-NaN sum NaN, not 0.
    totals = (
        counts.assign(item_label=counts["item_label"].astype(str), level=counts["level"].astype(int))
        .groupby(["item_label", "level"], sort=False)["count"]
        .sum(min_count=1)
    )
    found = {
        (str(item), int(level)): _number(v)
        for item, level, v in zip(
            totals.index.get_level_values(0), totals.index.get_level_values(1), totals, strict=True
        )
    }
    if not any(value for value in found.values()):  # nobody rated any of these questions
        return nothing_to_show(title)
    colours = _sequential_blues(len(scale_labels))
    traces: list[Any] = []
    for position, (label, colour) in enumerate(zip(scale_labels, colours, strict=True)):
        level = position + 1
        values = [found.get((item, level)) for item in items]
        traces.append(
            go.Bar(
                x=values,
                y=shown,
                orientation="h",
                name=chart_text(f"{level} {label}"),
                marker=_stacked_marker(colour, position),
                # The level's name comes from the trace, never spliced into the template, where
                # a "%{...}" typed into a bank would be read as a field to fill in.
                hovertemplate="%{fullData.name}: %{x}<extra></extra>",
            )
        )
    return _layout(
        traces,
        title=title,
        plot_px=_rows_px(shown),
        barmode="stack",
        xaxis=_axis("Answers", rangemode="tozero", dtick=1),
        yaxis=_category_axis("Question", shown, top_down=True),
    )


# --- sector lens ------------------------------------------------------------------------------------

LENS_PX = 300


def sector_lens(
    sectors: pd.DataFrame,
    *,
    sector_labels: dict[str, str],
    scale_labels: Sequence[str],
    title: str,
) -> go.Figure:
    """Each sector's current level per domain; withheld figures are gaps, never points. The
    domains are numbered along the axis, as on the radar, with the key under the chart."""
    domain_ids = list(dict.fromkeys(sectors["domain"].astype(str)))
    titles = dict(zip(sectors["domain"].astype(str), sectors["title"].astype(str), strict=True))
    x = spoke_labels(len(domain_ids))
    names = [chart_text(titles[d]) for d in domain_ids]
    visible = (
        sectors.loc[~sectors["withheld"].fillna(True).astype(bool)] if "withheld" in sectors else sectors
    )
    if _nothing_in(*visible["current"]):
        return nothing_to_show(title)
    traces: list[Any] = []
    for index, sector in enumerate(dict.fromkeys(sectors["sector"].astype(str))):
        rows = sectors.loc[sectors["sector"].astype(str) == sector]
        label = chart_text(sector_labels.get(sector, sector))
        withheld = rows["withheld"].fillna(True).astype(bool) if "withheld" in rows else None
        shown = rows if withheld is None else rows.loc[~withheld]
        if shown.empty:
            # Still in the legend, so the room sees the sector was there but too small to show.
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    name=f"{label} (withheld: too few)",
                    mode="markers",
                    marker={"symbol": "circle-open", "color": NHS_PALE_GREY, "size": 8},
                    showlegend=True,
                )
            )
            continue
        by_domain = {str(d): _number(v) for d, v in zip(shown["domain"], shown["current"], strict=True)}
        colour, dash, marker = _style(index)
        traces.append(
            go.Scatter(
                x=x,
                y=[by_domain.get(d) for d in domain_ids],
                name=label,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": marker, "size": 9, "color": colour},
                connectgaps=False,
                cliponaxis=False,
                hovertext=names,
                hoverinfo="text+y+name",
            )
        )
    return _layout(
        traces,
        title=title,
        plot_px=LENS_PX,
        key=domain_key([titles[d] for d in domain_ids]),
        xaxis=_category_axis("Domain (numbered as in the key)", x),
        yaxis=_scale_axis("Current level", scale_labels),
    )


# --- spectrum -----------------------------------------------------------------------------------------


def spectrum_dumbbells(
    spectrum: pd.DataFrame, *, labels: dict[str, tuple[str, str, str]], title: str
) -> go.Figure:
    """Where the team is now and would prefer to be between each statement's two poles (1..5).

    Each statement is named at the side of its own line, and its two poles in full at the line's
    two ends, under it: the pole at 1 from the left edge, the pole at 5 up to the right edge.
    ``labels[item_id]`` is (statement, pole at 1, pole at 5); withheld items are left out.
    """
    rows = []
    for row in spectrum.to_dict("records"):
        now, preferred = _number(row["now"]), _number(row["preferred"])
        if _flag(row.get("withheld", False)) or (now is None and preferred is None):
            continue
        item_id = str(row["item_id"])
        text, low, high = labels.get(item_id, (item_id, "1", "5"))
        rows.append((text, wrapped(low, POLE_WIDTH), wrapped(high, POLE_WIDTH), now, preferred))
    if not rows:
        return nothing_to_show(title)
    y = _category_labels([r[0] for r in rows], STATEMENT_WIDTH)
    # Each row: the statement's lines centred on its line, the poles' lines under it.
    poles_px = max(max(line_count(low), line_count(high)) for _, low, high, _, _ in rows) * LINE_PX
    band = max(_band_px(y), 2 * (poles_px + 14)) + 12
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for (_, _, _, now, preferred), label in zip(rows, y, strict=True):
        if now is not None and preferred is not None:
            line_x += [now, preferred, None]
            line_y += [label, label, None]
    hover = [
        f"{chart_text(text)}<br>1 = {low.replace('<br>', ' ')}, 5 = {high.replace('<br>', ' ')}"
        for text, low, high, _, _ in rows
    ]
    traces = [
        go.Scatter(
            x=line_x,
            y=line_y,
            mode="lines",
            line={"color": NHS_DARK_GREY, "width": 2},
            name="Shift",
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=[r[3] for r in rows],
            y=y,
            mode="markers",
            name="Now",
            marker={"symbol": "circle", "size": 12, "color": NHS_BLUE},
            hovertext=hover,
            cliponaxis=False,
        ),
        go.Scatter(
            x=[r[4] for r in rows],
            y=y,
            mode="markers",
            name="Preferred",
            marker={
                "symbol": "diamond",
                "size": 12,
                "color": NHS_WARM_YELLOW,
                "line": {"color": NHS_DARK_GREY, "width": 1},
            },
            hovertext=hover,
            cliponaxis=False,
        ),
    ]
    pole = {
        "xref": "x",
        "yref": "y",
        "yanchor": "top",
        "yshift": -10,
        "showarrow": False,
        "font": {"size": LABEL_FONT, "color": NHS_DARK_GREY},
        "bgcolor": "rgba(255, 255, 255, 0.85)",  # no grid line through the words
    }
    annotations = [
        annotation
        for (_, low, high, _, _), label in zip(rows, y, strict=True)
        for annotation in (
            {**pole, "x": 1, "y": label, "xanchor": "left", "align": "left", "text": low},
            {**pole, "x": 5, "y": label, "xanchor": "right", "align": "right", "text": high},
        )
    ]
    return _layout(
        traces,
        title=title,
        plot_px=band * len(rows),
        annotations=annotations,
        xaxis=_axis("Position between the poles", range=[1, 5], tickvals=[1, 2, 3, 4, 5]),
        # Each row a whole band (plotly pads markers less), so the last row's poles stay inside.
        yaxis=_category_axis("Statement", y) | {"range": [len(rows) - 0.5, -0.5], "autorange": False},
    )


# --- accountability -------------------------------------------------------------------------------------


def accountability_bars(
    accountability: pd.DataFrame,
    *,
    function_labels: dict[str, str],
    tier_labels: dict[str, str],
    title: str,
    clarity_flag: float,
) -> go.Figure:
    """Share of the room placing each function at each tier, one 100% bar per function.

    Functions whose clarity (modal tier's share) is under ``clarity_flag`` are marked unclear.
    """
    rows = []
    for row in accountability.to_dict("records"):
        shares = row.get("shares")
        if _flag(row.get("withheld", False)) or not isinstance(shares, dict):
            continue
        if all(_number(v) is None for v in shares.values()):
            continue
        function_id = str(row["function_id"])
        label = function_labels.get(function_id, function_id)
        clarity = _number(row.get("clarity"))
        rows.append((label, clarity is not None and clarity < clarity_flag, shares))
    if not rows:
        return nothing_to_show(title)
    y = _category_labels([f"{label} ⚠ unclear" if flagged else label for label, flagged, _ in rows])
    traces: list[Any] = []
    named = 0
    for position, (tier, tier_label) in enumerate(tier_labels.items()):
        if tier == UNCLEAR:
            colour = NHS_PALE_GREY
        else:
            colour = TIER_COLOURS[named % len(TIER_COLOURS)]
            named += 1
        traces.append(
            go.Bar(
                x=[_number(shares.get(tier)) for _, _, shares in rows],
                y=y,
                orientation="h",
                name=chart_text(tier_label),
                marker=_stacked_marker(colour, position),
                hovertemplate="%{fullData.name}: %{x:.0%}<extra></extra>",  # as in answer_distribution
            )
        )
    return _layout(
        traces,
        title=title,
        plot_px=_rows_px(y),
        barmode="stack",
        xaxis=_axis("Share of answers", range=[0, 1], tickformat=".0%"),
        yaxis=_category_axis("Function", y, top_down=True),
    )


# --- trends across rounds: one small panel per domain --------------------------------------------------

PANEL_PX = 80  # the plot of one small panel
PANEL_COLUMNS = 4  # fits the PDF's column: each panel about 130 pixels wide
# (name, colour, line dash, marker): the two lines of a panel differ in line and marker, not only colour.
TREND_SERIES = (
    ("current", "Now", NHS_BLUE, "solid", "circle"),
    ("target", "Target", NHS_DARK_GREY, "dash", "diamond-open"),
)


def _axis_ref(index: int, letter: str) -> str:
    return letter if index == 0 else f"{letter}{index + 1}"


@functools.lru_cache(maxsize=64)
def _grid_of_panels(rows: int, columns: int, titles: tuple[str, ...], vertical_spacing: float) -> str:
    """make_subplots' layout of a grid of panels, as JSON. Kept by its arguments: it is the same for
    every round of a partnership and every partnership on one bank (a cohort pack draws 42), and
    plotly takes a tenth of a second to work it out."""
    from plotly.subplots import make_subplots

    grid = make_subplots(
        rows=rows,
        cols=columns,
        shared_yaxes=True,
        subplot_titles=titles,
        vertical_spacing=vertical_spacing,
        horizontal_spacing=0.05,
    )
    layout = grid.layout.to_plotly_json()
    layout.pop("template", None)  # plotly's default, which the figure made from this takes again
    return json.dumps(layout)


def _grid_layout(
    rows: int,
    columns: int,
    titles: Sequence[str],
    vertical_spacing: float,
    *,
    looks: dict[str, dict[str, Any]],
    panel_titles: dict[str, Any],
    **more: Any,
) -> dict[str, Any]:
    """The layout of a grid of panels (a fresh copy of ``_grid_of_panels``), each subplot in ``looks``
    given its look over the place the grid gave it, and the panel titles their style. Updating a
    figure panel by panel, each change checked by plotly as it was made, was half or more of the
    trend chart's time (0.25 -> 0.12 s); the figure is made once, from this layout (_layout)."""
    layout: dict[str, Any] = json.loads(_grid_of_panels(rows, columns, tuple(titles), vertical_spacing))
    for name, look in looks.items():
        layout[name] = layout.get(name, {}) | look
    for panel_title in layout.get("annotations", []):
        panel_title |= panel_titles
    return layout | more


def trend_lines(
    trend: pd.DataFrame,
    *,
    scale_labels: Sequence[str],
    title: str,
    version_changes: list[str] | None = None,
) -> go.Figure:
    """Each domain's current level (solid line, filled circles) and target (dashed line, open
    diamonds) round by round, one small panel per domain on the same scale, its name above it:
    fourteen lines on one chart could only be told apart by colour.

    A dotted line marks each round where the question bank changed, as figures either side of it
    were asked with different questions.
    """
    if _nothing_in(*trend["current"], *trend["target"]):
        return nothing_to_show(title)
    ordered = trend.sort_values("held_on", kind="stable")
    rounds = list(dict.fromkeys(ordered["round"].astype(str)))
    domain_ids = list(dict.fromkeys(ordered["domain"].astype(str)))
    titles = dict(zip(ordered["domain"].astype(str), ordered["title"].astype(str), strict=True))
    x = [wrapped(r, ROUND_WIDTH) for r in rounds]  # typed by people: escaped, and whole
    panel_titles = [wrapped(titles[d], PANEL_TITLE_WIDTH) for d in domain_ids]
    columns = min(PANEL_COLUMNS, len(domain_ids))
    rows = -(-len(domain_ids) // columns)
    title_px = max(line_count(t) for t in panel_titles) * LINE_PX + 8
    ticks_px = max(line_count(r) for r in x) * LINE_PX + 10
    gap_px = ticks_px + title_px + 10
    plot_px = rows * PANEL_PX + (rows - 1) * gap_px
    levels = len(scale_labels)
    changes = [c for c in dict.fromkeys(version_changes or []) if c in rounds]
    # Traces, axes and lines are gathered, and the figure made once from them (_grid_layout, _layout).
    traces: list[go.Scatter] = []
    axes: dict[str, Any] = {}
    shapes: list[dict[str, Any]] = []
    for index, domain in enumerate(domain_ids):
        column = index % columns + 1
        part = ordered.loc[ordered["domain"].astype(str) == domain]
        for key, label, colour, dash, symbol in TREND_SERIES:
            values = {str(r): _number(v) for r, v in zip(part["round"], part[key], strict=True)}
            traces.append(
                go.Scatter(
                    x=x,
                    y=[values.get(r) for r in rounds],
                    name=label,
                    legendgroup=label,
                    showlegend=index == 0,
                    mode="lines+markers",
                    line={"color": colour, "dash": dash, "width": 2},
                    marker={"symbol": symbol, "size": 7, "color": colour},
                    connectgaps=False,
                    cliponaxis=False,
                    hovertext=[panel_titles[index].replace("<br>", " ")] * len(x),
                    hoverinfo="text+x+y+name",
                    xaxis=_axis_ref(index, "x"),
                    yaxis=_axis_ref(index, "y"),
                )
            )
        last_row = index + columns >= len(domain_ids)  # no panel under this one
        # Axis titles once: "Round" under the lowest panel of each column, "Level" on the left.
        axes[_axis_ref(index, "x").replace("x", "xaxis")] = _category_axis("Round" if last_row else "", x) | {
            "tickfont": {"size": 10}
        }
        axes[_axis_ref(index, "y").replace("y", "yaxis")] = _scale_axis(
            "Level" if column == 1 else "", scale_labels, range=[0.7, levels + 0.3]
        ) | {"tickfont": {"size": 10}}
        shapes += [
            {
                "type": "line",
                "xref": _axis_ref(index, "x"),
                "yref": f"{_axis_ref(index, 'y')} domain",
                "x0": wrapped(change, ROUND_WIDTH),
                "x1": wrapped(change, ROUND_WIDTH),
                "y0": 0,
                "y1": 1,
                "line": {"color": NHS_DARK_GREY, "dash": "dot", "width": 1.5},
            }
            for change in changes
        ]
    if changes:
        # The dotted line's meaning, in the legend beside the others.
        traces.append(
            go.Scatter(
                x=[None],
                y=[None],
                name="Question bank changed",
                mode="lines",
                line={"color": NHS_DARK_GREY, "dash": "dot", "width": 1.5},
                showlegend=True,
            )
        )
    layout = _grid_layout(
        rows,
        columns,
        panel_titles,
        gap_px / plot_px if rows > 1 else 0.0,
        looks=axes,
        panel_titles={"font": {"size": LABEL_FONT + 1, "color": NHS_TEXT}, "yanchor": "bottom"},
        **({"shapes": shapes} if shapes else {}),
    )
    # The first row's names sit above its panels, under the title.
    return _layout(
        traces, title=title, plot_px=plot_px, below_px=ticks_px + 24, top_px=TOP_PX + title_px, grid=layout
    )


# --- cohorts -------------------------------------------------------------------------------------------


def cohort_heatmap(
    domains: pd.DataFrame, median: pd.DataFrame, *, scale_labels: Sequence[str], title: str
) -> go.Figure:
    """Partnerships (rows) by domains (columns, numbered with the key under the chart), latest
    round, with the cohort median as the last row.

    ``domains``: name, domain, title, current; ``median``: domain, title, current. A withheld
    figure is an empty cell labelled "withheld", never a colour that reads as a level.
    """
    order = list(dict.fromkeys(median["domain"].astype(str))) or list(
        dict.fromkeys(domains["domain"].astype(str))
    )
    titles = dict(zip(domains["domain"].astype(str), domains["title"].astype(str), strict=False))
    titles.update(dict(zip(median["domain"].astype(str), median["title"].astype(str), strict=False)))
    names = list(dict.fromkeys(domains["name"].astype(str)))
    grid = domains.assign(domain=domains["domain"].astype(str), name=domains["name"].astype(str)).pivot_table(
        index="name", columns="domain", values="current", aggfunc="first", dropna=False
    )
    grid = grid.reindex(index=names, columns=order)
    cohort_row = (
        median.assign(domain=median["domain"].astype(str)).set_index("domain")["current"].reindex(order)
    )
    z = [[_number(v) for v in row] for row in grid.to_numpy()] + [[_number(v) for v in cohort_row.to_numpy()]]
    if _nothing_in(*(v for row in z for v in row)):
        return nothing_to_show(title)
    rows = [*_category_labels(names), "Cohort median"]
    columns = spoke_labels(len(order))
    full = [chart_text(titles.get(d, d)) for d in order]
    text = [["withheld" if v is None else f"{v:.1f}" for v in row] for row in z]
    heat = go.Heatmap(
        z=z,
        x=columns,
        y=rows,
        text=text,
        texttemplate="%{text}",
        zmin=1,
        zmax=len(scale_labels),
        # light to mid blue, so the dark figures printed in every cell stay readable (WCAG AA)
        colorscale=[[0.0, "#F0F4F5"], [0.5, "#A6D7F0"], [1.0, "#41B6E6"]],
        colorbar={
            "tickvals": list(range(1, len(scale_labels) + 1)),
            "ticktext": [chart_text(label) for label in scale_labels],
        },
        hoverongaps=False,
        customdata=[full for _ in rows],
        hovertemplate="%{y}<br>%{customdata}: %{text}<extra></extra>",
    )
    return _layout(
        [heat],
        title=title,
        plot_px=_rows_px(rows, at_least=160),
        key=domain_key([titles.get(d, d) for d in order]),
        xaxis=_category_axis("Domain (numbered as in the key)", columns),
        yaxis=_category_axis("Partnership", rows, top_down=True),
    )


def cohort_distribution(domains: pd.DataFrame, *, scale_labels: Sequence[str], title: str) -> go.Figure:
    """Per domain (a row each, named in full), every shown partnership's current level as a point
    over a box: the spread across the cohort, not only its average. Withheld partnerships are absent."""
    shown = domains.dropna(subset=["current"])
    if shown.empty:
        return nothing_to_show(title)
    order = list(dict.fromkeys(domains["title"].astype(str)))
    labels = _category_labels(order)
    traces: list[Any] = []
    for domain_title, label in zip(order, labels, strict=True):
        values = shown.loc[shown["title"].astype(str) == domain_title]
        traces.append(
            go.Box(
                x=values["current"].astype(float).tolist(),
                y=[label] * len(values),
                text=[chart_text(name) for name in values["name"].astype(str)],
                name=label,
                orientation="h",
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": NHS_BLUE, "size": 6},
                line={"color": NHS_DARK_GREY},
                fillcolor="rgba(0,94,184,0.08)",
                showlegend=False,
                hovertemplate="%{text}: %{x:.2f}<extra></extra>",
            )
        )
    return _layout(
        traces,
        title=title,
        plot_px=_rows_px(labels),
        showlegend=False,
        xaxis=_scale_axis("Current level", scale_labels),
        yaxis=_category_axis("Domain", labels, top_down=True),
    )


SMALL_RADAR_PX = 190  # the plot of one partnership's radar, as wide as it is high
SMALL_RADAR_WIDTH = 250  # the whole figure: three to a row beside the menu at 1280 px, one on a phone
PARTNERSHIP_TITLE_WIDTH = 28


def cohort_radars(domains: pd.DataFrame, *, scale_labels: Sequence[str]) -> list[tuple[str, go.Figure]]:
    """A small radar per partnership, each its own figure (current solid, target dashed), on the
    same scale and with its spokes numbered as on the team's radar (the page shows the key once).
    Separate figures, not one grid, so the screen lays them out to its width: three or more to a row on a
    projector, one on a phone, each as legible as the others."""
    domain_titles = list(dict.fromkeys(domains["title"].astype(str)))
    polar = {
        "radialaxis": {
            "range": [1, len(scale_labels)],
            "showticklabels": False,
            "showline": False,
            "ticks": "",
        },
        "angularaxis": {
            "type": "category",
            "categoryarray": spoke_labels(len(domain_titles)),
            "direction": "clockwise",
            "rotation": 90,
            "tickfont": {"size": LABEL_FONT, "color": NHS_DARK_GREY},
        },
    }
    radars = []
    for name, part in domains.groupby(domains["name"].astype(str), sort=False):
        theta = [str(domain_titles.index(t) + 1) for t in part["title"].astype(str)]
        hover = [chart_text(t) for t in part["title"].astype(str)]
        traces = []
        for column, colour, dash, label in (
            ("current", NHS_BLUE, "solid", "Now"),
            ("target", NHS_WARM_YELLOW, "dash", "Target"),
        ):
            values = [_number(v) for v in part[column]]
            traces.append(
                {
                    "type": "scatterpolar",
                    "r": [*values, values[0]] if values else [],
                    "theta": [*theta, theta[0]] if theta else [],
                    "mode": "lines",
                    "line": {"color": colour, "dash": dash, "width": 2},
                    "name": label,
                    "connectgaps": False,
                    "hovertext": [*hover, hover[0]] if hover else [],
                    "hoverinfo": "text+r+name",
                }
            )
        title = wrapped(name, PARTNERSHIP_TITLE_WIDTH)
        top_px = line_count(title) * LINE_PX + 36
        bottom_px = LEGEND_ROW_PX + 40  # the spoke at the bottom carries its number below the circle
        layout = {
            "title": {"text": title, "font": {"size": 14}, "x": 0.5, "xanchor": "center"},
            "font": {"family": FONT, "size": 12, "color": NHS_TEXT},
            "polar": polar,
            "legend": {"orientation": "h", "yref": "container", "y": 0, "x": 0.5, "xanchor": "center"},
            "margin": {"l": 30, "r": 30, "t": top_px, "b": bottom_px},
            "width": SMALL_RADAR_WIDTH,
            "height": top_px + SMALL_RADAR_PX + bottom_px,
            "paper_bgcolor": "white",
        }
        radars.append((name, unchecked_figure(traces, layout)))
    return radars
