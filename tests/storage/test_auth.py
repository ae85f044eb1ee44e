"""Facilitator accounts and sign-in, on SQLite and PostgreSQL: hashes, refusals and the rate limit."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

import assessment.auth as auth
from assessment.auth import (
    MAX_WAIT_SECONDS,
    NO_MATCH_MESSAGE,
    SIGN_IN_FAILED,
    SIGN_IN_OK,
    SIGN_IN_THROTTLED,
    SignInRefused,
    create_facilitator,
    create_first_facilitator,
    describe_wait,
    facilitator_count,
    list_facilitators,
    retry_delay_seconds,
    sign_in,
)
from assessment.cli import main
from assessment.db import dumps, transaction
from assessment.db.tables import AuditEntry, Facilitator
from assessment.errors import Refused
from tests.storage.counts import table_counts

EMAIL = "Jo.Bloggs@Riverside.NHS.uk"
NORMALISED = "jo.bloggs@riverside.nhs.uk"
PASSWORD = "correct horse battery"
WRONG = "incorrect horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def add(engine: Engine, email: str = EMAIL, password: str = PASSWORD) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=password, actor="test")


def attempt(engine: Engine, password: str, *, at: datetime, email: str = EMAIL) -> int:
    with transaction(engine) as session:
        return sign_in(session=session, email=email, password=password, now=at)


def refusal(engine: Engine, password: str, *, at: datetime, email: str = EMAIL) -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        attempt(engine, password, at=at, email=email)
    return caught.value


def fail_five_times(engine: Engine, *, at: datetime = T0, email: str = EMAIL) -> None:
    for _ in range(5):
        refusal(engine, WRONG, at=at, email=email)


def audit_rows(engine: Engine, action: str | None = None) -> list[AuditEntry]:
    with transaction(engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(session.scalars(query))


def counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


class CountingVerify:
    """Stands in for auth._verify to show whether a password was checked at all."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = auth._verify

    def __call__(self, password_hash: str, password: str) -> bool:
        self.calls += 1
        return self.real(password_hash, password)


# --- accounts --------------------------------------------------------------------------------------


def test_a_new_account_keeps_an_argon2id_hash_and_never_the_password(engine: Engine) -> None:
    facilitator_id = add(engine)
    with transaction(engine) as session:
        stored = session.get(Facilitator, facilitator_id)
        assert stored is not None
        assert stored.email == NORMALISED
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert PasswordHasher().verify(stored.password_hash, PASSWORD)
    created = audit_rows(engine, "facilitator.created")
    assert [(e.actor, e.target) for e in created] == [("test", NORMALISED)]


def test_facilitators_are_counted_and_listed_oldest_first_without_hashes(engine: Engine) -> None:
    first = add(engine)
    second = add(engine, email="sam@northam.gov.uk")
    with transaction(engine) as session:
        assert facilitator_count(session=session) == 2
        listed = list_facilitators(session=session)
    assert [(f["id"], f["email"]) for f in listed] == [(first, NORMALISED), (second, "sam@northam.gov.uk")]
    assert all(set(f) == {"id", "email", "created_at"} for f in listed)
    assert datetime.fromisoformat(listed[0]["created_at"]).tzinfo is not None


def test_a_duplicate_email_is_refused_whatever_its_case_and_nothing_changes(engine: Engine) -> None:
    add(engine)
    before = counts(engine)
    with pytest.raises(Refused, match=re.escape(f"already a facilitator account for {NORMALISED}")):
        add(engine, email="  JO.BLOGGS@riverside.nhs.uk ", password=WRONG)
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("email", "password", "expected"),
    [
        (EMAIL, "short1234", "at least 10 characters"),
        (EMAIL, "aaaaaaaaaaaa", "one character repeated"),
        (EMAIL, "jo.bloggs@riverside.nhs.uk", "cannot be the email address"),
        (EMAIL, "x" * 2000 + "y", "at most 1024 characters"),
        ("jo.bloggs", PASSWORD, "does not look like an email address"),
        ("jo bloggs@nhs.uk", PASSWORD, "does not look like an email address"),
        ("jo@nhs.", PASSWORD, "does not look like an email address"),
        ("   ", PASSWORD, "needs an email address"),
        ("a" * 200 + "@nhs.uk", PASSWORD, "at most 200 characters"),
    ],
    ids=[
        "short",
        "repeated",
        "the-email",
        "too-long",
        "no-at",
        "a-space",
        "empty-domain-label",
        "blank",
        "too-long-email",
    ],
)
def test_a_weak_password_or_an_implausible_email_is_refused_and_nothing_changes(
    engine: Engine, email: str, password: str, expected: str
) -> None:
    before = counts(engine)
    with pytest.raises(Refused, match=expected) as caught:
        add(engine, email=email, password=password)
    assert password not in str(caught.value)
    assert counts(engine) == before


def test_the_first_account_can_be_made_only_while_there_is_none(engine: Engine) -> None:
    with transaction(engine) as session:
        create_first_facilitator(session=session, email=EMAIL, password=PASSWORD)
    before = counts(engine)
    with (
        pytest.raises(Refused, match="already has a facilitator account; sign in instead"),
        transaction(engine) as session,
    ):
        create_first_facilitator(session=session, email="late@nhs.net", password=PASSWORD)
    assert counts(engine) == before


# --- signing in ------------------------------------------------------------------------------------


def test_the_right_password_signs_in_whatever_the_emails_case_and_is_logged(engine: Engine) -> None:
    facilitator_id = add(engine)
    assert attempt(engine, PASSWORD, at=T0, email="  JO.BLOGGS@riverside.nhs.uk") == facilitator_id
    ok = audit_rows(engine, SIGN_IN_OK)
    assert [(e.target, e.detail["facilitator_id"]) for e in ok] == [(NORMALISED, facilitator_id)]


def test_a_wrong_password_and_an_unknown_email_get_the_same_message_and_are_both_logged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine)
    verify = CountingVerify()
    monkeypatch.setattr(auth, "_verify", verify)
    wrong_password = refusal(engine, WRONG, at=T0)
    unknown_email = refusal(engine, PASSWORD, at=T0, email="Nobody@Nowhere.nhs.uk")
    assert wrong_password.message == unknown_email.message == NO_MATCH_MESSAGE
    assert wrong_password.retry_after_seconds is None and unknown_email.retry_after_seconds is None
    # The unknown email was still put through argon2, so it takes as long as a real account.
    assert verify.calls == 2
    failed = audit_rows(engine, SIGN_IN_FAILED)
    assert [e.target for e in failed] == [NORMALISED, "nobody@nowhere.nhs.uk"]


def test_a_failure_is_recorded_even_though_the_callers_transaction_rolls_back(engine: Engine) -> None:
    add(engine)
    with pytest.raises(SignInRefused), transaction(engine) as session:
        sign_in(session=session, email=EMAIL, password=WRONG, now=T0)
    assert len(audit_rows(engine, SIGN_IN_FAILED)) == 1


def test_after_five_failures_even_the_right_password_is_refused_without_being_checked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine)
    fail_five_times(engine)
    verify = CountingVerify()
    monkeypatch.setattr(auth, "_verify", verify)
    refused = refusal(engine, PASSWORD, at=T0 + timedelta(milliseconds=500))
    assert verify.calls == 0
    assert refused.throttled
    assert refused.retry_after_seconds == pytest.approx(0.5)
    assert refused.message == (
        "Too many failed sign-ins for this email address. Wait 1 second, then try again."
    )
    throttled = audit_rows(engine, SIGN_IN_THROTTLED)
    assert [e.target for e in throttled] == [NORMALISED]
    # A refused attempt during the wait is not a failure, so it does not lengthen the wait.
    assert len(audit_rows(engine, SIGN_IN_FAILED)) == 5
    assert attempt(engine, PASSWORD, at=T0 + timedelta(seconds=1)) > 0


def test_the_fifth_failure_says_how_long_to_wait_before_the_next_attempt(engine: Engine) -> None:
    add(engine)
    for _ in range(4):
        assert refusal(engine, WRONG, at=T0).retry_after_seconds is None
    fifth = refusal(engine, WRONG, at=T0)
    assert fifth.retry_after_seconds == 1
    assert fifth.message.startswith(NO_MATCH_MESSAGE)
    assert "After 5 failed attempts, wait 1 second before the next one." in fifth.message


def test_the_wait_doubles_with_each_further_failure(engine: Engine) -> None:
    add(engine)
    fail_five_times(engine)
    now = T0
    for failures, wait in ((5, 1), (6, 2), (7, 4), (8, 8), (9, 16)):
        early = refusal(engine, WRONG, at=now + timedelta(seconds=wait - 0.25))
        assert early.throttled
        assert early.retry_after_seconds == pytest.approx(0.25)
        now += timedelta(seconds=wait)
        late = refusal(engine, WRONG, at=now)
        assert not late.throttled
        assert late.retry_after_seconds == 2 ** (failures + 1 - 5)
    assert len(audit_rows(engine, SIGN_IN_FAILED)) == 10


def test_the_wait_never_exceeds_fifteen_minutes() -> None:
    assert [retry_delay_seconds(n) for n in range(8)] == [0, 0, 0, 0, 0, 1, 2, 4]
    assert retry_delay_seconds(15) == 900 == MAX_WAIT_SECONDS
    assert retry_delay_seconds(500) == MAX_WAIT_SECONDS
    assert describe_wait(0.2) == "1 second"
    assert describe_wait(31.5) == "32 seconds"
    assert describe_wait(61) == "2 minutes"
    assert describe_wait(900) == "15 minutes"


def test_a_long_run_of_failures_waits_fifteen_minutes_and_says_so(engine: Engine) -> None:
    with transaction(engine) as session:
        for _ in range(30):
            session.add(AuditEntry(at=T0, actor="sign-in", action=SIGN_IN_FAILED, target=NORMALISED))
    refused = refusal(engine, PASSWORD, at=T0 + timedelta(seconds=1))
    assert refused.retry_after_seconds == pytest.approx(899)
    assert "Wait 15 minutes" in refused.message


def test_a_success_resets_the_count_of_failures(engine: Engine) -> None:
    add(engine)
    fail_five_times(engine)
    attempt(engine, PASSWORD, at=T0 + timedelta(seconds=1))
    later = T0 + timedelta(seconds=2)
    for _ in range(4):
        assert refusal(engine, WRONG, at=later).retry_after_seconds is None
    assert attempt(engine, PASSWORD, at=later) > 0


def test_unknown_emails_are_slowed_down_exactly_like_real_ones(engine: Engine) -> None:
    add(engine)
    fail_five_times(engine)
    fail_five_times(engine, email="nobody@nowhere.nhs.uk")
    real = refusal(engine, WRONG, at=T0)
    unknown = refusal(engine, WRONG, at=T0, email="nobody@nowhere.nhs.uk")
    assert (real.message, real.retry_after_seconds) == (unknown.message, unknown.retry_after_seconds)


def test_one_accounts_failures_do_not_slow_down_another(engine: Engine) -> None:
    add(engine)
    other = add(engine, email="sam@northam.gov.uk")
    fail_five_times(engine)
    assert attempt(engine, PASSWORD, at=T0, email="sam@northam.gov.uk") == other


def test_a_hash_made_with_older_parameters_is_upgraded_at_the_next_sign_in(engine: Engine) -> None:
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with transaction(engine) as session:
        session.add(Facilitator(email=NORMALISED, password_hash=old_hash))
    facilitator_id = attempt(engine, PASSWORD, at=T0)
    with transaction(engine) as session:
        stored = session.get(Facilitator, facilitator_id)
        assert stored is not None and stored.password_hash != old_hash
        assert not PasswordHasher().check_needs_rehash(stored.password_hash)
    assert audit_rows(engine, SIGN_IN_OK)[0].detail["rehashed"] is True


def test_the_audit_log_records_failures_and_never_a_password(engine: Engine) -> None:
    add(engine)
    refusal(engine, WRONG, at=T0)
    refusal(engine, PASSWORD, at=T0, email="nobody@nowhere.nhs.uk")
    attempt(engine, PASSWORD, at=T0)
    fail_five_times(engine)
    refusal(engine, PASSWORD, at=T0)
    rows = audit_rows(engine)
    actions = [e.action for e in rows]
    assert actions.count(SIGN_IN_FAILED) == 7
    assert actions.count(SIGN_IN_THROTTLED) == 1
    everything = "\n".join(f"{e.actor} {e.action} {e.target} {dumps(e.detail)}" for e in rows)
    assert PASSWORD not in everything and WRONG not in everything
    assert "argon2" not in everything


# --- the command line ------------------------------------------------------------------------------


def test_facilitator_add_reads_the_password_from_standard_input_and_list_shows_it(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["facilitator", "add", EMAIL, "--db", url(engine)]) == 0
    out = capsys.readouterr().out
    assert out == f"facilitator {NORMALISED} added\n"
    assert PASSWORD not in out
    assert attempt(engine, PASSWORD, at=T0) > 0

    assert main(["facilitator", "list", "--json", "--db", url(engine)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [f["email"] for f in listed] == [NORMALISED]
    # who is an administrator and who is disabled, beside the account (the team's CLI commands)
    assert set(listed[0]) == {"id", "email", "created_at", "administrator", "disabled"}
    assert listed[0]["administrator"] is True and listed[0]["disabled"] is False
    assert [e.actor for e in audit_rows(engine, "facilitator.created")] == ["cli"]


def test_facilitator_list_says_when_there_is_nobody_yet(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["facilitator", "list", "--db", url(engine)]) == 0
    assert "no facilitators yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        ("short\n", "a password needs at least 10 characters; choose a longer one\n"),
        ("", "no password on standard input"),
    ],
    ids=["weak", "nothing"],
)
def test_facilitator_add_refuses_with_exit_2_and_a_plain_message_changing_nothing(
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    expected: str,
) -> None:
    before = counts(engine)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["facilitator", "add", EMAIL, "--db", url(engine)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(expected)
    assert "Traceback" not in captured.err
    assert counts(engine) == before


def test_facilitator_add_refuses_a_duplicate(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine)
    before = counts(engine)
    monkeypatch.setattr("sys.stdin", io.StringIO("a different password\n"))
    assert main(["facilitator", "add", NORMALISED.upper(), "--db", url(engine)]) == 2
    assert capsys.readouterr().err == f"there is already a facilitator account for {NORMALISED}\n"
    assert counts(engine) == before


def test_facilitator_add_at_a_terminal_asks_twice_and_refuses_a_mismatch(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter([PASSWORD, "not the same password"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["facilitator", "add", EMAIL, "--db", url(engine)]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert main(["facilitator", "add", EMAIL, "--db", url(engine)]) == 0
    assert capsys.readouterr().out == f"facilitator {NORMALISED} added\n"
