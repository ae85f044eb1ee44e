"""A workshop's life, as one table: which step may follow which.

A workshop is drafted, opened for answers, closed, and its results revealed to the room (and
hidden again when the facilitator wants the room to look at something else). A closed workshop
can be reopened for a late arrival. Results can be revealed while answering is still open, as
rooms do when the last few are still typing; answers are taken only while a workshop is open.

The table is the rule for every door: the workshops page and the command line both go through
``assessment.services.workshops.take_step``, which asks ``next_state``; a page only greys out
the buttons the table refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assessment.errors import Invalid

Status = Literal["draft", "open", "closed"]
Step = Literal["open", "close", "reveal", "hide"]

STATUSES: tuple[Status, ...] = ("draft", "open", "closed")
STEPS: tuple[Step, ...] = ("open", "close", "reveal", "hide")


@dataclass(frozen=True)
class State:
    status: Status
    revealed: bool


class TransitionRefused(Invalid, ValueError):
    """A step the lifecycle does not allow from the workshop's present state, said in words."""


# (status, revealed) -> the steps allowed from there and where each leads. Every state is listed.
# One way through a workshop: open, close, reveal (and hide again if need be). A draft has no
# answers to reveal; an open workshop is closed before its results are revealed, so the room never
# sees a live result that answers still being given would change; and a revealed workshop does not
# open again, or people could change their answers after seeing everyone else's.
TRANSITIONS: dict[State, dict[Step, State]] = {
    State("draft", False): {"open": State("open", False)},
    State("open", False): {"close": State("closed", False)},
    State("closed", False): {"open": State("open", False), "reveal": State("closed", True)},
    State("closed", True): {"hide": State("closed", False)},
    # Only reachable by data from before these rules: each can still be tidied up.
    State("draft", True): {"hide": State("draft", False)},
    State("open", True): {"close": State("closed", True), "hide": State("open", False)},
}

# The one step a facilitator is invited to take next from each state (None: nothing more to do).
NEXT_STEP: dict[State, Step | None] = {
    State("draft", False): "open",
    State("open", False): "close",
    State("closed", False): "reveal",
    State("closed", True): None,
    State("draft", True): "hide",
    State("open", True): "close",
}


def _why_not(state: State, step: Step) -> str:
    if step == "open":
        if state.revealed:
            return "its results have been revealed, and answers cannot change once the team has seen them"
        return "it is open for answers already"
    if step == "close":
        return "only a workshop that is open for answers can be closed"
    if step == "reveal":
        if state.revealed:
            return "its results are revealed already"
        if state.status == "draft":
            return "nobody has answered a workshop that has not opened"
        return "close answering first, so the results do not change while the room reads them"
    return "its results are not revealed"


# Step names as the audit log has always recorded them.
AUDIT_ACTIONS: dict[Step, str] = {
    "open": "workshop.open",
    "close": "workshop.closed",
    "reveal": "workshop.reveal",
    "hide": "workshop.hide",
}


def state_of(status: str, revealed: bool) -> State:
    """A stored workshop's state: its status column checked against the lifecycle's statuses."""
    for known in STATUSES:
        if status == known:
            return State(known, revealed)
    raise TransitionRefused(f"'{status}' is not a workshop status; expected one of {', '.join(STATUSES)}")


def allowed_steps(state: State) -> tuple[Step, ...]:
    return tuple(TRANSITIONS.get(state, {}))


def next_state(state: State, step: Step) -> State:
    """The state ``step`` leads to from ``state``, or TransitionRefused saying why not."""
    if step not in STEPS:
        raise TransitionRefused(f"'{step}' is not a step; expected one of {', '.join(STEPS)}")
    following = TRANSITIONS.get(state, {}).get(step)
    if following is None:
        raise TransitionRefused(f"cannot {step} this workshop: {_why_not(state, step)}")
    return following


def next_step(state: State) -> Step | None:
    """The step to invite next (the one primary button), or None once the results are out."""
    return NEXT_STEP.get(state)


def takes_answers(state: State) -> bool:
    """Answers are taken only while a workshop is open: never in draft, never once closed."""
    return state.status == "open"


__all__ = [
    "AUDIT_ACTIONS",
    "STATUSES",
    "STEPS",
    "TRANSITIONS",
    "State",
    "Status",
    "Step",
    "TransitionRefused",
    "allowed_steps",
    "next_state",
    "next_step",
    "state_of",
    "takes_answers",
]
