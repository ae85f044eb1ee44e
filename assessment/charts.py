"""Plotly figure builders: one definition serves the screen and the PDF.

Colours come from the NHS identity palette and are told apart by line style and markers too,
so a figure still reads in greyscale or for a colour-blind reader. Every figure has a table
beside it on screen; these builders take plain data so tests can check what is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#FFB81C"
NHS_DARK_GREY = "#425563"
NHS_AQUA_GREEN = "#00A499"
FONT = "Arial, Helvetica, sans-serif"


def short_label(text: str, limit: int = 24) -> str:
    """Axis labels must fit a phone and an A4 column; the full names are in the table beside."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    styles = [
        (NHS_BLUE, "solid", "circle"),
        (NHS_WARM_YELLOW, "dash", "diamond"),
        (NHS_AQUA_GREEN, "dot", "square"),
        (NHS_DARK_GREY, "dashdot", "x"),
    ]
    figure = go.Figure()
    names = [short_label(d) for d in domains]
    closed = [*names, names[0]] if names else []
    for (name, values), (colour, dash, marker) in zip(series.items(), styles, strict=False):
        points = [*values, values[0]] if values else []
        figure.add_trace(
            go.Scatterpolar(
                r=points,
                theta=closed,
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": marker, "size": 7},
                connectgaps=False,
            )
        )
    figure.update_layout(
        title={"text": title, "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": "#212B32"},
        polar={
            "radialaxis": {
                "range": [1, len(scale_labels)],
                "tickvals": list(range(1, len(scale_labels) + 1)),
                "ticktext": list(scale_labels),
                "angle": 90,
                "tickfont": {"size": 10},
            }
        },
        legend={"orientation": "h", "y": -0.1},
        margin={"l": 60, "r": 60, "t": 60, "b": 40},
        paper_bgcolor="white",
    )
    return figure
