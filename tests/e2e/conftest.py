"""The browser tier: a real `streamlit run` on a free loopback port, driven by headless Chromium.

Debian's Chromium is used (`make test` installs it); Playwright's own browser download is not
available on these machines.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright
from sqlalchemy import Engine

from tests.conftest import PROJECT_ROOT

if TYPE_CHECKING:
    from assessment.db import WorkshopInfo

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop the server by its PID (and its process group), forcefully if it lingers."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_app(
    log_dir: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    extra_args: Sequence[str] = (),
) -> AppServer:
    """Start `streamlit run server.py` (the app with its sign-in routes, as `make run` does); pass
    DATABASE_URL in ``env`` (never the developer's data/). ``extra_args`` go to `streamlit run`
    after the defaults (e.g. ``--secrets.files`` for a test's own secrets.toml)."""
    port = port or free_port()
    log = log_dir / f"streamlit-{port}.log"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "server.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *extra_args,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            # No chart browser started in the background unless a test asks for one: a browser
            # test's server seldom makes a PDF, and two cores shared by many servers each
            # starting a Chromium would slow every test (tests/e2e/test_chart_warm_up_e2e.py
            # switches it on).
            env={**os.environ, "ICS_CHART_WARMUP": "off", **(env or {})},
            start_new_session=True,  # its own process group, so stop() reaches every child
        )
    server = AppServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"streamlit did not become healthy in {STARTUP_SECONDS}s:\n{log.read_text()}")


def start_apps(log_dir: Path, count: int, env: dict[str, str] | None = None) -> list[AppServer]:
    """Start ``count`` app servers at once, each on a port of its own (each waits mostly on its
    own imports, so together they take little longer than one). If any fails to start, the
    others are stopped and the first failure is raised."""
    ports: list[int] = []
    while len(ports) < count:  # two free_port() calls may, rarely, be given the same port
        if (port := free_port()) not in ports:
            ports.append(port)
    with ThreadPoolExecutor(count) as pool:
        starting = [pool.submit(start_app, log_dir, env=env, port=port) for port in ports]
    servers: list[AppServer] = []
    failures: list[BaseException] = []
    for future in starting:
        try:
            servers.append(future.result())
        except RuntimeError as failed:
            failures.append(failed)
    if failures:
        for server in servers:
            server.stop()
        raise failures[0]
    return servers


# --- nginx in front of several servers (the proxy failover test and bench/load.py --proxy) --------

NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx.conf"
# What each app server line gets in the upstream: one failed connection takes it out for 10 s.
SERVER_OPTIONS = "max_fails=1 fail_timeout=10s"


@dataclass
class ProxyServer(AppServer):
    """nginx with deploy/nginx.conf, in a folder of its own (its prefix), in front of app servers."""

    prefix: Path

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.prefix, ignore_errors=True)


def nginx_binary() -> str | None:
    """Debian's nginx (`make test` installs it); /usr/sbin is not on every user's PATH."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None
    )


def start_proxy(
    log_dir: Path, backends: Sequence[AppServer], *, port: int | None = None, site: Sequence[str] = ()
) -> ProxyServer:
    """Start nginx on a free loopback port with deploy/nginx.conf, unchanged, in front of
    ``backends``. The two files it includes are written beside a copy of it: the upstream's server
    lines, and the server block's ``listen`` line plus ``site`` (more directives for that block).
    Stopped (and its folder removed) by ``stop()``."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx not found: run `make test` (it installs Debian's nginx)")
    port = port or free_port()
    # Its own folder: pid, temporary files and the configuration, readable by nginx's workers
    # (which run as an unprivileged user when the tests run as root).
    prefix = Path(tempfile.mkdtemp(prefix="ics-nginx-"))
    prefix.chmod(0o755)
    shutil.copyfile(NGINX_CONF, prefix / "nginx.conf")
    servers = [f"server {b.url.removeprefix('http://')} {SERVER_OPTIONS};" for b in backends]
    (prefix / "ics-app-servers.conf").write_text("\n".join(servers) + "\n")
    (prefix / "ics-site.conf").write_text("\n".join([f"listen 127.0.0.1:{port};", *site]) + "\n")
    log = log_dir / f"nginx-{port}.log"
    command = [
        nginx,
        "-e",
        "stderr",
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-g",
        "daemon off;",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proxy = ProxyServer(f"http://127.0.0.1:{port}", process, log, prefix)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            shutil.rmtree(prefix, ignore_errors=True)
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{proxy.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proxy
        except OSError:
            time.sleep(0.1)
    proxy.stop()
    raise RuntimeError(f"nginx did not pass a health check through to the app in 10 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def app_server(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    database = tmp_path_factory.mktemp("e2e") / "app.db"
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


FACILITATOR_EMAIL, FACILITATOR_PASSWORD = "facilitator@riverside.nhs.uk", "a long workshop passphrase"


def fill_sign_in_form(
    page: Page, email: str = FACILITATOR_EMAIL, password: str = FACILITATOR_PASSWORD
) -> None:
    """On the server's sign-in form: type the email and password and press Sign in."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(
    page: Page, server: AppServer, email: str = FACILITATOR_EMAIL, password: str = FACILITATOR_PASSWORD
) -> None:
    """Sign a facilitator in through the real form (which sets the session cookie and comes back
    to the Workshops page) and wait for the facilitator menu."""
    page.goto(f"{server.url}/account/sign-in?next=/workshops")
    fill_sign_in_form(page, email, password)
    expect(page.get_by_role("link", name="Workshops")).to_be_visible()


# --- shared PostgreSQL and participants (scale-out and fault tests) -----------------------------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database in the `pg_virtualenv` cluster, as its URL with the
    password. The storage tier's rule applies: skipped without PostgreSQL, failed instead under
    ICS_REQUIRE_POSTGRES=1 (make test)."""
    from tests.storage.conftest import _fresh_postgres

    for engine in _fresh_postgres():
        yield engine.url.render_as_string(hide_password=False)


@pytest.fixture
def riverside_on_postgres(postgres_url: str) -> Iterator[Engine]:
    """The fresh PostgreSQL database of ``postgres_url`` at the current schema, holding the test
    facilitator's account and the Riverside ICS partnership in a cohort (nothing else): the
    several-servers tests' shared database."""
    from assessment.auth import create_facilitator
    from assessment.db import create_cohort, create_partnership, make_engine, transaction
    from assessment.migrate import upgrade_database

    engine = make_engine(postgres_url)
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )
        cohort = create_cohort(session=session, name="Riverside cohort")
        create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
    yield engine
    engine.dispose()


@pytest.fixture
def two_servers(postgres_url: str, artifacts_dir: Path) -> Iterator[tuple[AppServer, AppServer]]:
    """Two app servers on one PostgreSQL database (``postgres_url``'s), started at once; both
    stopped afterwards (a server a test killed is left as it is)."""
    first, second = start_apps(artifacts_dir, 2, env={"DATABASE_URL": postgres_url})
    with ExitStack() as stopping:  # each stopped even if stopping the other fails
        stopping.callback(first.stop)
        stopping.callback(second.stop)
        yield first, second


def new_context(browser: Browser, **options: object) -> BrowserContext:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(30_000)
    return context


LAPTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class DemoDatabase:
    url: str
    engine: Engine
    join_codes: list[str]


def demo_database(path: Path) -> DemoDatabase:
    """A SQLite database at ``path`` with the demo cohort and the test facilitator's account."""
    from assessment.auth import create_facilitator
    from assessment.db import make_engine, transaction
    from assessment.demo import load_demo
    from assessment.migrate import upgrade_database

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_database(engine)
    summary = load_demo(engine=engine)
    with transaction(engine) as session:
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )
    return DemoDatabase(url, engine, list(summary.join_codes))


def open_new_workshop(page: Page, server: AppServer, engine: Engine, title: str) -> str:
    """The facilitator signs in, creates a workshop on the Workshops page and opens it; returns
    its join code (read from the database: the only workshop there)."""
    from assessment.db import list_workshops, transaction

    sign_in(page, server)
    page.get_by_role("link", name="Workshops").click()
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create workshop").click()
    page.get_by_role("button", name="Open for answers").click()
    expect(page.get_by_text("is open for answers")).to_be_visible()
    with transaction(engine) as session:
        (workshop,) = list_workshops(session=session)
    return str(workshop["join_code"])


def join_as_participant(
    browser: Browser,
    server: AppServer,
    code: str,
    sector: str,
    *,
    viewport: dict[str, int] = LAPTOP,
    context: BrowserContext | None = None,
) -> tuple[Page, str]:
    """A participant joins in their own browser context (``context`` when given) through the
    join page; returns their page, on step 1 of the walkthrough, and their resume token."""
    page = (context or new_context(browser, viewport=viewport)).new_page()
    page.goto(f"{server.url}/join?code={code}")
    page.get_by_role("combobox", name="Which part of the system do you work in?").click()
    page.get_by_role("option", name=sector).click()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/answer?token=*")
    expect(page.get_by_role("heading", name="1. Shared purpose")).to_be_visible()
    return page, page.url.split("token=")[1].split("&")[0]


SAVED = re.compile(r"\bSaved$")  # an item's own acknowledgement; "Not saved…" must not match


def answer_item(page: Page, item_id: str, now: str, target: str, *, saved: bool = True) -> None:
    """Pick both levels of a maturity item; by default wait for the item's own "Saved"."""
    box = page.locator(f".st-key-answer_item-{item_id}")
    box.get_by_role("radiogroup", name="Where are we now?").get_by_text(now).click()
    expect(box.get_by_text("Choose where we should be to save this answer.")).to_be_visible()
    box.get_by_role("radiogroup", name="Where should we be in a year?").get_by_text(target).click()
    if saved:
        expect(box.get_by_text(SAVED)).to_be_visible(timeout=15_000)


def settle(page: Page) -> None:
    """Wait until the page has finished its runs: Streamlit's status widget is gone, and stays gone
    past the moment a new run's widget would have appeared. A click on a select box while a run is
    still drawing the page can have its list of options closed under it."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
    time.sleep(0.3)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


GRID_ROW_HEIGHT = 35  # a data grid's header and each row, in CSS pixels


def click_grid_cell(grid: Locator, *, x: float, row: int) -> None:
    """Click a data grid's cell, ``row`` 1 being the first under the header. The click goes to the
    grid where it is when clicked, once it is still: coordinates read before a redraw moved it
    clicked beside it."""
    grid.click(position={"x": x, "y": row * GRID_ROW_HEIGHT + GRID_ROW_HEIGHT / 2})


def expect_no_traceback(page: Page) -> None:
    """Streamlit draws an uncaught exception as an stException element: there must be none."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


# --- the demo's results page, signed in (the results and action plan tests) ---------------------


@dataclass
class ResultsPage:
    """A facilitator signed in on the Team results page, showing the demo's latest Riverside ICS
    round, on a server of its own over a demo database of its own."""

    page: Page
    engine: Engine
    workshop: WorkshopInfo
    context: BrowserContext
    server: AppServer

    def close(self) -> None:
        """Close the browser and stop the server, so the database holds all it will (again: no-op)."""
        self.context.close()
        self.server.stop()


@pytest.fixture
def results_page(browser: Browser, tmp_path: Path, artifacts_dir: Path) -> Iterator[ResultsPage]:
    from assessment.db import transaction, workshop_info
    from assessment.services import Actor
    from assessment.services.results import workshop_results

    demo = demo_database(tmp_path / "demo.db")
    with transaction(demo.engine) as session:
        rounds = [workshop_info(session=session, join_code=c) for c in demo.join_codes]
    latest = max((w for w in rounds if w.partnership == "Riverside ICS"), key=lambda w: w.held_on)
    # The page's own sentence for this round: "Biggest gap:" alone is also on the round shown
    # before the choice, whose buttons a too-early click would press while the page redraws.
    biggest_gap = workshop_results(
        engine=demo.engine, actor=Actor.operator(), workshop_id=latest.id
    ).readings.biggest_gap
    with ExitStack() as cleanup:  # on the way out: the browser closed, then the server stopped
        server = start_app(artifacts_dir, env={"DATABASE_URL": demo.url})
        cleanup.callback(server.stop)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        cleanup.callback(context.close)
        context.set_default_timeout(30_000)
        opened = ResultsPage(context.new_page(), demo.engine, latest, context, server)
        sign_in(opened.page, server)
        opened.page.get_by_role("link", name="Team results").click()
        opened.page.get_by_role("combobox", name="Workshop").click()
        opened.page.get_by_role("option", name=latest.join_code).click()
        expect(opened.page.get_by_text(biggest_gap)).to_be_visible()
        yield opened
