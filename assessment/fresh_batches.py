"""Many callers asking for the same thing at once share the work, and none gets an answer older than
their own request.

At the reveal, the facilitator and every participant's phone may press Download together. Each
summary is read from the database and built (about 0.7 s of one core before typesetting), so thirty
at once took 27 s, the last person waiting for everyone before them. Handing a caller the result of
a build already under way would be quicker still, but that build read the database before the
caller pressed, and could leave out a consensus recorded a moment before. So callers are batched
as a database's group commit batches writes: a build runs for whoever asked first; everyone who
asks while it runs joins the next build, which starts when it ends. Whatever the number of callers,
at most two builds of one thing run back to back, and each caller's build began after they asked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class _Builds(Generic[V]):
    running: Future[V]  # the build under way (or about to start), and whoever shares it
    started: bool  # whether it has begun: until then, a caller may still join it
    waiting: Future[V] | None = field(default=None)  # the next build, gathering who asks meanwhile


class FreshBatches(Generic[K, V]):
    """`get(key, build)`: the value of a ``build`` that started after this call, shared with
    callers of the same key who asked while an earlier build was under way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._builds: dict[K, _Builds[V]] = {}

    def get(self, key: K, build: Callable[[], V]) -> V:
        mine: Future[V] = Future()
        shared: Future[V] | None = None  # another caller's build, begun after this call
        ahead: Future[V] | None = None  # the build this caller's must wait for
        with self._lock:
            builds = self._builds.get(key)
            if builds is None:  # nothing under way: build now
                self._builds[key] = _Builds(running=mine, started=True)
            elif not builds.started:  # next in line but not begun: share it
                shared = builds.running
            elif builds.waiting is None:  # begun before this call: lead the build after it
                ahead, builds.waiting = builds.running, mine
            else:  # the next build is gathering callers: share it
                shared = builds.waiting
        if shared is not None:
            return shared.result()  # waited for outside the lock
        if ahead is not None:
            ahead.exception()  # wait for it to end, either way; its outcome is not ours
            with self._lock:
                self._builds[key].started = True  # from now on, callers wait for the next one
        try:
            value = build()
        except BaseException as error:
            self._finished(key)
            mine.set_exception(error)
            raise
        self._finished(key)
        mine.set_result(value)
        return value

    def _finished(self, key: K) -> None:
        # The next build becomes the one in line before its leader is woken: a caller arriving
        # meanwhile shares it (it has not begun), never a build that read the database earlier.
        with self._lock:
            builds = self._builds[key]
            if builds.waiting is None:
                del self._builds[key]
            else:
                builds.running, builds.started, builds.waiting = builds.waiting, False, None
