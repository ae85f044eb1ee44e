"""Single sign-on for facilitators, below the browser: the two switches, matching the identity an
organisation's sign-in vouches for to an account, and the routes' answers when passwords are off
or single sign-on is on. The whole round trip through a provider is tests/e2e/test_single_sign_on_e2e.py."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from assessment.auth import (
    SSO_SIGN_IN_OK,
    SSO_SIGN_IN_REFUSED,
    SignInRefused,
    create_facilitator,
    verified_email,
)
from assessment.db import make_engine, transaction
from assessment.db.tables import AuditEntry
from assessment.migrate import upgrade_database
from assessment.services import Actor, facilitators
from assessment.settings import current
from assessment.web_session import (
    CHECK_FIELD,
    PASSWORDS_OFF_MESSAGE,
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    SSO_FINISH_PATH,
    SSO_START_PATH,
    SignInRoutes,
    SignOnNotSetUp,
    sign_out_check,
)
from tests.asgi_browser import Browser

EMAIL, PASSWORD = "jo.bloggs@riverside.nhs.uk", "correct horse battery"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'sso.db'}")
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=EMAIL, password=PASSWORD, actor="test")
    yield engine
    engine.dispose()


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        return [(a, t) for a, t in session.execute(select(AuditEntry.action, AuditEntry.target))]


# --- the switches ----------------------------------------------------------------------------------


def test_single_sign_on_is_off_and_local_passwords_on_when_nothing_is_set() -> None:
    settings = current({})
    assert settings.single_sign_on is False
    assert settings.local_passwords is True


@pytest.mark.parametrize(
    ("value", "on"), [("on", True), ("1", True), ("yes", True), ("off", False), ("0", False)]
)
def test_each_switch_reads_the_usual_words_for_on_and_off(value: str, on: bool) -> None:
    assert current({"ICS_SSO": value}).single_sign_on is on
    assert current({"ICS_LOCAL_PASSWORDS": value}).local_passwords is on


def test_an_empty_local_passwords_setting_keeps_its_default_of_on() -> None:
    assert current({"ICS_LOCAL_PASSWORDS": ""}).local_passwords is True


# --- which email an identity vouches for -------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "Jo.Bloggs@Riverside.NHS.uk", "email_verified": True},
        {"email": "jo.bloggs@riverside.nhs.uk", "email_verified": "true"},
        # Microsoft Entra ID sends no email_verified for work accounts; its optional claim
        # xms_edov says the tenant owns the email's domain.
        {"email": "jo.bloggs@riverside.nhs.uk", "xms_edov": True},
        {"email": "jo.bloggs@riverside.nhs.uk", "xms_edov": "1"},
    ],
)
def test_an_email_the_provider_vouches_for_is_used_in_lower_case(claims: Mapping[str, object]) -> None:
    assert verified_email(claims) == EMAIL


@pytest.mark.parametrize(
    "claims",
    [
        {"email": EMAIL},
        {"email": EMAIL, "email_verified": False},
        {"email": EMAIL, "email_verified": "false"},
        {"email": EMAIL, "email_verified": True, "xms_edov": False},
        {"email_verified": True},
        {"email": "", "email_verified": True},
        {"email": ["jo@x.nhs.uk"], "email_verified": True},
        {"preferred_username": EMAIL, "email_verified": True},
    ],
)
def test_an_email_the_provider_does_not_vouch_for_is_not_used(claims: Mapping[str, object]) -> None:
    assert verified_email(claims) is None


@given(st.dictionaries(st.text(max_size=20), st.one_of(st.text(), st.booleans(), st.none(), st.integers())))
def test_any_claims_whatever_give_an_email_or_none_and_never_an_error(claims: dict[str, object]) -> None:
    found = verified_email(claims)
    assert found is None or (found == found.strip().lower() and "@" in found)


def test_a_verified_email_signs_in_its_account_whatever_its_case_and_is_audited(engine: Engine) -> None:
    facilitator_id = facilitators.sign_in_with_identity(
        engine=engine, claims={"email": "JO.BLOGGS@riverside.nhs.uk", "email_verified": True}
    )
    assert facilitators.facilitator_email(engine=engine, facilitator_id=facilitator_id) == EMAIL
    assert (SSO_SIGN_IN_OK, EMAIL) in audit_actions(engine)


def test_an_unknown_email_is_refused_with_words_that_say_what_to_do_and_is_audited(engine: Engine) -> None:
    with pytest.raises(SignInRefused) as refused:
        facilitators.sign_in_with_identity(
            engine=engine, claims={"email": "sam.other@riverside.nhs.uk", "email_verified": True}
        )
    assert "sam.other@riverside.nhs.uk" in refused.value.message
    assert "no facilitator account" in refused.value.message
    assert (SSO_SIGN_IN_REFUSED, "sam.other@riverside.nhs.uk") in audit_actions(engine)


def test_an_unverified_email_is_refused_even_when_it_has_an_account(engine: Engine) -> None:
    with pytest.raises(SignInRefused) as refused:
        facilitators.sign_in_with_identity(engine=engine, claims={"email": EMAIL, "email_verified": False})
    assert "did not confirm" in refused.value.message
    assert (SSO_SIGN_IN_REFUSED, EMAIL) in audit_actions(engine)
    assert (SSO_SIGN_IN_OK, EMAIL) not in audit_actions(engine)


# --- the routes ------------------------------------------------------------------------------------


class FakeProvider:
    """Stands in for Streamlit's OpenID Connect routes: a fixed login address and an identity
    cookie of our own making."""

    IDENTITY_COOKIE = "fake_identity"

    def login_url(self) -> str:
        return "/auth/login?provider=fake"

    def identity(self, request: Request) -> Mapping[str, object] | None:
        email = request.cookies.get(self.IDENTITY_COOKIE)
        return None if email is None else {"email": email, "email_verified": True}

    def forget(self, response: Response, request: Request) -> None:
        response.delete_cookie(self.IDENTITY_COOKIE, path="/")

    async def callback(self, request: Request) -> Response:
        return Response(status_code=302, headers={"location": "/"})


def browser_for(engine: Engine, *, sso: bool, passwords: bool) -> Browser:
    routes = SignInRoutes(
        lambda: engine, single_sign_on=sso, local_passwords=passwords, provider=FakeProvider()
    )
    return Browser(Starlette(routes=routes.routes()))


def test_with_local_passwords_off_the_form_is_gone_and_a_posted_password_is_refused(engine: Engine) -> None:
    browser = browser_for(engine, sso=True, passwords=False)
    page = browser.get(SIGN_IN_PATH)
    assert 'type="password"' not in page.text
    assert SSO_START_PATH in page.text
    check = browser.cookie("ics_form_check") or "x" * 40
    reply = browser.post(
        SIGN_IN_PATH, {CHECK_FIELD: check, "next": "/", "email": EMAIL, "password": PASSWORD}
    )
    assert reply.status == 403
    assert PASSWORDS_OFF_MESSAGE in reply.text.replace("&#x27;", "'")
    assert browser.cookie("ics_session") is None
    assert not [a for a, _ in audit_actions(engine) if a.startswith("sign_in")]


def test_with_single_sign_on_off_its_routes_answer_not_found(engine: Engine) -> None:
    browser = browser_for(engine, sso=False, passwords=True)
    assert SSO_START_PATH not in browser.get(SIGN_IN_PATH).text
    assert browser.get(SSO_START_PATH).status == 404
    assert browser.get(SSO_FINISH_PATH).status == 404


def test_starting_single_sign_on_remembers_where_to_come_back_to_and_goes_to_the_provider(
    engine: Engine,
) -> None:
    browser = browser_for(engine, sso=True, passwords=True)
    reply = browser.get(f"{SSO_START_PATH}?next=/results%3Fworkshop%3D3")
    assert reply.status == 303
    assert reply.header("location") == "/auth/login?provider=fake"
    browser.jar[FakeProvider.IDENTITY_COOKIE] = (EMAIL, "/")
    finished = browser.get(SSO_FINISH_PATH)
    assert finished.status == 303
    assert finished.header("location") == "/results?workshop=3"
    token = browser.cookie("ics_session")
    assert token is not None
    assert facilitators.session_facilitator(engine=engine, token=token) is not None
    assert browser.cookie(FakeProvider.IDENTITY_COOKIE) is None  # read once, then forgotten


def test_finishing_with_an_unknown_email_shows_the_refusal_and_signs_nobody_in(engine: Engine) -> None:
    browser = browser_for(engine, sso=True, passwords=True)
    browser.jar[FakeProvider.IDENTITY_COOKIE] = ("sam.other@riverside.nhs.uk", "/")
    reply = browser.get(SSO_FINISH_PATH)
    assert reply.status == 403
    assert re.search(r"no facilitator account for sam\.other@riverside\.nhs\.uk", reply.text)
    assert browser.cookie("ics_session") is None
    assert browser.cookie(FakeProvider.IDENTITY_COOKIE) is None


def test_finishing_with_no_identity_says_the_sign_in_did_not_complete(engine: Engine) -> None:
    browser = browser_for(engine, sso=True, passwords=True)
    reply = browser.get(SSO_FINISH_PATH)
    assert reply.status == 403
    assert "did not complete" in reply.text
    assert browser.cookie("ics_session") is None


class NotSetUp(FakeProvider):
    def login_url(self) -> str:
        raise SignOnNotSetUp("no [auth] section")


def test_single_sign_on_switched_on_without_a_provider_says_so_instead_of_failing(engine: Engine) -> None:
    routes = SignInRoutes(lambda: engine, single_sign_on=True, local_passwords=True, provider=NotSetUp())
    reply = Browser(Starlette(routes=routes.routes())).get(SSO_START_PATH)
    assert reply.status == 503
    assert "not set up" in reply.text


def test_signing_out_also_clears_the_organisations_identity(engine: Engine) -> None:
    browser = browser_for(engine, sso=True, passwords=True)
    browser.get(SSO_START_PATH)
    browser.jar[FakeProvider.IDENTITY_COOKIE] = (EMAIL, "/")
    browser.get(SSO_FINISH_PATH)
    token = browser.cookie("ics_session")
    assert token is not None
    browser.jar[FakeProvider.IDENTITY_COOKIE] = (EMAIL, "/")  # as if one had been left behind
    reply = browser.post(SIGN_OUT_PATH, {CHECK_FIELD: sign_out_check(token)})
    assert reply.status == 303
    assert browser.cookie("ics_session") is None
    assert browser.cookie(FakeProvider.IDENTITY_COOKIE) is None
    assert facilitators.session_facilitator(engine=engine, token=token) is None


def test_a_removed_account_is_refused_as_unknown_and_its_sessions_are_gone(engine: Engine) -> None:
    claims = {"email": EMAIL, "email_verified": True}
    facilitator_id = facilitators.sign_in_with_identity(engine=engine, claims=claims)
    session = facilitators.start_session(engine=engine, facilitator_id=facilitator_id)
    facilitators.remove_facilitator(engine=engine, actor=Actor.operator(), email=EMAIL)
    assert facilitators.session_facilitator(engine=engine, token=session.token) is None
    with pytest.raises(SignInRefused, match="no facilitator account"):
        facilitators.sign_in_with_identity(engine=engine, claims=claims)
