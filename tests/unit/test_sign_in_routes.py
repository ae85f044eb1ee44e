"""The sign-in form and the sign-out, as HTTP routes: the session cookie's flags, the checks against
forged forms and foreign redirects, and the rate limit, seen from a browser's side."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette

from assessment.auth import NO_MATCH_MESSAGE, SESSION_LIFETIME, create_facilitator
from assessment.db import make_engine, transaction
from assessment.db.tables import AuditEntry
from assessment.migrate import upgrade_database
from assessment.services import facilitators
from assessment.web_session import (
    CHECK_FIELD,
    EXPIRED_FORM_MESSAGE,
    FORM_CHECK_COOKIE,
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    SIGN_OUT_UNCHECKED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    routes,
    safe_next,
    sign_in_href,
    sign_out_check,
)
from tests.asgi_browser import Browser, Reply

EMAIL, PASSWORD = "jo.bloggs@riverside.nhs.uk", "correct horse battery"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'routes.db'}")
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=EMAIL, password=PASSWORD, actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
def app(engine: Engine) -> Starlette:
    return Starlette(routes=routes(engine=lambda: engine))


def form_check(page: Reply) -> str:
    found = re.search(rf'name="{CHECK_FIELD}" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(
    browser: Browser, email: str = EMAIL, password: str = PASSWORD, next_path: str = "/results"
) -> Reply:
    """Open the form (as a browser does, which sets its check cookie) and submit it."""
    page = browser.get(f"{SIGN_IN_PATH}?next={quote(next_path, safe='')}")
    return browser.post(
        SIGN_IN_PATH, {CHECK_FIELD: form_check(page), "next": next_path, "email": email, "password": password}
    )


def shown_error(reply: Reply) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', reply.text, flags=re.S)
    return "" if found is None else html.unescape(found.group(1))


def who(engine: Engine, browser: Browser) -> str | None:
    token = browser.cookie("ics_session")
    found = None if token is None else facilitators.session_facilitator(engine=engine, token=token)
    return None if found is None else found.email


def test_the_form_asks_for_email_and_password_and_sets_its_check_cookie(app: Starlette) -> None:
    page = Browser(app).get(f"{SIGN_IN_PATH}?next=/results")
    assert page.status == 200
    assert '<label for="email">Email</label>' in page.text
    assert 'type="password"' in page.text and 'autocomplete="current-password"' in page.text
    assert 'name="next" value="/results"' in page.text
    check_cookie = page.set_cookies[FORM_CHECK_COOKIE]
    assert "HttpOnly" in check_cookie and "SameSite=lax" in check_cookie
    assert page.header("content-security-policy") and page.header("x-frame-options") == "DENY"


def test_a_wrong_password_is_refused_in_the_same_words_as_ever_and_sets_no_session_cookie(
    app: Starlette, engine: Engine
) -> None:
    browser = Browser(app)
    wrong = sign_in(browser, password="not the password")
    unknown = sign_in(browser, email="nobody@nowhere.nhs.uk")
    for reply in (wrong, unknown):
        assert reply.status == 400
        assert shown_error(reply) == NO_MATCH_MESSAGE
        assert "ics_session" not in reply.set_cookies
        assert "not the password" not in reply.text and PASSWORD not in reply.text
    assert 'value="nobody@nowhere.nhs.uk"' in unknown.text  # the email stays typed; never the password
    assert browser.cookie("ics_session") is None


def test_the_right_password_sets_an_httponly_lax_cookie_for_the_whole_app_and_returns_to_the_page(
    app: Starlette, engine: Engine
) -> None:
    browser = Browser(app)
    reply = sign_in(browser, email="  Jo.Bloggs@Riverside.nhs.uk ", next_path="/results")
    assert reply.status == 303
    assert reply.header("location") == "/results"
    cookie = reply.set_cookies["ics_session"]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert attributes["httponly"] == "HttpOnly"
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert attributes["max-age"] == f"Max-Age={int(SESSION_LIFETIME.total_seconds())}"
    assert "secure" not in attributes  # plain HTTP: a Secure cookie would never come back
    assert who(engine, browser) == EMAIL


@pytest.mark.parametrize(
    ("scheme", "headers"),
    [("https", {}), ("http", {"X-Forwarded-Proto": "https"})],
    ids=["https", "behind-a-proxy-that-says-https"],
)
def test_over_https_the_cookies_are_secure(app: Starlette, scheme: str, headers: dict[str, str]) -> None:
    browser = Browser(app, scheme=scheme, extra_headers=headers)
    page = browser.get(SIGN_IN_PATH)
    assert "Secure" in page.set_cookies[FORM_CHECK_COOKIE]
    reply = browser.post(
        SIGN_IN_PATH, {CHECK_FIELD: form_check(page), "next": "/", "email": EMAIL, "password": PASSWORD}
    )
    assert reply.status == 303
    assert "Secure" in reply.set_cookies["ics_session"]


def sign_in_rows(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).where(AuditEntry.action.like("sign_in.%"))) or 0)


@pytest.mark.parametrize("forgery", ["no cookie", "no field", "another check"])
def test_a_form_without_its_check_is_refused_and_the_password_is_never_tried(
    app: Starlette, engine: Engine, forgery: str
) -> None:
    browser = Browser(app)
    page = browser.get(SIGN_IN_PATH)
    fields = {CHECK_FIELD: form_check(page), "next": "/", "email": EMAIL, "password": PASSWORD}
    if forgery == "no cookie":
        browser.jar.clear()  # a form posted from another site: the browser sends no cookie with it
    elif forgery == "no field":
        del fields[CHECK_FIELD]
    else:
        fields[CHECK_FIELD] = "0" * 64
    reply = browser.post(SIGN_IN_PATH, fields)
    assert reply.status == 403
    assert shown_error(reply) == EXPIRED_FORM_MESSAGE
    assert "ics_session" not in reply.set_cookies
    assert sign_in_rows(engine) == 0
    # The form that comes back carries a check that works.
    again = browser.post(SIGN_IN_PATH, {**fields, CHECK_FIELD: form_check(reply)})
    assert again.status == 303


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/results",
        "//evil.example/results",
        "/\\evil.example/results",
        "javascript:alert(1)",
        "results",
        "/results\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_next_pointing_anywhere_but_a_page_of_this_app_goes_to_the_home_page(
    app: Starlette, elsewhere: str
) -> None:
    reply = sign_in(Browser(app), next_path=elsewhere)
    assert reply.status == 303
    assert reply.header("location") == "/"


@given(st.text(max_size=60))
def test_wherever_next_points_the_redirect_stays_on_this_site(value: str) -> None:
    target = safe_next(value)
    assert target.startswith("/") and not target.startswith("//")
    assert urljoin("https://ics.example/account/sign-in", target).startswith("https://ics.example/")
    assert sign_in_href(value).startswith(SIGN_IN_PATH)


def test_a_page_of_this_app_is_kept_as_next_with_its_query() -> None:
    assert safe_next("/results?workshop=3") == "/results?workshop=3"
    assert sign_in_href("/results?workshop=3") == f"{SIGN_IN_PATH}?next=/results%3Fworkshop%3D3"


def test_the_sign_in_rate_limit_still_applies_through_the_form(app: Starlette, engine: Engine) -> None:
    # Each attempt from a browser of its own: only the database's count for the email can bite.
    for _ in range(5):
        assert sign_in(Browser(app), password="not the password").status == 400
    browser = Browser(app)
    reply = sign_in(browser)
    assert reply.status == 429
    assert shown_error(reply).startswith("Too many failed sign-ins for this email address. Wait 1 second")
    assert reply.header("retry-after") == "1"
    assert browser.cookie("ics_session") is None


def test_one_browser_trying_many_emails_is_slowed_as_well(app: Starlette) -> None:
    browser = Browser(app)
    for n in range(5):
        sign_in(browser, email=f"guess{n}@nowhere.nhs.uk")
    reply = sign_in(browser)
    assert reply.status == 429
    assert shown_error(reply).startswith("Too many failed sign-ins")
    assert browser.cookie("ics_session") is None
    # Another browser, with the right password, is not held back by this one.
    assert sign_in(Browser(app)).status == 303


@pytest.mark.parametrize(
    "error",
    [
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00"),
        OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")),
    ],
    ids=["pool exhausted", "database locked"],
)
def test_a_sign_in_the_database_cannot_take_says_so_in_words_and_signs_nobody_in(
    app: Starlette, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def overwhelmed(**_: object) -> int:
        raise error

    monkeypatch.setattr(facilitators, "sign_in", overwhelmed)
    browser = Browser(app)
    reply = sign_in(browser)
    assert reply.status == 503
    assert shown_error(reply) == UNAVAILABLE_MESSAGE
    assert "QueuePool" not in reply.text and "locked" not in reply.text
    assert browser.cookie("ics_session") is None
    # Not the person's failure: the browser's own count is untouched.
    monkeypatch.undo()
    for _ in range(4):
        sign_in(browser, password="not the password")
    assert sign_in(browser).status == 303


def test_what_was_typed_comes_back_escaped(app: Starlette) -> None:
    typed = '"><script>alert(1)</script>@x.nhs.uk'
    reply = sign_in(Browser(app), email=typed)
    assert "<script>alert(1)" not in reply.text
    assert html.escape(typed, quote=True) in reply.text


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"email=" + b"a" * 20_000, "application/x-www-form-urlencoded", 413),
        (b'{"email": "x"}', "application/json", 415),
    ],
    ids=["too-large", "not-a-form"],
)
def test_a_body_that_is_not_this_form_is_refused_in_words(
    app: Starlette, body: bytes, content_type: str, status: int
) -> None:
    reply = Browser(app).request("POST", SIGN_IN_PATH, body, content_type=content_type)
    assert reply.status == status
    assert "Open the page again" in shown_error(reply)


def test_signing_out_ends_the_session_and_clears_the_cookie(app: Starlette, engine: Engine) -> None:
    browser = Browser(app)
    sign_in(browser)
    token = browser.cookie("ics_session")
    assert token is not None
    reply = browser.post(SIGN_OUT_PATH, {CHECK_FIELD: sign_out_check(token)})
    assert reply.status == 303
    assert reply.header("location") == f"{SIGN_IN_PATH}?done=signed-out"
    cleared = reply.set_cookies["ics_session"]
    assert "Max-Age=0" in cleared and "Path=/" in cleared and "HttpOnly" in cleared
    assert facilitators.session_facilitator(engine=engine, token=token) is None
    assert "You have signed out" in browser.get(reply.header("location") or "").text


def test_sign_out_without_its_check_ends_nothing(app: Starlette, engine: Engine) -> None:
    browser = Browser(app)
    sign_in(browser)
    for check in ("", "0" * 64):
        reply = browser.post(SIGN_OUT_PATH, {CHECK_FIELD: check})
        assert reply.status == 403
        assert shown_error(reply) == SIGN_OUT_UNCHECKED_MESSAGE
    assert who(engine, browser) == EMAIL


def test_signing_in_again_ends_the_browsers_previous_session(app: Starlette, engine: Engine) -> None:
    browser = Browser(app)
    sign_in(browser)
    first = browser.cookie("ics_session")
    assert first is not None
    assert "You are already signed in as jo.bloggs@riverside.nhs.uk" in browser.get(SIGN_IN_PATH).text
    sign_in(browser)
    assert browser.cookie("ics_session") != first
    assert facilitators.session_facilitator(engine=engine, token=first) is None
    assert who(engine, browser) == EMAIL
