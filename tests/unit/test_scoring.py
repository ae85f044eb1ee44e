"""Scoring against hand-computed workshops, and the invariants that must hold for any workshop."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring import (
    accountability_figures,
    changes_since_previous,
    cohort_figures,
    domain_figures,
    empty_tier_answers,
    item_figures,
    score_workshop,
    spectrum_figures,
)
from tests.banks import small_bank

BANK = small_bank()
SECTORS = ["nhs-trust", "local-authority", "vcse"]


def answer(
    participant: str, item: str, current: int | None, target: int | None, sector: str = "nhs-trust"
) -> dict[str, Any]:
    return {
        "participant": participant,
        "sector": sector,
        "item_id": item,
        "current": np.nan if current is None else float(current),
        "target": np.nan if target is None else float(target),
        "dont_know": current is None,
    }


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["participant", "sector", "item_id", "current", "target", "dont_know"])


def item_row(figures: pd.DataFrame, item_id: str) -> pd.Series:
    return figures.set_index("item_id").loc[item_id]


# --- per item, by hand ----------------------------------------------------------------------


def test_item_median_quartiles_and_gap_match_a_hand_computed_workshop() -> None:
    # currents 1,2,2,4 -> median 2, q1 = 1.75, q3 = 2.5 (linear); targets 3,3,4,4 -> median 3.5
    rows = [
        answer(f"p{i}", "purpose-stated", c, t) for i, (c, t) in enumerate([(1, 3), (2, 3), (2, 4), (4, 4)])
    ]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert (row["current"], row["target"], row["gap"]) == (2.0, 3.5, 1.5)
    assert (row["q1"], row["q3"], row["iqr"]) == (1.75, 2.5, 0.75)
    assert (row["n"], row["dont_know"], row["answers"]) == (4, 0, 4)


def test_split_is_flagged_when_a_quarter_of_answers_are_two_levels_away() -> None:
    rows = [answer(f"p{i}", "purpose-stated", c, 3) for i, c in enumerate([1, 2, 2, 4])]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert row["split_share"] == 0.25
    assert bool(row["split"]) is True


def test_split_is_not_flagged_when_fewer_than_a_quarter_are_far_from_the_median() -> None:
    rows = [answer(f"p{i}", "purpose-stated", c, 3) for i, c in enumerate([1, 2, 2, 2, 4])]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert row["split_share"] == 0.2
    assert bool(row["split"]) is False


def test_answers_exactly_one_level_from_the_median_do_not_count_as_far() -> None:
    rows = [answer(f"p{i}", "purpose-stated", c, 3) for i, c in enumerate([1, 2, 2, 3])]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert row["split_share"] == 0.0


def test_dont_know_is_counted_but_left_out_of_the_median() -> None:
    rows = [
        answer("a", "purpose-stated", 1, 2),
        answer("b", "purpose-stated", 3, 4),
        answer("c", "purpose-stated", None, None),
    ]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert (row["current"], row["target"]) == (2.0, 3.0)
    assert (row["n"], row["dont_know"], row["answers"]) == (2, 1, 3)


def test_an_item_nobody_answered_is_listed_with_no_figures() -> None:
    rows = [answer("a", "purpose-stated", 1, 2)]
    row = item_row(item_figures(frame(rows), BANK), "trust-relationships")
    assert row["n"] == 0 and math.isnan(row["current"]) and bool(row["split"]) is False


def test_a_level_outside_the_scale_is_refused_rather_than_scored() -> None:
    with pytest.raises(ValueError, match="whole numbers from 1 to 4"):
        item_figures(frame([answer("a", "purpose-stated", 5, 5)]), BANK)


def test_an_answer_with_a_current_but_no_target_is_refused() -> None:
    rows = [answer("a", "purpose-stated", 2, 3)]
    rows[0]["target"] = np.nan
    with pytest.raises(ValueError, match="both a current and a target"):
        item_figures(frame(rows), BANK)


# --- per domain and overall ---------------------------------------------------------------------


def test_domain_score_is_the_weighted_mean_of_item_medians_skipping_all_dont_know_items() -> None:
    rows = [
        answer("a", "purpose-stated", 1, 3),
        answer("b", "purpose-stated", 2, 3),
        answer("c", "purpose-stated", 3, 4),
        answer("a", "purpose-lived", None, None),
        answer("b", "purpose-lived", None, None),
    ]
    domains = domain_figures(frame(rows), BANK).set_index("domain")
    # purpose-lived is all don't-know: the domain is purpose-stated alone (2 -> 3)
    assert (domains.loc["purpose", "current"], domains.loc["purpose", "target"]) == (2.0, 3.0)
    assert domains.loc["purpose", "n"] == 3


def test_item_weights_shape_the_domain_mean() -> None:
    small = small_bank(
        domains=[
            {
                **small_bank().model_dump()["domains"][1],
                "items": [
                    {**small_bank().item("trust-relationships").model_dump(), "weight": 3},
                    {**small_bank().item("purpose-stated").model_dump(), "id": "trust-other", "weight": 1},
                ],
            }
        ]
    )
    rows = [answer(p, "trust-relationships", 4, 4) for p in "abc"] + [
        answer(p, "trust-other", 2, 4) for p in "abc"
    ]
    row = domain_figures(frame(rows), small).set_index("domain").loc["trust"]
    assert row["current"] == (3 * 4 + 1 * 2) / 4
    assert row["gap"] == 4 - row["current"]


def test_a_domain_of_only_spectrum_items_has_no_maturity_score() -> None:
    rows = [answer(p, "stance-local", 2, 4) for p in "abc"]
    row = domain_figures(frame(rows), BANK).set_index("domain").loc["stance"]
    assert math.isnan(row["current"]) and row["n"] == 3


def test_overall_is_the_unweighted_mean_of_domain_figures() -> None:
    rows = [answer(p, "purpose-stated", 1, 3) for p in "abc"] + [
        answer(p, "trust-relationships", 4, 4) for p in "abc"
    ]
    scores = score_workshop(frame(rows), BANK)
    assert scores.overall == {"current": 2.5, "target": 3.5, "gap": 1.0}
    assert scores.respondents == 3


# --- spectrum and accountability -----------------------------------------------------------------


def test_spectrum_gives_median_now_preferred_and_the_signed_shift() -> None:
    rows = [
        answer("a", "purpose-stance", 1, 4),
        answer("b", "purpose-stance", 2, 5),
        answer("c", "purpose-stance", 5, 2),
    ]
    row = spectrum_figures(frame(rows), BANK).set_index("item_id").loc["purpose-stance"]
    assert (row["now"], row["preferred"], row["shift"]) == (2.0, 4.0, 2.0)
    assert bool(row["split"]) is True  # 5 is three positions from the median of 2


def tiers(pairs: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"participant": p, "sector": "vcse", "item_id": "trust-buck", "function_id": f, "tier": t}
            for p, f, t in pairs
        ]
    )


def test_accountability_shares_modal_tier_and_clarity_count_unclear_in_the_denominator() -> None:
    answers = tiers(
        [
            ("a", "overspend", "place-partnership"),
            ("b", "overspend", "place-partnership"),
            ("c", "overspend", "ics-nhs-body"),
            ("d", "overspend", "unclear"),
        ]
    )
    row = accountability_figures(answers, BANK).set_index("function_id").loc["overspend"]
    assert row["modal_tier"] == "place-partnership"
    assert row["clarity"] == 0.5
    assert row["n"] == 4
    assert row["shares"]["unclear"] == 0.25 and row["shares"]["ics-nhs-body"] == 0.25


def test_a_tie_for_modal_tier_goes_to_the_tier_listed_first_in_the_bank() -> None:
    answers = tiers([("a", "overspend", "place-partnership"), ("b", "overspend", "ics-partnership")])
    row = accountability_figures(answers, BANK).set_index("function_id").loc["overspend"]
    assert row["modal_tier"] == "ics-partnership"  # listed before place-partnership


def test_unclear_is_never_the_modal_tier_even_when_most_chose_it() -> None:
    answers = tiers(
        [("a", "overspend", "unclear"), ("b", "overspend", "unclear"), ("c", "overspend", "ics-nhs-body")]
    )
    row = accountability_figures(answers, BANK).set_index("function_id").loc["overspend"]
    assert row["modal_tier"] == "ics-nhs-body" and row["clarity"] == pytest.approx(1 / 3)


def test_a_function_where_everyone_said_unclear_has_no_modal_tier_and_zero_clarity() -> None:
    answers = tiers([("a", "overspend", "unclear"), ("b", "overspend", "unclear")])
    row = accountability_figures(answers, BANK).set_index("function_id").loc["overspend"]
    assert row["modal_tier"] is None and row["clarity"] == 0.0


# --- sector lens and anonymity ------------------------------------------------------------------


def sector_workshop() -> pd.DataFrame:
    rows = []
    for i in range(3):
        rows.append(answer(f"t{i}", "purpose-stated", 1, 3, sector="nhs-trust"))
    for i in range(4):
        rows.append(answer(f"l{i}", "purpose-stated", 3, 4, sector="local-authority"))
    for i in range(2):
        rows.append(answer(f"v{i}", "purpose-stated", 4, 4, sector="vcse"))
    return frame(rows)


def test_a_sector_below_the_threshold_is_withheld_explicitly_not_silently_missing() -> None:
    scores = score_workshop(sector_workshop(), BANK)
    vcse = scores.sectors.loc[
        (scores.sectors["sector"] == "vcse") & (scores.sectors["domain"] == "purpose")
    ].iloc[0]
    assert bool(vcse["withheld"]) is True and math.isnan(vcse["current"])
    trust = scores.sectors.loc[
        (scores.sectors["sector"] == "nhs-trust") & (scores.sectors["domain"] == "purpose")
    ].iloc[0]
    assert bool(trust["withheld"]) is False and trust["current"] == 1.0


def test_the_perception_gap_spans_only_the_sectors_that_are_shown() -> None:
    gaps = score_workshop(sector_workshop(), BANK).perception_gaps.set_index("domain")
    # trust 1.0 vs local authority 3.0; the VCSE's 4.0 is withheld and must not widen the gap
    assert gaps.loc["purpose", "gap"] == 2.0
    assert gaps.loc["purpose", "sectors"] == 2


def test_a_workshop_below_the_threshold_shows_no_figure_at_all() -> None:
    rows = [answer("a", "purpose-stated", 1, 3), answer("b", "purpose-stated", 4, 4)]
    scores = score_workshop(frame(rows), BANK)
    assert scores.withheld is True
    assert scores.overall == {"current": None, "target": None, "gap": None}
    assert scores.items["withheld"].all() and scores.items["current"].isna().all()
    assert scores.domains["current"].isna().all()
    assert scores.perception_gaps.empty


def test_an_item_answered_by_fewer_than_the_threshold_is_withheld_in_a_larger_workshop() -> None:
    rows = [answer(p, "purpose-stated", 2, 3) for p in "abcd"] + [
        answer("a", "purpose-lived", 1, 4),
        answer("b", "purpose-lived", 2, 4),
    ]
    items = score_workshop(frame(rows), BANK).items.set_index("item_id")
    assert bool(items.loc["purpose-lived", "withheld"]) is True and math.isnan(
        items.loc["purpose-lived", "current"]
    )
    assert items.loc["purpose-stated", "current"] == 2.0


def test_a_domain_figure_made_of_fewer_ratings_than_the_threshold_is_withheld() -> None:
    # five people answered the trust domain, but only one of them rated its maturity item;
    # the others answered the accountability item. The domain figure is one person's rating.
    rows = [answer(p, "purpose-stated", 2, 3) for p in "abcde"] + [answer("a", "trust-relationships", 4, 4)]
    tier_rows = tiers([(p, "overspend", "ics-nhs-body") for p in "bcde"])
    scores = score_workshop(frame(rows), BANK, tier_answers=tier_rows)
    trust = scores.domains.set_index("domain").loc["trust"]
    assert trust["n"] == 5 and trust["rated_n"] == 1
    assert bool(trust["withheld"]) is True and math.isnan(trust["current"])


def test_selecting_domains_limits_every_table_to_them() -> None:
    scores = score_workshop(sector_workshop(), BANK, domains=["purpose"])
    assert set(scores.domains["domain"]) == {"purpose"}
    assert set(scores.items["domain"]) == {"purpose"}
    assert set(scores.sectors["domain"]) == {"purpose"}
    assert scores.accountability.empty


# --- across rounds and partnerships ---------------------------------------------------------------


def test_change_since_previous_round_is_this_round_minus_the_last() -> None:
    rounds = pd.DataFrame(
        {
            "partnership": ["north"] * 3 + ["south"] * 2,
            "domain": ["purpose"] * 5,
            "round": [1, 2, 3, 1, 2],
            "current": [1.5, 2.0, 2.5, 3.0, 2.0],
            "target": [3.0, 3.0, 3.5, 3.5, 3.5],
            "gap": [1.5, 1.0, 1.0, 0.5, 1.5],
        }
    ).sample(frac=1, random_state=3)
    out = changes_since_previous(rounds, series=["partnership", "domain"], order="round")
    north = out.loc[out["partnership"] == "north"]
    assert math.isnan(north["current_change"].iloc[0])
    assert north["current_change"].tolist()[1:] == [0.5, 0.5]
    assert out.loc[out["partnership"] == "south", "gap_change"].tolist()[1:] == [1.0]


def test_cohort_median_quartiles_and_positions_leave_withheld_partnerships_out() -> None:
    latest = pd.DataFrame(
        {
            "partnership": ["a", "b", "c", "d", "e"],
            "domain": ["purpose"] * 5,
            "current": [1.0, 2.0, 3.0, 4.0, 1.0],
            "target": [3.0, 3.0, 4.0, 4.0, 2.0],
            "gap": [2.0, 1.0, 1.0, 0.0, 1.0],
            "withheld": [False, False, False, False, True],
        }
    )
    positions, summary = cohort_figures(latest)
    row = summary.set_index("domain").loc["purpose"]
    assert (row["current"], row["q1"], row["q3"], row["partnerships"]) == (2.5, 1.75, 3.25, 4)
    assert positions["quartile"].tolist()[:4] == [1.0, 2.0, 3.0, 4.0]
    assert math.isnan(positions["quartile"].iloc[4])


# --- properties that hold for every workshop -------------------------------------------------------

ITEMS = ["purpose-stated", "purpose-lived", "trust-relationships", "purpose-stance"]


@st.composite
def workshops(draw: st.DrawFn, min_people: int = 1, max_people: int = 25) -> pd.DataFrame:
    people = draw(st.integers(min_people, max_people))
    rows = []
    for p in range(people):
        sector = draw(st.sampled_from(SECTORS))
        for item in draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=len(ITEMS), unique=True)):
            top = 5 if item == "purpose-stance" else 4
            if draw(st.integers(0, 9)) == 0:
                rows.append(answer(f"p{p}", item, None, None, sector))
            else:
                rows.append(
                    answer(f"p{p}", item, draw(st.integers(1, top)), draw(st.integers(1, top)), sector)
                )
    return frame(rows)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(workshops())
def test_medians_and_quartiles_stay_within_the_scale(answers: pd.DataFrame) -> None:
    figures = item_figures(answers, BANK)
    for column in ("current", "target", "q1", "q3"):
        values = figures[column].dropna()
        assert ((values >= 1) & (values <= 4)).all()
    assert (figures["iqr"].dropna() >= 0).all()


@SETTINGS
@given(workshops(), st.randoms(use_true_random=False))
def test_the_order_of_respondents_changes_nothing(answers: pd.DataFrame, rnd: Any) -> None:
    order = list(range(len(answers)))
    rnd.shuffle(order)
    shuffled = answers.iloc[order].reset_index(drop=True)
    a, b = score_workshop(answers, BANK), score_workshop(shuffled, BANK)
    pd.testing.assert_frame_equal(a.items, b.items)
    pd.testing.assert_frame_equal(a.domains, b.domains)
    pd.testing.assert_frame_equal(a.sectors, b.sectors)
    assert a.overall == b.overall


@SETTINGS
@given(workshops(), st.sampled_from(ITEMS))
def test_adding_a_dont_know_changes_no_median(answers: pd.DataFrame, item: str) -> None:
    before = item_figures(answers, BANK)
    after = item_figures(
        pd.concat([answers, frame([answer("newcomer", item, None, None)])], ignore_index=True), BANK
    )
    pd.testing.assert_series_equal(before["current"], after["current"])
    pd.testing.assert_series_equal(before["target"], after["target"])
    assert after["dont_know"].sum() == before["dont_know"].sum() + (item != "purpose-stance")


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 4), st.integers(1, 4))
def test_a_unanimous_team_is_never_split(people: int, current: int, target: int) -> None:
    rows = [answer(f"p{i}", "purpose-stated", current, target) for i in range(people)]
    row = item_row(item_figures(frame(rows), BANK), "purpose-stated")
    assert bool(row["split"]) is False and row["iqr"] == 0 and row["current"] == current


@SETTINGS
@given(workshops(max_people=12))
def test_withheld_sector_figures_never_appear_below_the_threshold(answers: pd.DataFrame) -> None:
    scores = score_workshop(answers, BANK)
    shown = scores.sectors.loc[scores.sectors["current"].notna()]
    assert (shown["sector_n"] >= BANK.anonymity_threshold).all()
    assert (shown["n"] >= BANK.anonymity_threshold).all()
    assert not shown["withheld"].any()
    assert (shown["rated_n"] >= BANK.anonymity_threshold).all()
    shown_domains = scores.domains.loc[scores.domains["current"].notna()]
    assert (shown_domains["rated_n"] >= BANK.anonymity_threshold).all()
    shown_items = scores.items.loc[scores.items["current"].notna()]
    assert (shown_items["n"] >= BANK.anonymity_threshold).all()


@SETTINGS
@given(workshops())
def test_the_fast_kernel_agrees_with_a_plain_pandas_groupby(answers: pd.DataFrame) -> None:
    ours = item_figures(answers, BANK).set_index("item_id")
    rated = answers.loc[
        ~answers["dont_know"]
        & answers["item_id"].isin(["purpose-stated", "purpose-lived", "trust-relationships"])
    ]
    grouped = rated.groupby("item_id")
    reference = pd.DataFrame(
        {
            "current": grouped["current"].median(),
            "target": grouped["target"].median(),
            "q1": grouped["current"].quantile(0.25),
            "q3": grouped["current"].quantile(0.75),
        }
    )
    for item_id, expected in reference.iterrows():
        for column in ("current", "target", "q1", "q3"):
            assert ours.loc[item_id, column] == pytest.approx(expected[column]), (item_id, column)


@SETTINGS
@given(workshops(max_people=8), workshops(max_people=8))
def test_scoring_many_workshops_at_once_equals_scoring_each_alone(
    first: pd.DataFrame, second: pd.DataFrame
) -> None:
    both = pd.concat([first.assign(workshop="w1"), second.assign(workshop="w2")], ignore_index=True)
    together = item_figures(both, BANK, by=["workshop"])
    for name, alone in (("w1", first), ("w2", second)):
        mine = together.loc[together["workshop"] == name].drop(columns="workshop").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, item_figures(alone, BANK), check_dtype=False)


def test_a_workshop_with_no_answers_scores_to_nothing_without_error() -> None:
    scores = score_workshop(frame([]), BANK, tier_answers=empty_tier_answers())
    assert scores.respondents == 0 and scores.withheld
    assert scores.items["n"].eq(0).all()
