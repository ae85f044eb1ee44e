"""A workshop's life, as one table: which step may follow which.

A workshop is drafted, opened for answers, closed, and its results revealed to the room (and
hidden again when the facilitator wants the room to look at something else). A closed workshop
can be reopened for a late arrival. Results can be revealed while answering is still open, as
rooms do when the last few are still typing; answers are taken only while a workshop is open.

The table is the rule for every door: the workshops page and the command line both go through
``assessment.services.workshops.take_step``, which asks ``next_state``; a page only greys out
the buttons the table refuses.

After the reveal the facilitator may run one re-rate round (``assessment.rerate``, the Delphi
step done in the room): opened on chosen questions, then finished. Where a workshop stands in it is
the third part of its state, ``rerate``: "none" before, "open" while participants re-rate,
"finished" after. Results stay revealed while the re-rate runs (each participant sees the team's
distribution beside their first answer), and answering never opens again once a re-rate has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from assessment.errors import Invalid

Status = Literal["draft", "open", "closed"]
Step = Literal["open", "close", "reveal", "hide", "rerate", "finish"]
Rerate = Literal["none", "open", "finished"]

STATUSES: tuple[Status, ...] = ("draft", "open", "closed")
STEPS: tuple[Step, ...] = ("open", "close", "reveal", "hide", "rerate", "finish")
RERATE_STAGES: tuple[Rerate, ...] = ("none", "open", "finished")


@dataclass(frozen=True)
class State:
    status: Status
    revealed: bool
    rerate: Rerate = "none"


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
    State("closed", True): {"hide": State("closed", False), "rerate": State("closed", True, "open")},
    # The re-rate round: opened after the reveal, finished, and the results hidden or shown again
    # after it; answering never reopens, or first answers could change after the re-rate.
    State("closed", True, "open"): {"finish": State("closed", True, "finished")},
    State("closed", True, "finished"): {"hide": State("closed", False, "finished")},
    State("closed", False, "finished"): {"reveal": State("closed", True, "finished")},
    # Only reachable by data from before these rules: each can still be tidied up.
    State("draft", True): {"hide": State("draft", False)},
    State("open", True): {"close": State("closed", True), "hide": State("open", False)},
}

# The one step a facilitator is invited to take next from each state (None: nothing more to do).
NEXT_STEP: dict[State, Step | None] = {
    State("draft", False): "open",
    State("open", False): "close",
    State("closed", False): "reveal",
    State("closed", True): "rerate",
    State("closed", True, "open"): "finish",
    State("closed", True, "finished"): None,
    State("closed", False, "finished"): "reveal",
    State("draft", True): "hide",
    State("open", True): "close",
}


def _why_not(state: State, step: Step) -> str:
    if step == "rerate":
        if state.rerate != "none":
            return "it has had its re-rate round already"
        return "a re-rate follows the reveal: close answering and reveal the results first"
    if step == "finish":
        return "no re-rate is running"
    if state.rerate == "open":
        return "a re-rate is running: finish it first"
    if step == "open":
        if state.rerate == "finished":
            return "its re-rate has run, and first answers cannot change after it"
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
    "rerate": "rerate.open",
    "finish": "rerate.finish",
}


def state_of(status: str, revealed: bool, rerate: Rerate = "none") -> State:
    """A stored workshop's state: its status column checked against the lifecycle's statuses,
    with where it stands in its re-rate round (``assessment.db.rerate_stage``)."""
    for known in STATUSES:
        if status == known:
            return State(known, revealed, rerate)
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


# --- the closing time ------------------------------------------------------------------------------
# A workshop may carry a closing time, so people can answer ahead of the session. Once it has
# passed, the workshop is closed: the same "close" step a facilitator takes, taken by the clock.
# Every read of a workshop's state goes through ``at_time``, so a passed deadline is closed for
# every door (join, save, submit, the facilitator's pages) whether or not the close has been
# written down yet; the services then record it once (``CLOSED_AUTOMATICALLY``).

CLOSED_AUTOMATICALLY = "workshop.closed_automatically"
OPEN_PAST_DEADLINE = (
    "its closing time has passed: set a later closing time (or remove it) before opening it again"
)
CLOSING_TIME_PASSED = "Choose a closing time in the future: the one given has already passed"


def as_utc(moment: datetime) -> datetime:
    """A stored or typed moment in UTC; one without a zone (SQLite gives them back so) is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def deadline_passed(closes_at: datetime | None, now: datetime) -> bool:
    """Whether the closing time has come: at the closing time itself answers are no longer taken."""
    return closes_at is not None and as_utc(now) >= as_utc(closes_at)


def at_time(state: State, closes_at: datetime | None, now: datetime) -> State:
    """The state a workshop is in at ``now``: an open workshop whose closing time has come is
    closed, exactly as the "close" step leaves it. Any other state is unchanged by the clock, so
    the clock only ever closes (never opens, reveals or reopens)."""
    if state.status == "open" and deadline_passed(closes_at, now):
        return next_state(state, "close")
    return state


def may_take(state: State, step: Step, closes_at: datetime | None, now: datetime) -> State:
    """``next_state`` at ``now``: taken from the state the clock leaves, and opening refused
    while the closing time has passed (the clock would close it again at once)."""
    here = at_time(state, closes_at, now)
    following = next_state(here, step)
    if following.status == "open" and deadline_passed(closes_at, now):
        raise TransitionRefused(f"cannot {step} this workshop: {OPEN_PAST_DEADLINE}")
    return following


def check_closing_time(closes_at: datetime, now: datetime) -> datetime:
    """A closing time a facilitator sets, in UTC; refused (Invalid) unless it is in the future."""
    if deadline_passed(closes_at, now):
        raise Invalid(CLOSING_TIME_PASSED)
    return as_utc(closes_at)


def takes_rerate_answers(state: State) -> bool:
    """Re-rate answers are taken only while a re-rate round is open."""
    return state.rerate == "open"


__all__ = [
    "AUDIT_ACTIONS",
    "CLOSED_AUTOMATICALLY",
    "CLOSING_TIME_PASSED",
    "OPEN_PAST_DEADLINE",
    "RERATE_STAGES",
    "STATUSES",
    "STEPS",
    "TRANSITIONS",
    "Rerate",
    "State",
    "Status",
    "Step",
    "TransitionRefused",
    "allowed_steps",
    "as_utc",
    "at_time",
    "check_closing_time",
    "deadline_passed",
    "may_take",
    "next_state",
    "next_step",
    "state_of",
    "takes_answers",
    "takes_rerate_answers",
]
