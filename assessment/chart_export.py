"""Plotly figures to vector SVG for the PDF, through one headless browser kept for the process.

Kaleido draws plotly figures in Chromium. Starting a browser costs most of a second, so it is
started once and kept: every later summary, and every PDF of a cohort pack, reuses it. The app's
server starts it in the background as it starts (``warm_up_in_background``, switched off by
``ICS_CHART_WARMUP=off``), so the first PDF after a start does not wait for it; elsewhere (the
command line) it is started on first use.

Kaleido's own ``start_sync_server`` is not used: when the browser is missing or dies, its server
thread ends and every later call waits on its queue for ever (seen with kaleido 1.5.0). Here the
same one-browser idea runs on our own event-loop thread, so every call has a time limit and a
missing browser is found before anything waits on it. A figure that cannot be drawn comes back as
None with ``problem`` saying why; the report then prints its tables and says what to install.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from assessment import settings

log = logging.getLogger(__name__)

# Where a browser is looked for, in order, when CHART_BROWSER_ENV is not set.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHART_BROWSER_ENV = "ICS_CHART_BROWSER"
INSTALL_HINT = (
    "Install Chromium (on Debian or Ubuntu: sudo apt-get install chromium), or set "
    f"{CHART_BROWSER_ENV} to a Chrome or Chromium executable, then make the PDF again."
)
START_SECONDS = 60.0
FIGURE_SECONDS = 30.0
# Charts kept drawn, the least recently used forgotten first: a cohort pack's worth and more, a
# few megabytes.
CACHED_CHARTS = 256
# The plotly.js each tab loads as it opens: plotly.js's core with only the trace types the charts
# draw, built by charts-bundle/ (1.3 MB). The full plotly.js (4.8 MB) made the browser's start
# 1.9 s against 0.8 s, and draws the same SVG (a test compares them).
PLOTLY_JS = Path(__file__).resolve().parent / "vendor" / "plotly-pdf.min.js"
# One tab. Each tab loads plotly.js as it opens: with the full plotly.js a second tab made the
# browser's start 3.8 s against 2.0 s, and with tabs kept between figures it drew a summary's
# seven charts no sooner (0.42 s against 0.45 s).
TABS = 1
# Kaleido reloads a tab after every figure, parsing plotly.js again: about 130 ms of a core a
# chart, two thirds of a summary's drawing. Plotly draws each figure in a div of its own and
# removes it, so a tab is kept for this many figures before it is reloaded. The browser still
# grew by about half a megabyte a figure (100 MiB over 200 bar charts), so not for ever.
FIGURES_BEFORE_RELOAD = 100


@dataclass(frozen=True)
class ChartRequest:
    figure: go.Figure
    width: int
    height: int


def _key(request: ChartRequest) -> str:
    """The same figure at the same size, and nothing else, has the same key."""
    text = pio.to_json(request.figure, validate=False, engine="json")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{request.width}x{request.height}:{digest}"


def _kept_tabs_kaleido() -> Any:
    """Kaleido's class with its tabs kept between figures (see FIGURES_BEFORE_RELOAD).

    Kaleido gives a tab back to its queue through ``_return_kaleido_tab``, which reloads it
    first; this overrides only that step. kaleido is pinned, and a test fails if the step is
    renamed or stops being used.
    """
    import kaleido  # imported here: only a PDF needs it, and it is slow to import

    class KeptTabs(kaleido.Kaleido):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.figures_since_reload: dict[str, int] = {}

        async def _return_kaleido_tab(self, tab: Any) -> None:
            target = tab.tab.target_id
            drawn = self.figures_since_reload.get(target, 0) + 1
            if drawn < FIGURES_BEFORE_RELOAD:
                self.figures_since_reload[target] = drawn
                await self.tabs_ready.put(tab)
                return
            self.figures_since_reload[target] = 0
            await super()._return_kaleido_tab(tab)

    return KeptTabs


def find_browser(explicit: str | None = None) -> str | None:
    """The browser to draw with: the one named (argument or environment), else the first on PATH."""
    named = explicit or settings.current().chart_browser
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class ChartExporter:
    """Draws figures as SVG; safe to call from several threads (calls are serialised)."""

    def __init__(self, *, browser_path: str | None = None) -> None:
        self._browser_path = browser_path
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None
        self._drawn: OrderedDict[str, str] = OrderedDict()  # figure and size -> SVG, latest used last
        self.problem: str | None = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> bool:
        """Start the browser now if it is not running (a summary calls this on a thread of its
        own, to read the database meanwhile); False, with ``problem`` saying why, if it cannot."""
        with self._lock:
            return self._kaleido is not None or self._start()

    def _start(self) -> bool:
        path = find_browser(self._browser_path)
        if path is None:
            self.problem = (
                f"The charts could not be drawn: no Chrome or Chromium browser was found. {INSTALL_HINT}"
            )
            return False
        kept_tabs = _kept_tabs_kaleido()
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="chart-export", daemon=True).start()

        async def open_browser() -> Any:
            exporter = kept_tabs(
                n=TABS, path=path, mathjax=False, plotlyjs=str(PLOTLY_JS), timeout=FIGURE_SECONDS
            )
            await exporter.open()
            return exporter

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(START_SECONDS)
        except (Exception, FutureTimeout) as exc:  # any failure to start means: no charts
            loop.call_soon_threadsafe(loop.stop)
            self.problem = (
                f"The charts could not be drawn: the browser at {path} did not start ({exc}). {INSTALL_HINT}"
            )
            log.warning("chart browser did not start: %s", exc)
            return False
        self._loop = loop
        self.problem = None
        atexit.register(self.close)
        return True

    def svgs(self, requests: Sequence[ChartRequest]) -> list[str | None]:
        """Each figure as an SVG document, or None for every one when the browser is unusable.

        A figure drawn before at the same size comes from memory: a summary downloaded again, or
        two PDFs of a cohort pack with the same chart, cost the browser nothing the second time.
        """
        if not requests:
            return []
        keys = [_key(r) for r in requests]
        with self._lock:
            self.problem = None  # says what went wrong with the latest drawing, not any before it
            missing: dict[str, ChartRequest] = {}
            for key, request in zip(keys, requests, strict=True):
                if key not in self._drawn and key not in missing:
                    missing[key] = request
            if missing:
                fresh = self._draw(list(missing.values()))
                for key, svg in zip(missing, fresh, strict=True):
                    if svg is not None:
                        self._drawn[key] = svg
            found: list[str | None] = []
            for key in keys:
                svg = self._drawn.get(key)
                if svg is not None:
                    self._drawn.move_to_end(key)
                found.append(svg)
            while len(self._drawn) > CACHED_CHARTS:
                self._drawn.popitem(last=False)
        return found

    def forget_drawn(self) -> None:
        """Draw every figure afresh from now on (a benchmark's fresh summary)."""
        with self._lock:
            self._drawn.clear()

    def _draw(self, requests: Sequence[ChartRequest]) -> list[str | None]:
        """Draw in the browser (started if need be); called with the lock held."""
        if self._kaleido is None and not self._start():
            return [None] * len(requests)
        assert self._loop is not None
        exporter = self._kaleido

        async def draw_all() -> list[Any]:
            return await asyncio.gather(
                *(
                    exporter.calc_fig(r.figure, opts={"format": "svg", "width": r.width, "height": r.height})
                    for r in requests
                ),
                return_exceptions=True,
            )

        try:
            drawn = asyncio.run_coroutine_threadsafe(draw_all(), self._loop).result(
                FIGURE_SECONDS * len(requests)
            )
        except (Exception, FutureTimeout) as exc:
            # The browser hung or died: forget it, so the next PDF starts a fresh one.
            self.problem = (
                f"The charts could not be drawn: the browser stopped answering ({exc}). {INSTALL_HINT}"
            )
            log.warning("chart browser failed: %s", exc)
            self._abandon()
            return [None] * len(requests)
        out: list[str | None] = []
        for result in drawn:
            if isinstance(result, BaseException):
                log.warning("a chart could not be drawn: %s", result)
                self.problem = f"Some charts could not be drawn ({result})."
                out.append(None)
            else:
                out.append(result.decode("utf-8") if isinstance(result, bytes) else str(result))
        if self.problem is not None:
            # A tab is kept between figures: one whose figure failed or timed out may still be
            # busy or broken, so the next PDF starts with a fresh browser rather than inherit it.
            self._abandon()
        return out

    def _abandon(self) -> None:
        loop, exporter = self._loop, self._kaleido
        self._loop, self._kaleido = None, None
        if loop is not None and exporter is not None:
            try:
                asyncio.run_coroutine_threadsafe(exporter.close(), loop).result(10)
            except (Exception, FutureTimeout) as exc:  # already gone; nothing more to tidy
                log.info("chart browser closed with: %s", exc)
            loop.call_soon_threadsafe(loop.stop)

    def close(self) -> None:
        with self._lock:
            self._abandon()


_shared: ChartExporter | None = None
_shared_lock = threading.Lock()
_warm_up_threads: list[threading.Thread] | None = None
_warm_up_lock = threading.Lock()


def shared_exporter() -> ChartExporter:
    """The process's one exporter (the app's server and the CLI each keep one browser)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ChartExporter()
        return _shared


def _small_figure() -> go.Figure:
    return go.Figure(go.Bar(x=["warm-up"], y=[1]))


def _warm_browser(exporter: ChartExporter, began: float) -> None:
    # One small figure a tab: the browser started, and plotly loaded and used in each tab.
    drawn = exporter.svgs([ChartRequest(_small_figure(), 120, 80) for _ in range(TABS)])
    if exporter.problem is None and all(drawn):
        log.info(
            "The chart browser is started, in the background %.1f s after the server started; "
            "the first PDF will not wait for it.",
            time.perf_counter() - began,
        )
    else:
        log.warning(
            "The chart browser could not be started in the background; each PDF will try again, "
            "and until then has its tables without charts. %s",
            exporter.problem or INSTALL_HINT,
        )


def _warm_also(also: Callable[[], object], began: float) -> None:
    try:
        also()
    except Exception:  # a warm-up is only a head start: the first PDF will do (or report) it itself
        log.warning("Preparing the PDF's typesetting in the background failed", exc_info=True)
    else:
        log.info(
            "The PDF's typesetting is prepared, %.1f s after the server started.", time.perf_counter() - began
        )


def warm_up_in_background(
    *, exporter: ChartExporter | None = None, also: Callable[[], object] | None = None
) -> list[threading.Thread] | None:
    """Start the chart browser now, on a thread of its own, so the first PDF does not wait for it;
    ``also`` (say, loading the typesetter and its fonts) runs beside it on another thread.

    Once per process: a later call gets the same threads back. Returns at once, never raises, and
    the threads are daemons (a stopping server never waits for them). A browser that cannot start
    is logged, and its ``problem`` says what to install, as after a PDF's own attempt. Returns
    None when ``ICS_CHART_WARMUP`` switches the warm-up off.
    """
    global _warm_up_threads
    with _warm_up_lock:
        if _warm_up_threads is not None:
            return _warm_up_threads
        if not settings.current().chart_warm_up:
            log.info("The chart browser is not started in the background (ICS_CHART_WARMUP is off).")
            return None
        began = time.perf_counter()
        chosen = exporter or shared_exporter()
        threads = [
            threading.Thread(target=_warm_browser, args=(chosen, began), name="chart-warm-up", daemon=True)
        ]
        if also is not None:
            threads.append(
                threading.Thread(target=_warm_also, args=(also, began), name="pdf-warm-up", daemon=True)
            )
        for thread in threads:
            thread.start()
        _warm_up_threads = threads
        return threads
