"""The route with which a participant's device keeps its resume link: the cookie's flags, and
nothing kept for a token that names nobody."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from starlette.applications import Starlette

from assessment.db import (
    add_participant,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    store_bank_version,
    transaction,
)
from assessment.migrate import upgrade_database
from assessment.web_device import KEEP_SECONDS, REMEMBER_PATH, cookie_name, routes
from tests.asgi_browser import Browser
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'device.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def joined(engine: Engine) -> tuple[str, str]:
    """(join code, resume token) of one participant of one workshop."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        version = store_bank_version(
            session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8")
        )
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="R1",
            held_on=date(2026, 3, 1),
        )
        person = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
    return workshop.join_code, person.resume_token


@pytest.fixture
def app(engine: Engine) -> Starlette:
    return Starlette(routes=routes(engine=lambda: engine))


def test_a_participants_resume_link_is_kept_in_an_httponly_lax_cookie_named_for_its_workshop(
    app: Starlette, joined: tuple[str, str]
) -> None:
    code, token = joined
    reply = Browser(app).get(f"{REMEMBER_PATH}?token={token}")
    assert reply.status == 204 and reply.header("cache-control") == "no-store"
    cookie = reply.set_cookies[cookie_name(code)]
    assert cookie.startswith(f"{cookie_name(code)}={token};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert f"Max-Age={KEEP_SECONDS}" in cookie and "Secure" not in cookie


def test_over_https_the_kept_link_is_a_secure_cookie(app: Starlette, joined: tuple[str, str]) -> None:
    code, token = joined
    reply = Browser(app, scheme="https").get(f"{REMEMBER_PATH}?token={token}")
    assert "Secure" in reply.set_cookies[cookie_name(code)]
    proxied = Browser(app, extra_headers={"x-forwarded-proto": "https"}).get(f"{REMEMBER_PATH}?token={token}")
    assert "Secure" in proxied.set_cookies[cookie_name(code)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=80))
def test_a_token_that_names_nobody_keeps_nothing(app: Starlette, joined: tuple[str, str], token: str) -> None:
    # The database is only read here, so one for every example is enough.
    if token == joined[1]:
        return
    reply = Browser(app).get(f"{REMEMBER_PATH}?{urlencode({'token': token})}")
    assert reply.status == 404 and reply.set_cookies == {}
