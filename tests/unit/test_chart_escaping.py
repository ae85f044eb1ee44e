"""No text a person typed reaches a chart as markup: plotly draws a subset of HTML (links, styles,
line breaks) in every label, tick, hover text, title, legend and annotation, so every builder
escapes what it is given. Checked over hostile strings from hypothesis and the corpus."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import charts
from assessment.limits import BIDI_CONTROLS
from tests.corpus import hostile_strings

# The only markup the builders write themselves.
OWN_TAGS = re.compile(r"<br>|<extra></extra>")
ENTITY = re.compile(r"&(amp|lt|gt|#[0-9]+|#x[0-9a-fA-F]+);")

Texts = Callable[[int], str]  # the n-th user string of one test case


def radar(t: Texts) -> go.Figure:
    return charts.domain_radar(
        [t(0), t(1)], {t(2): [1.0, 2.0], t(3): [2.0, None]}, scale_labels=[t(4), t(5), t(6)], title=t(7)
    )


def radar_with_spread(t: Texts) -> go.Figure:
    domains = pd.DataFrame(
        {
            "domain": ["a", "b"],
            "title": [t(0), t(1)],
            "current": [1.5, 2.0],
            "target": [3.0, 3.0],
            "q1": [1.0, 1.5],
            "q3": [2.0, 2.5],
        }
    )
    return charts.domain_radar_with_spread(
        domains, scale_labels=[t(2), t(3), t(4), t(5)], title=t(6), consensus={"a": 2.0}
    )


def gaps(t: Texts) -> go.Figure:
    rows = pd.DataFrame({"title": [t(0), t(1), t(0)], "gap": [1.0, 0.5, 0.25]})
    return charts.gaps_ranked(rows, label_column="title", title=t(2))


def perception(t: Texts) -> go.Figure:
    frame = pd.DataFrame({"domain": ["a", "b"], "gap": [1.0, 0.5], "sectors": [3, 2]})
    return charts.perception_gaps(frame, titles={"a": t(0), "b": t(1)}, title=t(2))


def distribution(t: Texts) -> go.Figure:
    counts = pd.DataFrame(
        {
            "item_id": ["q1"] * 3 + ["q2"] * 3,
            "item_label": [t(0)] * 3 + [t(1)] * 3,
            "level": [1, 2, 3] * 2,
            "count": [1, 2, 0, 0, 1, 3],
        }
    )
    return charts.answer_distribution(counts, scale_labels=[t(2), t(3), t(4)], title=t(5))


def lens(t: Texts) -> go.Figure:
    frame = pd.DataFrame(
        {
            "sector": ["s1", "s1", "s2", "s2"],
            "domain": ["a", "b", "a", "b"],
            "title": [t(0), t(1), t(0), t(1)],
            "current": [1.0, 2.0, None, None],
            "withheld": [False, False, True, True],
        }
    )
    return charts.sector_lens(
        frame, sector_labels={"s1": t(2), "s2": t(3)}, scale_labels=[t(4), t(5), t(6)], title=t(7)
    )


def spectrum(t: Texts) -> go.Figure:
    frame = pd.DataFrame(
        {"item_id": ["x", "y"], "now": [2.0, 3.0], "preferred": [4.0, 3.5], "withheld": [False, False]}
    )
    labels = {"x": (t(0), t(1), t(2)), "y": (t(3), t(4), t(5))}
    return charts.spectrum_dumbbells(frame, labels=labels, title=t(6))


def spectrum_one(t: Texts) -> go.Figure:
    frame = pd.DataFrame({"item_id": ["x"], "now": [2.0], "preferred": [4.0], "withheld": [False]})
    return charts.spectrum_dumbbells(frame, labels={"x": (t(0), t(1), t(2))}, title=t(3))


def accountability(t: Texts) -> go.Figure:
    frame = pd.DataFrame(
        {
            "function_id": ["f1", "f2"],
            "shares": [{"ics": 0.5, "unclear": 0.5}, {"ics": 1.0, "unclear": 0.0}],
            "clarity": [0.5, 1.0],
            "withheld": [False, False],
        }
    )
    return charts.accountability_bars(
        frame,
        function_labels={"f1": t(0), "f2": t(1)},
        tier_labels={"ics": t(2), "unclear": t(3)},
        title=t(4),
        clarity_flag=0.6,
    )


def trend(t: Texts, *, domains: int = 2) -> go.Figure:
    rows = []
    for number, (label, held_on) in enumerate(((t(0), date(2026, 1, 1)), (t(1), date(2026, 6, 1)))):
        for index in range(domains):
            rows.append(
                {
                    "held_on": held_on,
                    "round": label,
                    "domain": f"d{index}",
                    "title": t(2 + index),
                    "current": 1.0 + number,
                    "target": 3.0,
                }
            )
    return charts.trend_lines(
        pd.DataFrame(rows), scale_labels=[t(5), t(6), t(7)], title=t(8), version_changes=[t(1)]
    )


def heatmap(t: Texts) -> go.Figure:
    domains = pd.DataFrame(
        {
            "name": [t(0), t(0), t(1), t(1)],
            "domain": ["a", "b", "a", "b"],
            "title": [t(2), t(3), t(2), t(3)],
            "current": [1.0, 2.0, None, 3.0],
        }
    )
    median = pd.DataFrame({"domain": ["a", "b"], "title": [t(2), t(3)], "current": [1.0, 2.5]})
    return charts.cohort_heatmap(domains, median, scale_labels=[t(4), t(5), t(6)], title=t(7))


def cohort_spread(t: Texts) -> go.Figure:
    domains = pd.DataFrame(
        {"name": [t(0), t(1), t(0)], "title": [t(2), t(2), t(3)], "current": [1.0, 2.0, 3.0], "target": 3.0}
    )
    return charts.cohort_distribution(domains, scale_labels=[t(4), t(5), t(6)], title=t(7))


def small_radar(t: Texts) -> go.Figure:
    domains = pd.DataFrame(
        {
            "name": [t(0), t(0), t(1), t(1)],
            "title": [t(2), t(3), t(2), t(3)],
            "current": [1.0, 2.0, 2.0, 3.0],
            "target": [3.0, 3.0, 3.0, 3.0],
        }
    )
    (_, first), _ = charts.cohort_radars(domains, scale_labels=[t(4), t(5), t(6)])
    return first


BUILDERS: dict[str, Callable[[Texts], go.Figure]] = {
    "radar": radar,
    "radar with spread": radar_with_spread,
    "gaps": gaps,
    "perception gaps": perception,
    "answer distribution": distribution,
    "sector lens": lens,
    "spectrum": spectrum,
    "spectrum of one statement": spectrum_one,
    "accountability": accountability,
    "trend": trend,
    "trend of one domain": lambda t: trend(t, domains=1),
    "cohort heatmap": heatmap,
    "cohort distribution": cohort_spread,
    "cohort radar": small_radar,
}


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a figure's JSON: data, layout, templates, annotations."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
    elif isinstance(value, np.ndarray) and value.dtype == object:
        for item in value.ravel():
            yield from strings(item)


def assert_no_markup(figure: go.Figure) -> None:
    layout = figure.to_plotly_json()
    layout["layout"].pop("template", None)  # plotly's own theme, not text we gave it
    for text in strings(layout):
        bare = OWN_TAGS.sub("", text)
        assert "<" not in bare and ">" not in bare, f"unescaped markup in {text!r}"
        assert "&" not in ENTITY.sub("", bare), f"an ampersand that is not an entity in {text!r}"
        assert not set(BIDI_CONTROLS) & set(text), f"a bidirectional control in {text!r}"


def texts_from(pool: list[str]) -> Texts:
    # Each slot gets a distinct string, so categories stay distinct as the builders expect.
    return lambda n: f"{pool[n % len(pool)]} {n}"


# Pieces of markup and the characters that make it, joined in any order: links, styles, line
# breaks, entities, template fields and bidirectional controls.
PIECES = [
    *"<>&\"'%{}/=ab ",
    *BIDI_CONTROLS,
    "<a href='https://evil.example'>",
    "<span style='color:red'>",
    "&amp;",
    "<br>",
    "%{x}",
]
HOSTILE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


@pytest.mark.parametrize("builder", list(BUILDERS))
@settings(max_examples=25, deadline=None)
@given(pool=st.lists(HOSTILE, min_size=1, max_size=9))
def test_no_user_string_reaches_a_chart_unescaped(builder: str, pool: list[str]) -> None:
    assert_no_markup(BUILDERS[builder](texts_from(pool)))


@pytest.mark.parametrize("builder", list(BUILDERS))
def test_the_hostile_corpus_reaches_every_chart_as_text(builder: str) -> None:
    pool = [text for name, text in hostile_strings().items() if name != "nul"]
    pool.append('<a href="https://evil.example/phish">Riverside</a> <span style="font-size:40px">ICS</span>')
    assert_no_markup(BUILDERS[builder](texts_from(pool)))


def test_an_escaped_name_reads_as_typed_once_plotly_decodes_it() -> None:
    name = '<a href="https://evil.example">Riverside</a> & <span style="color:red">Partners</span>'
    figure = heatmap(lambda n: name if n == 0 else f"Domain {n}")
    shown = figure.data[0].y[0]
    # wrapped at spaces to fit beside the chart: the lines joined again read as typed
    assert shown.replace("<br>", " ") == name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert figure.layout.yaxis.categoryarray[0] == shown  # the axis still finds its row


def test_a_right_to_left_override_in_a_title_reverses_nothing_in_the_chart() -> None:
    figure = gaps(lambda n: "Invoice \u202egnp.exe\u202c from the board" if n == 0 else f"Domain {n}")
    assert "Invoice gnp.exe from the board" in figure.data[0].hovertext
