"""Running the team, through AppTest: the Team, My account and Audit log pages, and who may open them.

Administrators' pages are enumerated from ui/navigation.py, as the security review enumerates the
facilitator pages: a page marked administrator-only there is checked here without anyone
remembering to, against a facilitator who is not an administrator and against a participant."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from assessment.auth import create_facilitator
from assessment.db import transaction
from assessment.services import Actor, facilitators
from tests.app.conftest import (
    TEST_COOKIE_KEY,
    TEST_DEVICE_KEY,
    make_workshop,
    open_as_facilitator,
    sign_in_as,
)
from tests.app.test_participant_pages import join
from tests.conftest import PROJECT_ROOT
from ui.auth import ADMINISTRATORS_ONLY, NEW_PASSWORD_FIRST, REFUSAL
from ui.navigation import FACILITATOR_PAGES, all_pages, menu_entries

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")
ADMIN_PAGES = sorted(p.script for p in all_pages() if p.administrator_only)
ADMIN, COLLEAGUE, PASSWORD = "ada@riverside.nhs.uk", "ben@riverside.nhs.uk", "a long passphrase here"


def add(engine: Engine, email: str) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=PASSWORD, actor="t")


@pytest.fixture
def admin(app_db: Engine) -> int:
    return add(app_db, ADMIN)  # the first account: an administrator


@pytest.fixture
def colleague(app_db: Engine, admin: int) -> int:
    return add(app_db, COLLEAGUE)


def shown(at: AppTest) -> str:
    parts = [str(node.proto) for node in (*at.main, *at.sidebar) if node.proto is not None]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(parts).replace("\\", "")


def drawn(at: AppTest) -> set[str]:
    return {node.type for node in (*at.main, *at.sidebar) if not isinstance(node, Block)}


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str, nth: int = 0) -> AppTest:
    [b for b in at.button if b.label == label][nth].click()
    return run(at)


# --- who may open the administrators' pages ----------------------------------------------------------


def test_the_administrators_pages_are_the_team_and_the_audit_log_and_check_on_every_run() -> None:
    assert ADMIN_PAGES == ["views/audit.py", "views/team.py"]
    for script in ADMIN_PAGES:
        assert "require_administrator()" in (PROJECT_ROOT / script).read_text(encoding="utf-8")
    assert all(p.facilitator_only for p in all_pages() if p.administrator_only)


def test_the_menu_lists_the_administrators_pages_only_to_an_administrator() -> None:
    listed = {p.script for p in menu_entries(signed_in=True, administrator=False) if not p.hidden}
    assert not listed & set(ADMIN_PAGES)
    assert "views/account.py" in listed
    listed = {p.script for p in menu_entries(signed_in=True, administrator=True) if not p.hidden}
    assert set(ADMIN_PAGES) <= listed
    assert {p.script for p in FACILITATOR_PAGES} >= set(ADMIN_PAGES)


@pytest.mark.parametrize("script", ADMIN_PAGES)
def test_a_facilitator_who_is_not_an_administrator_is_refused_each_administrators_page(
    script: str, app_db: Engine, admin: int, colleague: int
) -> None:
    make_workshop(app_db, title="Kestrel round")
    token = facilitators.start_session(engine=app_db, facilitator_id=colleague).token
    # Opened as a bare script (its address hit directly) and through the app's frame.
    bare = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
    bare.session_state[TEST_COOKIE_KEY] = token
    through_app = AppTest.from_file(APP, default_timeout=60)
    through_app.session_state[TEST_COOKIE_KEY] = token
    run(through_app).switch_page(script)
    for at in (run(bare), run(through_app)):
        assert [w.value for w in at.warning] == [ADMINISTRATORS_ONLY], script
        assert drawn(at) <= {"warning"}, drawn(at)
        assert not at.title and not at.button and not at.dataframe
        text = shown(at)
        assert ADMIN not in text and "Kestrel round" not in text
    # The same page opens for the administrator, with what the refusal hid.
    at = open_as_facilitator(admin, script)
    assert at.title and ADMIN in shown(at)


@pytest.mark.parametrize("script", [*ADMIN_PAGES, "views/account.py"])
def test_a_participant_is_refused_the_administrators_pages_and_my_account(
    script: str, app_db: Engine, admin: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round")
    resume = join(app_db, workshop.join_code)
    at = AppTest.from_file(APP, default_timeout=60)
    # Everything a participant's browser holds: its kept resume link, and the link in the address.
    at.session_state[TEST_DEVICE_KEY] = {workshop.join_code: resume}
    run(at).switch_page(script)
    at.query_params["token"] = resume
    run(at)
    assert [w.value for w in at.warning] == [REFUSAL], script
    assert not at.title and not at.button and not at.dataframe
    assert ADMIN not in shown(at)


# --- the Team page ---------------------------------------------------------------------------------


def test_an_administrator_adds_a_facilitator_and_sees_the_temporary_password_once(
    app_db: Engine, admin: int
) -> None:
    at = open_as_facilitator(admin, "views/team.py")
    at.text_input(key="team_new_email").input("Cara@Riverside.NHS.uk")
    button(at, "Add facilitator")
    (code,) = at.code
    password = code.value
    assert len(password) >= 16
    assert facilitators.sign_in(engine=app_db, email="cara@riverside.nhs.uk", password=password)
    assert "cara@riverside.nhs.uk" in shown(at)
    run(at)  # the next run: the password is gone from the screen and from the session
    assert not at.code
    assert "team_temporary_password" not in at.session_state


def test_disabling_asks_first_then_signs_the_colleague_out_and_enabling_lets_them_back(
    app_db: Engine, admin: int, colleague: int
) -> None:
    theirs = facilitators.start_session(engine=app_db, facilitator_id=colleague).token
    at = open_as_facilitator(admin, "views/team.py")
    button(at, "Disable")
    assert facilitators.session_facilitator(engine=app_db, token=theirs) is not None  # not yet
    assert "Every browser signed in with it is signed out" in shown(at)
    button(at, "Disable the account")
    assert facilitators.session_facilitator(engine=app_db, token=theirs) is None
    assert re.search(r"Disabled ben@riverside\.nhs\.uk", at.success[0].value.replace("\\", ""))
    assert "Disabled since" in shown(at)
    button(at, "Enable")
    assert facilitators.sign_in(engine=app_db, email=COLLEAGUE, password=PASSWORD) == colleague


def test_an_administrator_is_offered_no_way_to_disable_or_reset_themself(app_db: Engine, admin: int) -> None:
    at = open_as_facilitator(admin, "views/team.py")
    assert not [b for b in at.button if b.label in ("Disable", "Reset password")]
    assert "Change your own password on My account" in shown(at)
    button(at, "Stop being an administrator")  # the last one: refused, in words
    assert "last administrator" in at.error[0].value
    assert facilitators.team(engine=app_db, actor=Actor.facilitator(admin))


def test_a_reset_shows_a_temporary_password_which_opens_only_my_account_until_changed(
    app_db: Engine, admin: int, colleague: int
) -> None:
    at = open_as_facilitator(admin, "views/team.py")
    button(at, "Reset password")
    button(at, "Reset the password")
    (code,) = at.code
    temporary = code.value
    assert facilitators.sign_in(engine=app_db, email=COLLEAGUE, password=temporary) == colleague

    # Signed in with it, the colleague's other pages say to choose a password first.
    workshops = AppTest.from_file(APP, default_timeout=60)
    sign_in_as(workshops, colleague)
    run(workshops).switch_page("views/workshops.py")
    run(workshops)
    assert [w.value for w in workshops.warning] == [NEW_PASSWORD_FIRST]
    assert not workshops.title

    workshops.switch_page("views/account.py")
    run(workshops)
    assert workshops.title[0].value == "My account"
    workshops.text_input(key="account_current").input(temporary)
    workshops.text_input(key="account_new").input("ben's very own passphrase")
    workshops.text_input(key="account_again").input("ben's very own passphrase")
    button(workshops, "Change my password")
    assert "Your password has been changed" in workshops.success[0].value
    workshops.switch_page("views/workshops.py")
    run(workshops)
    assert NEW_PASSWORD_FIRST not in [w.value for w in workshops.warning]
    assert workshops.title[0].value == "Workshops"


# --- My account ------------------------------------------------------------------------------------


def test_my_account_refuses_two_different_new_passwords_and_a_wrong_current_one(
    app_db: Engine, admin: int, colleague: int
) -> None:
    at = open_as_facilitator(colleague, "views/account.py")
    assert f"You are signed in as **{COLLEAGUE}**, a facilitator" in shown(at)
    at.text_input(key="account_current").input(PASSWORD)
    at.text_input(key="account_new").input("one new passphrase")
    at.text_input(key="account_again").input("another new passphrase")
    button(at, "Change my password")
    assert "two new passwords differ" in at.error[0].value
    at.text_input(key="account_current").input("not my password at all")
    at.text_input(key="account_new").input("one new passphrase")
    at.text_input(key="account_again").input("one new passphrase")
    button(at, "Change my password")
    assert "not your current password" in at.error[0].value
    assert facilitators.sign_in(engine=app_db, email=COLLEAGUE, password=PASSWORD) == colleague
    for key in ("account_current", "account_new", "account_again"):
        assert key not in at.session_state or not at.session_state[key]


def test_changing_my_password_keeps_this_browser_signed_in_and_ends_the_others(
    app_db: Engine, admin: int, colleague: int
) -> None:
    elsewhere = facilitators.start_session(engine=app_db, facilitator_id=colleague).token
    at = open_as_facilitator(colleague, "views/account.py")
    at.text_input(key="account_current").input(PASSWORD)
    at.text_input(key="account_new").input("one new passphrase")
    at.text_input(key="account_again").input("one new passphrase")
    button(at, "Change my password")
    assert "Every other browser signed in as you has been signed out" in at.success[0].value
    assert facilitators.session_facilitator(engine=app_db, token=elsewhere) is None
    assert facilitators.session_facilitator(engine=app_db, token=at.session_state[TEST_COOKIE_KEY])


# --- the audit log ---------------------------------------------------------------------------------


def test_the_audit_log_lists_the_teams_actions_newest_first_and_filters_by_person(
    app_db: Engine, admin: int, colleague: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round")
    join(app_db, workshop.join_code)
    you = Actor.facilitator(admin)
    facilitators.set_disabled(engine=app_db, actor=you, facilitator_id=colleague, disabled=True)
    facilitators.set_disabled(engine=app_db, actor=you, facilitator_id=colleague, disabled=False)
    at = open_as_facilitator(admin, "views/audit.py")
    (table,) = at.dataframe
    frame = table.value
    assert list(frame.columns) == ["When (UTC)", "Who", "What", "Workshop", "About", "Details"]
    assert list(frame["What"][:2]) == ["Account enabled", "Account disabled"]
    assert set(frame["Who"][:2]) == {ADMIN}
    assert "participant.joined" not in frame.to_string() and "Joined" not in set(frame["What"])
    assert not frame.isna().any().any() and "None" not in frame.to_string()
    assert any("administrator: yes" in details for details in frame["Details"])
    assert not any(word in frame.to_string() for word in ("True", "False"))
    at.selectbox(key="audit_person").set_value(colleague)
    run(at)
    assert not at.dataframe
    assert "No entries match" in at.info[0].value
    at.selectbox(key="audit_person").set_value(admin)
    run(at)
    assert set(at.dataframe[0].value["Who"]) == {ADMIN}


def test_the_audit_log_pages_through_older_entries(app_db: Engine, admin: int, colleague: int) -> None:
    you = Actor.facilitator(admin)
    for _ in range(30):
        facilitators.set_disabled(engine=app_db, actor=you, facilitator_id=colleague, disabled=True)
        facilitators.set_disabled(engine=app_db, actor=you, facilitator_id=colleague, disabled=False)
    at = open_as_facilitator(admin, "views/audit.py")
    first = list(at.dataframe[0].value["What"])
    assert len(first) == 50 and "page 1 of 2" in at.caption[0].value
    button(at, "Older entries")
    assert "page 2 of 2" in at.caption[0].value
    assert len(at.dataframe[0].value) == 62 - 50  # two accounts created, 60 changes
    button(at, "Newer entries")
    assert list(at.dataframe[0].value["What"]) == first
