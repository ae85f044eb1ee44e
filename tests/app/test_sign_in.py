"""The sign-in page, the guard on facilitator pages and the first-run set-up, through AppTest.

The sign-in form and sign-out themselves are HTTP routes (tests/unit/test_sign_in_routes.py);
here a browser's session cookie is stood in for as tests/app/conftest.py explains."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, delete
from streamlit.proto.TextInput_pb2 import TextInput as TextInputProto
from streamlit.testing.v1 import AppTest

from assessment.auth import create_facilitator, facilitator_count
from assessment.db import transaction
from assessment.db.tables import Facilitator
from assessment.services.facilitators import end_session
from assessment.web_session import SIGN_IN_PATH, SIGN_OUT_PATH, sign_out_check
from tests.app.conftest import TEST_COOKIE_KEY, sign_in_as
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


def sign_in_page(facilitator_id: int | None = None) -> AppTest:
    at = AppTest.from_file(SIGN_IN_PAGE, default_timeout=30)
    if facilitator_id is not None:
        sign_in_as(at, facilitator_id)
    return run(at)


def unescaped(text: str) -> str:
    return text.replace("\\", "")


def links(at: AppTest) -> list[str]:
    return re.findall(r'<a href="([^"]+)" target="_self"', "\n".join(m.value for m in at.markdown))


def test_signed_out_the_page_leads_to_the_servers_form_which_comes_back_to_the_workshops(
    app_db: Engine,
) -> None:
    add_facilitator(app_db)
    at = sign_in_page()
    assert at.title[0].value == "Facilitator sign-in"
    # The form is the server's: only an HTTP response can set the session cookie.
    assert links(at) == [f"{SIGN_IN_PATH}?next=/workshops"]
    assert not at.text_input and not at.button


def test_with_a_live_session_the_page_shows_the_account_and_a_sign_out_form_for_this_browser(
    app_db: Engine,
) -> None:
    at = sign_in_page(add_facilitator(app_db))
    assert at.title[0].value == "Sign out"
    assert f"You are signed in as {EMAIL}" in unescaped(at.success[0].value)
    (form,) = at.get("html")
    body = form.proto.body
    token = at.session_state[TEST_COOKIE_KEY]
    assert f'action="{SIGN_OUT_PATH}"' in body and 'method="post"' in body
    assert f'value="{sign_out_check(token)}"' in body
    assert token not in body  # the check is derived from the token; the token never leaves the cookie


def test_a_session_ended_elsewhere_is_signed_out_on_the_next_run(app_db: Engine) -> None:
    at = sign_in_page(add_facilitator(app_db))
    assert at.title[0].value == "Sign out"
    end_session(engine=app_db, token=at.session_state[TEST_COOKIE_KEY])
    run(at)
    assert at.title[0].value == "Facilitator sign-in"


def test_a_deleted_account_is_signed_out_on_the_next_run(app_db: Engine) -> None:
    facilitator_id = add_facilitator(app_db)
    at = sign_in_page(facilitator_id)
    with transaction(app_db) as session:
        session.execute(delete(Facilitator).where(Facilitator.id == facilitator_id))
    run(at)
    assert at.title[0].value == "Facilitator sign-in"
    assert links(at)


def test_an_id_in_the_session_without_a_live_session_cookie_signs_nobody_in(app_db: Engine) -> None:
    at = AppTest.from_file(SIGN_IN_PAGE, default_timeout=30)
    at.session_state["facilitator_id"] = add_facilitator(app_db)
    at.session_state[TEST_COOKIE_KEY] = "made-up-token-that-nobody-was-ever-given"
    run(at)
    assert at.title[0].value == "Facilitator sign-in"


def guarded_page() -> None:
    from ui.auth import require_facilitator

    require_facilitator()
    import streamlit as st

    st.write("secret")


def test_a_facilitator_page_asks_for_sign_in_and_shows_nothing_else(app_db: Engine) -> None:
    at = AppTest.from_function(guarded_page, default_timeout=30)
    at.context["url"] = "http://ics.example/results"
    run(at)
    assert at.warning[0].value == "Sign in to continue."
    assert all("secret" not in m.value for m in at.markdown)
    # The way in comes back to this very page.
    assert links(at) == [f"{SIGN_IN_PATH}?next=/results"]


def test_a_facilitator_page_shows_its_content_once_signed_in(app_db: Engine) -> None:
    at = AppTest.from_function(guarded_page, default_timeout=30)
    sign_in_as(at, add_facilitator(app_db))
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
    next(b for b in at.button if b.label == "Create the account").click()
    return run(at)


def test_with_no_facilitator_the_first_run_form_creates_one_and_leads_to_signing_in_with_it(
    app_db: Engine,
) -> None:
    at = first_run()
    assert at.subheader[0].value == "Set up this app"
    assert at.text_input(key="home_first_run_password").proto.type == TextInputProto.PASSWORD
    fill_first_run(at, EMAIL, PASSWORD, PASSWORD)
    with transaction(app_db) as session:
        assert facilitator_count(session=session) == 1
    # Signing in is the server form's (it sets the cookie): the page says so and links to it.
    assert f"The account for {EMAIL} is ready" in unescaped(at.success[0].value)
    assert links(at) == [f"{SIGN_IN_PATH}?next=/workshops"]
    assert "facilitator_id" not in at.session_state
    assert not at.text_input and not at.button and not at.subheader


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
