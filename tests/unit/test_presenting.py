"""The one presentation model: what the screen, the PDF and ``scores --json`` all read.

The rooms are the small, awkward ones of the disclosure audit (2-6 people, sectors of 1-3,
don't-knows and skipped questions), so withheld figures turn up everywhere.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.db import WorkshopInfo
from assessment.presenting import (
    WITHHELD,
    Figure,
    ResultsModel,
    change_text,
    figure,
    figure_text,
    present,
)
from assessment.report import WorkshopReport, summary_context
from assessment.results import ScoredWorkshop, scores_document, shown_comments
from assessment.scoring import empty_tier_answers, score_workshop
from tests.unit.test_disclosure import Room, rooms

ROOMS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
values = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(pd.NA),
    st.floats(min_value=-10, max_value=10, allow_nan=False),
)


def scored_room(room: Room) -> ScoredWorkshop:
    tiers = empty_tier_answers().assign(comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object))
    domains = [d.id for d in room.bank.domains]
    info = WorkshopInfo(
        1, "ABCDEFGH", "Audit", date(2026, 1, 1), "R1", "closed", True, True, tuple(domains), 1, "P", "C", 1
    )
    scores = score_workshop(room.answers, room.bank, tier_answers=tiers, domains=domains)
    return ScoredWorkshop(info, room.bank, scores, room.answers, tiers)


def model_of(scored: ScoredWorkshop) -> ResultsModel:
    return present(scored, consensus={}, actions=[], trend=pd.DataFrame())


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def figures_in(model: ResultsModel) -> list[Figure]:
    found = list(model.overall.values())
    for row in (*model.domains, *model.ranked_domains):
        found += [row.current, row.target, row.gap]
    for question in model.ranked_questions:
        found += [question.current, question.target, question.gap]
    for split in model.split_questions:
        found += [split.median, split.iqr]
    found += [gap for _, gap in model.lens.perception_gaps]
    for spectrum in model.spectrum:
        found += [spectrum.now, spectrum.preferred]
    return found


@given(values)
def test_a_withheld_figure_is_the_word_withheld_and_a_shown_one_a_number_to_two_places(value: Any) -> None:
    shown = figure(value)
    absent = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    assert shown.withheld == absent
    if absent:
        assert shown.text == WITHHELD and not is_number(shown.text)
    else:
        assert shown.text == f"{float(value):.2f}" and shown.value == float(value)
    assert figure_text(value) == shown.text


@given(values)
def test_a_change_arrow_points_the_way_the_figure_moved(change: Any) -> None:
    text = change_text(change)
    if change is None or change is pd.NA or (isinstance(change, float) and math.isnan(change)):
        assert text == "–"
    elif round(float(change), 2) == 0:
        assert text == "no change"
    else:
        arrow, size = text.split(" ")
        assert arrow == ("▲" if change > 0 else "▼")
        assert size == f"{abs(float(change)):.2f}"


@ROOMS
@given(rooms())
def test_no_withheld_figure_in_the_model_is_shown_as_a_number(room: Room) -> None:
    model = model_of(scored_room(room))
    for shown in figures_in(model):
        assert (shown.text == WITHHELD) == shown.withheld
        assert shown.withheld or is_number(shown.text)
    for row in model.lens.rows:
        for cell in row.cells:
            assert cell == WITHHELD or is_number(cell)
    for withheld_sector in [i for i, s in enumerate(model.lens.sectors) if s.withheld]:
        assert {row.cells[withheld_sector] for row in model.lens.rows} <= {WITHHELD}
    if model.withheld:
        assert all(f.withheld for f in model.overall.values()) and not model.comments


@ROOMS
@given(rooms())
def test_the_model_shows_a_number_only_where_scores_json_has_one(room: Room) -> None:
    scored = scored_room(room)
    model, document = model_of(scored), scores_document(scored)
    domains = {d["id"]: d for d in document["domains"]}
    for row in model.domains:
        for key in ("current", "target", "gap"):
            assert getattr(row, key).value == domains[row.id][key]
    items = {i["id"]: i for i in document["items"]}
    for question in model.ranked_questions:
        assert question.current.value == items[question.id]["current"]
        assert question.gap.value == items[question.id]["gap"]
    assert {k: f.value for k, f in model.overall.items()} == {
        k: document["overall"][k] for k in ("current", "target", "gap")
    }
    assert [q for q, _ in model.comments] == [
        next(i.text for _, i in scored.bank.iter_items() if i.id == item_id)
        for item_id, _ in shown_comments(scored)
    ]


@ROOMS
@given(rooms())
def test_gaps_run_largest_first_and_split_questions_widest_first(room: Room) -> None:
    model = model_of(scored_room(room))
    gaps = [d.gap.value for d in model.ranked_domains]
    shown = [g for g in gaps if g is not None]
    assert shown == sorted(shown, reverse=True)
    assert gaps[len(shown) :] == [None] * (len(gaps) - len(shown))  # withheld ones last
    spreads = [q.iqr.value for q in model.split_questions]
    assert all(s is not None for s in spreads)
    assert spreads == sorted((s for s in spreads if s is not None), reverse=True)
    assert len(model.biggest_gaps) == min(3, sum(1 for g in shown if g > 0))


@ROOMS
@given(rooms())
def test_the_pdf_prints_the_same_words_the_screen_reads_for_the_same_workshop(room: Room) -> None:
    scored = scored_room(room)
    model = model_of(scored)
    context = summary_context(
        WorkshopReport(scored=scored, consensus={}, actions=[], trend=pd.DataFrame()), exporter=None
    )
    assert context["overall"] == {k: f.text for k, f in model.overall.items()}
    assert context["withheld"] == model.withheld
    if model.withheld:
        assert "domains" not in context and "comments" not in context
        return
    assert [
        (d["title"], d["current"], d["target"], d["gap"], d["questions"]) for d in context["domains"]
    ] == [(d.title, d.current.text, d.target.text, d.gap.text, d.rests_on) for d in model.ranked_domains]
    assert [s["median"] for s in context["split_items"]] == [q.median.text for q in model.split_questions]
    assert [r["cells"] for r in context["lens"]["rows"]] == [list(r.cells) for r in model.lens.rows]
    assert context["biggest_gaps"] == list(model.biggest_gaps)
    assert [c["question"] for c in context["comments"]] == [q for q, _ in model.comments]


def test_the_round_follows_the_workshop_title_unless_the_title_already_says_it() -> None:
    from assessment.presenting import workshop_heading

    assert workshop_heading("Readiness workshop", "Round 2") == "Readiness workshop · Round 2"
    assert workshop_heading("Southbridge readiness workshop, round 3", "Round 3") == (
        "Southbridge readiness workshop, round 3"
    )
    assert workshop_heading("Round  3: the place's view", "Round 3") == "Round  3: the place's view"
    # "Round 1" is not said by "Round 10", nor a round by a title that only starts like it
    assert workshop_heading("Round 10 workshop", "Round 1") == "Round 10 workshop · Round 1"
    assert workshop_heading("Spring workshop", "Spring 2026") == "Spring workshop · Spring 2026"
    assert workshop_heading("Readiness workshop", None) == "Readiness workshop"
    assert workshop_heading("Readiness workshop", "") == "Readiness workshop"
    # the round is matched as text, not as a pattern
    assert workshop_heading("Cost (a+b) review", "(a+b)") == "Cost (a+b) review"
    assert workshop_heading("Cost aab review", "a+b") == "Cost aab review · a+b"


@given(title=st.text(max_size=40), round_label=st.text(max_size=15))
def test_the_heading_keeps_the_title_and_says_the_round_once_at_most(title: str, round_label: str) -> None:
    from assessment.presenting import workshop_heading

    heading = workshop_heading(title, round_label)
    assert heading.startswith(title)
    if heading != title:
        assert heading == f"{title} · {round_label}"
        assert round_label  # an empty round is never added
