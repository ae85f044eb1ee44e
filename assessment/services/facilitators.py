"""Facilitator accounts: signing in, signed-in sessions, the first account, adding, listing,
changing passwords and removing accounts.

Sign-in keeps its own bookkeeping (``assessment.auth.sign_in`` commits short transactions of its
own, so a refusal is recorded even though it propagates); everything else runs in one
transaction here. A refusal of an account is an ``assessment.errors.Refused`` fit to show; a
refused sign-in is an ``assessment.auth.SignInRefused``, which also says how long to wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from assessment import auth
from assessment.db import transaction
from assessment.errors import Forbidden
from assessment.services import Actor


@dataclass(frozen=True)
class FacilitatorSummary:
    id: int
    email: str
    created_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class NewSession:
    """A session just started: its token goes into the browser's cookie and nowhere else."""

    token: str
    expires_at: datetime
    max_age_seconds: int


@dataclass(frozen=True)
class SignedIn:
    facilitator_id: int
    email: str


def sign_in(*, engine: Engine, email: str, password: str) -> int:
    """The facilitator's id when the email and password match; otherwise ``auth.SignInRefused``."""
    return auth.sign_in(engine=engine, email=email, password=password)


def sign_in_with_identity(*, engine: Engine, claims: Mapping[str, object]) -> int:
    """The facilitator's id for the account whose email the organisation's sign-in vouches for
    (single sign-on); otherwise ``auth.SignInRefused``, saying why. Audited either way."""
    return auth.sso_sign_in(engine=engine, claims=claims)


def start_session(*, engine: Engine, facilitator_id: int, now: datetime | None = None) -> NewSession:
    """A signed-in session for the facilitator who has just proved their password."""
    with transaction(engine) as session:
        token, expires_at = auth.start_session(session=session, facilitator_id=facilitator_id, now=now)
    return NewSession(token, expires_at, int(auth.SESSION_LIFETIME.total_seconds()))


def session_facilitator(*, engine: Engine, token: str, now: datetime | None = None) -> SignedIn | None:
    """Who a session token signs in, checked in the database every time: None once it has expired,
    been signed out or had its account's password changed, or the account is gone."""
    with transaction(engine) as session:
        found = auth.session_account(session=session, token=token, now=now)
    return None if found is None else SignedIn(*found)


def end_session(*, engine: Engine, token: str, now: datetime | None = None) -> None:
    """Sign out the browser holding ``token``."""
    with transaction(engine) as session:
        auth.end_session(session=session, token=token, now=now)


def facilitator_email(*, engine: Engine, facilitator_id: int) -> str | None:
    """The account's email, or None when there is no such account (any more)."""
    with transaction(engine) as session:
        return auth.facilitator_email(session=session, facilitator_id=facilitator_id)


def needs_first_facilitator(*, engine: Engine) -> bool:
    """True on a brand-new installation: nobody has an account yet."""
    with transaction(engine) as session:
        return auth.facilitator_count(session=session) == 0


def create_first_facilitator(*, engine: Engine, email: str, password: str) -> int:
    """The first account, from the set-up form anyone may open: refused once any account exists."""
    with transaction(engine) as session:
        return auth.create_first_facilitator(session=session, email=email, password=password)


def create_facilitator(*, engine: Engine, actor: Actor, email: str, password: str) -> str:
    """Add an account (the operator's to do) and return its email as stored."""
    if not actor.is_operator:
        raise Forbidden("only the operator can add facilitator accounts, with `facilitator add`")
    with transaction(engine) as session:
        auth.create_facilitator(session=session, email=email, password=password, actor=actor.audit_name)
    return auth.normalise_email(email)


def change_password(*, engine: Engine, actor: Actor, email: str, password: str) -> str:
    """Set a new password (the operator's to do) and sign the account out everywhere; returns the
    email as stored."""
    if not actor.is_operator:
        raise Forbidden("only the operator can change a facilitator's password, with `facilitator password`")
    with transaction(engine) as session:
        auth.change_password(session=session, email=email, password=password, actor=actor.audit_name)
    return auth.normalise_email(email)


def remove_facilitator(
    *, engine: Engine, actor: Actor, email: str, give_cohorts_to: str | None = None
) -> str:
    """Remove an account (the operator's to do), ending its sessions; its cohorts, if any, go to
    the account ``give_cohorts_to``. Returns the email removed."""
    if not actor.is_operator:
        raise Forbidden("only the operator can remove facilitator accounts, with `facilitator remove`")
    with transaction(engine) as session:
        auth.remove_facilitator(
            session=session, email=email, actor=actor.audit_name, give_cohorts_to=give_cohorts_to
        )
    return auth.normalise_email(email)


def list_facilitators(*, engine: Engine, actor: Actor) -> list[FacilitatorSummary]:
    """Every account, oldest first; never a password hash."""
    if not actor.is_operator:
        raise Forbidden("only the operator can list facilitator accounts")
    with transaction(engine) as session:
        rows = auth.list_facilitators(session=session)
    return [FacilitatorSummary(id=r["id"], email=r["email"], created_at=r["created_at"]) for r in rows]


__all__ = [
    "FacilitatorSummary",
    "NewSession",
    "SignedIn",
    "change_password",
    "create_facilitator",
    "create_first_facilitator",
    "end_session",
    "facilitator_email",
    "list_facilitators",
    "needs_first_facilitator",
    "remove_facilitator",
    "session_facilitator",
    "sign_in",
    "sign_in_with_identity",
    "start_session",
]
