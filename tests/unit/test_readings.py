"""The sentence beside each chart says what the chart shows, and never quotes a withheld figure."""

from __future__ import annotations

import math

import pandas as pd

from assessment import readings


def test_the_biggest_gap_names_the_domain_and_its_size() -> None:
    domains = pd.DataFrame(
        {
            "domain": ["a", "b", "c"],
            "title": ["Shared purpose", "Design principles", "Trust"],
            "current": [2, 1.5, math.nan],
            "target": [3, 3, math.nan],
            "gap": [1.0, 1.5, math.nan],
        }
    )
    assert readings.biggest_gap(domains).startswith("Biggest gap: Design principles, 1.50 levels")


def test_a_withheld_gap_is_never_quoted() -> None:
    domains = pd.DataFrame(
        {"domain": ["a"], "title": ["Trust"], "current": [math.nan], "target": [math.nan], "gap": [math.nan]}
    )
    assert readings.biggest_gap(domains) == "No domain has enough answers to show a gap."


def test_the_overall_sentence_says_too_few_when_withheld() -> None:
    assert (
        readings.overall({"current": None, "target": None, "gap": None}, 2, scale=["Emerging", "Developing"])
        == "2 respondents: too few for a team figure."
    )
    assert readings.overall(
        {"current": 2.04, "target": 3.0, "gap": 0.96}, 12, scale=["Emerging", "Developing", "Maturing"]
    ).startswith("12 respondents put the partnership at 2.04 (between Developing and Maturing)")


def test_disagreement_counts_split_items_and_names_the_widest() -> None:
    items = pd.DataFrame(
        {"item_id": ["x", "y", "z"], "split": [True, True, None], "iqr": [1.0, 2.0, math.nan]}
    )
    sentence = readings.disagreement(items, {"y": "Partners trust each other"})
    assert sentence == "2 questions split the team; the widest spread is on “Partners trust each other”."
    none_split = items.assign(split=[False, False, None])
    assert readings.disagreement(none_split, {}).startswith("No question splits the team")


def test_accountability_flags_situations_under_sixty_percent_agreement() -> None:
    rows = pd.DataFrame({"function_id": ["f1", "f2", "f3"], "clarity": [0.8, 0.5, math.nan]})
    assert readings.accountability(rows, {"f2": "A place budget overspend"}, flag=0.6) == (
        "1 of 3 situations lack a clear answer on accountability (1 withheld: too few answers); "
        "least clear: A place budget overspend (50% agree)."
    )


def test_a_situation_where_nobody_named_a_tier_is_said_in_words() -> None:
    rows = pd.DataFrame({"function_id": ["f1", "f2"], "clarity": [0.8, 0.0]})
    assert readings.accountability(rows, {"f2": "A place budget overspend"}, flag=0.6) == (
        "1 of 2 situations lack a clear answer on accountability; "
        "least clear: A place budget overspend: everyone answered Unclear."
    )


def test_perception_names_the_domain_sectors_see_most_differently() -> None:
    gaps = pd.DataFrame({"domain": ["a", "b"], "gap": [0.5, 2.0], "sectors": [2, 3]})
    assert (
        readings.perception(gaps, {"b": "Mind the gaps"})
        == "Sectors see Mind the gaps most differently: 2.00 levels apart."
    )
    assert readings.perception(gaps.iloc[0:0], {}) == "Too few respondents per sector to compare sectors."
