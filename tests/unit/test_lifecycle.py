"""The workshop lifecycle: one table, every state in it, and every refusal said in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.lifecycle import (
    STATUSES,
    STEPS,
    TRANSITIONS,
    State,
    TransitionRefused,
    allowed_steps,
    next_state,
    next_step,
    state_of,
    takes_answers,
    takes_rerate_answers,
)

# Every (status, revealed) pair, and the three states of a workshop that has a re-rate round.
STATES = [State(status, revealed) for status in STATUSES for revealed in (False, True)] + [
    State("closed", True, "open"),
    State("closed", True, "finished"),
    State("closed", False, "finished"),
]


def test_every_state_a_workshop_can_be_in_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(STATES)


def test_a_draft_is_opened_closed_revealed_and_hidden_in_that_order() -> None:
    state = State("draft", False)
    for step, expected in (
        ("open", State("open", False)),
        ("close", State("closed", False)),
        ("reveal", State("closed", True)),
        ("hide", State("closed", False)),
    ):
        state = next_state(state, step)
        assert state == expected


@pytest.mark.parametrize(
    ("state", "step", "words"),
    [
        (State("draft", False), "close", "only a workshop that is open"),
        (State("open", False), "open", "open for answers already"),
        (State("closed", True), "reveal", "revealed already"),
        (State("closed", False), "hide", "not revealed"),
        (State("draft", False), "reveal", "nobody has answered"),
        (State("open", False), "reveal", "close answering first"),
        (State("closed", True), "open", "answers cannot change once the team has seen them"),
    ],
)
def test_a_step_the_table_refuses_says_why_in_words(state: State, step: str, words: str) -> None:
    with pytest.raises(TransitionRefused, match=words):
        next_state(state, step)  # type: ignore[arg-type]


def test_an_unknown_step_is_refused_by_name() -> None:
    with pytest.raises(TransitionRefused, match="'delete' is not a step"):
        next_state(State("open", False), "delete")  # type: ignore[arg-type]


@given(st.sampled_from(STATES), st.lists(st.sampled_from(STEPS), max_size=30))
def test_any_sequence_of_steps_stays_within_the_table_and_only_open_takes_answers(
    start: State, steps: list[str]
) -> None:
    state = start
    for step in steps:
        if step in allowed_steps(state):
            state = next_state(state, step)  # type: ignore[arg-type]
        else:
            with pytest.raises(TransitionRefused):
                next_state(state, step)  # type: ignore[arg-type]
        assert state in TRANSITIONS
        assert takes_answers(state) == (state.status == "open")
        # revealing and hiding never change whether answers are taken
        assert state.revealed in (False, True)


def test_a_stored_status_the_lifecycle_does_not_know_is_refused_in_words() -> None:
    assert state_of("closed", True) == State("closed", True)
    with pytest.raises(TransitionRefused, match="'archived' is not a workshop status"):
        state_of("archived", False)


def test_each_state_invites_one_next_step_that_the_table_allows() -> None:
    for state in STATES:
        step = next_step(state)
        assert step is None or step in allowed_steps(state), state
    assert [next_step(State(s, False)) for s in ("draft", "open", "closed")] == ["open", "close", "reveal"]
    # the re-rate round is the step after the reveal; nothing more once it has finished
    assert next_step(State("closed", True)) == "rerate"
    assert next_step(State("closed", True, "open")) == "finish"
    assert next_step(State("closed", True, "finished")) is None


def test_a_revealed_workshop_runs_one_re_rate_round_and_never_opens_for_answers_again() -> None:
    state = State("closed", True)
    for step, expected in (
        ("rerate", State("closed", True, "open")),
        ("finish", State("closed", True, "finished")),
        ("hide", State("closed", False, "finished")),
        ("reveal", State("closed", True, "finished")),
    ):
        state = next_state(state, step)
        assert state == expected
    with pytest.raises(TransitionRefused, match="re-rate round already"):
        next_state(state, "rerate")
    with pytest.raises(TransitionRefused, match="first answers cannot change after it"):
        next_state(State("closed", False, "finished"), "open")
    with pytest.raises(TransitionRefused, match="a re-rate is running: finish it first"):
        next_state(State("closed", True, "open"), "hide")
    with pytest.raises(TransitionRefused, match="reveal the results first"):
        next_state(State("closed", False), "rerate")
    with pytest.raises(TransitionRefused, match="no re-rate is running"):
        next_state(State("closed", True), "finish")


@given(st.sampled_from(STATES), st.lists(st.sampled_from(STEPS), max_size=30))
def test_re_rate_answers_are_taken_only_while_a_re_rate_is_open_and_the_results_are_revealed(
    start: State, steps: list[str]
) -> None:
    state = start
    for step in steps:
        if step in allowed_steps(state):
            state = next_state(state, step)  # type: ignore[arg-type]
        if takes_rerate_answers(state):
            assert state.revealed and not takes_answers(state)


@given(st.lists(st.sampled_from(STEPS), max_size=30))
def test_no_sequence_of_steps_reveals_results_while_answers_can_still_change(steps: list[str]) -> None:
    state = State("draft", False)
    for step in steps:
        if step in allowed_steps(state):
            state = next_state(state, step)  # type: ignore[arg-type]
        assert not (state.revealed and takes_answers(state)), "a live result while answers are taken"
        if state.revealed:
            assert "open" not in allowed_steps(state)
