"""Every headline figure carries its level's name, and a figure has one precision wherever it
appears: the headline sentence, the tiles, the gap sentences, the spectrum and the PDF's change
line all print two decimal places, so a board never reads 1.8 in one place and 1.85 in another."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from assessment import readings
from assessment.db import make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database
from assessment.presenting import ResultsModel
from assessment.services import Actor
from assessment.services import results as results_service
from assessment.trends import gap_narrowing_sentence

SCALE = ("Emerging", "Developing", "Maturing", "Thriving")
DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")


def test_a_figure_between_two_levels_names_both() -> None:
    assert readings.level_name(SCALE, 1.85) == "between Emerging and Developing"
    assert readings.level_name(SCALE, 3.0) == "Maturing"
    assert readings.figure_in_words(SCALE, 1.85) == "1.85 — between Emerging and Developing"


def test_a_figure_that_rounds_onto_a_level_is_named_as_that_level() -> None:
    # 2.996 prints as 3.00, so its words must say Maturing, not "between Developing and Maturing"
    assert readings.figure_in_words(SCALE, 2.996) == "3.00 — Maturing"


@given(st.floats(min_value=1.0, max_value=4.0, allow_nan=False))
def test_the_level_words_always_agree_with_the_printed_figure(value: float) -> None:
    printed, words = readings.figure_in_words(SCALE, value).split(" — ")
    shown = float(printed)
    if shown == int(shown):
        assert words == SCALE[int(shown) - 1]
    else:
        assert words == f"between {SCALE[int(shown) - 1]} and {SCALE[int(shown)]}"


def test_the_overall_sentence_names_the_levels() -> None:
    sentence = readings.overall({"current": 1.85, "target": 3.0, "gap": 1.15}, 12, scale=SCALE)
    assert sentence == (
        "12 respondents put the partnership at 1.85 (between Emerging and Developing) on average, "
        "aiming for 3.00 (Maturing)."
    )


def test_the_gap_sentence_prints_two_decimal_places() -> None:
    frame = pd.DataFrame({"domain": ["d", "d"], "gap": [1.25, 0.5]})
    assert gap_narrowing_sentence(frame, "d") == "gap narrowed from 1.25 to 0.50"


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory: pytest.TempPathFactory) -> ResultsModel:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('words')) / 'demo.db'}")
    upgrade_database(engine)
    load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
    assert latest is not None
    return results_service.workshop_results(engine=engine, actor=Actor.operator(), workshop_id=latest)


def _sentences(model: ResultsModel) -> list[str]:
    return [
        model.readings.overall,
        model.readings.biggest_gap,
        model.readings.perception,
        *model.biggest_gaps,
        *model.biggest_disagreements,
        *(r.since_last_round for r in model.domains),
        *(r.sentence for r in model.spectrum),
        model.opening,
    ]


def test_every_figure_in_the_sample_datas_sentences_has_two_decimal_places(demo_model: ResultsModel) -> None:
    printed = [n for sentence in _sentences(demo_model) for n in DECIMAL.findall(sentence)]
    assert printed, "the sentences quote no figure at all"
    assert [n for n in printed if len(n.split(".")[1]) != 2] == []


def test_the_headline_figures_say_their_level_in_words(demo_model: ResultsModel) -> None:
    for key in ("current", "target"):
        figure = demo_model.overall[key]
        assert figure.value is not None
        words = demo_model.overall_words[key]
        assert words.startswith(f"{figure.text} — ")
        assert any(level in words for level in demo_model.scale)
    assert demo_model.overall_words["gap"] == f"{demo_model.overall['gap'].text} levels to go"


def test_a_round_with_a_much_smaller_team_is_flagged_beside_the_change() -> None:
    from assessment.presenting import teams_caution

    assert "6 answered in Round 1 and 14 in this round" in teams_caution("Round 1", 6, 14)
    assert teams_caution("Round 1", 12, 10) == ""
    assert teams_caution("Round 1", 9, 6) == ""  # exactly two thirds: comparable


def test_the_change_line_names_every_domain_in_full_and_counts_each_rounds_team(
    demo_model: ResultsModel,
) -> None:
    previous = demo_model.previous
    assert previous is not None, "the sample data's latest round has a round before it"
    assert [r.title for r in previous.rows] == [d.title for d in demo_model.domains]
    assert previous.respondents_now == demo_model.respondents
    assert previous.respondents_then > 0
    assert f"Since {previous.label}" in demo_model.opening


def test_the_gap_bars_print_each_gap_as_the_table_does() -> None:
    from assessment.charts import gaps_ranked

    domains = pd.DataFrame({"title": ["Mind the gaps", "Shared purpose"], "gap": [1.6667, 0.5]})
    figure = gaps_ranked(domains, label_column="title", title="Gap per domain")
    assert sorted(figure.data[0].text) == ["0.50", "1.67"]
