"""A pool of typesetting processes for the cohort pack, each started as ``python -m assessment.typesetter``.

Why not `multiprocessing`: a spawn or forkserver worker first re-runs the parent's ``__main__``
(its ``prepare`` step runs the main script again, as ``__mp_main__``). Inside a Streamlit server
``__main__`` is the page being run, and a page re-run in a worker crashed it; a script run from a
file (a benchmark) would run again too. A worker started here is a fresh interpreter that runs this
module by name and nothing else: whatever the parent's ``__main__`` is, it is never run again. The
workers are started with `subprocess` (exec at once, so safe beside a web server's threads) and
read jobs from their standard input and write PDFs to a pipe of their own, each framed as a length
and a pickle. Only this package's own processes are at either end of the pipes.

A worker loads the typesetter (Typst, the fonts found) once, as it starts, while the parent is
still reading the database and drawing the first charts.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from assessment import settings

_LENGTH = struct.Struct("!Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_STOP = None


class TypesettingFailed(RuntimeError):
    """A typesetting process could not make a PDF, or stopped before it did."""


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream (the other end closed or stopped)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    return pickle.loads(data)  # noqa: S301  (written by this module, in a process of our own)


def _worker_environment() -> dict[str, str]:
    """The parent's environment, with this package importable whatever the parent's directory."""
    inherited = settings.child_environment({}).get("PYTHONPATH", "")
    paths = [_PACKAGE_ROOT, *[p for p in inherited.split(os.pathsep) if p]]
    return settings.child_environment({"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))})


class TypesettingPool:
    """``size`` typesetting processes; `submit` returns a future of the PDF's bytes.

    Jobs are taken in order by whichever process is free. `shutdown` ends the processes (and, if
    asked, cancels the jobs not yet started); the pool is a context manager that shuts down.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a typesetting pool needs at least one process")
        self._jobs: queue.SimpleQueue[tuple[Future[bytes], str, str] | None] = queue.SimpleQueue()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []
        self._closed = False
        # Processes still taking jobs. Counted under a lock, so that of several dying at once the
        # last one fails the jobs left (asking each other whether they are alive, two could each
        # see the other alive and leave the jobs waiting for ever), and no job is queued after.
        self._live = 0
        self._live_lock = threading.Lock()
        try:
            for number in range(size):
                self._start(number)
        except BaseException:
            self.shutdown(cancel_futures=True)
            raise

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    def _start(self, number: int) -> None:
        results_read, results_write = os.pipe()
        try:
            process = subprocess.Popen(
                # -P: the parent's working directory is not put first on the path, where another
                # checkout's `assessment` there would be imported instead of this one
                [sys.executable, "-P", "-m", __name__, str(results_write)],
                stdin=subprocess.PIPE,
                pass_fds=(results_write,),
                env=_worker_environment(),
                close_fds=True,
            )
        finally:
            os.close(results_write)
        self._processes.append(process)
        with self._live_lock:
            self._live += 1
        results = os.fdopen(results_read, "rb")
        thread = threading.Thread(
            target=self._feed, args=(process, results), name=f"typesetter-{number}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _feed(self, process: subprocess.Popen[bytes], results: IO[bytes]) -> None:
        """Hand this process one job at a time and settle each job's future with its answer."""
        assert process.stdin is not None
        with results:
            while (job := self._jobs.get()) is not _STOP:
                future, document, title = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    _send(process.stdin, (document, title))
                    answer = _receive(results)
                except OSError:
                    answer = None
                if answer is None:
                    code = process.poll()
                    stopped = f" (it ended with code {code})" if code is not None else ""
                    future.set_exception(TypesettingFailed(f"a typesetting process stopped{stopped}"))
                    self._fail_the_rest()
                    return
                kind, content = answer
                if kind == "pdf":
                    future.set_result(content)
                else:
                    future.set_exception(TypesettingFailed(f"the PDF could not be typeset: {content}"))

    def _fail_the_rest(self) -> None:
        """After a process died: the last one to go fails every job left, so none waits for ever
        (while others live, they take what they can)."""
        with self._live_lock:
            self._live -= 1
            if self._live > 0:
                return
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    return
                if job is not _STOP and job[0].set_running_or_notify_cancel():
                    job[0].set_exception(TypesettingFailed("every typesetting process stopped"))

    def submit(self, document: str, title: str) -> Future[bytes]:
        if self._closed:
            raise RuntimeError("the typesetting pool is shut down")
        future: Future[bytes] = Future()
        with self._live_lock:
            if self._live == 0:
                future.set_exception(TypesettingFailed("every typesetting process stopped"))
            else:
                self._jobs.put((future, document, title))
        return future

    def shutdown(self, *, cancel_futures: bool = False) -> None:
        """End the processes once their jobs are done (or cancelled, if asked), and wait for them."""
        if self._closed:
            return
        self._closed = True
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not _STOP:
                    job[0].cancel()
        for _ in self._threads:
            self._jobs.put(_STOP)
        for thread in self._threads:
            thread.join()
        for process in self._processes:
            if process.stdin is not None:
                with contextlib.suppress(OSError):  # a process that died already
                    process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> TypesettingPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown(cancel_futures=True)


def main(results_fd: int) -> int:
    """A worker: typeset each (document, title) read from standard input until it closes."""
    from assessment.report import prepare_typesetter, typeset_pdf

    prepare_typesetter()
    jobs = sys.stdin.buffer
    with os.fdopen(results_fd, "wb") as results:
        while (job := _receive(jobs)) is not None:
            document, title = job
            try:
                answer: tuple[str, Any] = ("pdf", typeset_pdf(document, title=title))
            except Exception as error:  # told to the parent, which raises it there
                answer = ("error", f"{type(error).__name__}: {error}")
            _send(results, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
