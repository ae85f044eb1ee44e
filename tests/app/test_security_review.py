"""The security review as tests: who may open which page, which workshop a link reaches, where a
password can end up, and the anonymity threshold across the screen, the export, the CLI and the PDF.

Facilitator pages are enumerated from ui/navigation.py (the list app.py builds its menu from), so a
page added there is checked here without anyone remembering to; a views/ file missing from that
list fails the first test.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select
from starlette.applications import Starlette
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Dataframe

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    save_answer,
    set_workshop_state,
    store_bank_version,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import Facilitator, FacilitatorSession
from assessment.framework import MaturityItem
from assessment.io import export_workshop
from assessment.report import workshop_summary_pdf
from assessment.results import score_stored_workshop, scores_document
from assessment.scoring import figures
from assessment.services import Actor
from assessment.services import banks as banks_service
from assessment.services import facilitators as facilitators_service
from assessment.web_session import CHECK_FIELD, SIGN_IN_PATH
from assessment.web_session import routes as sign_in_routes
from tests.app.conftest import TEST_COOKIE_KEY, make_workshop, open_as_facilitator, sign_in_as
from tests.app.conftest import open_page as page
from tests.asgi_browser import Browser, Reply
from tests.conftest import PROJECT_ROOT
from tests.corpus import snapshot
from tests.storage.cli_helpers import run as run_cli
from tests.storage.cli_helpers import url
from tests.storage.conftest import SHIPPED_BANK_TEXT
from tests.storage.test_report import flat_text
from ui.navigation import FACILITATOR_PAGES, PARTICIPANT_PAGES, SIGNED_OUT_PAGES, all_pages, menu_entries

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")
REFUSAL = "Sign in to continue."
# The pages anyone may open: a participant's, the question bank and the way in for facilitators.
PARTICIPANT_VIEWS = {
    "views/home.py",
    "views/join.py",
    "views/answer.py",
    "views/rerate.py",
    "views/question_bank.py",
}
SIGN_IN_VIEW = "views/sign_in.py"
FACILITATOR_ONLY = sorted({p.script for p in all_pages() if p.facilitator_only})
# Pages about accounts, not cohorts: they show nothing of any cohort, anyone's.
ACCOUNT_PAGES = {"views/account.py", "views/team.py"}


def rendered(at: AppTest) -> str:
    """Everything the page drew, main area and sidebar: every element's message (labels, options,
    text, chart data) and every dataframe's cells, with markdown escapes removed."""
    parts: list[str] = []
    for node in (*at.main, *at.sidebar):
        if node.proto is not None:
            parts.append(str(node.proto))
        if isinstance(node, Dataframe):
            parts.append(node.value.to_string())
    return "\n".join(parts).replace("\\", "")


def drawn_elements(at: AppTest) -> set[str]:
    """The kinds of element the page drew, leaving out the containers that hold them."""
    return {node.type for node in (*at.main, *at.sidebar) if not isinstance(node, Block)}


# --- 1. every facilitator page and action refused without sign-in ------------------------------------


def test_every_view_is_in_the_navigation_and_every_non_participant_view_needs_sign_in() -> None:
    views = {f"views/{path.name}" for path in (PROJECT_ROOT / "views").glob("*.py")}
    assert {p.script for p in all_pages()} == views, "a views/ file is missing from ui/navigation.py"
    assert set(FACILITATOR_ONLY) == views - PARTICIPANT_VIEWS - {SIGN_IN_VIEW}
    assert FACILITATOR_ONLY, "no facilitator page found: the enumeration itself is broken"
    # Nothing a visitor who has not signed in is offered is a facilitator page.
    assert not any(p.facilitator_only for p in (*PARTICIPANT_PAGES, *SIGNED_OUT_PAGES))
    for nav_page in FACILITATOR_PAGES:
        if nav_page.facilitator_only:
            source = (PROJECT_ROOT / nav_page.script).read_text(encoding="utf-8")
            # My account passes temporary_password_ok=True: a temporary password opens only it.
            assert "require_facilitator(" in source, f"{nav_page.script} never checks the sign-in"


@pytest.fixture
def seeded(app_db: Engine, facilitator: int) -> list[str]:
    """A team-wide workshop every facilitator may see; the names no refused page may show (the
    account's own email too: the Team and My account pages show it, and only it of these)."""
    workshop = make_workshop(app_db, title="Kestrel round", name="Quillfeather ICS")
    # A question bank of the facilitator's own: what the bank editor shows once signed in.
    banks_service.create_bank(engine=app_db, actor=Actor.facilitator(facilitator), name="Heronsgate bank")
    return [
        "Kestrel round",
        "Quillfeather ICS",
        "Test cohort",
        workshop.join_code,
        "f@riverside.nhs.uk",
        "Heronsgate bank",
    ]


# Session values that must never count as signed in: nothing, an id as text, a boolean, an id with
# no account behind it.
FORGED_SIGN_INS: list[object] = [None, "1", True, 999_999]


@pytest.mark.parametrize("script", FACILITATOR_ONLY)
def test_a_visitor_who_has_not_signed_in_is_refused_every_facilitator_page(
    script: str, seeded: list[str], facilitator: int
) -> None:
    # A real account's id in the session signs nobody in either: only a live session cookie does.
    for forged in [*FORGED_SIGN_INS, facilitator]:
        # Opened as a bare script, without app.py's menu, as a page URL hit directly would be.
        at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
        if forged is not None:
            at.session_state["facilitator_id"] = forged
        at.run()
        assert not at.exception, at.exception
        assert [w.value for w in at.warning] == [REFUSAL], (script, forged)
        assert drawn_elements(at) <= {"warning", "markdown", "page_link"}, (
            script,
            forged,
            drawn_elements(at),
        )
        assert not at.title and not at.button and not at.get("download_button")
        shown = rendered(at)
        assert not [name for name in seeded if name in shown], (script, forged)
    # The same page, signed in, shows the seeded data: the checks above would have seen it.
    at = sign_in_as(AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60), facilitator)
    at.run()
    assert not at.exception, at.exception
    assert not at.warning or at.warning[0].value != REFUSAL
    assert [name for name in seeded if name in rendered(at)], script


@pytest.mark.parametrize("forged", FORGED_SIGN_INS)
def test_through_the_app_every_facilitator_page_only_asks_for_sign_in_without_it(
    forged: object, seeded: list[str]
) -> None:
    # A facilitator page's address opens it signed out too (a refresh, a projector's second tab),
    # so that it can say "Sign in to continue" rather than "Page not found"; and that is all.
    at = AppTest.from_file(APP, default_timeout=60)
    if forged is not None:
        at.session_state["facilitator_id"] = forged
    at.run()
    assert not at.exception, at.exception
    for script in FACILITATOR_ONLY:
        at.switch_page(script).run()
        assert not at.exception, at.exception
        assert [w.value for w in at.warning] == [REFUSAL], (script, forged)
        assert not at.title and not at.button and not at.get("download_button"), script
        assert not [name for name in seeded if name in rendered(at)], (script, forged)
    # Hidden from the menu all the same: only the way in is offered.
    assert not [p.title for p in menu_entries(signed_in=False) if p.facilitator_only and not p.hidden]


@pytest.mark.parametrize("script", FACILITATOR_ONLY)
def test_a_facilitator_page_left_open_after_the_account_is_deleted_shows_nothing_more(
    script: str, app_db: Engine, seeded: list[str], facilitator: int
) -> None:
    at = open_as_facilitator(facilitator, script)
    assert [name for name in seeded if name in rendered(at)], script
    with transaction(app_db) as session:
        session.execute(delete(Facilitator).where(Facilitator.id == facilitator))
    at.run()
    assert not at.exception, at.exception
    assert not [name for name in seeded if name in rendered(at)], script
    # Signed out on the next run: the page now only asks for sign-in.
    assert [w.value for w in at.warning] == [REFUSAL] and not at.title and not at.get("download_button")


def test_a_workshop_button_pressed_after_the_account_is_deleted_changes_nothing(
    app_db: Engine, facilitator: int
) -> None:
    """A page drawn while signed in keeps its buttons on screen; pressing one after the sign-in
    has gone (the account deleted) must not reach the database."""
    workshop = make_workshop(app_db, status="closed", title="Kestrel round")
    at = open_as_facilitator(facilitator, "views/workshops.py", workshop_code=workshop.join_code)
    reveal = next(b for b in at.button if b.label == "Reveal results")
    with transaction(app_db) as session:
        session.execute(delete(Facilitator).where(Facilitator.id == facilitator))
    reveal.click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
    assert not info.revealed, "a facilitator action ran for a session that is no longer signed in"


# --- 2. a participant's link reaches only that participant's own workshop ----------------------------


def revealed_workshop(engine: Engine, *, title: str, name: str, comment: str) -> tuple[str, str]:
    """A closed, revealed workshop with three respondents, one leaving ``comment``; (join code, one
    participant's resume token)."""
    workshop = make_workshop(engine, status="closed", title=title, name=name)
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        tokens = []
        for index in range(3):
            person = add_participant(session=session, workshop_id=workshop.id, sector="nhs-trust")
            submit_participant(session=session, participant_id=person.id)  # only submitted answers count
            tokens.append(person.resume_token)
            answer = Answer(
                item_id="shared-purpose-stated", current=2, target=3, comment=comment if index == 0 else None
            )
            save_answer(session=session, participant_id=person.id, bank=bank, answer=answer)
        set_workshop_state(session=session, workshop_id=workshop.id, actor="test", revealed=True)
    return workshop.join_code, tokens[1]


def test_a_participants_link_shows_nothing_of_another_workshop_whatever_else_the_address_says(
    app_db: Engine,
) -> None:
    _, token_a = revealed_workshop(app_db, title="Alder round", name="Alder ICS", comment="heron remark")
    code_b, token_b = revealed_workshop(
        app_db, title="Birch round", name="Birch ICS", comment="osprey remark"
    )
    with transaction(app_db) as session:
        id_b = workshop_info(session=session, join_code=code_b).id
    workshop_b = ["Birch round", "Birch ICS", "osprey remark", code_b]
    tampered: list[dict[str, str]] = [
        {},
        {"workshop": str(id_b)},
        {"workshop_id": str(id_b), "code": code_b, "join_code": code_b},
        {"participant": "1", "cohort": "1", "partnership": "2"},
        {"step": "1", "view": "edit", "workshop": str(id_b)},
    ]
    for extra in tampered:
        at = page("views/answer.py", token=token_a, **extra)
        shown = rendered(at)
        assert at.title[0].value == "Alder round", extra
        assert "heron remark" in shown, "the revealed team picture should include its own comments"
        assert not [seen for seen in workshop_b if seen in shown], extra
    # B's own participant sees B: the strings looked for above are really on B's page.
    shown_b = rendered(page("views/answer.py", token=token_b))
    assert "Birch round" in shown_b and "osprey remark" in shown_b and "heron remark" not in shown_b


@pytest.mark.parametrize(
    "query",
    [{"code": "JOINCODE"}, {"token": "B"}, {"token": "x" * 65}, {"token": "../answer?token="}, {}],
    ids=["join code only", "short token", "too long", "path in token", "nothing"],
)
def test_an_address_without_a_real_resume_token_opens_no_workshop(
    app_db: Engine, query: dict[str, str]
) -> None:
    code, _ = revealed_workshop(app_db, title="Alder round", name="Alder ICS", comment="heron remark")
    at = page("views/answer.py", **{k: (code if v == "JOINCODE" else v) for k, v in query.items()})
    assert "This link is not valid" in "\n".join(e.value for e in at.error)
    shown = rendered(at)
    assert not [s for s in ("Alder round", "Alder ICS", "heron remark") if s in shown]


# --- 3. a facilitator cannot read another facilitator's cohort -------------------------------------


def private_workshop(
    engine: Engine, *, owner: int, cohort: str, partnership: str, title: str
) -> dict[str, Any]:
    """A cohort owned by ``owner`` with one partnership and one revealed workshop with a comment."""
    with transaction(engine) as session:
        cohort_id = create_own_cohort(session=session, facilitator_id=owner, name=cohort)
        partnership_id = create_partnership(
            session=session, cohort_id=cohort_id, name=partnership, kind="ics"
        )
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        bank = bank_for_version(session=session, bank_version_id=version)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership_id,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 5, 1),
        )
        for index in range(3):
            person = add_participant(session=session, workshop_id=workshop.id, sector="local-authority")
            submit_participant(session=session, participant_id=person.id)  # only submitted answers count
            answer = Answer(
                item_id="shared-purpose-stated",
                current=1 + index % 2,
                target=3,
                comment=f"{title} comment" if index == 0 else None,
            )
            save_answer(session=session, participant_id=person.id, bank=bank, answer=answer)
    question_bank = banks_service.create_bank(
        engine=engine, actor=Actor.facilitator(owner), name=f"{cohort} bank"
    )
    return {
        "cohort": cohort_id,
        "partnership": partnership_id,
        "code": workshop.join_code,
        "bank": question_bank,
        "names": [cohort, partnership, title, f"{title} comment", workshop.join_code, f"{cohort} bank"],
    }


@pytest.fixture
def two_facilitators(app_db: Engine) -> tuple[int, int]:
    with transaction(app_db) as session:
        alice = create_facilitator(
            session=session, email="alice@nhs.net", password="alice passphrase", actor="t"
        )
        bob = create_facilitator(session=session, email="bob@nhs.net", password="bob passphrase!", actor="t")
    return alice, bob


def test_a_facilitator_sees_none_of_another_facilitators_cohort_on_any_page_even_with_its_ids_forged(
    app_db: Engine, two_facilitators: tuple[int, int]
) -> None:
    alice, bob = two_facilitators
    mine = private_workshop(
        app_db, owner=alice, cohort="Alder cohort", partnership="Alder ICS", title="Alder R1"
    )
    theirs = private_workshop(
        app_db, owner=bob, cohort="Birch cohort", partnership="Birch ICS", title="Birch R1"
    )
    # Alice's session holds Bob's ids wherever a page remembers a choice.
    forged = {
        "cohorts_cohort": theirs["cohort"],
        "trends_partnership": theirs["partnership"],
        "workshop_code": theirs["code"],
        "bank_chosen": theirs["bank"],
    }
    # Both are administrators, so the administrators' pages are checked too: being one is about
    # accounts, and opens no cohort that is not one's own, shared or team-wide.
    facilitators_service.set_administrator(
        engine=app_db, actor=Actor.facilitator(alice), facilitator_id=bob, administrator=True
    )
    for script in FACILITATOR_ONLY:
        shown = rendered(open_as_facilitator(alice, script, **forged))
        assert not [name for name in theirs["names"] if name in shown], script
        if script in ACCOUNT_PAGES:
            continue  # about accounts only: nothing of anyone's cohorts
        assert [name for name in mine["names"] if name in shown], f"{script} shows nothing of Alice's own"
        # Bob, on the same page with the same state, sees his: the names are findable.
        shown_by_owner = rendered(open_as_facilitator(bob, script, **forged))
        assert [name for name in theirs["names"] if name in shown_by_owner], script


def test_a_facilitator_with_no_cohort_of_their_own_is_told_so_and_shown_none_of_anothers(
    app_db: Engine, two_facilitators: tuple[int, int]
) -> None:
    alice, bob = two_facilitators
    theirs = private_workshop(
        app_db, owner=bob, cohort="Birch cohort", partnership="Birch ICS", title="Birch R1"
    )
    said = {
        "views/results.py": "No workshops yet",
        "views/exports.py": "No workshops yet",
        "views/trends.py": "No partnerships yet",
        "views/cohorts.py": "No cohorts yet",
        "views/cohort_admin.py": "You have no cohorts of your own yet",
        "views/workshops.py": "There are no partnerships yet",
        "views/run_the_room.py": "No workshops yet",
        "views/present.py": "No workshops yet",
        "views/account.py": "Change your password",
        "views/team.py": "Add a facilitator",
        "views/audit.py": "entries about the workshops, partnerships and cohorts you can see",
        "views/bank_editor.py": "You have no question banks yet",
    }
    assert set(said) == set(FACILITATOR_ONLY), "a new facilitator page: say what it shows with nothing"
    for script in FACILITATOR_ONLY:
        at = open_as_facilitator(
            alice,
            script,
            cohort=theirs["cohort"],
            workshop_code=theirs["code"],
            trends_partnership=theirs["partnership"],
            bank_chosen=theirs["bank"],
        )
        shown = rendered(at)
        assert said[script] in shown, script
        assert not [name for name in theirs["names"] if name in shown], script
        assert not at.get("download_button"), script
        # The audit log's table lists the accounts' entries (two accounts made), nothing more.
        assert not at.dataframe or (script == "views/audit.py" and len(at.dataframe[0].value) == 2), script


def test_a_workshop_button_pressed_after_its_cohort_moved_out_of_view_changes_nothing(
    app_db: Engine, two_facilitators: tuple[int, int]
) -> None:
    """Bob has Alice's workshop on screen through a shared cohort; Alice then moves the partnership
    into a cohort of hers that is not shared. Bob's button must not reach that workshop."""
    from assessment.cohort_admin import move_partnership, share_cohort

    alice, bob = two_facilitators
    shared = private_workshop(
        app_db, owner=alice, cohort="Alder cohort", partnership="Alder ICS", title="Alder R1"
    )
    with transaction(app_db) as session:
        share_cohort(session=session, facilitator_id=alice, cohort_id=shared["cohort"], email="bob@nhs.net")
        private = create_own_cohort(session=session, facilitator_id=alice, name="Alice only")
    at = open_as_facilitator(bob, "views/workshops.py", workshop_code=shared["code"])
    assert "Alder R1" in rendered(at)
    open_button = next(b for b in at.button if b.label == "Open for answers")
    with transaction(app_db) as session:
        move_partnership(
            session=session, facilitator_id=alice, partnership_id=shared["partnership"], cohort_id=private
        )
    open_button.click().run()
    assert not at.exception, at.exception
    assert "Alder R1" not in rendered(at)
    with transaction(app_db) as session:
        status = workshop_info(session=session, join_code=shared["code"]).status
    assert status == "draft", "a facilitator changed a workshop in a cohort they can no longer see"


# --- 4. passwords never stored or logged in clear ----------------------------------------------------

FIRST_PASSWORD = "Pelican-Quartz-7731-first"
WRONG_PASSWORD = "Albatross-Onyx-2207-wrong"


def scan_for(secrets: list[str], places: dict[str, str]) -> list[tuple[str, str]]:
    return [(where, secret) for where, text in places.items() for secret in secrets if secret in text]


@dataclass
class ThreeSignIns:
    home: AppTest  # the first account, made on the home page's set-up form
    wrong: Reply  # the sign-in form, posted with a wrong password
    right: Reply  # and with the right one
    account: AppTest  # the Account page, in the browser the right one signed in


def sign_in_three_times(engine: Engine) -> ThreeSignIns:
    """The first account made on the home page's set-up form; then, on the sign-in form, a wrong
    password and the right one, each in a browser of its own; then the Account page, signed in."""
    home = AppTest.from_file(APP, default_timeout=60)
    home.run()
    home.text_input(key="home_first_run_email").input("owner@riverside.nhs.uk")
    home.text_input(key="home_first_run_password").input(FIRST_PASSWORD)
    home.text_input(key="home_first_run_confirm").input(FIRST_PASSWORD)
    next(b for b in home.button if b.label == "Create the account").click().run()
    assert not home.exception, home.exception
    assert home.success, "the account was not made"
    server = Starlette(routes=sign_in_routes(engine=lambda: engine))

    def post(password: str) -> tuple[Browser, Reply]:
        browser = Browser(server)
        form = browser.get(SIGN_IN_PATH)
        check = re.search(rf'name="{CHECK_FIELD}" value="([^"]+)"', form.text)
        assert check is not None
        fields = {
            CHECK_FIELD: check.group(1),
            "next": "/",
            "email": "owner@riverside.nhs.uk",
            "password": password,
        }
        return browser, browser.post(SIGN_IN_PATH, fields)

    _, wrong = post(WRONG_PASSWORD)
    assert wrong.status == 400 and browser_token(wrong) is None
    browser, right = post(FIRST_PASSWORD)
    assert right.status == 303
    token = browser.cookie("ics_session")
    assert token is not None
    account = AppTest.from_file(str(PROJECT_ROOT / SIGN_IN_VIEW), default_timeout=60)
    account.session_state[TEST_COOKIE_KEY] = token
    account.run()
    assert account.title[0].value == "Sign out"
    return ThreeSignIns(home, wrong, right, account)


def browser_token(reply: Reply) -> str | None:
    return reply.set_cookies.get("ics_session")


def test_a_password_typed_into_the_app_is_stored_only_as_an_argon2_hash_and_never_logged_or_printed(
    app_db: Engine, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # every statement and its parameters
    three = sign_in_three_times(app_db)
    with transaction(app_db) as session:
        (stored,) = session.scalars(select(Facilitator.password_hash)).all()
    assert stored.startswith("$argon2id$v=19$m="), stored[:20]
    assert "INSERT INTO facilitators" in caplog.text  # the SQL log really was captured
    captured = capfd.readouterr()
    places = {
        "database": repr(snapshot(app_db)),
        "logs": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
        "home page": rendered(three.home),
        "account page": rendered(three.account),
        **{
            f"{name} reply": f"{reply.headers}\n{reply.text}"
            for name, reply in (("wrong", three.wrong), ("right", three.right))
        },
    }
    assert not scan_for([FIRST_PASSWORD, WRONG_PASSWORD], places)
    # The scan finds what is there: the hash is in the database (and in the SQL log).
    assert ("database", stored) in scan_for([stored], places)


def test_a_password_is_not_kept_in_the_session_once_its_form_is_submitted(app_db: Engine) -> None:
    """The set-up form is cleared on submit in the browser, but the server keeps the value it was
    sent in session_state for as long as that widget stays on the page. (The sign-in form is the
    server's own, with no session state at all.)"""
    three = sign_in_three_times(app_db)
    sessions = {"home": three.home, "account": three.account}
    # On a fresh installation, the set-up form refused: the two passwords typed differ.
    with transaction(app_db) as session:
        session.execute(delete(FacilitatorSession))
        session.execute(delete(Facilitator))
    mismatch = AppTest.from_file(APP, default_timeout=60)
    mismatch.run()
    mismatch.text_input(key="home_first_run_email").input("owner@riverside.nhs.uk")
    mismatch.text_input(key="home_first_run_password").input(FIRST_PASSWORD)
    mismatch.text_input(key="home_first_run_confirm").input(WRONG_PASSWORD)
    next(b for b in mismatch.button if b.label == "Create the account").click().run()
    assert "The two passwords differ" in mismatch.error[0].value
    sessions["refused set-up"] = mismatch
    kept = {name: {key: value_of(at, key) for key in at.session_state} for name, at in sessions.items()}
    assert not scan_for([FIRST_PASSWORD, WRONG_PASSWORD], {k: repr(v) for k, v in kept.items()}), kept


def value_of(at: AppTest, key: str) -> Any:
    try:
        return at.session_state[key]
    except KeyError:  # a widget's value not set yet
        return None


# --- 6. the anonymity threshold, the same on the screen, in the export, the CLI and the PDF ---------

DOMAIN = "shared-purpose"
# Per sector, each respondent's current level on the domain's four items; every target is 4.
LEVELS = {
    "nhs-trust": [(2, 2, 2, 1), (2, 2, 2, 1), (2, 2, 2, 1)],  # item medians 2, 2, 2, 1: mean 1.75
    "local-authority": [(1, 1, 1, 2), (1, 1, 1, 2), (1, 1, 1, 2)],  # 1, 1, 1, 2: mean 1.25
    "vcse": [(4, 4, 4, 3), (4, 4, 4, 4)],  # two people, below the threshold of 3
}


def small_workshop(engine: Engine) -> tuple[int, str]:
    """A named-participants-off workshop of eight: three NHS trust, three council, two VCSE."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Threshold cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Threshold ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        bank = bank_for_version(session=session, bank_version_id=version)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Threshold round",
            held_on=date(2026, 5, 1),
            domains=[DOMAIN],
            anonymous=True,
        )
        items = [i.id for i in bank.domain(DOMAIN).items if isinstance(i, MaturityItem)]
        assert len(items) == 4
        for sector, people in LEVELS.items():
            for number, levels in enumerate(people):
                person = add_participant(
                    session=session,
                    workshop_id=workshop.id,
                    sector=sector,
                    display_name=f"Named {sector} person {number}",
                )
                submit_participant(session=session, participant_id=person.id)  # only submitted answers count
                for item_id, level in zip(items, levels, strict=True):
                    save_answer(
                        session=session,
                        participant_id=person.id,
                        bank=bank,
                        answer=Answer(item_id=item_id, current=level, target=4),
                    )
    return workshop.id, workshop.join_code


def numbers_in(document: Any) -> Iterator[float]:
    if isinstance(document, dict):
        for value in document.values():
            yield from numbers_in(value)
    elif isinstance(document, list):
        for value in document:
            yield from numbers_in(value)
    elif isinstance(document, float):
        yield document


def test_a_sector_below_the_threshold_is_withheld_on_screen_in_the_export_the_cli_json_and_the_pdf(
    app_db: Engine, facilitator: int, capsys: pytest.CaptureFixture[str]
) -> None:
    workshop_id, code = small_workshop(app_db)
    with transaction(app_db) as session:
        scored = score_stored_workshop(session=session, workshop_id=workshop_id)
        # The figures as they would be with no threshold at all: what must never be shown.
        unwithheld = figures(
            scored.answers, scored.bank, by=["sector"], domains=[DOMAIN], item_detail=False, suppress=False
        )
        export_csv = export_workshop(session=session, workshop_id=workshop_id, fmt="csv").decode("utf-8-sig")
        export_json = export_workshop(session=session, workshop_id=workshop_id, fmt="json").decode("utf-8")
        pdf = workshop_summary_pdf(session=session, workshop_id=workshop_id, charts=False).content
    by_sector = unwithheld.domains.set_index("sector")["current"]
    vcse_mean = float(by_sector["vcse"])
    assert f"{vcse_mean:.2f}" == "3.88"  # the set-up is what the test means it to be
    secret = [f"{vcse_mean:.2f}", repr(vcse_mean)]
    shown = {
        "NHS trust": f"{by_sector['nhs-trust']:.2f}",
        "Local authority": f"{by_sector['local-authority']:.2f}",
    }
    assert shown == {"NHS trust": "1.75", "Local authority": "1.25"}
    overall = scored.scores.overall["current"]
    assert overall is not None
    names = [f"Named {sector} person {n}" for sector, people in LEVELS.items() for n in range(len(people))]

    # The screen: the results page, as a signed-in facilitator sees it.
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    screen = rendered(at)
    # the lens table heads each sector with its head count: "VCSE (1)"
    tables = [
        t.value.map(lambda v: str(v).replace("\\", "")).rename(
            columns=lambda c: re.sub(r" \(\d+\)$", "", str(c).replace("\\", ""))
        )
        for t in at.table
    ]
    lens = next(t for t in tables if "VCSE" in t.columns)
    assert set(lens["VCSE"]) == {"withheld"}
    assert list(lens["NHS trust"]) == ["1.75"] and list(lens["Local authority"]) == ["1.25"]
    assert {m.label: m.value for m in at.metric}["Now"] == f"{overall:.2f}"

    # The export: raw answers, one row per person and item, under a label, never a name, and no
    # figure computed from anyone's answers.
    rows = list(csv.DictReader(io.StringIO(export_csv)))
    assert len(rows) == 8 * 4 and all(r["participant"].startswith("P") for r in rows)
    assert {r["current"] for r in rows} <= {"1", "2", "3", "4"}
    assert json.loads(export_json)[0]["participant"] == rows[0]["participant"]

    # The CLI: `scores --json`.
    capsys.readouterr()  # only what the command prints
    exit_code, out, err = run_cli(capsys, "scores", "--workshop", code, "--json", "--db", url(app_db))
    assert exit_code == 0, err
    document = json.loads(out)
    assert document == scores_document(scored)
    vcse = next(s for s in document["sectors"] if s["sector"] == "vcse")
    assert vcse["withheld"] and vcse["n"] == 2
    assert [d["current"] for d in vcse["domains"]] == [None]
    assert vcse_mean not in set(numbers_in(document))
    trust = next(s for s in document["sectors"] if s["sector"] == "nhs-trust")
    assert [d["current"] for d in trust["domains"]] == [1.75] and document["overall"]["current"] == overall

    # The PDF.
    text = flat_text(pdf)
    assert "VCSE (withheld)" in text
    assert "1.75" in text and "1.25" in text and f"{overall:.2f}" in text

    outputs = {
        "screen": screen,
        "export csv": export_csv,
        "export json": export_json,
        "cli": out,
        "pdf": text,
    }
    leaks = [(where, s) for where, output in outputs.items() for s in [*secret, *names] if s in output]
    assert not leaks, leaks
    # Each output does carry figures: the shown sectors' means appear on the screen, the CLI and the PDF.
    for where in ("screen", "cli", "pdf"):
        assert "1.75" in outputs[where] and "1.25" in outputs[where], where
