"""The app's pages offer the organisation's sign-in when single sign-on is on: beside the password
form, or alone when local passwords are off (the round trip itself is
tests/e2e/test_single_sign_on_e2e.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.web_session import SIGN_IN_PATH, SSO_START_PATH
from tests.app.test_sign_in import SIGN_IN_PAGE, guarded_page, run

pytestmark = pytest.mark.app


def links(at: AppTest) -> list[tuple[str, str]]:
    return re.findall(
        r'<a href="([^"]+)" target="_self"[^>]*>([^<]+)</a>', "\n".join(m.value for m in at.markdown)
    )


def test_with_single_sign_on_on_the_page_offers_it_first_and_the_password_form_second(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICS_SSO", "on")
    at = run(AppTest.from_file(SIGN_IN_PAGE, default_timeout=30))
    assert links(at) == [
        (f"{SSO_START_PATH}?next=/workshops", "Sign in with your organisation account"),
        (f"{SIGN_IN_PATH}?next=/workshops", "Sign in with a password"),
    ]


def test_with_local_passwords_off_the_page_offers_only_the_organisations_sign_in(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICS_SSO", "on")
    monkeypatch.setenv("ICS_LOCAL_PASSWORDS", "off")
    at = run(AppTest.from_file(SIGN_IN_PAGE, default_timeout=30))
    assert links(at) == [(f"{SSO_START_PATH}?next=/workshops", "Sign in with your organisation account")]


def test_with_local_passwords_off_a_guarded_page_starts_the_organisations_sign_in_and_comes_back(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ICS_SSO", "on")
    monkeypatch.setenv("ICS_LOCAL_PASSWORDS", "off")
    at = AppTest.from_function(guarded_page, default_timeout=30)
    at.context["url"] = "http://ics.example/results"
    run(at)
    assert at.warning[0].value == "Sign in to continue."
    assert links(at) == [(f"{SSO_START_PATH}?next=/results", "Sign in with your organisation account")]


def test_with_single_sign_on_off_the_page_is_as_it_was(app_db: Engine) -> None:
    at = run(AppTest.from_file(SIGN_IN_PAGE, default_timeout=30))
    assert links(at) == [(f"{SIGN_IN_PATH}?next=/workshops", "Sign in")]
