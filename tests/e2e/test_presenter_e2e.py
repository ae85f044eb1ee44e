"""The presenter view in a real browser: the facilitator steps on Run the room in one tab and the
projector tab (1280×720, the same browser) follows within a few seconds, keeps its slide through a
reload, and steps with its own arrow keys. Every slide is kept as a screenshot in
artifacts/presenter/ for a person to look at: legible from the back of a room, nothing cut short,
no raw None."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from assessment.db import add_participant, list_workshops, submit_participant, transaction, workshop_info
from tests.app.conftest import make_workshop
from tests.e2e.conftest import demo_database, new_context, sign_in, start_app
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 720}
FOLLOW_MS = 5_000  # the projector polls once a second: a few seconds at most
RAW = re.compile(r"(?<![\w-])(None|NaN|nan|NaT|<NA>)(?![\w-])")


def slide_title(page: Page) -> str:
    return page.locator(".slide h1").first.inner_text(timeout=FOLLOW_MS)


def flaws(page: Page) -> list[str]:
    shown = page.locator('[data-testid="stMain"]').inner_text()
    return [m.group(0) for m in RAW.finditer(shown)] + [
        t for t in shown.splitlines() if t.endswith(("…", "..."))
    ]


def overflow(page: Page) -> int:
    """How far the slide runs past the bottom of the projector's window, in pixels."""
    return int(
        page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
            " return m.scrollHeight - m.clientHeight; }"
        )
    )


def test_the_projector_follows_the_facilitators_steps_keeps_its_slide_and_takes_the_arrow_keys(
    browser: Browser, tmp_path: Path, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "presenter"
    shots.mkdir(parents=True, exist_ok=True)
    demo = demo_database(tmp_path / "room.db")
    with transaction(demo.engine) as session:
        code = list_workshops(session=session)[0]["join_code"]  # the newest: revealed
    waiting = make_workshop(demo.engine, status="open", title="Spring round", name="Northam place")
    with transaction(demo.engine) as session:
        for index, sector in enumerate(["nhs-trust", "nhs-trust", "local-authority", "vcse"]):
            person = add_participant(session=session, workshop_id=waiting.id, sector=sector)
            if index % 2:
                submit_participant(session=session, participant_id=person.id)
        assert workshop_info(session=session, join_code=code).revealed
    server = start_app(artifacts_dir, env={"DATABASE_URL": demo.url})
    found: dict[str, list[str]] = {}
    too_long: dict[str, int] = {}
    try:
        context = new_context(browser, viewport=PROJECTOR)
        control = context.new_page()
        sign_in(control, server)
        # Before the reveal: the join slide, with the code and counts, and nothing else.
        projector = context.new_page()
        projector.goto(f"{server.url}/present?code={waiting.join_code}")
        expect(projector.get_by_role("heading", name="Join the workshop")).to_be_visible()
        expect(projector.get_by_text("submitted", exact=True)).to_be_visible()
        expect(projector.get_by_test_id("stSidebar")).to_be_hidden()
        projector.wait_for_load_state("networkidle")
        projector.screenshot(path=shots / "00-join.png")
        found["join"] = flaws(projector)
        checked = {"join": blocking_violations(projector)}

        control.get_by_role("link", name="Run the room").click()
        expect(control.get_by_role("heading", name="Run the room")).to_be_visible()
        control.get_by_role("combobox", name="Workshop").click()
        control.get_by_role("option", name=re.compile(code)).click()
        expect(control.get_by_text("On the projector: The overall picture")).to_be_visible()
        projector.goto(f"{server.url}/present?code={code}")
        expect(projector.get_by_role("heading", name="The overall picture")).to_be_visible()
        titles = [slide_title(projector)]
        number = 1
        while True:
            projector.wait_for_load_state("networkidle")
            name = f"{number:02d}-{re.sub(r'[^a-z0-9]+', '-', titles[-1].lower()).strip('-')}"
            projector.screenshot(path=shots / f"{name}.png")
            found[name] = flaws(projector)
            if number in (1, 2, 16, 17, 18):  # one slide of each kind: axe-core's serious and critical
                checked[name] = blocking_violations(projector)
            if overflow(projector) > 0:
                too_long[name] = overflow(projector)
            following = control.get_by_role("button", name="Next slide")
            if following.is_disabled():
                break
            following.click()
            expect(projector.locator(".slide h1").first).not_to_have_text(titles[-1], timeout=FOLLOW_MS)
            titles.append(slide_title(projector))
            number += 1
        assert titles[-1] == "Spectrum positions" and len(titles) == len(set(titles))

        # A reload keeps the slide on show; the projector's own arrow keys step for everyone.
        projector.reload()
        expect(projector.get_by_role("heading", name="Spectrum positions")).to_be_visible()
        projector.locator(".slide h1").first.click()
        projector.keyboard.press("ArrowLeft")
        expect(projector.get_by_role("heading", name=titles[-2])).to_be_visible(timeout=FOLLOW_MS)
        expect(control.get_by_text(f"On the projector: {titles[-2]}")).to_be_visible(timeout=FOLLOW_MS)
        control.screenshot(path=shots / "run-the-room.png", full_page=True)
        checked["run the room"] = blocking_violations(control)
        projector.keyboard.press("ArrowRight")
        expect(projector.get_by_role("heading", name="Spectrum positions")).to_be_visible(timeout=FOLLOW_MS)
        context.close()
    finally:
        server.stop()
    assert {where: what for where, what in found.items() if what} == {}
    assert too_long == {}, "a slide runs past the bottom of a 1280×720 projector"
    assert {where: what for where, what in checked.items() if what} == {}
