"""Callers asking for the same thing at once share builds, and every caller's build began after
they asked: a summary is never one read from the database before its Download was pressed."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.fresh_batches import FreshBatches


class Clock:
    """A counter read under a lock: which of two events came first, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ticks = itertools.count()

    def tick(self) -> int:
        with self._lock:
            return next(self._ticks)


def test_sixty_callers_at_once_share_at_most_two_builds() -> None:
    batches: FreshBatches[str, int] = FreshBatches()
    builds: list[int] = []
    start = threading.Barrier(60)

    def build() -> int:
        builds.append(1)
        time.sleep(0.2)
        return len(builds)

    def ask(_: int) -> int:
        start.wait()
        return batches.get("summary", build)

    with ThreadPoolExecutor(max_workers=60) as callers:
        got = list(callers.map(ask, range(60)))
    assert 1 <= len(builds) <= 2
    assert set(got) <= {1, 2}


@settings(max_examples=25, deadline=None)
@given(
    arrivals=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=16),
    build_ms=st.integers(min_value=1, max_value=15),
)
def test_every_caller_gets_a_build_that_began_after_they_asked(arrivals: list[int], build_ms: int) -> None:
    """The attacker here is time: a caller handed a build begun before their click would see the
    database as it was before, missing what they had just recorded."""
    batches: FreshBatches[str, int] = FreshBatches()
    clock = Clock()
    starts: list[int] = []

    def build() -> int:
        began = clock.tick()
        starts.append(began)
        time.sleep(build_ms / 1000)
        return began

    def ask(delay_ms: int) -> tuple[int, int]:
        time.sleep(delay_ms / 1000)
        asked = clock.tick()
        return asked, batches.get("summary", build)

    with ThreadPoolExecutor(max_workers=len(arrivals)) as callers:
        answers = list(callers.map(ask, arrivals))
    for asked, began in answers:
        assert began > asked
        assert began in starts
    assert len(starts) <= len(arrivals)


def test_a_failed_build_fails_its_callers_and_the_next_call_builds_afresh() -> None:
    batches: FreshBatches[str, str] = FreshBatches()
    release = threading.Event()
    calls: list[str] = []

    def failing() -> str:
        calls.append("failing")
        release.wait(5)
        raise RuntimeError("the database went away")

    with ThreadPoolExecutor(max_workers=1) as first:
        failed = first.submit(batches.get, "summary", failing)
        time.sleep(0.05)
        release.set()
        with pytest.raises(RuntimeError, match="went away"):
            failed.result(5)
    assert batches.get("summary", lambda: "made") == "made"
    assert calls == ["failing"]


def test_callers_of_different_things_never_share() -> None:
    batches: FreshBatches[int, int] = FreshBatches()
    start = threading.Barrier(8)

    def ask(workshop: int) -> int:
        start.wait()
        return batches.get(workshop, lambda: (time.sleep(0.05), workshop)[1])

    with ThreadPoolExecutor(max_workers=8) as callers:
        assert list(callers.map(ask, [1, 2, 1, 2, 3, 3, 1, 4])) == [1, 2, 1, 2, 3, 3, 1, 4]
