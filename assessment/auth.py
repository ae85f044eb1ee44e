"""Facilitator accounts and sign-in: argon2 password hashes and a per-account rate limit.

Everything here is storage and rules, never Streamlit. The rate limit lives in the audit log,
not in process memory, because the app runs as several replicas behind a load balancer: a
guesser moved to another replica must meet the same wait.

Passwords are never stored, logged or put in an error message; only argon2 hashes are kept.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.store import AuditEntry, Facilitator, StoreError, audit, transaction, utcnow

MIN_PASSWORD_LENGTH = 10
# argon2 copes with long input, but nobody types more than this and it bounds the work per attempt.
MAX_PASSWORD_LENGTH = 1024
# An email is the audit log's target for every sign-in, and that column holds 200 characters.
MAX_EMAIL_LENGTH = 200
# Failures allowed in a row before each further attempt must wait.
FREE_FAILURES = 5
MAX_WAIT_SECONDS = 15 * 60

CREATED = "facilitator.created"
SIGN_IN_OK = "sign_in.ok"
SIGN_IN_FAILED = "sign_in.failed"
# An attempt refused during a wait: logged apart from failures so that a person retrying too soon
# does not lengthen their own wait (and the password was never checked, so it was not a guess).
SIGN_IN_THROTTLED = "sign_in.throttled"
SIGN_IN_ACTOR = "sign-in"

# The same words for an unknown email and a wrong password, so the form cannot be used to find
# out which emails have accounts.
NO_MATCH_MESSAGE = "That email and password do not match an account. Check both and try again."

# Plausible, not RFC 5322: something@domain.tld, no spaces, nothing empty between the dots.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

# Default parameters (argon2id, RFC 9106 low-memory profile). When they change in a new release,
# needs_rehash tells us at the next successful sign-in and the stored hash is upgraded.
_hasher = PasswordHasher()


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``message`` says what to do next.

    ``retry_after_seconds`` is how long until another attempt will be considered (None when the
    next one may come at once). ``throttled`` is True when the password was not even checked.
    """

    def __init__(self, message: str, retry_after_seconds: float | None = None, *, throttled: bool = False):
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds
        self.throttled = throttled


# --- rules ------------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why a (normalised) email cannot name an account, or None when it can."""
    if not email:
        return "an account needs an email address"
    if len(email) > MAX_EMAIL_LENGTH:
        return f"an email address can have at most {MAX_EMAIL_LENGTH} characters"
    if not email.isprintable() or not _EMAIL_SHAPE.fullmatch(email):
        return f"'{email}' does not look like an email address; give one like name@nhs.net"
    return None


def password_problems(*, password: str, email: str) -> list[str]:
    """Everything wrong with a new password, each saying what to choose instead."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"a password needs at least {MIN_PASSWORD_LENGTH} characters; choose a longer one")
    elif len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"a password can have at most {MAX_PASSWORD_LENGTH} characters; choose a shorter one")
    if password and len(set(password)) == 1:
        problems.append("a password cannot be one character repeated; choose a mix")
    if normalise_email(password) == normalise_email(email):
        problems.append("a password cannot be the email address; choose something else")
    return problems


def retry_delay_seconds(failures: int) -> float:
    """How long after the last failure the next attempt must wait, given failures in a row.

    Five mistakes are free (people mistype); after that the wait doubles from one second, so a
    guesser gets only about a hundred tries a day while the owner is never locked out for long.
    """
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS))


def describe_wait(seconds: float) -> str:
    """'1 second', '40 seconds', '3 minutes': always rounded up, so waiting that long is enough."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"{whole} second" + ("" if whole == 1 else "s")
    minutes = math.ceil(whole / 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def wait_message(seconds: float) -> str:
    return f"Too many failed sign-ins for this email address. Wait {describe_wait(seconds)}, then try again."


# --- accounts --------------------------------------------------------------------------------------


def _hash_password(*, password: str, email: str) -> str:
    problems = password_problems(password=password, email=email)
    if problems:
        raise StoreError("; ".join(problems))
    return _hasher.hash(password)


def create_facilitator(*, session: Session, email: str, password: str, actor: str) -> int:
    """Add a facilitator account; raises StoreError, with nothing written, if anything is wrong."""
    email = normalise_email(email)
    problem = email_problem(email)
    if problem is not None:
        raise StoreError(problem)
    password_hash = _hash_password(password=password, email=email)
    if session.scalar(select(Facilitator.id).where(Facilitator.email == email)) is not None:
        raise StoreError(f"there is already a facilitator account for {email}")
    facilitator = Facilitator(email=email, password_hash=password_hash)
    session.add(facilitator)
    try:
        session.flush()
    except IntegrityError:
        # Someone added the same email between our check and our insert: the unique constraint
        # caught it, and the caller's transaction rolls back as the error passes through.
        raise StoreError(f"there is already a facilitator account for {email}") from None
    audit(
        session=session,
        actor=actor,
        action=CREATED,
        target=email,
        detail={"facilitator_id": facilitator.id},
    )
    return facilitator.id


def create_first_facilitator(*, session: Session, email: str, password: str) -> int:
    """The first account, made from the app's set-up form by whoever opens it first.

    That form needs no sign-in, so it must refuse once any account exists, even when submitted
    from a page loaded before the first account was made, or twice at the same moment.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Serialises concurrent first-run submissions (this mode conflicts with itself) while
        # reads carry on; SQLite already serialises writers, which the count below relies on.
        session.execute(text("LOCK TABLE facilitators IN SHARE ROW EXCLUSIVE MODE"))
    if facilitator_count(session=session) > 0:
        raise StoreError("this app already has a facilitator account; sign in instead")
    facilitator_id = create_facilitator(session=session, email=email, password=password, actor="first-run")
    if facilitator_count(session=session) > 1:
        raise StoreError("this app already has a facilitator account; sign in instead")
    return facilitator_id


def facilitator_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Facilitator)) or 0)


def facilitator_email(*, session: Session, facilitator_id: int) -> str | None:
    """The account's email, or None when there is no such account (any more)."""
    return session.scalar(select(Facilitator.email).where(Facilitator.id == facilitator_id))


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything this module writes is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def list_facilitators(*, session: Session) -> list[dict[str, Any]]:
    """Every account, oldest first: id, email and created_at (ISO 8601, UTC). Never the hash."""
    rows = session.execute(
        select(Facilitator.id, Facilitator.email, Facilitator.created_at).order_by(Facilitator.id)
    )
    return [
        {"id": fid, "email": email, "created_at": _as_utc(created_at).isoformat()}
        for fid, email, created_at in rows
    ]


# --- signing in ------------------------------------------------------------------------------------


@cache
def _dummy_hash() -> str:
    # Verified against when the email is unknown, so a miss costs as long as a wrong password.
    return _hasher.hash("not a password anyone has: it only keeps the timing even")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def failures_since_success(*, session: Session, email: str) -> tuple[int, datetime | None]:
    """Failed sign-ins for this email since its last success, and when the latest one was.

    "Since" goes by the log's id, not its clock, so replicas whose clocks differ slightly still
    agree on which came first.
    """
    target = normalise_email(email)[:MAX_EMAIL_LENGTH]
    last_ok = (
        select(func.coalesce(func.max(AuditEntry.id), 0))
        .where(AuditEntry.action == SIGN_IN_OK, AuditEntry.target == target)
        .scalar_subquery()
    )
    count, latest = session.execute(
        select(func.count(), func.max(AuditEntry.at)).where(
            AuditEntry.action == SIGN_IN_FAILED, AuditEntry.target == target, AuditEntry.id > last_ok
        )
    ).one()
    return int(count or 0), None if latest is None else _as_utc(latest)


def _record_refusal(
    *, session: Session, action: str, target: str, at: datetime, detail: dict[str, Any]
) -> None:
    """Commit a refusal to the log at once, on a connection of its own.

    SignInRefused propagates out of the caller's ``with transaction(...)``, which then rolls back;
    a failure written in that transaction would vanish and the rate limit would never bite.
    Hence sign_in should be the first write of its transaction (on SQLite a second writer waits
    for the first).
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with transaction(engine) as own:
        own.add(AuditEntry(at=at, actor=SIGN_IN_ACTOR, action=action, target=target, detail=detail))


def sign_in(*, session: Session, email: str, password: str, now: datetime | None = None) -> int:
    """The facilitator's id when the email and password match; otherwise raises SignInRefused.

    After FREE_FAILURES failures in a row for an email (known or not), each further attempt must
    wait retry_delay_seconds after the latest failure; an attempt during the wait is refused
    without looking at the password, so guessing faster gains nothing.
    """
    now = _as_utc(now or utcnow())
    email = normalise_email(email)
    target = email[:MAX_EMAIL_LENGTH]

    # Locking the account's row (PostgreSQL; SQLite ignores it) makes concurrent attempts on one
    # account take turns, so each sees the failures logged before it and parallel guesses do not
    # slip past the limit together.
    account = session.execute(
        select(Facilitator.id, Facilitator.password_hash).where(Facilitator.email == email).with_for_update()
    ).one_or_none()

    failures, latest = failures_since_success(session=session, email=email)
    delay = retry_delay_seconds(failures)
    if delay > 0 and latest is not None:
        # A latest failure "in the future" (another replica's clock runs ahead) waits no longer
        # than the delay itself.
        elapsed = max((now - latest).total_seconds(), 0.0)
        wait = delay - elapsed
        if wait > 0:
            _record_refusal(
                session=session,
                action=SIGN_IN_THROTTLED,
                target=target,
                at=now,
                detail={"failures": failures, "retry_after_seconds": round(wait, 3)},
            )
            raise SignInRefused(wait_message(wait), wait, throttled=True)

    matched: tuple[int, str] | None = None  # (id, stored hash) once the password is right
    if account is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
    elif _verify(account.password_hash, password):
        matched = (int(account.id), account.password_hash)

    if matched is None:
        failures += 1
        _record_refusal(
            session=session, action=SIGN_IN_FAILED, target=target, at=now, detail={"failures": failures}
        )
        next_wait = retry_delay_seconds(failures)
        if next_wait > 0:
            raise SignInRefused(
                f"{NO_MATCH_MESSAGE} After {failures} failed attempts, wait "
                f"{describe_wait(next_wait)} before the next one.",
                next_wait,
            )
        raise SignInRefused(NO_MATCH_MESSAGE, None)

    facilitator_id, password_hash = matched
    detail: dict[str, Any] = {"facilitator_id": facilitator_id}
    if _hasher.check_needs_rehash(password_hash):
        # The hashing parameters have moved on since this hash was made; the password is at hand
        # only now, so this is the moment to upgrade it.
        stored = session.get(Facilitator, facilitator_id)
        if stored is not None:
            stored.password_hash = _hasher.hash(password)
            detail["rehashed"] = True
    session.add(AuditEntry(at=now, actor=SIGN_IN_ACTOR, action=SIGN_IN_OK, target=target, detail=detail))
    return facilitator_id
