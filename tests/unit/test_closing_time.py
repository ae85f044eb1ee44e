"""The closing time: the clock closes an open workshop as the "close" step would, and does nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.errors import Invalid
from assessment.lifecycle import (
    STEPS,
    TRANSITIONS,
    State,
    TransitionRefused,
    at_time,
    check_closing_time,
    deadline_passed,
    may_take,
    next_state,
    takes_answers,
)

STATES = list(TRANSITIONS)
NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(st.sampled_from(STATES), moments, moments, moments)
def test_the_clock_never_reopens_and_once_closed_stays_closed_as_time_goes_on(
    state: State, deadline: datetime, earlier: datetime, later: datetime
) -> None:
    earlier, later = min(earlier, later), max(earlier, later)
    then, afterwards = at_time(state, deadline, earlier), at_time(state, deadline, later)
    assert afterwards.status != "open" or state.status == "open"
    if not takes_answers(then):
        assert not takes_answers(afterwards)
    # the clock only ever takes the close step, and taking it twice changes nothing
    assert afterwards in (state, next_state(state, "close") if state.status == "open" else state)
    assert at_time(afterwards, deadline, later) == afterwards
    assert (afterwards.revealed, afterwards.rerate) == (state.revealed, state.rerate)


@given(st.sampled_from(STATES), moments, moments)
def test_answers_are_taken_exactly_while_open_and_before_the_closing_time(
    state: State, deadline: datetime, now: datetime
) -> None:
    assert takes_answers(at_time(state, deadline, now)) == (state.status == "open" and now < deadline)


@given(st.sampled_from(STATES), moments)
def test_without_a_closing_time_the_clock_changes_nothing(state: State, now: datetime) -> None:
    assert at_time(state, None, now) == state


def test_at_the_closing_time_itself_answers_are_no_longer_taken() -> None:
    assert deadline_passed(NOON, NOON)
    assert not deadline_passed(NOON, NOON - timedelta(microseconds=1))
    assert at_time(State("open", False), NOON, NOON) == State("closed", False)


def test_a_stored_moment_without_a_zone_is_read_as_utc() -> None:
    assert deadline_passed(NOON.replace(tzinfo=None), NOON)
    assert not deadline_passed(NOON.replace(tzinfo=None), NOON - timedelta(seconds=1))


@given(st.sampled_from(STATES), st.sampled_from(STEPS), moments, moments)
def test_no_step_opens_a_workshop_whose_closing_time_has_passed(
    state: State, step: str, deadline: datetime, now: datetime
) -> None:
    try:
        following = may_take(state, step, deadline, now)  # type: ignore[arg-type]
    except TransitionRefused:
        return
    assert not (following.status == "open" and now >= deadline)


def test_reopening_after_the_closing_time_says_to_set_a_later_one() -> None:
    with pytest.raises(TransitionRefused, match="set a later closing time"):
        may_take(State("closed", False), "open", NOON, NOON + timedelta(hours=1))
    assert may_take(State("closed", False), "open", NOON, NOON - timedelta(hours=1)) == State("open", False)


def test_closing_by_hand_after_the_clock_has_closed_it_is_refused_in_words() -> None:
    with pytest.raises(TransitionRefused, match="only a workshop that is open"):
        may_take(State("open", False), "close", NOON, NOON)


def test_a_closing_time_must_be_in_the_future() -> None:
    with pytest.raises(Invalid, match="in the future"):
        check_closing_time(NOON, NOON)
    assert check_closing_time(NOON.replace(tzinfo=None), NOON - timedelta(minutes=1)) == NOON
