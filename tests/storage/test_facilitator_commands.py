"""`facilitator password` and `facilitator remove`: the operator's way to change a password or take
an account away, which signs that account out of every browser at once."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import Engine

from assessment import auth
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


def test_the_operator_disables_and_enables_an_account_and_the_list_says_which(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    add(engine, JO)  # the first account: the administrator
    sam = add(engine, SAM)
    token = facilitators.start_session(engine=engine, facilitator_id=sam).token
    code, out, err = run(capsys, "facilitator", "disable", SAM.upper(), "--db", url(engine))
    assert (code, err) == (0, "")
    assert out == f"facilitator {SAM} disabled; every browser signed in with it is signed out\n"
    assert not signed_in(engine, token)
    with pytest.raises(auth.SignInRefused, match="has been disabled"):
        facilitators.sign_in(engine=engine, email=SAM, password=PASSWORD)
    _, listed, _ = run(capsys, "facilitator", "list", "--db", url(engine))
    jo_line, sam_line = listed.splitlines()
    assert "administrator" in jo_line and "disabled" not in jo_line
    assert "disabled" in sam_line and "administrator" not in sam_line
    code, out, _ = run(capsys, "facilitator", "enable", SAM, "--db", url(engine))
    assert (code, out) == (0, f"facilitator {SAM} enabled: it can sign in again\n")
    assert facilitators.sign_in(engine=engine, email=SAM, password=PASSWORD) == sam


def test_the_operator_names_administrators_but_never_leaves_none(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    add(engine, JO)
    add(engine, SAM)
    code, out, _ = run(capsys, "facilitator", "administrator", SAM, "--db", url(engine))
    assert (code, out) == (0, f"facilitator {SAM} is an administrator\n")
    code, out, _ = run(capsys, "facilitator", "administrator", JO, "--revoke", "--db", url(engine))
    assert (code, out) == (0, f"facilitator {JO} is no longer an administrator\n")
    code, _, err = run(capsys, "facilitator", "administrator", SAM, "--revoke", "--db", url(engine))
    assert code != 0 and "administrator" in err
    _, listed, _ = run(capsys, "facilitator", "list", "--json", "--db", url(engine))
    assert [(a["email"], a["administrator"]) for a in json.loads(listed)] == [(JO, False), (SAM, True)]


def test_an_unknown_account_is_named_in_words(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    add(engine, JO)
    code, _, err = run(capsys, "facilitator", "disable", "nobody@nowhere.nhs.uk", "--db", url(engine))
    assert code == 2 and "there is no facilitator account nobody@nowhere.nhs.uk" in err
