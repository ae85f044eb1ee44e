"""The answering-time estimate a workshop's creation form shows, from the domains chosen."""

from __future__ import annotations

from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from assessment.estimates import answering_time
from assessment.framework import DEFAULT_BANK_PATH, QuestionBank, load_bank


@cache
def shipped() -> QuestionBank:
    return load_bank(DEFAULT_BANK_PATH)


DOMAIN_IDS = [d.id for d in shipped().domains]
some_domains = st.lists(st.sampled_from(DOMAIN_IDS), unique=True)


@given(some_domains, st.sampled_from(DOMAIN_IDS))
def test_adding_a_domain_never_shortens_the_estimate(chosen: list[str], extra: str) -> None:
    before = answering_time(shipped(), chosen)
    after = answering_time(shipped(), [*chosen, extra])
    assert after.questions >= before.questions
    assert after.low >= before.low and after.high >= before.high
    if extra not in chosen:
        assert after.questions > before.questions and after.high > before.high


@given(some_domains)
def test_the_estimate_is_a_range_that_counts_every_chosen_question(chosen: list[str]) -> None:
    estimate = answering_time(shipped(), chosen)
    assert estimate.questions == sum(len(shipped().domain(d).items) for d in chosen)
    assert estimate.low <= estimate.high
    if chosen:
        assert estimate.low >= 1
        assert estimate.words().startswith("about ") and estimate.words().endswith("minutes")


@given(some_domains)
def test_the_order_domains_are_ticked_in_does_not_change_the_estimate(chosen: list[str]) -> None:
    assert answering_time(shipped(), chosen) == answering_time(shipped(), list(reversed(chosen)))


def test_the_whole_shipped_bank_reads_as_a_range_of_minutes_in_words() -> None:
    estimate = answering_time(shipped(), DOMAIN_IDS)
    assert estimate.questions == 56
    assert estimate.sentence() == f"56 questions: about {estimate.low} to {estimate.high} minutes to answer."
    # A workshop of the whole bank is a long sitting, but well under two hours.
    assert 25 <= estimate.low < estimate.high <= 90


def test_an_accountability_question_takes_longer_the_more_situations_it_asks_about() -> None:
    seven = answering_time(shipped(), ["accountability"])
    five = answering_time(shipped(), ["delegation-to-place"])
    # Both have one accountability question; 'accountability' has four maturity questions and
    # seven situations, 'delegation-to-place' three, five and a spectrum question.
    assert seven.high > five.high


def test_no_domains_chosen_says_there_is_nothing_to_answer() -> None:
    estimate = answering_time(shipped(), [])
    assert estimate.questions == 0
    assert estimate.sentence() == "No domains chosen: there are no questions to answer."
    assert "None" not in estimate.words() and "0 minutes" not in estimate.words()
