"""Single sign-on in a real browser, offline: the app (``ICS_SSO=on``, passwords off) against a
mock OpenID Connect provider on a loopback port. One app server and one provider for every case.

The provider's sign-in page lists its predefined users as buttons: pressing one is that person
signing in at their organisation.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as mock_provider_app
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine, select

from assessment.auth import SSO_SIGN_IN_OK, SSO_SIGN_IN_REFUSED, create_facilitator
from assessment.db import make_engine, transaction
from assessment.db.tables import AuditEntry
from assessment.migrate import upgrade_database
from assessment.web_session import SSO_BUTTON_LABEL, SSO_INCOMPLETE_MESSAGE
from tests.e2e.conftest import FACILITATOR_EMAIL, FACILITATOR_PASSWORD, AppServer, free_port, start_app

pytestmark = [
    pytest.mark.e2e,
    # The mock provider is built on an older Authlib interface, which warns of it on every token.
    pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning"),
]

CLIENT_ID = "ics-readiness"
SOMEONE_ELSE = "another-app"  # a client id that is not this app's: tokens for it must be refused
STRANGER_EMAIL = "sam.stranger@riverside.nhs.uk"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class SwapAudience:
    """WSGI middleware before the mock provider: while ``on``, the provider is told the sign-in
    is for another app (the authorisation request's and the token request's client id are
    swapped), so the ID token it signs is addressed to that app, not to ours: a wrong audience."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.on = False

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.on:
            query = [
                (k, SOMEONE_ELSE if k == "client_id" else v) for k, v in parse_qsl(environ["QUERY_STRING"])
            ]
            environ["QUERY_STRING"] = urlencode(query)
            basic = environ.get("HTTP_AUTHORIZATION", "")
            if basic.startswith("Basic "):
                _, secret = base64.b64decode(basic[6:]).decode().split(":", 1)
                environ["HTTP_AUTHORIZATION"] = (
                    "Basic " + base64.b64encode(f"{SOMEONE_ELSE}:{secret}".encode()).decode()
                )
        return self.app(environ, start_response)


@dataclass
class SignOnWorld:
    server: AppServer
    engine: Engine
    audience: SwapAudience


def audit(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        return [(a, t) for a, t in session.execute(select(AuditEntry.action, AuditEntry.target))]


@pytest.fixture(scope="module")
def world(artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignOnWorld]:
    folder = tmp_path_factory.mktemp("sso")
    engine = make_engine(f"sqlite:///{folder / 'app.db'}")
    upgrade_database(engine)
    with transaction(engine) as session:
        create_facilitator(
            session=session, email=FACILITATOR_EMAIL, password=FACILITATOR_PASSWORD, actor="test"
        )

    users = [
        # The facilitator's organisation writes the email in its own case: matched all the same.
        User(sub="facilitator", claims={"email": FACILITATOR_EMAIL.upper(), "email_verified": True}),
        User(sub="stranger", claims={"email": STRANGER_EMAIL, "email_verified": True}),
    ]
    audience = SwapAudience(mock_provider_app(user_claims=users))
    provider = werkzeug.serving.make_server("127.0.0.1", free_port(), audience, threaded=True)
    serving = threading.Thread(target=provider.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()

    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a test cookie secret that is long enough to sign with"\n'
        f'client_id = "{CLIENT_ID}"\n'
        'client_secret = "a test client secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    server = start_app(
        artifacts_dir,
        env={"DATABASE_URL": str(engine.url), "ICS_SSO": "on", "ICS_LOCAL_PASSWORDS": "off"},
        port=port,
        extra_args=["--secrets.files", str(secrets)],
    )
    try:
        yield SignOnWorld(server, engine, audience)
    finally:
        server.stop()
        provider.shutdown()
        serving.join(5)
        engine.dispose()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(30_000)
    try:
        yield opened
    finally:
        opened.close()


def sign_in_at_the_organisation(page: Page, world: SignOnWorld, who: str) -> None:
    """From the app's sign-in page, through the provider, as its user ``who``."""
    page.goto(f"{world.server.url}/account/sign-in?next=/workshops")
    expect(page.get_by_label("Password")).to_have_count(0)  # local passwords are off
    page.get_by_role("link", name=SSO_BUTTON_LABEL).click()
    page.get_by_role("button", name=who, exact=True).click()


def cookie_names(context: BrowserContext) -> set[str]:
    return {cookie["name"] for cookie in context.cookies()}


def test_a_facilitator_signs_in_with_their_organisation_and_lands_signed_in(
    world: SignOnWorld, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in_at_the_organisation(page, world, "facilitator")
    page.wait_for_url("**/workshops")
    expect(page.get_by_role("link", name="Workshops")).to_be_visible()
    expect(page.get_by_text("Sign in to continue.")).to_have_count(0)
    assert "ics_session" in cookie_names(context)
    assert "_streamlit_user" not in cookie_names(context)  # read once, then the app's session alone
    assert (SSO_SIGN_IN_OK, FACILITATOR_EMAIL) in audit(world.engine)


def test_a_token_addressed_to_another_app_is_refused(world: SignOnWorld, context: BrowserContext) -> None:
    page = context.new_page()
    world.audience.on = True
    try:
        sign_in_at_the_organisation(page, world, "facilitator")
        expect(page.get_by_role("alert")).to_have_text(SSO_INCOMPLETE_MESSAGE)
    finally:
        world.audience.on = False
    assert "ics_session" not in cookie_names(context)
    page.goto(f"{world.server.url}/workshops")
    expect(page.get_by_text("Sign in to continue.")).to_be_visible()


def test_an_email_without_an_account_is_refused_in_words(world: SignOnWorld, context: BrowserContext) -> None:
    page = context.new_page()
    sign_in_at_the_organisation(page, world, "stranger")
    expect(page.get_by_role("alert")).to_contain_text(f"there is no facilitator account for {STRANGER_EMAIL}")
    assert not cookie_names(context) & {"ics_session", "_streamlit_user"}
    assert (SSO_SIGN_IN_REFUSED, STRANGER_EMAIL) in audit(world.engine)


def test_signing_out_ends_the_session_and_the_organisations_identity(
    world: SignOnWorld, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in_at_the_organisation(page, world, "facilitator")
    page.wait_for_url("**/workshops")
    page.get_by_role("link", name="Sign out", exact=True).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out in this browser.")).to_be_visible()
    assert not cookie_names(context) & {"ics_session", "_streamlit_user", "_streamlit_user_tokens"}
    page.goto(f"{world.server.url}/workshops")
    expect(page.get_by_text("Sign in to continue.")).to_be_visible()
