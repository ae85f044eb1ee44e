"""How much of an answer is given: a question counts as answered only when its answer is whole, a
grid half filled in says how far it has got ("6 of 7"), and the review reads every answer in words."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.answers import Answer, answer_in_words, domain_progress, is_complete, parts_given
from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, SpectrumItem
from tests.banks import small_bank

BANK: QuestionBank = small_bank()
GRID = next(i for _, i in BANK.iter_items() if isinstance(i, AccountabilityItem))
LEVELLED = next(i for _, i in BANK.iter_items() if isinstance(i, MaturityItem))
STANCE = next(i for _, i in BANK.iter_items() if isinstance(i, SpectrumItem))
FUNCTIONS = [f.id for f in GRID.functions]
TIERS = [t.id for t in GRID.tiers]


@given(st.dictionaries(st.sampled_from(FUNCTIONS), st.sampled_from(TIERS)))
def test_a_grid_is_answered_only_when_every_function_has_a_tier(tiers: dict[str, str]) -> None:
    answer = Answer(item_id=GRID.id, tiers=tiers)
    given_count, total = parts_given(GRID, answer)
    assert (given_count, total) == (len(tiers), len(FUNCTIONS))
    assert is_complete(GRID, answer) == (len(tiers) == len(FUNCTIONS))


@given(
    st.one_of(st.none(), st.integers(1, 4)),
    st.one_of(st.none(), st.integers(1, 4)),
    st.booleans(),
)
def test_a_level_question_is_answered_with_both_levels_or_dont_know(
    current: int | None, target: int | None, dont_know: bool
) -> None:
    answer = Answer(item_id=LEVELLED.id, current=current, target=target, dont_know=dont_know)
    whole = dont_know or (current is not None and target is not None)
    assert is_complete(LEVELLED, answer) == whole
    assert parts_given(LEVELLED, answer) == (int(whole), 1)


def test_a_question_without_an_answer_is_not_answered() -> None:
    assert parts_given(GRID, None) == (0, len(FUNCTIONS))
    assert not is_complete(GRID, None) and not is_complete(LEVELLED, None)
    assert answer_in_words(BANK, LEVELLED, None) == ["No answer yet"]


def test_a_domain_counts_a_half_filled_grid_as_not_yet_answered() -> None:
    domain = next(d for d in BANK.domains if any(i.id == GRID.id for i in d.items))
    others = {
        i.id: Answer(item_id=i.id, current=2, target=3)
        for i in domain.items
        if not isinstance(i, AccountabilityItem)
    }
    half = {**others, GRID.id: Answer(item_id=GRID.id, tiers={FUNCTIONS[0]: TIERS[0]})}
    whole = {**others, GRID.id: Answer(item_id=GRID.id, tiers=dict.fromkeys(FUNCTIONS, TIERS[0]))}
    assert domain_progress(domain, half) == (len(domain.items) - 1, len(domain.items))
    assert domain_progress(domain, whole) == (len(domain.items), len(domain.items))


def test_the_review_reads_levels_by_name_with_confidence_and_comment() -> None:
    answer = Answer(item_id=LEVELLED.id, current=2, target=4, confidence=3, comment="Board paper in May")
    assert answer_in_words(BANK, LEVELLED, answer) == [
        "Now: 2. Developing",
        "In a year: 4. Thriving",
        "How sure: High",
        "Comment: Board paper in May",
    ]
    assert answer_in_words(BANK, LEVELLED, Answer(item_id=LEVELLED.id, dont_know=True)) == ["I don't know"]


def test_the_review_reads_a_stance_by_its_poles_at_the_ends() -> None:
    answer = Answer(item_id=STANCE.id, current=1, target=3)
    assert answer_in_words(BANK, STANCE, answer) == [f"Now: 1 of 5, {STANCE.poles[0]}", "Should be: 3 of 5"]


def test_the_review_says_how_many_functions_of_a_grid_are_still_to_choose() -> None:
    answer = Answer(item_id=GRID.id, tiers={FUNCTIONS[0]: "place-partnership"})
    words = answer_in_words(BANK, GRID, answer)
    assert words[0] == f"{GRID.functions[0].label}: Place partnership"
    assert words[-1] == f"1 of {len(FUNCTIONS)} answered: {len(FUNCTIONS) - 1} still to choose"
