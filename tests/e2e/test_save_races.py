"""What the screen shows as saved is what the database holds, in a real browser, 20 runs a case:
two quick changes while another writer holds SQLite's write lock, a change just after a server
restart (and a click while the page is still reconnecting), two tabs of one participant, and a
change after answering has closed.

Each case reuses one server and one browser across its runs (a fresh participant per run), so
the 80 runs take a few minutes; each run ends by comparing the screen with the database.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    make_engine,
    participant_answers,
    participant_by_token,
    save_answer,
    set_workshop_state,
    transaction,
    workshop_info,
)
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.e2e.conftest import (
    SAVED,
    AppServer,
    expect_no_traceback,
    free_port,
    new_context,
    settle,
    start_app,
)

pytestmark = pytest.mark.e2e

RUNS = range(20)
ITEM = "shared-purpose-stated"
NOW, TARGET = "Where are we now?", "Where should we be in a year?"
LABELS = {1: "1. Emerging", 2: "2. Developing", 3: "3. Maturing", 4: "4. Thriving"}


@dataclass
class Site:
    server: AppServer
    database: Path
    port: int
    artifacts: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"


def _new_site(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory, name: str) -> Site:
    """A server on a fresh SQLite file of its own, on a port it can be restarted on."""
    database = tmp_path_factory.mktemp(name) / "app.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    engine.dispose()
    port = free_port()
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"}, port=port)
    return Site(server, database, port, artifacts_dir)


@pytest.fixture(scope="module")
def site(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    found = _new_site(artifacts_dir, tmp_path_factory, "races")
    try:
        yield found
    finally:
        found.server.stop()


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = new_context(browser, viewport={"width": 1280, "height": 900})
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def tab(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    try:
        yield page
    finally:
        page.close()


def participant(
    site: Site, *, workshop_status: str = "open", answered: tuple[int, int] | None = (1, 2)
) -> tuple[str, int]:
    """A new participant of a new workshop, with ``answered`` already saved; (token, workshop)."""
    engine = make_engine(site.url)
    try:
        workshop = make_workshop(
            engine, name=f"Partnership {time.monotonic_ns()}", domains=["shared-purpose"]
        )
        with transaction(engine) as session:
            info = workshop_info(session=session, workshop_id=workshop.id)
            bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
            person = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
            if answered is not None:
                save_answer(
                    session=session,
                    participant_id=person.id,
                    answer=Answer(item_id=ITEM, current=answered[0], target=answered[1]),
                    bank=bank,
                )
            if workshop_status != "open":
                set_workshop_state(
                    session=session, workshop_id=workshop.id, actor="test", status=workshop_status
                )
    finally:
        engine.dispose()
    return person.resume_token, workshop.id


def stored(site: Site, token: str) -> tuple[int | None, int | None] | None:
    engine = make_engine(site.url)
    try:
        with transaction(engine) as session:
            person = participant_by_token(session=session, token=token)
            assert person is not None
            answer = participant_answers(session=session, participant_id=person.id).get(ITEM)
    finally:
        engine.dispose()
    return None if answer is None else (answer.current, answer.target)


def box(page: Page) -> Locator:
    return page.locator(f".st-key-answer_item-{ITEM}")


def open_answers(page: Page, site: Site, token: str) -> None:
    page.goto(f"http://127.0.0.1:{site.port}/answer?token={token}&step=1")
    expect(box(page).get_by_text(SAVED)).to_be_visible()


def click(page: Page, question: str, level: int) -> None:
    box(page).get_by_role("radiogroup", name=question).get_by_text(LABELS[level]).click()


def click_once_reconnected(page: Page, question: str, level: int) -> None:
    """Click as a person does after a restart: once the choice can be taken again. Until the page
    has reconnected, Streamlit draws every widget disabled and a click on one does nothing (the
    test below checks that such a click claims nothing); a click in that moment is not a change."""
    radio = box(page).get_by_role("radiogroup", name=question).get_by_role("radio", name=LABELS[level])
    expect(radio).to_be_enabled(timeout=30_000)
    click(page, question, level)


def checked_level(page: Page, question: str) -> int | None:
    group = box(page).get_by_role("radiogroup", name=question)
    for level, label in LABELS.items():
        if group.get_by_role("radio", name=label).is_checked():
            return level
    return None


def screen(page: Page) -> tuple[int | None, int | None]:
    return checked_level(page, NOW), checked_level(page, TARGET)


def settled_on_screen_and_stored(site: Site, token: str, page: Page) -> tuple[object, object]:
    """(screen, database) once they agree, or as they stand after 20 s.

    The page's run after a click can take a while (the first run after a restart imports and
    connects afresh) and meanwhile still shows the previous run's elements, "Saved" included; so
    the run ends when the two agree, and a lost change is one that never reaches the database.
    """
    deadline = time.monotonic() + 20
    while True:
        shown, held = screen(page), stored(site, token)
        if shown == held or time.monotonic() > deadline:
            settle(page)
            return screen(page), stored(site, token)
        time.sleep(0.2)


def hold_write_lock(database: Path, seconds: float, taken: threading.Event) -> None:
    """Another writer: hold SQLite's write lock for ``seconds``, as a busy room's saves do."""
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()


@pytest.mark.parametrize("run", RUNS)
def test_two_quick_changes_behind_another_writer_end_with_the_last_one_saved(
    run: int, site: Site, tab: Page
) -> None:
    rng = random.Random(run)
    token, _ = participant(site)
    open_answers(tab, site, token)
    first, last = rng.sample([2, 3, 4], 2)
    taken = threading.Event()
    writer = threading.Thread(target=hold_write_lock, args=(site.database, rng.uniform(0.1, 0.6), taken))
    writer.start()
    taken.wait(5)
    click(tab, NOW, first)
    time.sleep(rng.uniform(0.05, 0.2))
    click(tab, NOW, last)
    writer.join()
    shown, held = settled_on_screen_and_stored(site, token, tab)
    assert shown == (last, 2)
    assert held == shown, f"run {run}: the screen shows {shown}, the database holds {held}"
    expect(box(tab).get_by_text(SAVED)).to_be_visible(timeout=15_000)
    expect_no_traceback(tab)


@pytest.mark.parametrize("run", RUNS)
def test_two_tabs_of_one_participant_keep_both_changes(run: int, site: Site, context: BrowserContext) -> None:
    token, _ = participant(site)
    first, second = context.new_page(), context.new_page()
    try:
        open_answers(first, site, token)
        open_answers(second, site, token)  # drawn now: stale once the first tab changes
        click(first, NOW, 3)
        expect(box(first).get_by_text(SAVED)).to_be_visible()
        settle(first)
        assert stored(site, token) == (3, 2)
        click(second, TARGET, 4)
        shown, held = settled_on_screen_and_stored(site, token, second)
        assert held == (3, 4), f"run {run}: the stale tab undid the other tab's change"
        assert shown == (3, 4), f"run {run}: the tab that changed last does not show what is saved"
        expect(box(second).get_by_text(SAVED)).to_be_visible()
        expect_no_traceback(second)
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("run", RUNS)
def test_a_change_after_answering_closed_is_refused_in_words_and_changes_nothing(
    run: int, site: Site, tab: Page
) -> None:
    token, workshop = participant(site)
    open_answers(tab, site, token)
    engine = make_engine(site.url)
    try:
        with transaction(engine) as session:
            set_workshop_state(
                session=session, workshop_id=workshop, actor="test", status="closed", revealed=True
            )
    finally:
        engine.dispose()
    click(tab, NOW, 4)
    settle(tab)
    assert stored(site, token) == (1, 2), f"run {run}: a change after close reached the database"
    refusal = tab.get_by_text("Answering has closed for this workshop. Your last change was not saved;")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("your last saved answers are kept")
    assert stored(site, token) == (1, 2), f"run {run}: a change after close reached the database"
    expect(box(tab)).to_have_count(0)  # nothing on screen claims the refused level
    expect_no_traceback(tab)


# --- a change just after a server restart ---------------------------------------------------------


@dataclass
class Restartable:
    site: Site

    def kill(self) -> None:
        self.site.server.process.kill()  # SIGKILL: no clean shutdown
        self.site.server.process.wait(timeout=10)

    def start(self) -> None:
        self.site.server = start_app(
            self.site.artifacts, env={"DATABASE_URL": self.site.url}, port=self.site.port
        )

    def restart(self) -> None:
        self.kill()
        self.start()


@pytest.fixture(scope="module")
def restartable(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restartable]:
    found = _new_site(artifacts_dir, tmp_path_factory, "restarts")
    try:
        yield Restartable(found)
    finally:
        found.server.stop()


@pytest.mark.parametrize("run", RUNS)
def test_a_change_just_after_a_server_restart_is_saved(run: int, restartable: Restartable, tab: Page) -> None:
    site = restartable.site
    token, _ = participant(site)
    open_answers(tab, site, token)
    with tab.expect_websocket(timeout=30_000):  # the page reconnects to the new server by itself
        restartable.restart()
    level = 2 + run % 3
    click_once_reconnected(tab, NOW, level)
    shown, held = settled_on_screen_and_stored(site, token, tab)
    assert shown == (level, 2)
    assert held == shown, f"run {run}: the change after the restart was lost (database {held})"
    expect(box(tab).get_by_text(SAVED)).to_be_visible(timeout=15_000)
    expect_no_traceback(tab)


@pytest.mark.parametrize("run", range(3))
def test_a_click_while_the_page_is_reconnecting_changes_nothing_and_claims_nothing(
    run: int, restartable: Restartable, tab: Page
) -> None:
    site = restartable.site
    token, _ = participant(site)
    open_answers(tab, site, token)
    group = box(tab).get_by_role("radiogroup", name=NOW)
    restartable.kill()  # down, and not back until the click has been made
    expect(group.get_by_role("radio", name=LABELS[3])).to_be_disabled(timeout=30_000)
    group.get_by_text(LABELS[3]).click(force=True)  # past Playwright's own wait: as a tap would be
    restartable.start()
    expect(group.get_by_role("radio", name=LABELS[3])).to_be_enabled(timeout=30_000)
    settle(tab)
    assert screen(tab) == (1, 2), f"run {run}: a click on a disabled choice changed the screen"
    assert stored(site, token) == (1, 2), f"run {run}: a click on a disabled choice reached the database"
    expect(box(tab).get_by_text(SAVED)).to_be_visible()  # of the level it shows, which is stored
    expect_no_traceback(tab)


@pytest.mark.parametrize("run", range(5))
def test_a_stale_tab_reconnecting_after_a_restart_saves_its_change_and_keeps_the_other_tabs(
    run: int, restartable: Restartable, context: BrowserContext
) -> None:
    site = restartable.site
    token, _ = participant(site)
    first, second = context.new_page(), context.new_page()
    try:
        open_answers(first, site, token)
        open_answers(second, site, token)  # drawn now: stale once the first tab changes
        click(first, NOW, 3)
        settled_on_screen_and_stored(site, token, first)
        assert stored(site, token) == (3, 2)
        with second.expect_websocket(timeout=30_000):
            restartable.restart()
        # The stale tab's first click on the new server: its target is the person's change, its
        # current level (still 1 on its screen) is older than the database's and must not win.
        click_once_reconnected(second, TARGET, 4)
        shown, held = settled_on_screen_and_stored(site, token, second)
        assert held == (3, 4), f"run {run}: the reconnecting stale tab overwrote the other tab's change"
        assert shown == (3, 4), f"run {run}: the stale tab does not show what is saved"
        expect(box(second).get_by_text(SAVED)).to_be_visible()
        expect_no_traceback(second)
    finally:
        first.close()
        second.close()
