"""Facilitator accounts, sign-in and signed-in sessions: argon2 password hashes, a per-account rate
limit, and sessions kept in the database.

Everything here is storage and rules, never Streamlit. The rate limit lives in the audit log,
not in process memory, because the app runs as several replicas behind a load balancer: a
guesser moved to another replica must meet the same wait.

Passwords are never stored, logged or put in an error message; only argon2 hashes are kept.

A signed-in browser holds a random session token in a cookie; the database keeps only the token's
SHA-256 (the token has 256 random bits, so a fast hash is enough: nothing can be guessed from it),
so a copy of the database signs nobody in. A session ends when it expires, when its browser signs
out, and for every browser at once when the account's password changes, the account is disabled
or the account is removed.

Running the team: the first account ever made is an administrator. Administrators add accounts
(each with a temporary password, shown once and changed at its first sign-in), disable and enable
them, reset a password to a new temporary one, and make others administrators; there is always at
least one administrator who is not disabled. A disabled account cannot sign in, by password or by
single sign-on, and every session it had has ended.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.db import accounts, audit, transaction, utcnow
from assessment.db.audit import audit_entry
from assessment.db.invitations import token_hash
from assessment.errors import Forbidden, Invalid, NotFound

MIN_PASSWORD_LENGTH = 10
# argon2 copes with long input, but nobody types more than this and it bounds the work per attempt.
MAX_PASSWORD_LENGTH = 1024
# An email is the audit log's target for every sign-in, and that column holds 200 characters.
MAX_EMAIL_LENGTH = 200
# Failures allowed in a row before each further attempt must wait.
FREE_FAILURES = 5
MAX_WAIT_SECONDS = 15 * 60

CREATED = "facilitator.created"
PASSWORD_CHANGED = "facilitator.password_changed"  # noqa: S105 (an audit action, not a password)
REMOVED = "facilitator.removed"
# What administrators do on the Team page.
ADDED = "facilitator.added"
DISABLED = "facilitator.disabled"
ENABLED = "facilitator.enabled"
PASSWORD_RESET = "facilitator.password_reset"  # noqa: S105 (an audit action, not a password)
ADMINISTRATOR_GRANTED = "facilitator.administrator_granted"
ADMINISTRATOR_REVOKED = "facilitator.administrator_revoked"
# The right password for a disabled account: refused, and not counted as a guess.
SIGN_IN_DISABLED = "sign_in.disabled"
# A temporary password: secrets.token_urlsafe of this many bytes (22 characters, 132 random bits).
TEMPORARY_PASSWORD_BYTES = 16
SIGN_IN_OK = "sign_in.ok"
SIGN_IN_FAILED = "sign_in.failed"
# An attempt refused during a wait: logged apart from failures so that a person retrying too soon
# does not lengthen their own wait (and the password was never checked, so it was not a guess).
SIGN_IN_THROTTLED = "sign_in.throttled"
SIGN_IN_ACTOR = "sign-in"
# Single sign-on: the organisation's sign-in vouched for an email, which did or did not open an
# account. Kept apart from password sign-ins, so the password rate limit never counts them.
SSO_SIGN_IN_OK = "sign_in.sso_ok"
SSO_SIGN_IN_REFUSED = "sign_in.sso_refused"
SSO_ACTOR = "single-sign-on"

# The same words for an unknown email and a wrong password, so the form cannot be used to find
# out which emails have accounts.
NO_MATCH_MESSAGE = "That email and password do not match an account. Check both and try again."
# Said only once the password has matched (or the organisation vouched for the email), so it tells
# nobody else which emails have accounts.
DISABLED_MESSAGE = (
    "This facilitator account has been disabled by an administrator of this app. "
    "Ask an administrator to enable it again."
)
LAST_ADMINISTRATOR_MESSAGE = (
    "{email} is the last administrator who is not disabled; make another facilitator an "
    "administrator first, so that someone can still run the team"
)

# A session lasts a working day: sign in before the workshop, and the projector's tab and the
# facilitator's laptop stay signed in through it, across refreshes and restarts. Then it ends,
# whatever happens to the browser.
SESSION_LIFETIME = timedelta(hours=12)
# The cookie that carries the session token (HttpOnly: no script on any page can read it).
SESSION_COOKIE = "ics_session"
SESSION_TOKEN_BYTES = 32
# A token is secrets.token_urlsafe(32): 43 characters of A-Z a-z 0-9 - _. Anything else is not
# one, and is refused before it reaches the database.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")

# Plausible, not RFC 5322: something@domain.tld, no spaces, nothing empty between the dots.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

# Default parameters (argon2id, RFC 9106 low-memory profile). When they change in a new release,
# needs_rehash tells us at the next successful sign-in and the stored hash is upgraded.
_hasher = PasswordHasher()


class SignInRefused(Forbidden):
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
        raise Invalid("; ".join(problems))
    return _hasher.hash(password)


def create_facilitator(
    *,
    session: Session,
    email: str,
    password: str,
    actor: str,
    must_change_password: bool = False,
    action: str = CREATED,
) -> int:
    """Add a facilitator account; raises Invalid, with nothing written, if anything is wrong.

    The first account ever made (whichever door makes it: the command line, the set-up form)
    is an administrator; later ones are not, until an administrator makes them one.
    """
    email = normalise_email(email)
    problem = email_problem(email)
    if problem is not None:
        raise Invalid(problem)
    password_hash = _hash_password(password=password, email=email)
    if accounts.facilitator_id_by_email(session=session, email=email) is not None:
        raise Invalid(f"there is already a facilitator account for {email}")
    administrator = accounts.facilitator_count(session=session) == 0
    facilitator_id = accounts.add_facilitator(
        session=session,
        email=email,
        password_hash=password_hash,
        administrator=administrator,
        must_change_password=must_change_password,
    )
    if facilitator_id is None:
        # Someone added the same email between our check and our insert: the unique constraint
        # caught it, and the caller's transaction rolls back as the error passes through.
        raise Invalid(f"there is already a facilitator account for {email}")
    audit(
        session=session,
        actor=actor,
        action=action,
        target=email,
        detail={"facilitator_id": facilitator_id, "administrator": administrator},
    )
    return facilitator_id


def create_first_facilitator(*, session: Session, email: str, password: str) -> int:
    """The first account, made from the app's set-up form by whoever opens it first.

    That form needs no sign-in, so it must refuse once any account exists, even when submitted
    from a page loaded before the first account was made, or twice at the same moment.
    """
    # Serialises concurrent first-run submissions; SQLite already serialises writers, which the
    # count below relies on.
    accounts.lock_accounts_for_first_run(session=session)
    if facilitator_count(session=session) > 0:
        raise Invalid("this app already has a facilitator account; sign in instead")
    facilitator_id = create_facilitator(session=session, email=email, password=password, actor="first-run")
    if facilitator_count(session=session) > 1:
        raise Invalid("this app already has a facilitator account; sign in instead")
    return facilitator_id


def _account_id(session: Session, email: str) -> int:
    account_id = accounts.facilitator_id_by_email(session=session, email=email)
    if account_id is None:
        raise NotFound(f"there is no facilitator account for {email}")
    return account_id


def change_password(
    *, session: Session, email: str, password: str, actor: str, now: datetime | None = None
) -> None:
    """Give the account a new password and end every session it has: a browser signed in with
    the old password (perhaps someone else's) must sign in again."""
    email = normalise_email(email)
    account_id = _account_id(session, email)
    password_hash = _hash_password(password=password, email=email)
    accounts.set_password_hash(session=session, facilitator_id=account_id, password_hash=password_hash)
    ended = accounts.revoke_sessions(session=session, facilitator_id=account_id, at=_as_utc(now or utcnow()))
    audit(
        session=session,
        actor=actor,
        action=PASSWORD_CHANGED,
        target=email,
        detail={"facilitator_id": account_id, "sessions_ended": ended},
    )


def remove_facilitator(
    *, session: Session, email: str, actor: str, give_cohorts_to: str | None = None
) -> None:
    """Delete the account and its sessions. Cohorts it owns need a new owner, ``give_cohorts_to``:
    they hold other people's workshops, so they are never deleted with it, nor made team-wide."""
    email = normalise_email(email)
    account_id = _account_id(session, email)
    heir_id = None
    if give_cohorts_to is not None:
        heir = normalise_email(give_cohorts_to)
        heir_id = _account_id(session, heir)
        if heir_id == account_id:
            raise Invalid(f"the cohorts of {email} must go to another account, not to {email} itself")
    successor = _successor_administrator(session, account_id, email)
    owned = accounts.owned_cohort_names(session=session, facilitator_id=account_id)
    if owned and heir_id is None:
        names = ", ".join(f"'{name}'" for name in owned)
        plural = len(owned) > 1
        raise Invalid(
            f"{email} owns the cohort{'s' if plural else ''} {names}: name the account to take "
            f"{'them' if plural else 'it'} over with --give-cohorts-to EMAIL; nothing was removed"
        )
    moved = 0
    if heir_id is not None:
        moved = accounts.give_cohorts(session=session, from_id=account_id, to_id=heir_id)
    accounts.remove_facilitator(session=session, facilitator_id=account_id)
    audit(
        session=session,
        actor=actor,
        action=REMOVED,
        target=email,
        detail={"facilitator_id": account_id, "cohorts_given": moved, "given_to": heir_id},
    )
    if successor is not None:
        accounts.set_administrator(session=session, facilitator_id=successor.id, administrator=True)
        audit(
            session=session,
            actor=actor,
            action=ADMINISTRATOR_GRANTED,
            target=successor.email,
            detail={"facilitator_id": successor.id, "because": f"{email} was the last administrator"},
        )


def _successor_administrator(session: Session, facilitator_id: int, email: str) -> accounts.Account | None:
    """Who becomes an administrator when the operator removes the last one: the oldest other
    account that is not disabled (None when another administrator remains, or no account does).
    Invalid when only disabled accounts would remain: nobody could run the team."""
    accounts.lock_administrators(session=session)
    if [a for a in accounts.enabled_administrator_ids(session=session) if a != facilitator_id]:
        return None
    leaving = accounts.account(session=session, facilitator_id=facilitator_id)
    if leaving is None or not leaving.administrator or leaving.disabled_at is not None:
        return None
    others = [a for a in accounts.accounts(session=session) if a.id != facilitator_id]
    if not others:
        return None
    enabled = [a for a in others if a.disabled_at is None]
    if not enabled:
        raise Invalid(LAST_ADMINISTRATOR_MESSAGE.format(email=email) + "; every other account is disabled")
    return enabled[0]


def facilitator_count(*, session: Session) -> int:
    return accounts.facilitator_count(session=session)


# --- running the team ------------------------------------------------------------------------------


def temporary_password() -> str:
    """A password for one person to sign in with once and then replace: random, from ``secrets``."""
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def require_administrator(*, session: Session, facilitator_id: int, doing: str) -> None:
    """Forbidden unless the account is an administrator who is not disabled."""
    found = accounts.account(session=session, facilitator_id=facilitator_id)
    if found is None or found.disabled_at is not None or not found.administrator:
        raise Forbidden(f"only an administrator can {doing}; ask one of this app's administrators")


def _existing(session: Session, facilitator_id: int, *, lock: bool = True) -> accounts.Account:
    found = accounts.account(session=session, facilitator_id=facilitator_id, lock=lock)
    if found is None:
        raise NotFound("there is no such facilitator account (it may have been removed)")
    return found


def _keep_an_administrator(session: Session, facilitator_id: int, email: str) -> None:
    """Invalid when the account is the last administrator who is not disabled."""
    accounts.lock_administrators(session=session)
    others = [a for a in accounts.enabled_administrator_ids(session=session) if a != facilitator_id]
    if not others:
        found = accounts.account(session=session, facilitator_id=facilitator_id)
        if found is not None and found.administrator and found.disabled_at is None:
            raise Invalid(LAST_ADMINISTRATOR_MESSAGE.format(email=email))


def add_with_temporary_password(*, session: Session, email: str, actor: str) -> tuple[int, str, str]:
    """An administrator adds an account: (its id, its email as stored, its temporary password).

    The password is returned once, to be shown once; only its hash is kept, and it must be changed
    at the first sign-in."""
    password = temporary_password()
    facilitator_id = create_facilitator(
        session=session, email=email, password=password, actor=actor, must_change_password=True, action=ADDED
    )
    return facilitator_id, normalise_email(email), password


def set_disabled(
    *,
    session: Session,
    facilitator_id: int,
    disabled: bool,
    actor: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> str:
    """Disable the account (ending every session it has at once) or enable it again; its email.

    Nobody disables themself, nor the last administrator who is not disabled."""
    found = _existing(session, facilitator_id)
    if disabled and actor_id == facilitator_id:
        raise Invalid("you cannot disable yourself; another administrator can")
    moment = _as_utc(now or utcnow())
    ended = 0
    if disabled:
        _keep_an_administrator(session, facilitator_id, found.email)
        if found.disabled_at is None:
            accounts.set_disabled_at(session=session, facilitator_id=facilitator_id, at=moment)
        ended = accounts.revoke_sessions(session=session, facilitator_id=facilitator_id, at=moment)
    elif found.disabled_at is not None:
        accounts.set_disabled_at(session=session, facilitator_id=facilitator_id, at=None)
    audit(
        session=session,
        actor=actor,
        action=DISABLED if disabled else ENABLED,
        target=found.email,
        detail={"facilitator_id": facilitator_id} | ({"sessions_ended": ended} if disabled else {}),
    )
    return found.email


def set_administrator(*, session: Session, facilitator_id: int, administrator: bool, actor: str) -> str:
    """Make the account an administrator, or no longer one (never the last one left); its email."""
    found = _existing(session, facilitator_id)
    if not administrator:
        _keep_an_administrator(session, facilitator_id, found.email)
    if found.administrator != administrator:
        accounts.set_administrator(
            session=session, facilitator_id=facilitator_id, administrator=administrator
        )
    audit(
        session=session,
        actor=actor,
        action=ADMINISTRATOR_GRANTED if administrator else ADMINISTRATOR_REVOKED,
        target=found.email,
        detail={"facilitator_id": facilitator_id},
    )
    return found.email


def reset_password(
    *, session: Session, facilitator_id: int, actor: str, actor_id: int | None, now: datetime | None = None
) -> tuple[str, str]:
    """A new temporary password for the account, (its email, the password), to be shown once:
    every session it had ends, any earlier password stops working, and the new one must be
    changed at the next sign-in."""
    found = _existing(session, facilitator_id)
    if actor_id == facilitator_id:
        raise Invalid("change your own password on My account, with your current password")
    password = temporary_password()
    accounts.set_password_hash(
        session=session,
        facilitator_id=facilitator_id,
        password_hash=_hash_password(password=password, email=found.email),
        must_change=True,
    )
    ended = accounts.revoke_sessions(
        session=session, facilitator_id=facilitator_id, at=_as_utc(now or utcnow())
    )
    audit(
        session=session,
        actor=actor,
        action=PASSWORD_RESET,
        target=found.email,
        detail={"facilitator_id": facilitator_id, "sessions_ended": ended},
    )
    return found.email, password


def change_own_password(
    *, session: Session, facilitator_id: int, keep_token: str, password: str, now: datetime | None = None
) -> str:
    """The signed-in facilitator's new password (the current one already checked): every other
    session of theirs ends, the one holding ``keep_token`` carries on; their email."""
    found = _existing(session, facilitator_id)
    if found.disabled_at is not None:
        raise Forbidden(DISABLED_MESSAGE)
    accounts.set_password_hash(
        session=session,
        facilitator_id=facilitator_id,
        password_hash=_hash_password(password=password, email=found.email),
        must_change=False,
    )
    ended = accounts.revoke_sessions(
        session=session,
        facilitator_id=facilitator_id,
        at=_as_utc(now or utcnow()),
        keep_hash=token_hash(keep_token),
    )
    audit(
        session=session,
        actor=f"facilitator:{facilitator_id}",
        action=PASSWORD_CHANGED,
        target=found.email,
        detail={"facilitator_id": facilitator_id, "sessions_ended": ended},
    )
    return found.email


def facilitator_email(*, session: Session, facilitator_id: int) -> str | None:
    """The account's email, or None when there is no such account (any more)."""
    return accounts.facilitator_email(session=session, facilitator_id=facilitator_id)


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything this module writes is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def list_facilitators(*, session: Session) -> list[dict[str, Any]]:
    """Every account, oldest first: id, email and created_at (ISO 8601, UTC). Never the hash."""
    return [
        {"id": a.id, "email": a.email, "created_at": _as_utc(a.created_at).isoformat()}
        for a in accounts.accounts(session=session)
    ]


# --- sessions --------------------------------------------------------------------------------------


def start_session(
    *, session: Session, facilitator_id: int, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new session for the account: (the token for the cookie, when it expires). A disabled
    (or removed) account gets none: SignInRefused.

    The account's sessions that have already ended are deleted here, so the table holds about
    as many rows as there are signed-in browsers.
    """
    found = accounts.account(session=session, facilitator_id=facilitator_id)
    if found is None:
        raise SignInRefused(NO_MATCH_MESSAGE, None)
    if found.disabled_at is not None:
        raise SignInRefused(DISABLED_MESSAGE, None)
    now = _as_utc(now or utcnow())
    accounts.forget_sessions_ended_before(session=session, facilitator_id=facilitator_id, before=now)
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    expires_at = now + SESSION_LIFETIME
    accounts.add_session(
        session=session,
        facilitator_id=facilitator_id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=expires_at,
    )
    return token, expires_at


def _plausible_token(token: object) -> bool:
    return isinstance(token, str) and _TOKEN_SHAPE.fullmatch(token) is not None


@dataclass(frozen=True)
class SessionAccount:
    """The account a live session signs in."""

    facilitator_id: int
    email: str
    administrator: bool
    must_change_password: bool


def session_account(*, session: Session, token: str, now: datetime | None = None) -> SessionAccount | None:
    """The account a live session token belongs to; None for anything else: no such token,
    expired, signed out, or its account disabled or removed."""
    if not _plausible_token(token):
        return None
    found = accounts.session_by_hash(session=session, token_hash=token_hash(token))
    if found is None or found.revoked_at is not None or found.disabled_at is not None:
        return None
    if _as_utc(found.expires_at) <= _as_utc(now or utcnow()):
        return None
    return SessionAccount(found.facilitator_id, found.email, found.administrator, found.must_change_password)


def end_session(*, session: Session, token: str, now: datetime | None = None) -> None:
    """Sign one browser out: its token opens nothing from now on. Unknown tokens are ignored."""
    if _plausible_token(token):
        accounts.revoke_session(session=session, token_hash=token_hash(token), at=_as_utc(now or utcnow()))


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
    count, latest = accounts.entries_since(
        session=session, target=target, counted=SIGN_IN_FAILED, since=SIGN_IN_OK
    )
    return count, None if latest is None else _as_utc(latest)


# --- taking turns ----------------------------------------------------------------------------------

# A flood of sign-ins must neither take the connection pool from participants saving answers nor
# slip past the limit by reading the count all at once. So each attempt writes its bookkeeping in
# one short transaction, on one connection, and attempts in one process take turns at it: however
# many arrive, sign-in holds at most one pooled connection here, for milliseconds (no argon2 runs
# inside). Turns across processes and replicas are kept by the database (see _take_turn).
_BOOKKEEPING = threading.Lock()
BOOKKEEPING_WAIT_SECONDS = 10.0
# argon2id with the default parameters needs 64 MiB and tens of milliseconds of a core for each
# check; a flood of checks at once would take the server's memory and every core. Two at a time
# keeps both bounded while a few honest sign-ins still go straight through.
_PASSWORD_CHECKS = threading.BoundedSemaphore(2)
CHECK_WAIT_SECONDS = 20.0
BUSY_WAIT_SECONDS = 5.0
BUSY_MESSAGE = "Sign-in is busy with many attempts at once. Wait a few seconds, then try again."


def _lock_key(target: str) -> int:
    # A stable signed 64-bit number per email for PostgreSQL's advisory locks (Python's hash()
    # differs between processes, and every replica must pick the same lock).
    digest = hashlib.blake2b(f"ics-readiness sign-in {target}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _take_turn(session: Session, target: str) -> None:
    """Make this transaction the only one counting and recording attempts for ``target``.

    SQLite ignores FOR UPDATE, so BEGIN IMMEDIATE takes the database's write lock before the count
    is read: another process's attempt waits until this one has written its row. On PostgreSQL a
    transaction-scoped advisory lock per email does the same, for unknown emails too (there is no
    account row to lock for them), and leaves every other write alone.
    """
    accounts.take_turn(session=session, lock_key=_lock_key(target))


@contextmanager
def _bookkeeping(engine: Engine, target: str) -> Iterator[Session]:
    if not _BOOKKEEPING.acquire(timeout=BOOKKEEPING_WAIT_SECONDS):
        raise SignInRefused(BUSY_MESSAGE, BUSY_WAIT_SECONDS, throttled=True)
    try:
        with transaction(engine) as session:
            _take_turn(session, target)
            yield session
    finally:
        _BOOKKEEPING.release()


def _check_password(password_hash: str | None, password: str) -> bool:
    """argon2 verification, a bounded number at a time and never while a connection is held."""
    if not _PASSWORD_CHECKS.acquire(timeout=CHECK_WAIT_SECONDS):
        raise SignInRefused(BUSY_MESSAGE, BUSY_WAIT_SECONDS, throttled=True)
    try:
        if password_hash is None or len(password) > MAX_PASSWORD_LENGTH:
            _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
            return False
        return _verify(password_hash, password)
    finally:
        _PASSWORD_CHECKS.release()


def _engine_of(engine: Engine | None, session: Session | None) -> Engine:
    if engine is not None:
        return engine
    if session is None:
        raise TypeError("sign_in needs the engine (or a session on it)")
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def sign_in(
    *,
    email: str,
    password: str,
    engine: Engine | None = None,
    session: Session | None = None,
    now: datetime | None = None,
) -> int:
    """The facilitator's id when the email and password match; otherwise raises SignInRefused.

    After FREE_FAILURES failures in a row for an email (known or not), each further attempt must
    wait retry_delay_seconds after the latest failure; an attempt during the wait is refused
    without looking at the password, so guessing faster gains nothing.

    Pass the engine. A ``session`` is accepted for callers that hold one, but only to find the
    database: sign-in commits its own short transactions (a refusal must be recorded even though
    it propagates out of the caller's), so the caller's must not have written yet (on SQLite it
    would hold the write lock sign-in waits for).
    """
    engine = _engine_of(engine, session)
    now = _as_utc(now or utcnow())
    email = normalise_email(email)
    target = email[:MAX_EMAIL_LENGTH]

    # 1. Count and claim, in one turn. The attempt is written as a failure before its password
    # is checked, so attempts racing it already count it: a burst of any size checks at most
    # FREE_FAILURES passwords. A success later turns its own row into the success.
    wait = 0.0
    with _bookkeeping(engine, target) as bookkeeping:
        account = accounts.credentials(session=bookkeeping, email=email)
        failures, latest = failures_since_success(session=bookkeeping, email=email)
        delay = retry_delay_seconds(failures)
        if delay > 0 and latest is not None:
            # A latest failure "in the future" (another replica's clock runs ahead) waits no
            # longer than the delay itself.
            wait = delay - max((now - latest).total_seconds(), 0.0)
        if wait > 0:
            audit_entry(
                session=bookkeeping,
                at=now,
                actor=SIGN_IN_ACTOR,
                action=SIGN_IN_THROTTLED,
                target=target,
                detail={"failures": failures, "retry_after_seconds": round(wait, 3)},
            )
            claim_id = None
        else:
            failures += 1
            claim_id = audit_entry(
                session=bookkeeping,
                at=now,
                actor=SIGN_IN_ACTOR,
                action=SIGN_IN_FAILED,
                target=target,
                detail={"failures": failures},
            )
    if claim_id is None:
        raise SignInRefused(wait_message(wait), wait, throttled=True)

    # 2. The password, with no connection or lock held: argon2 takes tens of milliseconds.
    stored_hash = None if account is None else str(account.password_hash)
    if not _check_password(stored_hash, password):
        next_wait = retry_delay_seconds(failures)
        if next_wait > 0:
            raise SignInRefused(
                f"{NO_MATCH_MESSAGE} After {failures} failed attempts, wait "
                f"{describe_wait(next_wait)} before the next one.",
                next_wait,
            )
        raise SignInRefused(NO_MATCH_MESSAGE, None)

    # 3. A match: the claimed row becomes the success, which resets the count.
    assert account is not None and stored_hash is not None
    facilitator_id = int(account.id)
    if account.disabled:
        # The right password, so not a guess: the claim becomes a refusal that counts as none.
        with transaction(engine) as done:
            accounts.change_entry(
                session=done,
                entry_id=claim_id,
                action=SIGN_IN_DISABLED,
                detail={"facilitator_id": facilitator_id},
            )
        raise SignInRefused(DISABLED_MESSAGE, None)
    detail: dict[str, Any] = {"facilitator_id": facilitator_id}
    # The hashing parameters may have moved on since this hash was made; the password is at hand
    # only now, so this is the moment to upgrade it (hashed here, outside the transaction).
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None
    with transaction(engine) as done:
        accounts.change_entry(
            session=done,
            entry_id=claim_id,
            action=SIGN_IN_OK,
            detail=detail | ({"rehashed": True} if new_hash else {}),
        )
        if new_hash is not None:
            accounts.set_password_hash(session=done, facilitator_id=facilitator_id, password_hash=new_hash)
    return facilitator_id


# --- single sign-on --------------------------------------------------------------------------------

# Claims that say the provider stands behind the email: OpenID Connect's email_verified, or, from
# Microsoft Entra ID (which sends no email_verified for work accounts), its optional claim
# xms_edov: the tenant has verified that it owns the email's domain.
_VOUCHING_CLAIMS = ("email_verified", "xms_edov")
_TRUE_WORDS = {"true", "1"}

NO_VERIFIED_EMAIL_MESSAGE = (
    "Your organisation's sign-in did not confirm an email address for you, so it cannot be "
    "matched to a facilitator account. Ask whoever runs this app to check the sign-in's set-up "
    "(the email and xms_edov optional claims, for Microsoft Entra ID)."
)


def _vouches(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUE_WORDS


def verified_email(claims: Mapping[str, object]) -> str | None:
    """The email, normalised, when the provider's claims vouch for it; otherwise None.

    Every vouching claim present must say yes (a provider that says ``email_verified: false``
    is not overruled by another claim), and at least one must be present.
    """
    email = claims.get("email")
    if not isinstance(email, str):
        return None
    email = normalise_email(email)
    if email_problem(email) is not None:
        return None
    present = [claims[name] for name in _VOUCHING_CLAIMS if name in claims]
    if not present or not all(_vouches(value) for value in present):
        return None
    return email


def no_account_message(email: str) -> str:
    return (
        f"Your organisation signed you in as {email}, but there is no facilitator account for "
        f"{email}. Ask whoever runs this app to add one with that email address."
    )


def sso_sign_in(*, engine: Engine, claims: Mapping[str, object], now: datetime | None = None) -> int:
    """The facilitator's id for the account whose email the provider vouches for (matched
    without regard to case); otherwise raises SignInRefused. Either way the attempt is audited,
    in a transaction of its own, so a refusal is recorded though it propagates."""
    now = _as_utc(now or utcnow())
    email = verified_email(claims)
    raw = claims.get("email")
    target = (email or (normalise_email(raw) if isinstance(raw, str) else "") or "(no email)")[
        :MAX_EMAIL_LENGTH
    ]
    refusal: str | None = None
    with transaction(engine) as session:
        found = None if email is None else accounts.credentials(session=session, email=email)
        account_id = None if found is None else found.id
        if email is None:
            refusal, reason = NO_VERIFIED_EMAIL_MESSAGE, "email not verified by the provider"
        elif account_id is None:
            refusal, reason = no_account_message(email), "no account with this email"
        elif found is not None and found.disabled:
            refusal, reason = DISABLED_MESSAGE, "account disabled"
        if refusal is not None:
            audit_entry(
                session=session,
                at=now,
                actor=SSO_ACTOR,
                action=SSO_SIGN_IN_REFUSED,
                target=target,
                detail={"reason": reason},
            )
        else:
            audit_entry(
                session=session,
                at=now,
                actor=SSO_ACTOR,
                action=SSO_SIGN_IN_OK,
                target=target,
                detail={"facilitator_id": account_id},
            )
    if refusal is not None or account_id is None:
        raise SignInRefused(refusal or NO_VERIFIED_EMAIL_MESSAGE, None)
    return int(account_id)
