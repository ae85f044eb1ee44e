"""The re-rate round's convergence: by hand for one workshop, and invariants for any two rounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.rerate import convergence, convergence_sentence, empty_rerates, second_round
from tests.banks import small_bank

BANK = small_bank()  # threshold 3, split when a quarter lie more than one level from the median
QUESTIONS = ["purpose-stated", "purpose-lived", "trust-relationships"]


def answer(participant: str, item: str, current: int | None, target: int | None = None) -> dict[str, Any]:
    return {
        "participant": participant,
        "sector": "nhs-trust",
        "item_id": item,
        "current": np.nan if current is None else float(current),
        "target": np.nan if current is None else float(target or current),
        "dont_know": current is None,
    }


def first_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["participant", "sector", "item_id", "current", "target", "dont_know"])


def rerate_frame(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    if not rows:
        return empty_rerates()
    return pd.DataFrame(rows, columns=["participant", "item_id", "current", "target"]).astype(
        {"current": "float64", "target": "float64"}
    )


def test_two_people_moving_towards_the_team_make_it_converge_and_the_sentence_says_so() -> None:
    # first: 1, 2, 2, 4, 4 -> median 2, IQR 2, within one level 3 of 5, split (2 of 5 far)
    first = first_frame(
        [answer(f"p{i}", "purpose-stated", c, 4) for i, c in enumerate([1, 2, 2, 4, 4])]
        + [answer(f"p{i}", "purpose-lived", 3, 4) for i in range(5)]
    )
    rerates = rerate_frame([("p3", "purpose-stated", 2, 4), ("p4", "purpose-stated", 3, 4)])
    result = convergence(first, rerates, BANK, item_ids=["purpose-stated"], domains=["purpose", "trust"])
    (question,) = result.questions
    assert (question.first.median, question.first.iqr, question.first.split) == (2.0, 2.0, True)
    assert question.first.within_one == 0.6
    # re-rate: 1, 2, 2, 2, 3 -> median 2, IQR 0, every rating within one level, not split
    assert (question.rerate.median, question.rerate.iqr, question.rerate.within_one) == (2.0, 0.0, 1.0)
    assert question.rerate.split is False
    assert question.outcome == "converged"
    assert result.rerated == 2 and result.respondents == 5
    (domain,) = result.domains
    assert domain.domain == "purpose" and domain.tally.outcome == "converged"
    assert domain.first_current is not None and domain.rerate_current is not None
    assert convergence_sentence(result).startswith("The team converged on 1 of 1 question re-rated")


def test_reasons_are_listed_alphabetically_only_for_shown_questions_and_only_of_counted_people() -> None:
    first = first_frame(
        [answer(f"p{i}", "purpose-stated", 2) for i in range(3)] + [answer("p0", "purpose-lived", 2)]
    )
    rerates = pd.DataFrame(
        [
            ("p2", "purpose-stated", 2.0, 2.0, "zebra view"),
            ("p0", "purpose-stated", 3.0, 3.0, "Apple view"),
            ("p1", "purpose-stated", 2.0, 2.0, "  "),
            ("ghost", "purpose-stated", 2.0, 2.0, "not counted"),
            ("p0", "purpose-lived", 3.0, 3.0, "withheld question"),
        ],
        columns=["participant", "item_id", "current", "target", "reason"],
    )
    result = convergence(first, rerates, BANK, item_ids=["purpose-stated", "purpose-lived"])
    assert result.reasons == (("purpose-stated", ("Apple view", "zebra view")),)
    too_few = convergence(first.loc[first["participant"] != "p2"], rerates, BANK, item_ids=["purpose-stated"])
    assert too_few.reasons == ()


def test_a_re_rate_never_changes_the_first_answers_it_is_given() -> None:
    first = first_frame([answer(f"p{i}", "purpose-stated", 1 + i % 4) for i in range(4)])
    kept = first.copy()
    second = second_round(first, rerate_frame([("p0", "purpose-stated", 4, 4)]), ["purpose-stated"])
    pd.testing.assert_frame_equal(first, kept)
    assert second.loc[0, "current"] == 4.0


def test_a_re_rate_of_a_dont_know_or_of_someone_not_counted_or_of_a_question_not_chosen_is_left_out() -> None:
    first = first_frame(
        [
            answer("p0", "purpose-stated", None),
            answer("p1", "purpose-stated", 2),
            answer("p1", "purpose-lived", 2),
        ]
    )
    rerates = rerate_frame(
        [("p0", "purpose-stated", 4, 4), ("ghost", "purpose-stated", 4, 4), ("p1", "purpose-lived", 4, 4)]
    )
    pd.testing.assert_frame_equal(second_round(first, rerates, ["purpose-stated"]), first)


# --- invariants --------------------------------------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = draw(st.integers(min_value=0, max_value=7))
    rows, rerates = [], []
    for p in range(people):
        for item in QUESTIONS:
            if draw(st.booleans()) or item == "purpose-stated":
                level = draw(st.one_of(st.none(), st.integers(1, 4)))
                rows.append(answer(f"p{p}", item, level, draw(st.integers(1, 4))))
                if draw(st.booleans()):
                    rerates.append((f"p{p}", item, draw(st.integers(1, 4)), draw(st.integers(1, 4))))
    return first_frame(rows), rerate_frame(rerates)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rounds())
def test_identical_rounds_neither_converge_nor_diverge(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    first, _ = data
    # everyone re-rates with exactly their first answer
    same = first.loc[~first["dont_know"], ["participant", "item_id", "current", "target"]]
    for rerates in (empty_rerates(), same.reset_index(drop=True)):
        result = convergence(first, rerates, BANK, item_ids=QUESTIONS)
        assert {q.outcome for q in result.questions} <= {"unchanged", "withheld"}
        assert result.overall.converged == result.overall.diverged == 0
        assert all(q.first == q.rerate for q in result.questions)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rounds())
def test_a_question_withheld_in_the_first_round_is_withheld_in_the_re_rate(
    data: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    first, rerates = data
    result = convergence(first, rerates, BANK, item_ids=QUESTIONS)
    for q in result.questions:
        assert q.first.withheld == q.rerate.withheld
        if q.first.withheld:
            assert q.outcome == "withheld"
            assert (q.rerate.median, q.rerate.iqr, q.rerate.within_one, q.rerate.split) == (None,) * 4
        # both rounds rest on the same people: the same count of ratings
        assert q.first.n == q.rerate.n


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rounds())
def test_no_re_rate_figure_is_shown_when_fewer_than_the_threshold_counted(
    data: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    first, rerates = data
    result = convergence(first, rerates, BANK, item_ids=QUESTIONS)
    for q in result.questions:
        if q.rerate.n < BANK.anonymity_threshold or result.respondents < BANK.anonymity_threshold:
            assert q.rerate.withheld and q.rerate.median is None and q.rerate.within_one is None
    if result.respondents < BANK.anonymity_threshold:
        assert result.withheld and result.rerate_overall is None and result.first_overall is None
        assert all(d.rerate_current is None for d in result.domains)
        assert "Withheld" in convergence_sentence(result)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(rounds())
def test_the_tallies_add_up_to_the_questions_shown(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    first, rerates = data
    result = convergence(first, rerates, BANK, item_ids=QUESTIONS)
    for t in [result.overall, *(d.tally for d in result.domains)]:
        assert t.converged + t.diverged + t.unchanged == t.questions
    assert result.overall.questions == sum(1 for q in result.questions if q.outcome != "withheld")
