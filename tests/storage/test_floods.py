"""A flood of sign-ins from one visitor, on SQLite and PostgreSQL: the limit holds, nothing
escapes as an error, and a participant saving an answer at the same moment is not held up.

A burst is many threads released together by a barrier, each one a sign-in page submitting a
wrong password, as a script hammering the form would. Every attempt in a burst carries the same
``now``, so the limit is exact: with the clock frozen no wait ever runs out, and at most
FREE_FAILURES passwords may be checked however the threads interleave.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

import assessment.auth as auth
from assessment.answers import Answer
from assessment.auth import (
    FREE_FAILURES,
    SIGN_IN_FAILED,
    SIGN_IN_OK,
    SignInRefused,
    create_facilitator,
    sign_in,
)
from assessment.db import (
    add_participant,
    bank_for_version,
    participant_answers,
    save_answer,
    set_workshop_state,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry

EMAIL = "jo.bloggs@riverside.nhs.uk"
PASSWORD = "correct horse battery"
WRONG = "incorrect horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# More than either pool holds at once (SQLite's 5 + 10 overflow, PostgreSQL's 10 + 20 here), so
# an attempt that held two connections would run out of them.
BURST = 32
# Generous: on an idle machine the save takes milliseconds even mid-flood. Before the fix it
# waited out the pool's 30-second timeout.
PROMPT_SAVE_SECONDS = 5.0


class CountingVerify:
    """Stands in for auth._verify: counts the passwords checked, and says when the first began."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self._lock = threading.Lock()
        self._real = auth._verify

    def __call__(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.calls += 1
        self.started.set()
        return self._real(password_hash, password)


def add_account(engine: Engine) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=EMAIL, password=PASSWORD, actor="test")


def attempt_through_a_transaction(engine: Engine, email: str, password: str, now: datetime) -> int:
    # As the command line and older callers do: the caller's own transaction around the call.
    with transaction(engine) as session:
        return sign_in(session=session, email=email, password=password, now=now)


def burst_of_wrong_sign_ins(
    engine: Engine, email: str, *, now: datetime, during: Any = None
) -> tuple[list[SignInRefused], list[BaseException], Any]:
    """BURST wrong sign-ins at once; (refusals, anything else raised, what ``during`` returned).

    ``during``, if given, runs on this thread once the burst is under way.
    """
    barrier = threading.Barrier(BURST)
    refusals: list[SignInRefused] = []
    escaped: list[BaseException] = []

    def one() -> None:
        barrier.wait()
        try:
            attempt_through_a_transaction(engine, email, WRONG, now)
        except SignInRefused as refused:
            refusals.append(refused)
        except BaseException as exc:  # the test is that nothing else escapes
            escaped.append(exc)

    threads = [threading.Thread(target=one) for _ in range(BURST)]
    for thread in threads:
        thread.start()
    result = during() if during is not None else None
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads), "a sign-in never finished"
    return refusals, escaped, result


@pytest.mark.parametrize("who", ["a real account", "an unknown email"])
def test_a_burst_of_wrong_sign_ins_checks_at_most_the_free_number_of_passwords(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    add_account(engine)
    email = EMAIL if who == "a real account" else "nobody@nowhere.nhs.uk"
    auth._dummy_hash()  # made once per process; not part of what the burst measures
    verify = CountingVerify()
    monkeypatch.setattr(auth, "_verify", verify)

    refusals, escaped, _ = burst_of_wrong_sign_ins(engine, email, now=T0)

    print(f"\n{engine.dialect.name}, {who}: {verify.calls} of {BURST} passwords checked")
    assert escaped == []
    assert len(refusals) == BURST
    assert verify.calls <= FREE_FAILURES
    # Every attempt was either a counted failure (password checked) or refused during the wait.
    assert sum(not r.throttled for r in refusals) == verify.calls
    with transaction(engine) as session:
        failed = session.scalar(
            select(func.count()).where(AuditEntry.action == SIGN_IN_FAILED, AuditEntry.target == email)
        )
    assert failed == verify.calls


def test_the_owner_signs_in_after_a_burst_once_the_wait_is_over(engine: Engine) -> None:
    facilitator_id = add_account(engine)
    burst_of_wrong_sign_ins(engine, EMAIL, now=T0)
    with pytest.raises(SignInRefused) as caught:
        attempt_through_a_transaction(engine, EMAIL, PASSWORD, T0)
    assert caught.value.throttled
    later = datetime(2026, 3, 1, 9, 1, tzinfo=UTC)  # well past the one-second wait
    assert attempt_through_a_transaction(engine, EMAIL, PASSWORD, later) == facilitator_id
    with transaction(engine) as session:
        ok = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == SIGN_IN_OK)).all()
    assert [entry["facilitator_id"] for entry in ok] == [facilitator_id]


def test_a_participant_saving_an_answer_during_a_sign_in_flood_is_not_held_up(
    engine: Engine, workshop_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_account(engine)
    auth._dummy_hash()
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop_id, actor="test", status="open")
    with transaction(engine) as session:
        workshop = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="nhs-trust").id
    verify = CountingVerify()
    monkeypatch.setattr(auth, "_verify", verify)
    item = next(item for _, item in bank.iter_items() if item.type == "maturity").id

    def participant_saves() -> tuple[float, BaseException | None]:
        verify.started.wait(timeout=60)  # the flood is under way: passwords are being checked
        started = time.monotonic()
        try:
            with transaction(engine) as session:
                save_answer(
                    session=session,
                    participant_id=person,
                    answer=Answer(item_id=item, current=2, target=3),
                    bank=bank,
                    domains=list(workshop.domains),
                )
        except BaseException as exc:  # reported below with the time it took
            return time.monotonic() - started, exc
        return time.monotonic() - started, None

    # The real clock here, as on the server.
    refusals, escaped, (took, error) = burst_of_wrong_sign_ins(
        engine, EMAIL, now=datetime.now(UTC), during=participant_saves
    )
    print(f"\n{engine.dialect.name}: the participant's save took {took * 1000:.0f} ms during the flood")
    assert error is None, f"the save failed after {took:.1f} s: {error!r}"
    assert took < PROMPT_SAVE_SECONDS
    assert escaped == []
    assert len(refusals) == BURST
    with transaction(engine) as session:
        saved = participant_answers(session=session, participant_id=person)
    assert [(a.current, a.target) for a in saved.values()] == [(2, 3)]
