"""Signing in and out, the guard on facilitator pages and the first-run set-up, through AppTest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto
from streamlit.testing.v1 import AppTest

from assessment.auth import NO_MATCH_MESSAGE, create_facilitator, facilitator_count
from assessment.db import transaction
from tests.conftest import PROJECT_ROOT
from tests.storage.counts import table_counts

pytestmark = pytest.mark.app

SIGN_IN_PAGE = str(PROJECT_ROOT / "views" / "sign_in.py")
EMAIL = "jo.bloggs@riverside.nhs.uk"
PASSWORD = "correct horse battery"


def add_facilitator(engine: Engine, email: str = EMAIL) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=PASSWORD, actor="test")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in_page() -> AppTest:
    return run(AppTest.from_file(SIGN_IN_PAGE, default_timeout=30))


def submit(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="signin_email").input(email)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return run(at)


def unescaped(text: str) -> str:
    return text.replace("\\", "")


def test_signing_in_with_the_right_password_remembers_the_facilitator(app_db: Engine) -> None:
    facilitator_id = add_facilitator(app_db)
    at = sign_in_page()
    assert at.text_input(key="signin_password").proto.type == TextInputProto.PASSWORD
    submit(at, "  Jo.Bloggs@Riverside.nhs.uk ", PASSWORD)
    assert at.session_state["facilitator_id"] == facilitator_id
    assert not at.error
    assert f"You are signed in as {EMAIL}" in unescaped(at.success[0].value)


def test_a_wrong_password_shows_a_plain_error_and_signs_nobody_in(app_db: Engine) -> None:
    add_facilitator(app_db)
    at = submit(sign_in_page(), EMAIL, "not the password")
    assert at.error[0].value == NO_MATCH_MESSAGE
    assert "facilitator_id" not in at.session_state


def test_an_unknown_email_gets_the_same_error_as_a_wrong_password(app_db: Engine) -> None:
    add_facilitator(app_db)
    at = submit(sign_in_page(), "nobody@nowhere.nhs.uk", PASSWORD)
    assert at.error[0].value == NO_MATCH_MESSAGE
    assert "facilitator_id" not in at.session_state


def test_signing_out_forgets_the_facilitator(app_db: Engine) -> None:
    add_facilitator(app_db)
    at = submit(sign_in_page(), EMAIL, PASSWORD)
    at.button(key="signin_out").click()
    run(at)
    assert "facilitator_id" not in at.session_state
    assert at.text_input(key="signin_email").value == ""


def test_after_five_failures_in_one_session_the_form_waits_before_checking_again(app_db: Engine) -> None:
    facilitator_id = add_facilitator(app_db)
    at = sign_in_page()
    # Different unknown emails each time: the database's per-email limit never bites, this one does.
    for n in range(5):
        submit(at, f"guess{n}@nowhere.nhs.uk", PASSWORD)
    submit(at, EMAIL, PASSWORD)
    assert "facilitator_id" not in at.session_state
    assert at.error[0].value.startswith("Too many failed sign-ins")
    assert "Wait 1 second, then try again." in at.error[0].value
    at.session_state["sign_in_last_failure"] = at.session_state["sign_in_last_failure"] - 1.0
    submit(at, EMAIL, PASSWORD)
    assert at.session_state["facilitator_id"] == facilitator_id


def test_a_deleted_account_is_signed_out_on_the_next_run(app_db: Engine) -> None:
    at = AppTest.from_file(SIGN_IN_PAGE, default_timeout=30)
    at.session_state["facilitator_id"] = 999
    run(at)
    assert "facilitator_id" not in at.session_state
    assert at.text_input(key="signin_email")


def guarded_page() -> None:
    from ui.auth import require_facilitator

    require_facilitator()
    import streamlit as st

    st.write("secret")


def test_a_facilitator_page_asks_for_sign_in_and_shows_nothing_else(app_db: Engine) -> None:
    at = run(AppTest.from_function(guarded_page, default_timeout=30))
    assert at.warning[0].value == "Facilitator pages need you to sign in."
    assert all("secret" not in m.value for m in at.markdown)


def test_a_facilitator_page_shows_its_content_once_signed_in(app_db: Engine) -> None:
    at = AppTest.from_function(guarded_page, default_timeout=30)
    at.session_state["facilitator_id"] = add_facilitator(app_db)
    run(at)
    assert not at.warning
    assert [m.value for m in at.markdown] == ["secret"]


def first_run_page() -> None:
    from ui.auth import first_run_setup

    first_run_setup()


def first_run() -> AppTest:
    return run(AppTest.from_function(first_run_page, default_timeout=30))


def fill_first_run(at: AppTest, email: str, password: str, confirm: str) -> AppTest:
    at.text_input(key="home_first_run_email").input(email)
    at.text_input(key="home_first_run_password").input(password)
    at.text_input(key="home_first_run_confirm").input(confirm)
    next(b for b in at.button if b.label == "Create the account and sign in").click()
    return run(at)


def test_with_no_facilitator_the_first_run_form_creates_one_signs_in_and_disappears(app_db: Engine) -> None:
    at = first_run()
    assert at.subheader[0].value == "Set up this app"
    assert at.text_input(key="home_first_run_password").proto.type == TextInputProto.PASSWORD
    fill_first_run(at, EMAIL, PASSWORD, PASSWORD)
    with transaction(app_db) as session:
        assert facilitator_count(session=session) == 1
    assert isinstance(at.session_state["facilitator_id"], int)
    assert not at.text_input and not at.button and not at.subheader and not at.markdown


@pytest.mark.parametrize(
    ("password", "confirm", "expected"),
    [
        (PASSWORD, "something else entirely", "The two passwords differ"),
        ("short", "short", "A password needs at least 10 characters; choose a longer one."),
    ],
    ids=["mismatch", "weak"],
)
def test_the_first_run_form_refuses_bad_passwords_and_creates_nothing(
    app_db: Engine, password: str, confirm: str, expected: str
) -> None:
    with transaction(app_db) as session:
        before = table_counts(session=session)
    at = fill_first_run(first_run(), EMAIL, password, confirm)
    assert unescaped(at.error[0].value).startswith(expected)
    assert "facilitator_id" not in at.session_state
    with transaction(app_db) as session:
        assert table_counts(session=session) == before


def test_once_a_facilitator_exists_the_first_run_widget_draws_nothing(app_db: Engine) -> None:
    add_facilitator(app_db)
    at = first_run()
    assert not at.main.children


@dataclass
class FakeDemoSummary:
    created: bool = True
    cohort: str = "Demo cohort"
    partnerships: int = 3
    workshops: int = 9
    participants: int = 120
    answers: int = 6000
    join_codes: tuple[str, ...] = ("ABCDEFGH", "JKMNPQRS")


def test_the_sample_data_button_loads_the_demo_and_says_what_it_loaded(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assessment.demo

    loaded: list[str] = []

    def fake_load_demo(*, engine: Engine, seed: int = 1) -> FakeDemoSummary:
        loaded.append(engine.url.render_as_string(hide_password=True))
        return FakeDemoSummary()

    monkeypatch.setattr(assessment.demo, "load_demo", fake_load_demo)
    at = first_run()
    at.button(key="home_first_run_demo").click()
    run(at)
    assert loaded == [app_db.url.render_as_string(hide_password=True)]
    message = unescaped(at.success[0].value)
    assert "3 partnerships, 9 workshops, 120 participants and 6000 answers" in message
    assert "ABCDEFGH, JKMNPQRS" in message
