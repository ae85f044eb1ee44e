from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import (
    NotFound,
    cohort_id,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    set_workshop_state,
    store_bank_version,
    transaction,
)
from assessment.migrate import upgrade_database
from tests.conftest import PROJECT_ROOT

# AppTest cannot send cookies (st.context.cookies is always empty under it). So in these tests
# the browser's session cookie is a session_state value the test sets, read by a stand-in for
# ui.auth.presented_token; the token in it is a real one, checked in the database like any other.
# The app itself never reads this key: only the cookie.
TEST_COOKIE_KEY = "test_session_cookie"


def presented_token_from_session_state() -> str | None:
    """The stand-in for ui.auth.presented_token (the benchmarks use it too)."""
    import streamlit as st

    value = st.session_state.get(TEST_COOKIE_KEY)
    return value if isinstance(value, str) and value else None


# The same for the participant's device: the resume token it kept for a workshop, by join code.
TEST_DEVICE_KEY = "test_device_cookies"


def remembered_token_from_session_state(join_code: str) -> str | None:
    """The stand-in for ui.resume.remembered_token."""
    import streamlit as st

    kept = st.session_state.get(TEST_DEVICE_KEY)
    value = kept.get(join_code) if isinstance(kept, dict) else None
    return value if isinstance(value, str) and value else None


def cookies_from_session_state(monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.auth
    import ui.resume

    monkeypatch.setattr(ui.auth, "presented_token", presented_token_from_session_state)
    monkeypatch.setattr(ui.resume, "remembered_token", remembered_token_from_session_state)


@pytest.fixture(autouse=True)
def _cookies_from_session_state(monkeypatch: pytest.MonkeyPatch) -> None:
    cookies_from_session_state(monkeypatch)


def session_cookie(facilitator_id: int, engine: Engine | None = None) -> str:
    """A real session token for the facilitator, as the sign-in form would set in the cookie."""
    from assessment.services.facilitators import start_session

    engine = engine or make_engine()  # the app's own database (DATABASE_URL)
    return start_session(engine=engine, facilitator_id=facilitator_id).token


def sign_in_as(at: AppTest, facilitator_id: int, engine: Engine | None = None) -> AppTest:
    """The AppTest's browser holds a signed-in session of the facilitator from now on."""
    at.session_state[TEST_COOKIE_KEY] = session_cookie(facilitator_id, engine)
    return at


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A fresh SQLite database that the app under AppTest will use (through DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


@dataclass(frozen=True)
class OpenWorkshop:
    id: int
    join_code: str


def make_workshop(
    engine: Engine,
    *,
    status: str = "open",
    title: str = "Spring round",
    name: str = "Riverside ICS",
    domains: list[str] | None = None,
    anonymous: bool = True,
) -> OpenWorkshop:
    with transaction(engine) as session:
        try:
            cohort = cohort_id(session=session, name="Test cohort")
        except NotFound:
            cohort = create_cohort(session=session, name="Test cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name=name, kind="ics")
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 5, 1),
            domains=domains,
            anonymous=anonymous,
        )
        if status != "draft":
            set_workshop_state(session=session, workshop_id=workshop.id, actor="test", status=status)
    return OpenWorkshop(workshop.id, workshop.join_code)


@pytest.fixture
def open_workshop(app_db: Engine) -> OpenWorkshop:
    return make_workshop(app_db)


@pytest.fixture
def facilitator(app_db: Engine) -> int:
    """A facilitator account in the app's database (sign a test in with ``sign_in_as``)."""
    from assessment.auth import create_facilitator

    with transaction(app_db) as session:
        return create_facilitator(
            session=session, email="f@riverside.nhs.uk", password="a long passphrase here", actor="t"
        )


def open_page(path: str, **query: str) -> AppTest:
    """Open a page through the app's own navigation, with the address's query parameters."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def open_as_facilitator(facilitator_id: int, page: str, **state: object) -> AppTest:
    """Open a facilitator page through the app's frame, signed in, with any session state given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    sign_in_as(at, facilitator_id)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at
