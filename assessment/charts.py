"""Plotly figure builders: one definition serves the screen and the PDF.

Colours come from the NHS identity palette and are told apart by line style and markers too,
so a figure still reads in greyscale or for a colour-blind reader. Every figure has a table
beside it on screen; these builders take plain data so tests can check what is drawn.

Plotly reads a subset of HTML in every piece of text it draws (links, styles, line breaks), so
every string that reaches a figure goes through ``chart_text`` here, in the builders: callers pass
text as typed, and a partnership called ``<a href=...>`` is drawn as those characters, never as a
link, on screen and in the PDF alike.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from assessment.limits import without_bidi_controls

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#FFB81C"
NHS_DARK_GREY = "#425563"
NHS_AQUA_GREEN = "#00A499"
FONT = "Arial, Helvetica, sans-serif"


RADAR_LABEL_LIMIT = 16


def short_label(text: str, limit: int = 24) -> str:
    """Axis labels must fit a phone and an A4 column; the full names are in the table beside."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chart_text(text: object) -> str:
    """Text as a figure must be given it: ``&``, ``<`` and ``>`` as entities, which plotly draws
    as the characters, and no bidirectional controls (an unmatched right-to-left override would
    reverse the rest of a label). Shorten first, then escape, so no entity is ever cut in half."""
    return html.escape(without_bidi_controls(str(text)), quote=False)


def _short_text(text: object, limit: int = 24) -> str:
    return chart_text(short_label(str(text), limit))


# Short lines: the panel must fit the half-width radar of the PDF's first page as well as a phone.
NOTHING_TO_SHOW = (
    "Nothing to show here:<br>every answer was “don't know”, or the figures<br>"
    "are withheld because too few people gave them."
)


def nothing_to_show(title: str, message: str = NOTHING_TO_SHOW) -> go.Figure:
    """A panel saying why there is no chart, in place of empty axes (which read as a broken
    chart, and which plotly cannot always scale when there is no value to fit them to)."""
    figure = go.Figure()
    figure.update_layout(
        title={"text": chart_text(title), "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": "#212B32"},
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#425563"},
            }
        ],
        height=220,
        margin={"l": 40, "r": 40, "t": 60, "b": 40},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    return figure


def _nothing_in(*values: object) -> bool:
    """True when not one of the values is a figure that could be drawn."""
    return all(_number(value) is None for value in values)


def domain_radar(
    domains: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    scale_labels: Sequence[str],
    title: str,
) -> go.Figure:
    """Current, target (and any other series) per domain on the maturity scale, 1 at the centre.

    A domain with no figure (withheld or not answered) is left as a gap, never drawn as zero.
    """
    if _nothing_in(*(v for values in series.values() for v in values)):
        return nothing_to_show(title)
    styles = [
        (NHS_BLUE, "solid", "circle"),
        (NHS_WARM_YELLOW, "dash", "diamond"),
        (NHS_AQUA_GREEN, "dot", "square"),
        (NHS_DARK_GREY, "dashdot", "x"),
    ]
    figure = go.Figure()
    # Short names and wide side margins: angular labels sit outside the circle and must fit a
    # 390-pixel phone as well as an A4 column; the table beside the chart has the full names.
    names = [_short_text(d, RADAR_LABEL_LIMIT) for d in domains]
    closed = [*names, names[0]] if names else []
    for (name, values), (colour, dash, marker) in zip(series.items(), styles, strict=False):
        points = [*values, values[0]] if values else []
        figure.add_trace(
            go.Scatterpolar(
                r=points,
                theta=closed,
                name=chart_text(name),
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": marker, "size": 7},
                connectgaps=False,
            )
        )
    figure.update_layout(
        title={"text": chart_text(title), "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": "#212B32"},
        polar={
            "radialaxis": {
                "range": [1, len(scale_labels)],
                "tickvals": list(range(1, len(scale_labels) + 1)),
                "ticktext": [chart_text(label) for label in scale_labels],
                "angle": 90,
                "tickfont": {"size": 10},
            }
        },
        legend={"orientation": "h", "y": -0.1},
        margin={"l": 90, "r": 90, "t": 60, "b": 40},
        paper_bgcolor="white",
    )
    return figure


# --- shared styling ---------------------------------------------------------------------------------

NHS_PALE_GREY = "#AEB7BD"
NHS_PINK = "#AE2573"
NHS_PURPLE = "#330072"
NHS_DARK_GREEN = "#006747"
NHS_TEXT = "#212B32"
GRID = "#D8DDE0"
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


def _flag(value: object) -> bool:
    return bool(value) if _number(value) is not None or isinstance(value, bool) else False


def _unique_labels(texts: Sequence[str]) -> list[str]:
    """Shortened labels, kept distinct (two bars sharing a category would be drawn as one), and
    escaped for the figure (escaping keeps distinct labels distinct)."""
    seen: dict[str, int] = {}
    labels = []
    for text in texts:
        label = short_label(text)
        seen[label] = seen.get(label, 0) + 1
        labels.append(chart_text(label if seen[label] == 1 else f"{label} ({seen[label]})"))
    return labels


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


def _layout(figure: go.Figure, *, title: str, **extra: Any) -> go.Figure:
    # The legend sits at the foot of the whole figure (container coordinates) with room kept for
    # it, so a many-entry legend never lies over the axis labels or the bars.
    entries = sum(1 for trace in figure.data if trace.showlegend is not False)
    legend_rows = max(1, -(-entries // 4))
    figure.update_layout(
        title={"text": chart_text(title), "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": NHS_TEXT},
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "x": 0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        margin={"l": 60, "r": 40, "t": 60, "b": 50 + 24 * legend_rows},
        paper_bgcolor="white",
        plot_bgcolor="white",
        **extra,
    )
    return figure


def _stacked_marker(colour: str, position: int) -> dict[str, Any]:
    """A segment of a stacked bar: its colour, a white edge, and a pattern so it reads in grey."""
    return {
        "color": colour,
        "line": {"color": "white", "width": 1},
        "pattern": {"shape": PATTERNS[position % len(PATTERNS)], "solidity": 0.25},
    }


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": chart_text(title)},
        "gridcolor": GRID,
        "linecolor": NHS_DARK_GREY,
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def _scale_axis(title: str, scale_labels: Sequence[str]) -> dict[str, Any]:
    levels = len(scale_labels)
    return _axis(
        title,
        range=[1, levels],
        tickvals=list(range(1, levels + 1)),
        ticktext=[chart_text(label) for label in scale_labels],
    )


def _category_axis(title: str, categories: Sequence[str], *, top_down: bool = False) -> dict[str, Any]:
    # type="category": a first trace of only gaps (a withheld sector) would otherwise make plotly
    # choose a numeric axis, on which no name can be placed.
    extra: dict[str, Any] = {"type": "category", "categoryorder": "array", "categoryarray": list(categories)}
    if top_down:
        extra["autorange"] = "reversed"  # the first row is drawn at the top
    return _axis(title, **extra)


# --- radar with the spread of the room --------------------------------------------------------------


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
    figure = domain_radar(
        titles,
        {
            "Team now": [_number(v) for v in domains["current"]],
            "Team target": [_number(v) for v in domains["target"]],
        },
        scale_labels=scale_labels,
        title=title,
    )
    names = [_short_text(t, RADAR_LABEL_LIMIT) for t in titles]
    closed = [*names, names[0]] if names else []
    lines = list(figure.data)
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
            ),
        ]
    extra: list[go.Scatterpolar] = []
    if consensus is not None:
        extra.append(
            go.Scatterpolar(
                r=[_number(consensus.get(str(d))) for d in domains["domain"]],
                theta=names,
                name="Agreed in the room",
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 12,
                    "color": NHS_DARK_BLUE,
                    "line": {"color": "white", "width": 1},
                },
            )
        )
    # The band goes underneath so the team's lines stay legible over it.
    figure.data = ()
    for trace in [*band, *lines, *extra]:
        figure.add_trace(trace)
    figure.update_layout(plot_bgcolor="white", legend={"y": -0.12, "yanchor": "top", "x": 0})
    return figure


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
    shown = _unique_labels(labels)
    figure = go.Figure(
        go.Bar(
            x=list(values),
            y=shown,
            orientation="h",
            name=name,
            text=[f"{v:.1f}" for v in values],
            textposition="auto",
            marker={"color": NHS_BLUE, "line": {"color": NHS_DARK_BLUE, "width": 1}},
            hovertext=[chart_text(h) for h in hover],
            hoverinfo="text+x",
            cliponaxis=False,
        )
    )
    return _layout(
        figure,
        title=title,
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
    shown = _unique_labels(items)
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
    figure = go.Figure()
    for position, (label, colour) in enumerate(zip(scale_labels, colours, strict=True)):
        level = position + 1
        values = [found.get((item, level)) for item in items]
        figure.add_trace(
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
        figure,
        title=title,
        barmode="stack",
        xaxis=_axis("Answers", rangemode="tozero", dtick=1),
        yaxis=_category_axis("Question", shown, top_down=True),
    )


# --- sector lens ------------------------------------------------------------------------------------


def sector_lens(
    sectors: pd.DataFrame,
    *,
    sector_labels: dict[str, str],
    scale_labels: Sequence[str],
    title: str,
) -> go.Figure:
    """Each sector's current level per domain; withheld figures are gaps, never points."""
    domain_ids = list(dict.fromkeys(sectors["domain"].astype(str)))
    titles = dict(zip(sectors["domain"].astype(str), sectors["title"].astype(str), strict=True))
    x = _unique_labels([titles[d] for d in domain_ids])
    visible = (
        sectors.loc[~sectors["withheld"].fillna(True).astype(bool)] if "withheld" in sectors else sectors
    )
    if _nothing_in(*visible["current"]):
        return nothing_to_show(title)
    figure = go.Figure()
    for index, sector in enumerate(dict.fromkeys(sectors["sector"].astype(str))):
        rows = sectors.loc[sectors["sector"].astype(str) == sector]
        label = chart_text(sector_labels.get(sector, sector))
        withheld = rows["withheld"].fillna(True).astype(bool) if "withheld" in rows else None
        shown = rows if withheld is None else rows.loc[~withheld]
        if shown.empty:
            # Still in the legend, so the room sees the sector was there but too small to show.
            figure.add_trace(
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
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[by_domain.get(d) for d in domain_ids],
                name=label,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": marker, "size": 9, "color": colour},
                connectgaps=False,
                cliponaxis=False,
            )
        )
    return _layout(
        figure,
        title=title,
        xaxis=_category_axis("Domain", x),
        yaxis=_scale_axis("Current level", scale_labels),
    )


# --- spectrum -----------------------------------------------------------------------------------------


def spectrum_dumbbells(
    spectrum: pd.DataFrame, *, labels: dict[str, tuple[str, str, str]], title: str
) -> go.Figure:
    """Where the team is now and would prefer to be between each statement's two poles (1..5).

    ``labels[item_id]`` is (statement, pole at 1, pole at 5); withheld items are left out.
    """
    rows = []
    for row in spectrum.to_dict("records"):
        now, preferred = _number(row["now"]), _number(row["preferred"])
        if _flag(row.get("withheld", False)) or (now is None and preferred is None):
            continue
        item_id = str(row["item_id"])
        text, low, high = labels.get(item_id, (item_id, "1", "5"))
        rows.append((item_id, text, chart_text(low), chart_text(high), now, preferred))
    if not rows:
        return nothing_to_show(title)
    y = _unique_labels([r[1] for r in rows])
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for (_, _, _, _, now, preferred), label in zip(rows, y, strict=True):
        if now is not None and preferred is not None:
            line_x += [now, preferred, None]
            line_y += [label, label, None]
    hover = [f"{chart_text(text)}<br>1 = {low}, 5 = {high}" for _, text, low, high, _, _ in rows]
    figure = go.Figure(
        [
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
                x=[r[4] for r in rows],
                y=y,
                mode="markers",
                name="Now",
                marker={"symbol": "circle", "size": 12, "color": NHS_BLUE},
                hovertext=hover,
                cliponaxis=False,
            ),
            go.Scatter(
                x=[r[5] for r in rows],
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
    )
    ticktext = ["1", "2", "3", "4", "5"]
    annotations: list[dict[str, Any]] = []
    if len(rows) == 1:
        _, _, low, high, _, _ = rows[0]
        ticktext = [f"1 ({low})", "2", "3", "4", f"5 ({high})"]
    elif rows:
        _, _, low, high, _, _ = rows[0]
        common = {"xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False}
        annotations = [
            {**common, "x": 1, "xanchor": "left", "text": f"← {low}"},
            {**common, "x": 5, "xanchor": "right", "text": f"{high} →"},
        ]
    return _layout(
        figure,
        title=title,
        annotations=annotations,
        xaxis=_axis("Position between the poles", range=[1, 5], tickvals=[1, 2, 3, 4, 5], ticktext=ticktext),
        yaxis=_category_axis("Statement", y, top_down=True),
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
    shown = _unique_labels([label for label, _, _ in rows])
    y = [
        f"{label} ⚠ unclear" if flagged else label for label, (_, flagged, _) in zip(shown, rows, strict=True)
    ]
    figure = go.Figure()
    named = 0
    for position, (tier, tier_label) in enumerate(tier_labels.items()):
        if tier == UNCLEAR:
            colour = NHS_PALE_GREY
        else:
            colour = TIER_COLOURS[named % len(TIER_COLOURS)]
            named += 1
        figure.add_trace(
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
        figure,
        title=title,
        barmode="stack",
        xaxis=_axis("Share of answers", range=[0, 1], tickformat=".0%"),
        yaxis=_category_axis("Function", y, top_down=True),
    )


# --- trends across rounds -----------------------------------------------------------------------------


def trend_lines(
    trend: pd.DataFrame,
    *,
    scale_labels: Sequence[str],
    title: str,
    version_changes: list[str] | None = None,
) -> go.Figure:
    """Each domain's current level round by round; with one domain, its target too (dashed).

    A dotted line marks each round where the question bank changed, as figures either side of it
    were asked with different questions.
    """
    if _nothing_in(*trend["current"], *trend["target"]):
        return nothing_to_show(title)
    ordered = trend.sort_values("held_on", kind="stable")
    rounds = list(dict.fromkeys(ordered["round"].astype(str)))
    domain_ids = list(dict.fromkeys(ordered["domain"].astype(str)))
    titles = dict(zip(ordered["domain"].astype(str), ordered["title"].astype(str), strict=True))
    names = _unique_labels([titles[d] for d in domain_ids])
    x = [chart_text(r) for r in rounds]  # round labels are typed by people: the axis shows them escaped
    figure = go.Figure()
    for index, (domain, name) in enumerate(zip(domain_ids, names, strict=True)):
        rows = ordered.loc[ordered["domain"].astype(str) == domain]
        current = {str(r): _number(v) for r, v in zip(rows["round"], rows["current"], strict=True)}
        colour, _, marker = _style(index)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[current.get(r) for r in rounds],
                name=name if len(domain_ids) > 1 else f"{name}: now",
                mode="lines+markers",
                line={"color": colour, "dash": "solid", "width": 2},
                marker={"symbol": marker, "size": 9, "color": colour},
                connectgaps=False,
                cliponaxis=False,
            )
        )
        if len(domain_ids) == 1:
            target = {str(r): _number(v) for r, v in zip(rows["round"], rows["target"], strict=True)}
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=[target.get(r) for r in rounds],
                    name=f"{name}: target",
                    mode="lines+markers",
                    line={"color": NHS_WARM_YELLOW, "dash": "dash", "width": 2},
                    marker={"symbol": "diamond-open", "size": 9, "color": NHS_DARK_GREY},
                    connectgaps=False,
                    cliponaxis=False,
                )
            )
    shapes, annotations = [], []
    for change in dict.fromkeys(version_changes or []):
        if change not in rounds:
            continue
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": chart_text(change),
                "x1": chart_text(change),
                "y0": 0,
                "y1": 1,
                "line": {"color": NHS_DARK_GREY, "dash": "dot", "width": 1.5},
            }
        )
        annotations.append(
            {
                "xref": "x",
                "yref": "paper",
                "x": chart_text(change),
                "y": 1,
                "yanchor": "bottom",
                "text": "question bank changed",
                "showarrow": False,
                "font": {"size": 10},
            }
        )
    return _layout(
        figure,
        title=title,
        shapes=shapes,
        annotations=annotations,
        xaxis=_category_axis("Round", x),
        yaxis=_scale_axis("Level", scale_labels),
    )


# --- cohorts -------------------------------------------------------------------------------------------


def cohort_heatmap(
    domains: pd.DataFrame, median: pd.DataFrame, *, scale_labels: Sequence[str], title: str
) -> go.Figure:
    """Partnerships (rows) by domains (columns), latest round, with the cohort median as the last row.

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
    rows = [*(chart_text(n) for n in names), "Cohort median"]
    columns = [_short_text(titles.get(d, d), 18) for d in order]
    text = [["withheld" if v is None else f"{v:.1f}" for v in row] for row in z]
    figure = go.Figure(
        go.Heatmap(
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
        )
    )
    figure.update_layout(height=max(320, 90 + 26 * len(rows)))
    return _layout(
        figure,
        title=title,
        xaxis=_category_axis("Domain", columns),
        yaxis=_category_axis("Partnership", rows, top_down=True),
    )


def cohort_distribution(domains: pd.DataFrame, *, scale_labels: Sequence[str], title: str) -> go.Figure:
    """Per domain, every shown partnership's current level as a point over a box: the spread
    across the cohort, not only its average. Withheld partnerships are absent."""
    shown = domains.dropna(subset=["current"])
    if shown.empty:
        return nothing_to_show(title)
    order = list(dict.fromkeys(domains["title"].astype(str)))
    figure = go.Figure()
    for domain_title in order:
        values = shown.loc[shown["title"].astype(str) == domain_title]
        figure.add_trace(
            go.Box(
                y=values["current"].astype(float).tolist(),
                x=[_short_text(domain_title, 18)] * len(values),
                text=[chart_text(name) for name in values["name"].astype(str)],
                name=_short_text(domain_title, 18),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": NHS_BLUE, "size": 6},
                line={"color": NHS_DARK_GREY},
                fillcolor="rgba(0,94,184,0.08)",
                showlegend=False,
                hovertemplate="%{text}: %{y:.2f}<extra></extra>",
            )
        )
    return _layout(
        figure,
        title=title,
        xaxis=_category_axis("Domain", [_short_text(t, 18) for t in order]),
        yaxis=_scale_axis("Current level", scale_labels),
    )


def cohort_small_multiples(
    domains: pd.DataFrame, *, scale_labels: Sequence[str], title: str, columns: int = 4
) -> go.Figure:
    """One small radar per partnership on the same scale (current solid, target dashed)."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(domains["name"].astype(str)))
    rows = max(1, -(-len(names) // columns))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        specs=[[{"type": "polar"}] * columns for _ in range(rows)],
        subplot_titles=[_short_text(n, 28) for n in names],
        vertical_spacing=0.08 / max(1, rows / 3),
    )
    for index, name in enumerate(names):
        part = domains.loc[domains["name"].astype(str) == name]
        theta = [_short_text(t, 10) for t in part["title"].astype(str)]
        for column, (colour, dash, label) in (
            ("current", (NHS_BLUE, "solid", "Now")),
            ("target", (NHS_WARM_YELLOW, "dash", "Target")),
        ):
            values = [_number(v) for v in part[column]]
            figure.add_trace(
                go.Scatterpolar(
                    r=[*values, values[0]] if values else [],
                    theta=[*theta, theta[0]] if theta else [],
                    mode="lines",
                    line={"color": colour, "dash": dash, "width": 1.5},
                    name=label,
                    legendgroup=label,
                    showlegend=index == 0,
                    connectgaps=False,
                ),
                row=index // columns + 1,
                col=index % columns + 1,
            )
    polar = {
        "radialaxis": {"range": [1, len(scale_labels)], "showticklabels": False},
        "angularaxis": {"showticklabels": False},
    }
    figure.update_polars(**polar)
    figure.update_layout(height=260 * rows + 80)
    return _layout(figure, title=title)
