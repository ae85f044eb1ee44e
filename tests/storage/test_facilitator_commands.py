"""`facilitator password` and `facilitator remove`: the operator's way to change a password or take
an account away, which signs that account out of every browser at once."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine

from assessment.auth import create_facilitator
from assessment.db import create_cohort, transaction
from assessment.services import facilitators
from tests.storage.cli_helpers import run, url

JO, SAM = "jo@riverside.nhs.uk", "sam@northam.gov.uk"
PASSWORD, NEW_PASSWORD = "correct horse battery", "a different passphrase"


def add(engine: Engine, email: str) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=PASSWORD, actor="test")


def signed_in(engine: Engine, token: str) -> bool:
    return facilitators.session_facilitator(engine=engine, token=token) is not None


def test_a_new_password_from_standard_input_signs_the_account_out_everywhere(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jo = add(engine, JO)
    token = facilitators.start_session(engine=engine, facilitator_id=jo).token
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    code, out, err = run(capsys, "facilitator", "password", JO, "--db", url(engine))
    assert (code, err) == (0, "")
    assert out == f"password of {JO} changed; every browser signed in with it is signed out\n"
    assert not signed_in(engine, token)
    assert facilitators.sign_in(engine=engine, email=JO, password=NEW_PASSWORD) == jo


def test_a_weak_new_password_is_refused_in_words_and_nothing_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    jo = add(engine, JO)
    token = facilitators.start_session(engine=engine, facilitator_id=jo).token
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "facilitator", "password", JO, "--db", url(engine))
    assert code == 2
    assert "at least 10 characters" in err and "short" not in err.replace("shorter", "")
    assert signed_in(engine, token)


def test_removing_an_account_signs_it_out_and_hands_its_cohorts_to_another(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    jo, _ = add(engine, JO), add(engine, SAM)
    with transaction(engine) as session:
        create_cohort(session=session, name="North", owner_id=jo)
    token = facilitators.start_session(engine=engine, facilitator_id=jo).token
    code, _, err = run(capsys, "facilitator", "remove", JO, "--db", url(engine))
    assert code == 2
    assert "owns the cohort 'North'" in err and "--give-cohorts-to" in err
    assert signed_in(engine, token)
    code, out, err = run(capsys, "facilitator", "remove", JO, "--give-cohorts-to", SAM, "--db", url(engine))
    assert (code, err) == (0, "")
    assert out == f"facilitator {JO} removed; their cohorts now belong to {SAM}\n"
    assert not signed_in(engine, token)
    code, out, _ = run(capsys, "facilitator", "list", "--db", url(engine))
    assert JO not in out and SAM in out
