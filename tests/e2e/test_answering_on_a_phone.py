"""Answering on a phone, in a real browser at 390×844 with touch: how far a participant scrolls and
how often they tap per maturity question, that every level is a card big enough to tap, that Next
starts the next step at its top, and that the review shows every answer given and leads back to it.

Screenshots of the flow are kept in artifacts/phone/ for a person to look at. The measurements are
printed (run with ``-s`` to see them) and written to artifacts/phone/measurements.txt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from assessment.answers import Answer
from assessment.db import add_participant, make_engine, participant_by_token, save_answer, transaction
from assessment.framework import AccountabilityItem, MaturityItem, load_bank
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import SAVED, AppServer, expect_no_traceback, new_context, start_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SCREEN = PHONE["height"]
MAX_SCREENS_PER_QUESTION = 1.5
MIN_TARGET_PX = 44
NOW, TARGET = "Where are we now?", "Where should we be in a year?"
BANK = load_bank(PROJECT_ROOT / "questions.yaml")
FIRST, SECOND = BANK.domains[0], BANK.domains[1]


@dataclass(frozen=True)
class Site:
    server: AppServer
    tokens: list[str]
    shots: Path
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[Site]:
    """One server on an open workshop of the shipped bank, with a few participants."""
    database = tmp_path_factory.mktemp("phone") / "app.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_database(engine)
    workshop = make_workshop(engine, title="Phone round")
    with transaction(engine) as session:
        tokens = [
            add_participant(session=session, workshop_id=workshop.id, sector="vcse").resume_token
            for _ in range(4)
        ]
    engine.dispose()
    shots = artifacts_dir / "phone"
    shots.mkdir(exist_ok=True)
    server = start_app(artifacts_dir, env={"DATABASE_URL": f"sqlite:///{database}"})
    try:
        yield Site(server, tokens, shots, f"sqlite:///{database}")
    finally:
        server.stop()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = new_context(browser, viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_answers(page: Page, site: Site, token: str, step: int = 1) -> None:
    page.goto(f"{site.server.url}/answer?token={token}&step={step}")
    expect(page.get_by_role("heading", name=f"{step}. ", exact=False).first).to_be_visible()


def item(page: Page, item_id: str) -> Locator:
    return page.locator(f".st-key-answer_item-{item_id}")


def cards(box: Locator, question: str) -> Locator:
    """The question's level cards: each option of the radio group, its descriptor included."""
    return box.get_by_role("radiogroup", name=question).locator(":scope > div")


def level(box: Locator, question: str, label: str) -> Locator:
    return cards(box, question).filter(has_text=label)


def scroll_top(page: Page) -> float:
    """How far the page is scrolled, whichever element scrolls it."""
    return float(
        page.evaluate(
            """() => {
              const main = document.querySelector('[data-testid="stMain"]');
              return Math.max(window.scrollY, main ? main.scrollTop : 0);
            }"""
        )
    )


def record(site: Site, line: str) -> None:
    print(line)
    with (site.shots / "measurements.txt").open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def test_a_maturity_question_takes_at_most_one_and_a_half_phone_screens_and_two_taps(
    phone: Page, site: Site
) -> None:
    open_answers(phone, site, site.tokens[0])
    questions = [i for i in FIRST.items if isinstance(i, MaturityItem)]
    assert questions, "the first domain has maturity questions"
    heights = {}
    for question in questions:
        box = item(phone, question.id)
        box.scroll_into_view_if_needed()
        heights[question.id] = box.bounding_box()["height"]  # type: ignore[index]
    taps = 0
    first = item(phone, questions[0].id)
    for question, label in ((NOW, "2. Developing"), (TARGET, "3. Maturing")):
        card = level(first, question, label)
        # The whole card is the target: tap it below its middle, away from the circle and the
        # level's name (on the descriptor's words, for where we are now).
        size = card.bounding_box()
        assert size is not None
        card.tap(position={"x": size["width"] / 2, "y": size["height"] * 0.7})
        taps += 1
        if question == NOW:
            expect(first.get_by_text("Choose where we should be to save this answer.")).to_be_visible()
    expect(first.get_by_text(SAVED)).to_be_visible(timeout=15_000)
    first.screenshot(path=site.shots / "question-answered.png")
    step_height = float(
        phone.evaluate(
            """() => {
              const main = document.querySelector('[data-testid="stMain"]');
              return Math.max(document.documentElement.scrollHeight, main ? main.scrollHeight : 0);
            }"""
        )
    )
    record(
        site,
        f"step 1 ({FIRST.title}, {len(FIRST.items)} questions): {step_height:.0f} px, "
        f"{step_height / SCREEN:.2f} screens",
    )
    for item_id, height in heights.items():
        record(site, f"  {item_id}: {height:.0f} px, {height / SCREEN:.2f} screens")
    record(site, f"  taps to answer a maturity question: {taps}")
    assert taps <= 2
    too_tall = {i: round(h / SCREEN, 2) for i, h in heights.items() if h / SCREEN > MAX_SCREENS_PER_QUESTION}
    assert not too_tall, f"questions taller than {MAX_SCREENS_PER_QUESTION} screens: {too_tall}"
    assert step_height / len(FIRST.items) <= MAX_SCREENS_PER_QUESTION * SCREEN


def test_every_level_card_is_at_least_44_pixels_high_and_carries_its_descriptor(
    phone: Page, site: Site
) -> None:
    open_answers(phone, site, site.tokens[1])
    question = next(i for i in FIRST.items if isinstance(i, MaturityItem))
    box = item(phone, question.id)
    for name in (NOW, TARGET):
        options = cards(box, name)
        expect(options).to_have_count(len(BANK.scale))
        for index in range(len(BANK.scale)):
            size = options.nth(index).bounding_box()
            assert size is not None and size["height"] >= MIN_TARGET_PX, (name, index, size)
            assert size["width"] >= 120, (name, index, size)
    now = cards(box, NOW)
    for index, scale_level in enumerate(BANK.scale):
        expect(now.nth(index)).to_contain_text(f"{index + 1}. {scale_level.label}")
        expect(now.nth(index)).to_contain_text(question.levels[scale_level.id])
    box.screenshot(path=site.shots / "level-cards.png")


def test_every_accountability_drop_down_is_at_least_44_pixels_high(phone: Page, site: Site) -> None:
    grid_domain, grid = next((d, i) for d, i in BANK.iter_items() if isinstance(i, AccountabilityItem))
    open_answers(phone, site, site.tokens[0], step=[d.id for d in BANK.domains].index(grid_domain.id) + 1)
    boxes = phone.locator(f'[class*="st-key-answer_q_{grid.id}_fn_"] .react-aria-ComboBox [role="group"]')
    expect(boxes).to_have_count(len(grid.functions))
    for index in range(len(grid.functions)):
        size = boxes.nth(index).bounding_box()
        assert size is not None and size["height"] >= MIN_TARGET_PX, (index, size)


def test_next_starts_the_next_step_at_its_top(phone: Page, site: Site) -> None:
    open_answers(phone, site, site.tokens[2])
    phone.screenshot(path=site.shots / "step-1-top.png")
    forward = phone.get_by_role("button", name="Next →")
    forward.scroll_into_view_if_needed()
    assert scroll_top(phone) > SCREEN, "the Next button is below the first screen"
    phone.screenshot(path=site.shots / "step-1-bottom.png")
    forward.tap()
    heading = phone.get_by_role("heading", name=f"2. {SECOND.title}")
    expect(heading).to_be_visible()
    expect(heading).to_be_in_viewport()
    expect(phone.get_by_text("Step 2 of")).to_be_in_viewport()
    phone.screenshot(path=site.shots / "step-2-after-next.png")
    expect_no_traceback(phone)


def test_the_review_shows_every_answer_in_words_and_leads_back_to_it(phone: Page, site: Site) -> None:
    token = site.tokens[3]
    grid_domain, grid = next(
        (d, i) for d, i in BANK.iter_items() if isinstance(i, AccountabilityItem) and len(i.functions) > 2
    )
    number = [d.id for d in BANK.domains].index(grid_domain.id) + 1
    engine = make_engine(site.url)
    with transaction(engine) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None
        # A grid with all but one of its situations given: saved as it goes, not yet answered.
        given = {f.id: grid.tiers[0].id for f in grid.functions[:-1]}
        save_answer(
            session=session, participant_id=person.id, answer=Answer(item_id=grid.id, tiers=given), bank=BANK
        )
    engine.dispose()

    open_answers(phone, site, token)
    first = FIRST.items[0]
    box = item(phone, first.id)
    level(box, NOW, "2. Developing").tap()
    level(box, TARGET, "4. Thriving").tap()
    expect(box.get_by_text(SAVED)).to_be_visible(timeout=15_000)
    phone.goto(f"{site.server.url}/answer?token={token}&step={number}")
    expect(
        item(phone, grid.id).get_by_text(f"{len(given)} of {len(grid.functions)} answered")
    ).to_be_visible()

    steps = len(BANK.domains) + 1
    phone.goto(f"{site.server.url}/answer?token={token}&step={steps}")
    expect(phone.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(phone.get_by_text(f"Step {steps} of {steps}")).to_be_in_viewport()
    expect(phone.get_by_text("Your answers count in the team's figures once you submit.")).to_be_visible()
    answered = phone.locator(f".st-key-answer_review-{first.id}")
    expect(answered).to_contain_text("Now: 2. Developing")
    expect(answered).to_contain_text("In a year: 4. Thriving")
    half = phone.locator(f".st-key-answer_review-{grid.id}")
    expect(half).to_contain_text(f"{grid.functions[0].label}: {grid.tiers[0].label}")
    expect(half).to_contain_text(f"{len(given)} of {len(grid.functions)} answered: 1 still to choose")
    unanswered = phone.locator(f".st-key-answer_review-{FIRST.items[1].id}")
    expect(unanswered).to_contain_text("No answer yet")
    # Every question of the workshop is listed, each with its way back.
    expect(phone.locator('[class*="st-key-answer_review-"]')).to_have_count(
        sum(len(d.items) for d in BANK.domains)
    )
    expect(phone.get_by_text("None", exact=True)).to_have_count(0)
    phone.screenshot(path=site.shots / "review-top.png")
    half.scroll_into_view_if_needed()
    phone.screenshot(path=site.shots / "review-half-grid.png")

    # Jump from the review to the grid: its step, with the question itself on the screen.
    half.get_by_role("button", name=f"Change question {number}.").tap()
    heading = phone.get_by_role("heading", name=f"{number}. {grid_domain.title}")
    expect(heading).to_be_visible()
    expect(item(phone, grid.id)).to_be_in_viewport()
    expect(item(phone, grid.id).get_by_role("combobox")).to_have_count(len(grid.functions))
    phone.screenshot(path=site.shots / "jumped-to-grid.png")

    # And back to the review, then to the first question, which was answered on step 1.
    phone.goto(f"{site.server.url}/answer?token={token}&step={steps}")
    answered = phone.locator(f".st-key-answer_review-{first.id}")
    answered.get_by_role("button", name="Change question 1.1").tap()
    expect(phone.get_by_role("heading", name=f"1. {FIRST.title}")).to_be_visible()
    expect(item(phone, first.id)).to_be_in_viewport()
    expect(level(item(phone, first.id), NOW, "2. Developing").get_by_role("radio")).to_be_checked()
    expect_no_traceback(phone)
