"""Facilitator accounts: signing in, the first account, adding and listing accounts.

Sign-in keeps its own bookkeeping (``assessment.auth.sign_in`` commits short transactions of its
own, so a refusal is recorded even though it propagates); everything else runs in one
transaction here. A refusal of an account is an ``assessment.errors.Refused`` fit to show; a
refused sign-in is an ``assessment.auth.SignInRefused``, which also says how long to wait.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def sign_in(*, engine: Engine, email: str, password: str) -> int:
    """The facilitator's id when the email and password match; otherwise ``auth.SignInRefused``."""
    return auth.sign_in(engine=engine, email=email, password=password)


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


def list_facilitators(*, engine: Engine, actor: Actor) -> list[FacilitatorSummary]:
    """Every account, oldest first; never a password hash."""
    if not actor.is_operator:
        raise Forbidden("only the operator can list facilitator accounts")
    with transaction(engine) as session:
        rows = auth.list_facilitators(session=session)
    return [FacilitatorSummary(id=r["id"], email=r["email"], created_at=r["created_at"]) for r in rows]


__all__ = [
    "FacilitatorSummary",
    "create_facilitator",
    "create_first_facilitator",
    "facilitator_email",
    "list_facilitators",
    "needs_first_facilitator",
    "sign_in",
]
