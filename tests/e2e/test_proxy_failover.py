"""The deployment's topology in one test: nginx with deploy/nginx.conf in front of two app
servers sharing one PostgreSQL, everyone going through the proxy, and one server killed mid-workshop.

The proxy keeps each browser on one server (its affinity cookie): Streamlit holds a session in
that server's memory. When the server dies, its browsers reconnect through the proxy to the other
one: the participants carry on by their resume links, the facilitator stays signed in (the
sign-in lives in the database), and every answer acknowledged before or after is in the database
exactly once.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import Engine, text

from assessment.db import participant_answers, participant_by_token, participant_submitted, transaction
from tests.e2e.conftest import (
    LAPTOP,
    NGINX_CONF,
    SAVED,
    AppServer,
    ProxyServer,
    answer_item,
    expect_no_traceback,
    join_as_participant,
    new_context,
    nginx_binary,
    open_new_workshop,
    start_proxy,
)

pytestmark = pytest.mark.e2e

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]
# Which server answered, as a response header: added for this test only (the `site` lines of
# start_proxy), so the test can place each browser; deploy/nginx.conf itself says nothing of it.
REPLICA_HEADER = "x-test-replica"
# sector, the server the participant starts on (0: the one killed), and the levels of the two items
PEOPLE = [
    ("NHS trust", 0, [("1. Emerging", "3. Maturing"), ("2. Developing", "3. Maturing")]),
    ("Local authority", 0, [("2. Developing", "4. Thriving"), ("3. Maturing", "4. Thriving")]),
    ("VCSE", 1, [("2. Developing", "3. Maturing"), ("1. Emerging", "2. Developing")]),
]


@pytest.fixture
def topology(
    two_servers: tuple[AppServer, AppServer], artifacts_dir: Path
) -> Iterator[tuple[ProxyServer, list[AppServer]]]:
    """nginx in front of the two servers (stopped before them)."""
    servers = list(two_servers)
    proxy = start_proxy(artifacts_dir, servers, site=[f"add_header {REPLICA_HEADER} $upstream_addr always;"])
    try:
        yield proxy, servers
    finally:
        proxy.stop()


def replica_of(context: BrowserContext, proxy: ProxyServer, servers: list[AppServer]) -> int:
    """Which server the proxy sends this browser to (a request with the browser's cookies; the
    first one gives it its affinity cookie)."""
    response = context.request.get(f"{proxy.url}/_stcore/health")
    assert response.ok, response.status
    address = response.headers[REPLICA_HEADER].split(",")[-1].strip()  # the last one tried answered
    return [s.url.removeprefix("http://") for s in servers].index(address)


def browser_on(
    browser: Browser, proxy: ProxyServer, servers: list[AppServer], wanted: int, **options: object
) -> BrowserContext:
    """A new browser whose affinity cookie places it on server ``wanted``: a fresh cookie is a
    random key, so a few tries find one (each has an even chance)."""
    for _ in range(40):
        context = new_context(browser, **options)
        if replica_of(context, proxy, servers) == wanted:
            return context
        context.close()
    raise AssertionError(f"no affinity cookie placed a browser on server {wanted} in 40 tries")


def test_a_replica_killed_mid_workshop_moves_its_browsers_to_the_other_with_nothing_lost_or_signed_out(
    browser: Browser,
    riverside_on_postgres: Engine,
    topology: tuple[ProxyServer, list[AppServer]],
    artifacts_dir: Path,
) -> None:
    database = riverside_on_postgres
    proxy, servers = topology
    victim = servers[0]

    # The facilitator, on the server that will die, signs in and opens a workshop through the proxy.
    facilitator_context = browser_on(browser, proxy, servers, 0, viewport={"width": 1400, "height": 1000})
    facilitator = facilitator_context.new_page()
    code = open_new_workshop(facilitator, proxy, database, "Leadership team, behind the proxy")

    def metric(label: str) -> Locator:
        card = facilitator.get_by_test_id("stMetric").filter(has_text=label)
        return card.get_by_test_id("stMetricValue")

    # Three participants through the proxy: two on the server that will die, one on the other.
    people: list[tuple[BrowserContext, Page, str]] = []
    for sector, replica, levels in PEOPLE:
        context = browser_on(browser, proxy, servers, replica, viewport=LAPTOP)
        page, token = join_as_participant(browser, proxy, code, sector, context=context)
        answer_item(page, ITEMS[0], *levels[0])
        people.append((context, page, token))
    expect(metric("Joined")).to_have_text("3", timeout=20_000)
    # Affinity: each browser's every request reaches the same server.
    for (context, _, _), (_, replica, _) in zip(people, PEOPLE, strict=True):
        assert [replica_of(context, proxy, servers) for _ in range(4)] == [replica] * 4

    # The server dies without a word (SIGKILL, its whole process group).
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=10)

    # The first participant's open page reconnects by itself; the second opens their resume link
    # again. Both land on the other server and find their first answer saved.
    first, second = people[0][1], people[1][1]
    second.goto(f"{proxy.url}/answer?token={people[1][2]}&step=1")
    for page in (first, second):
        expect(page.locator(f".st-key-answer_item-{ITEMS[0]}").get_by_text(SAVED)).to_be_visible(
            timeout=30_000
        )
    for context, _, _ in people[:2]:
        assert replica_of(context, proxy, servers) == 1

    # Everyone carries on, answers the second item and submits.
    for (_, page, token), (_, _, levels) in zip(people, PEOPLE, strict=True):
        answer_item(page, ITEMS[1], *levels[1])
        page.goto(f"{proxy.url}/answer?token={token}&step=99")
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
        expect_no_traceback(page)

    # The facilitator's page reconnected too, and they are still signed in: they see everyone's
    # submission and close answering, on the surviving server.
    expect(metric("Submitted")).to_have_text("3", timeout=30_000)
    expect(facilitator.get_by_role("link", name="Workshops")).to_be_visible()
    facilitator.get_by_role("button", name="Close answering").click()
    expect(facilitator.get_by_text("closed for answers")).to_be_visible()
    expect_no_traceback(facilitator)
    assert replica_of(facilitator_context, proxy, servers) == 1
    facilitator.screenshot(path=artifacts_dir / "proxy-failover-facilitator.png", full_page=True)

    # In the database: every acknowledged answer exactly once, with its levels; everyone submitted.
    with transaction(database) as session:
        for (_, _, token), (_, _, levels) in zip(people, PEOPLE, strict=True):
            person = participant_by_token(session=session, token=token)
            assert person is not None and participant_submitted(session=session, participant_id=person.id)
            answers = participant_answers(session=session, participant_id=person.id)
            given = {
                item: (int(now[0]), int(target[0])) for item, (now, target) in zip(ITEMS, levels, strict=True)
            }
            assert {i: (a.current, a.target) for i, a in answers.items()} == given
    with database.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM responses")).scalar_one()
    assert rows == len(PEOPLE) * len(ITEMS)


def test_nginx_accepts_the_configuration_as_the_tests_run_it(tmp_path: Path) -> None:
    """`nginx -t`: the file and its two includes, as start_proxy writes them, are valid."""
    nginx = nginx_binary()
    if nginx is None:
        pytest.fail("nginx not found: run `make test` (it installs Debian's nginx)")
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.read_text())
    (tmp_path / "ics-app-servers.conf").write_text(
        "server 127.0.0.1:1 max_fails=1 fail_timeout=10s;\nserver 127.0.0.1:2 max_fails=1 fail_timeout=10s;\n"
    )
    (tmp_path / "ics-site.conf").write_text("listen 127.0.0.1:1;\n")
    command = [nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"{shlex.join(command)}:\n{checked.stderr}"
