"""The Workshops page and the command line are two doors to the same services: what one refuses,
the other refuses too, in the same words, and neither leaves a row behind when it does."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import create_partnership, transaction
from assessment.errors import Invalid, NotFound, Refused
from assessment.services import Actor
from assessment.services import cohorts as cohort_services
from assessment.services import workshops as workshop_services
from tests.app.conftest import cookies_from_session_state, sign_in_as
from tests.conftest import PROJECT_ROOT
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import SHIPPED_BANK_TEXT
from tests.storage.counts import table_counts
from ui.errors import refusal_text

PASSWORD = "a long enough test passphrase"
NUL = "\x00"


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table, leaving out signed-in sessions: signing in to the page writes one, and that
    is not the refused action."""
    with transaction(engine) as session:
        return {k: v for k, v in table_counts(session=session).items() if k != "facilitator_sessions"}


@pytest.fixture
def owner(engine: Engine) -> int:
    """A facilitator with a private cohort 'North' holding one partnership, 'Northam'."""
    with transaction(engine) as session:
        facilitator = create_facilitator(
            session=session, email="owner@nhs.net", password=PASSWORD, actor="test"
        )
        cohort = create_own_cohort(session=session, facilitator_id=facilitator, name="North")
        create_partnership(session=session, cohort_id=cohort, name="Northam", kind="ics")
    return facilitator


@pytest.fixture
def stranger(engine: Engine, owner: int) -> int:
    """Another facilitator, with whom nothing has been shared."""
    with transaction(engine) as session:
        return create_facilitator(session=session, email="stranger@nhs.net", password=PASSWORD, actor="test")


def create_on_the_page(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, facilitator: int, *, title: str, round_label: str = ""
) -> str:
    """Fill in the Workshops page's form as the facilitator would; the page's error, in words."""
    monkeypatch.setenv("DATABASE_URL", url(engine))
    cookies_from_session_state(monkeypatch)
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "workshops.py"), default_timeout=60)
    sign_in_as(at, facilitator, engine)
    at.run()
    next(t for t in at.text_input if t.label == "Title").input(title)
    next(t for t in at.text_input if t.label == "Round label (optional)").input(round_label)
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    return str(at.error[0].value)


def create_on_the_cli(capsys: pytest.CaptureFixture[str], engine: Engine, *extra: str) -> str:
    """`workshop create` for Northam; the refusal it prints (it must exit 2)."""
    code, out, err = run(
        capsys,
        "workshop",
        "create",
        "--partnership",
        "Northam",
        "--date",
        "2026-04-01",
        *extra,
        "--db",
        url(engine),
    )
    assert code == 2, (out, err)
    assert out == ""  # no join code: nothing was made
    # The last line: the page run before may have left Streamlit's logger writing to a closed stream.
    return err.strip().splitlines()[-1]


def service_refusal(
    engine: Engine, facilitator: int, *, title: str, round_label: str | None = None
) -> Refused:
    partnership = workshop_services.visible_partnerships(engine=engine, actor=Actor.facilitator(facilitator))[
        0
    ]
    with pytest.raises(Invalid) as refused:
        workshop_services.create_workshop(
            engine=engine,
            actor=Actor.facilitator(facilitator),
            partnership_id=partnership.id,
            title=title,
            held_on=date(2026, 4, 1),
            round_label=round_label,
            domains=None,
            anonymous=True,
            bank_yaml=SHIPPED_BANK_TEXT,
        )
    return refused.value


def test_a_workshop_without_a_title_is_refused_by_the_page_and_the_cli_in_the_same_words(
    engine: Engine, owner: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(engine)
    on_the_page = create_on_the_page(engine, monkeypatch, owner, title="   ")
    on_the_cli = create_on_the_cli(capsys, engine, "--title", "   ")
    assert on_the_cli == str(service_refusal(engine, owner, title="   "))
    assert "Give the workshop a title" in on_the_cli
    assert on_the_page == refusal_text("create the workshop", Invalid(on_the_cli))  # escaped, as shown
    assert counts(engine) == before


@pytest.mark.parametrize("field", ["title", "round label"])
def test_a_nul_in_a_title_or_round_label_is_refused_by_the_page_and_the_cli_in_the_same_words(
    field: str,
    engine: Engine,
    owner: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    title, label = (f"Spring{NUL}round", "Round 2") if field == "title" else ("Spring round", f"Round{NUL}2")
    before = counts(engine)
    on_the_page = create_on_the_page(engine, monkeypatch, owner, title=title, round_label=label)
    on_the_cli = create_on_the_cli(capsys, engine, "--title", title, "--round", label)
    assert on_the_cli == str(service_refusal(engine, owner, title=title, round_label=label))
    assert "NUL character, which cannot be stored" in on_the_cli
    assert on_the_page == refusal_text("create the workshop", Invalid(on_the_cli))  # escaped, as shown
    assert counts(engine) == before


def test_closing_a_draft_is_refused_by_the_pages_service_and_the_cli_in_the_same_words(
    engine: Engine, owner: int, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = workshop_services.create_workshop(
        engine=engine,
        actor=Actor.facilitator(owner),
        partnership_id=workshop_services.visible_partnerships(engine=engine, actor=Actor.facilitator(owner))[
            0
        ].id,
        title="Spring round",
        held_on=date(2026, 4, 1),
        round_label=None,
        domains=None,
        anonymous=True,
        bank_yaml=SHIPPED_BANK_TEXT,
    )
    before = counts(engine)
    # The page greys the button out; the service it calls refuses the step all the same.
    with pytest.raises(Invalid) as refused:
        workshop_services.take_step(
            engine=engine, actor=Actor.facilitator(owner), workshop_id=draft.id, step="close"
        )
    code, _, err = run(capsys, "workshop", "close", draft.join_code, "--db", url(engine))
    assert code == 2
    assert err.strip().splitlines()[-1] == str(refused.value)
    assert "only a workshop that is open for answers can be closed" in str(refused.value)
    assert counts(engine) == before
    found = workshop_services.find_workshop(engine=engine, actor=Actor.operator(), join_code=draft.join_code)
    assert (found.status, found.revealed) == ("draft", False)


def test_a_facilitator_cannot_act_on_another_facilitators_cohort_and_learns_nothing_from_the_refusal(
    engine: Engine, owner: int, stranger: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page's services refuse a stranger in the same words as a cohort that does not exist, so
    nothing leaks; the command line, the operator's door, refuses a cohort it cannot find, in its
    words, with exit 2. Neither changes anything."""
    north = cohort_services.find_cohort(engine=engine, actor=Actor.facilitator(owner), name="North")
    before = counts(engine)
    them = Actor.facilitator(stranger)
    with pytest.raises(NotFound) as someone_elses:
        cohort_services.rename(engine=engine, actor=them, cohort_id=north, name="Mine now")
    with pytest.raises(NotFound) as missing:
        cohort_services.rename(engine=engine, actor=them, cohort_id=north + 1000, name="Mine now")
    assert str(someone_elses.value) == str(missing.value)
    with pytest.raises(NotFound) as looked_up:
        cohort_services.find_cohort(engine=engine, actor=them, name="North")
    assert str(looked_up.value) == str(someone_elses.value)
    assert workshop_services.visible_partnerships(engine=engine, actor=them) == []
    code, _, err = run(capsys, "cohort", "rename", "Nowhere", "Mine now", "--db", url(engine))
    assert code == 2 and err.strip().splitlines()[-1] == "there is no cohort called 'Nowhere'"
    assert counts(engine) == before
