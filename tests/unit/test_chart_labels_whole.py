"""No chart cuts a name short: every label a figure draws is whole, on the sample data.

A board reads the charts without the screen's tooltips, so a domain called "Identify and ma…" is
a domain nobody can name. Here every figure the summary PDF draws for the sample data is built
(its charts are asked for by name, so none is missed), every piece of text in it is walked, and
none may end in an ellipsis; the names of the domains and the poles of each spectrum statement
must each be there in full (wrapped lines joined again). The pages' charts are checked the same
way in tests/app/test_chart_labels_whole_on_pages.py.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from assessment import charts, report
from assessment.charts import KEY_WIDTH, domain_key, wrap_lines, wrapped
from assessment.cohorts import compare_cohort
from assessment.db import cohort_id, make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import DEMO_COHORT, load_demo
from assessment.framework import QuestionBank
from assessment.limits import without_bidi_controls
from assessment.migrate import upgrade_database
from tests.pdf_text import CollectingCharts

CUT = ("…", "...")
LINE_BREAK = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
# Text a reader only sees on pointing at a mark: not a label, so a name found only here is not shown.
HOVER_KEYS = {"hovertext", "hovertemplate", "customdata", "hoverinfo", "meta"}
NOT_TEXT_KEYS = {"template"}  # plotly's theme: colours and fonts, no words of ours


def _strings(node: Any, *, hover: bool, key: str = "") -> Iterator[str]:
    if key in NOT_TEXT_KEYS or (not hover and key in HOVER_KEYS):
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for child_key, child in node.items():
            yield from _strings(child, hover=hover, key=str(child_key))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from _strings(child, hover=hover, key=key)


def as_dict(figure: go.Figure | dict[str, Any]) -> dict[str, Any]:
    return figure if isinstance(figure, dict) else figure.to_plotly_json()


def cut_labels(figure: go.Figure | dict[str, Any]) -> list[str]:
    """Every line of text in the figure (titles, ticks, categories, annotations, legend names,
    hover text) that ends in an ellipsis: a name cut short."""
    found = []
    for text in _strings(as_dict(figure), hover=True):
        for line in LINE_BREAK.split(text):
            if re.sub(r"<[^>]*>", "", line).strip().endswith(CUT):
                found.append(text)
                break
    return found


def plain(text: str) -> str:
    """Text as a reader sees it: wrapped lines joined, entities read, spacing made single."""
    joined = LINE_BREAK.sub(" ", text)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", joined)).split())


def shown_text(figure: go.Figure | dict[str, Any]) -> str:
    """Everything the figure draws without pointing at it, as one string of plain text; each
    piece stands apart, so a name is only found whole in one piece, never across two."""
    return "\n".join(plain(text) for text in _strings(as_dict(figure), hover=False))


def missing_names(figure: go.Figure | dict[str, Any], names: list[str]) -> list[str]:
    text = shown_text(figure)
    return [name for name in names if plain(name) not in text]


def domain_titles(bank: QuestionBank) -> list[str]:
    return [domain.title for domain in bank.domains]


# --- the check itself must see a cut name ---------------------------------------------------------


def test_the_check_sees_a_cut_name_wherever_a_figure_draws_it() -> None:
    figure = go.Figure(
        go.Scatterpolar(r=[1, 2], theta=["Identify and ma…", "Trust"], name="Team now"),
        layout={"annotations": [{"text": "Southbridge<br>The partnership takes d..."}]},
    )
    assert cut_labels(figure) == ["Identify and ma…", "Southbridge<br>The partnership takes d..."]
    assert cut_labels(go.Figure(go.Bar(x=[1], y=["Whole name"]))) == []


def test_a_wrapped_name_counts_as_whole_but_one_shown_only_on_hover_does_not() -> None:
    wrapped = go.Figure(go.Bar(x=[1], y=["Keeping the focus on<br>patient care &amp; recovery"]))
    assert missing_names(wrapped, ["Keeping the focus on patient care & recovery"]) == []
    hover_only = go.Figure(go.Bar(x=[1], y=["Keeping"], hovertext=["Keeping the focus"]))
    assert missing_names(hover_only, ["Keeping the focus"]) == ["Keeping the focus"]


# --- the PDF ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleFigures:
    bank: QuestionBank
    summaries: list[tuple[report.WorkshopReport, dict[str, Any], list[go.Figure]]]
    cohort: list[go.Figure]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleFigures:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('labels')) / 'demo.db'}")
    upgrade_database(engine)
    load_demo(engine=engine)
    summaries = []
    with transaction(engine) as session:
        workshop_ids = list(session.scalars(select(Workshop.id).order_by(Workshop.held_on)))
        reports = [report.gather_workshop_report(session=session, workshop_id=w) for w in workshop_ids]
        comparison = compare_cohort(session=session, cohort_id=cohort_id(session=session, name=DEMO_COHORT))
    for gathered in reports:
        drawer = CollectingCharts()
        context = report.summary_context(gathered, drawer)  # type: ignore[arg-type]
        summaries.append((gathered, context, drawer.figures()))
    bank = reports[-1].scored.bank
    drawer = CollectingCharts()
    report.cohort_overview_pdf(
        comparison,
        scale_labels=[level.label for level in bank.scale],
        exporter=drawer,  # type: ignore[arg-type]
    )
    return SampleFigures(bank, summaries, drawer.figures())


def _title(figure: go.Figure) -> str:
    return str(figure.layout.title.text)


def test_no_chart_in_the_pdf_cuts_a_label_short(sample: SampleFigures) -> None:
    figures = [f for _, _, drawn in sample.summaries for f in drawn] + sample.cohort
    assert len(figures) > len(sample.summaries)  # the summaries did ask for their charts
    cut = {_title(f): cut_labels(f) for f in figures if cut_labels(f)}
    assert cut == {}


def test_the_pdfs_change_line_names_each_domain_in_full(sample: SampleFigures) -> None:
    titles = set(domain_titles(sample.bank))
    rows = [
        r
        for _, context, _ in sample.summaries
        if context.get("previous")
        for r in context["previous"]["rows"]
    ]
    assert rows  # later rounds have a previous one
    assert {r["title"] for r in rows} <= titles


def test_every_domain_chart_in_the_pdf_names_every_domain_in_full(sample: SampleFigures) -> None:
    titles = domain_titles(sample.bank)
    by_domain = {
        "Where the team sees the partnership",
        "Gap per domain",
        "Each sector's view, domain by domain",
        "Team's current level, round by round",
        "Latest round, by domain",
    }
    checked = set()
    for gathered, _, drawn in sample.summaries:
        asked = [
            d.title for d in sample.bank.domains if d.id in set(gathered.scored.scores.domains["domain"])
        ]
        for figure in drawn:
            if _title(figure) in by_domain:
                checked.add(_title(figure))
                assert missing_names(figure, asked) == [], _title(figure)
    for figure in sample.cohort:
        checked.add(_title(figure))
        assert missing_names(figure, titles) == [], _title(figure)
    assert checked == by_domain


def test_the_spectrum_chart_in_the_pdf_names_both_poles_of_every_statement(sample: SampleFigures) -> None:
    from assessment.framework import SpectrumItem

    statements = [item for _, item in sample.bank.iter_items() if isinstance(item, SpectrumItem)]
    seen = 0
    for gathered, _, drawn in sample.summaries:
        spectrum = gathered.scored.scores.spectrum
        shown = set(spectrum.loc[~spectrum["withheld"].astype(bool), "item_id"].astype(str))
        for figure in (f for f in drawn if _title(f) == "Now and preferred"):
            seen += 1
            names = [n for item in statements if item.id in shown for n in (item.text, *item.poles)]
            assert missing_names(figure, names) == []
    assert seen


# --- wrapping keeps every word, whole, in order ----------------------------------------------------

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120)


@settings(max_examples=200, deadline=None)
@given(text=WORDS, width=st.integers(min_value=1, max_value=60))
def test_wrapping_drops_no_word_and_cuts_none(text: str, width: int) -> None:
    lines = wrap_lines(text, width)
    typed = without_bidi_controls(text)
    assert " ".join(" ".join(lines).split()) == " ".join(typed.split())  # every word, in order
    assert all(len(line) <= width or " " not in line.strip() for line in lines)  # long words stay whole
    assert plain(wrapped(text, width)) == " ".join(typed.split())  # escaped, then read back as typed


@settings(max_examples=100, deadline=None)
@given(names=st.lists(WORDS.filter(str.strip), min_size=1, max_size=20))
def test_the_key_names_every_domain_whole_beside_its_number(names: list[str]) -> None:
    key = [plain(line) for line in domain_key(names, width=KEY_WIDTH)]
    entries = " ".join(key)
    for number, name in enumerate(names, start=1):
        assert f"{number} {' '.join(without_bidi_controls(name).split())}" in entries


@given(lines=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=20))
def test_rows_are_tall_enough_that_no_two_neighbouring_labels_overlap(lines: list[int]) -> None:
    labels = ["<br>".join(["word"] * n) for n in lines]
    band = charts._band_px(labels)
    for above, below in itertools.pairwise(lines):
        # each label is centred on its row: half of each one's height lies between the centres
        assert band >= (above + below) * charts.LINE_PX / 2
    assert all(band >= n * charts.LINE_PX for n in lines)
