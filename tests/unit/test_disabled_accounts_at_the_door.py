"""A disabled account at the doors: the sign-in form's route and the single sign-on finish both refuse
it, in words, and a browser already signed in with it is signed out at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette

from assessment.auth import DISABLED_MESSAGE, create_facilitator
from assessment.db import make_engine, transaction
from assessment.migrate import upgrade_database
from assessment.services import Actor, facilitators
from assessment.web_session import SSO_FINISH_PATH, SignInRoutes
from tests.asgi_browser import Browser
from tests.unit.test_sign_in_routes import shown_error, sign_in
from tests.unit.test_single_sign_on import FakeProvider

ADMIN, EMAIL, PASSWORD = "ada@riverside.nhs.uk", "jo.bloggs@riverside.nhs.uk", "correct horse battery"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'door.db'}")
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(session=session, email=ADMIN, password=PASSWORD, actor="test")
        create_facilitator(session=session, email=EMAIL, password=PASSWORD, actor="test")
    yield engine
    engine.dispose()


def browser_for(engine: Engine) -> Browser:
    routes = SignInRoutes(lambda: engine, single_sign_on=True, local_passwords=True, provider=FakeProvider())
    return Browser(Starlette(routes=routes.routes()))


def disable(engine: Engine, email: str, disabled: bool = True) -> None:
    admin = Actor.facilitator(facilitators.sign_in(engine=engine, email=ADMIN, password=PASSWORD))
    target = next(m.id for m in facilitators.team(engine=engine, actor=admin) if m.email == email)
    facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=target, disabled=disabled)


def signed_in_as(engine: Engine, browser: Browser) -> str | None:
    token = browser.cookie("ics_session")
    found = None if token is None else facilitators.session_facilitator(engine=engine, token=token)
    return None if found is None else found.email


def test_a_disabled_accounts_browser_is_signed_out_at_once_and_the_form_refuses_it(engine: Engine) -> None:
    browser = browser_for(engine)
    assert sign_in(browser).status == 303
    assert signed_in_as(engine, browser) == EMAIL
    disable(engine, EMAIL)
    assert signed_in_as(engine, browser) is None  # the same cookie opens nothing any more
    reply = sign_in(browser)
    assert reply.status == 400
    assert shown_error(reply) == DISABLED_MESSAGE
    assert signed_in_as(engine, browser) is None
    disable(engine, EMAIL, disabled=False)
    assert sign_in(browser).status == 303 and signed_in_as(engine, browser) == EMAIL


def test_single_sign_on_refuses_a_disabled_account_and_forgets_the_identity(engine: Engine) -> None:
    disable(engine, EMAIL)
    browser = browser_for(engine)
    browser.jar[FakeProvider.IDENTITY_COOKIE] = (EMAIL, "/")
    reply = browser.get(SSO_FINISH_PATH)
    assert reply.status == 403
    assert shown_error(reply) == DISABLED_MESSAGE
    assert browser.cookie("ics_session") is None
    assert browser.cookie(FakeProvider.IDENTITY_COOKIE) is None


def test_a_wrong_password_for_a_disabled_account_gets_the_usual_words_not_that_it_is_disabled(
    engine: Engine,
) -> None:
    disable(engine, EMAIL)
    reply = sign_in(browser_for(engine), password="not the password at all")
    assert reply.status == 400
    assert "disabled" not in shown_error(reply)
