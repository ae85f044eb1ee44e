"""Facilitator accounts: signing in, signed-in sessions, the first account, adding, listing,
changing passwords and removing accounts; and running the team from the app: administrators add,
disable, enable and reset accounts and read the audit log, and everyone changes their own password.

Every team action checks here that the actor may (an administrator who is not disabled, or the
operator at the command line) and is audited; a participant has no ``Actor`` at all.

Sign-in keeps its own bookkeeping (``assessment.auth.sign_in`` commits short transactions of its
own, so a refusal is recorded even though it propagates); everything else runs in one
transaction here. A refusal of an account is an ``assessment.errors.Refused`` fit to show; a
refused sign-in is an ``assessment.auth.SignInRefused``, which also says how long to wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from assessment import auth
from assessment.db import accounts, transaction
from assessment.db.audit import entries_page, logged_workshops, seen_names
from assessment.errors import Forbidden, Invalid
from assessment.services import CLI_OPERATOR, Actor


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
    administrator: bool = False
    # Signed in with a temporary password: they choose their own before anything else.
    must_change_password: bool = False


@dataclass(frozen=True)
class TeamMember:
    id: int
    email: str
    created_at: datetime  # UTC
    administrator: bool
    disabled_at: datetime | None  # UTC
    must_change_password: bool

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True)
class TemporaryPassword:
    """A password to show once, to the administrator who asked, and never again: only its hash is
    kept, and it must be changed at the first sign-in with it."""

    facilitator_id: int
    email: str
    password: str


@dataclass(frozen=True)
class AuditRow:
    """One facilitator action as the audit page shows it."""

    id: int
    at: datetime  # UTC
    who: str  # an account's email, "command line", or the actor as logged
    action: str
    target: str
    workshop: str | None  # the workshop's title, when the entry is about one
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditRow]
    total: int
    page: int
    pages: int
    page_size: int


@dataclass(frozen=True)
class AuditChoices:
    """What the audit page can be filtered by: (id, label) of workshops and of people."""

    workshops: list[tuple[int, str]]
    people: list[tuple[int, str]]


AUDIT_PAGE_SIZE = 50
# Who is not a facilitator: participants joining and submitting, and the sign-in bookkeeping
# (attempts by whoever typed an email). The audit page lists what facilitators did.
_NOT_FACILITATOR_ACTORS = ("join", auth.SIGN_IN_ACTOR, auth.SSO_ACTOR)


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
    if found is None:
        return None
    return SignedIn(found.facilitator_id, found.email, found.administrator, found.must_change_password)


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


# --- running the team ------------------------------------------------------------------------------


def _require_administrator(session: Any, actor: Actor, doing: str) -> None:
    if actor.facilitator_id is not None:
        auth.require_administrator(session=session, facilitator_id=actor.facilitator_id, doing=doing)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def team(*, engine: Engine, actor: Actor) -> list[TeamMember]:
    """Every account, oldest first, with whether it is an administrator or disabled; never a hash.
    Administrators only."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "see the team's accounts")
        rows = accounts.accounts(session=session)
    return [
        TeamMember(
            id=a.id,
            email=a.email,
            created_at=_utc(a.created_at) or a.created_at,
            administrator=a.administrator,
            disabled_at=_utc(a.disabled_at),
            must_change_password=a.must_change_password,
        )
        for a in rows
    ]


def add_facilitator(*, engine: Engine, actor: Actor, email: str) -> TemporaryPassword:
    """Add an account with a temporary password, returned to be shown once (administrators only;
    audited as ``facilitator.added``, without the password)."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "add facilitators")
        facilitator_id, stored, password = auth.add_with_temporary_password(
            session=session, email=email, actor=actor.audit_name
        )
    return TemporaryPassword(facilitator_id, stored, password)


def set_disabled(*, engine: Engine, actor: Actor, facilitator_id: int, disabled: bool) -> str:
    """Disable an account, ending its sessions at once, or enable it again (administrators only;
    never oneself, never the last administrator); returns its email."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "disable or enable facilitators")
        return auth.set_disabled(
            session=session,
            facilitator_id=facilitator_id,
            disabled=disabled,
            actor=actor.audit_name,
            actor_id=actor.facilitator_id,
        )


def set_administrator(*, engine: Engine, actor: Actor, facilitator_id: int, administrator: bool) -> str:
    """Make an account an administrator or no longer one (administrators only; never leaving none);
    returns its email."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "choose administrators")
        return auth.set_administrator(
            session=session,
            facilitator_id=facilitator_id,
            administrator=administrator,
            actor=actor.audit_name,
        )


def reset_password(*, engine: Engine, actor: Actor, facilitator_id: int) -> TemporaryPassword:
    """A one-time temporary password for another account, returned to be shown once; the account's
    sessions end and the password must be changed at its next sign-in (administrators only)."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "reset a facilitator's password")
        email, password = auth.reset_password(
            session=session,
            facilitator_id=facilitator_id,
            actor=actor.audit_name,
            actor_id=actor.facilitator_id,
        )
    return TemporaryPassword(facilitator_id, email, password)


def change_own_password(
    *, engine: Engine, actor: Actor, token: str, current_password: str, new_password: str
) -> str:
    """The signed-in facilitator changes their own password, giving the current one: every other
    session of theirs ends, this one (``token``) carries on. Returns their email."""
    if actor.facilitator_id is None:
        raise Forbidden("a password is changed here by the facilitator signed in; use `facilitator password`")
    signed = session_facilitator(engine=engine, token=token)
    if signed is None or signed.facilitator_id != actor.facilitator_id:
        raise Forbidden("this browser is not signed in as that facilitator; sign in again")
    try:
        # Checked as a sign-in is, with the same limit on mistakes: a browser left signed in does
        # not let anyone guess the password at leisure.
        auth.sign_in(engine=engine, email=signed.email, password=current_password)
    except auth.SignInRefused as refused:
        if refused.message.startswith(auth.NO_MATCH_MESSAGE):
            wait = refused.message.removeprefix(auth.NO_MATCH_MESSAGE).strip()
            raise Invalid(f"that is not your current password; type it again. {wait}".strip()) from None
        raise
    if current_password == new_password:
        raise Invalid("the new password is the same as the current one; choose a different one")
    with transaction(engine) as session:
        return auth.change_own_password(
            session=session, facilitator_id=actor.facilitator_id, keep_token=token, password=new_password
        )


def _who(actor: str, emails: Mapping[str, str]) -> str:
    if actor in emails:
        return emails[actor]
    if actor == CLI_OPERATOR:
        return "command line"
    if actor == "first-run":
        return "set-up form"
    if actor.startswith("facilitator:"):
        return "a removed account"
    return actor


def audit_log(
    *,
    engine: Engine,
    actor: Actor,
    workshop_id: int | None = None,
    person_id: int | None = None,
    page: int = 0,
    page_size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """Facilitators' actions from the audit log, newest first, a page at a time, optionally about
    one workshop or by one person (administrators only). Participants' own entries (joining,
    submitting) and the sign-in bookkeeping are left out; no entry holds anyone's answers.

    Being an administrator is about accounts, not cohorts: an administrator sees every entry about
    accounts, but entries about workshops, partnerships and cohorts only where they may see the
    cohort (their own, shared with them, team-wide), as on every other page."""
    page_size = max(1, min(page_size, 1000))
    page = max(0, page)
    with transaction(engine) as session:
        _require_administrator(session, actor, "read the audit log")
        workshops = logged_workshops(session=session, seen_by=actor.facilitator_id)
        seen: list[str] | None = None
        if actor.facilitator_id is not None:
            seen = [
                *(w.join_code for w in workshops),
                *(f"workshop:{w.id}" for w in workshops),
                *seen_names(session=session, facilitator_id=actor.facilitator_id),
            ]
        titles = {w.join_code: w.title for w in workshops} | {f"workshop:{w.id}": w.title for w in workshops}
        targets = None
        if workshop_id is not None:
            chosen = next((w for w in workshops if w.id == workshop_id), None)
            targets = [] if chosen is None else [chosen.join_code, f"workshop:{chosen.id}"]
        rows, total = entries_page(
            session=session,
            leave_out_actors=_NOT_FACILITATOR_ACTORS,
            actor=None if person_id is None else f"facilitator:{person_id}",
            targets=targets,
            seen_targets=seen,
            seen_action_prefix="facilitator.",
            offset=page * page_size,
            limit=page_size,
        )
        emails = {f"facilitator:{a.id}": a.email for a in accounts.accounts(session=session)}
    entries = [
        AuditRow(
            id=r.id,
            at=r.at,
            who=_who(r.actor, emails),
            action=r.action,
            target=r.target,
            workshop=titles.get(r.target),
            detail=r.detail,
        )
        for r in rows
    ]
    pages = max(1, -(-total // page_size))
    return AuditPage(entries=entries, total=total, page=page, pages=pages, page_size=page_size)


def audit_choices(*, engine: Engine, actor: Actor) -> AuditChoices:
    """The workshops and people the audit log can be filtered by (administrators only)."""
    with transaction(engine) as session:
        _require_administrator(session, actor, "read the audit log")
        workshops = [
            (w.id, f"{w.title} ({w.partnership}, {w.held_on.day} {w.held_on:%B %Y})")
            for w in logged_workshops(session=session, seen_by=actor.facilitator_id)
        ]
        people = [(a.id, a.email) for a in accounts.accounts(session=session)]
    return AuditChoices(workshops=workshops, people=people)


__all__ = [
    "AUDIT_PAGE_SIZE",
    "AuditChoices",
    "AuditPage",
    "AuditRow",
    "FacilitatorSummary",
    "NewSession",
    "SignedIn",
    "TeamMember",
    "TemporaryPassword",
    "add_facilitator",
    "audit_choices",
    "audit_log",
    "change_own_password",
    "change_password",
    "create_facilitator",
    "create_first_facilitator",
    "end_session",
    "facilitator_email",
    "list_facilitators",
    "needs_first_facilitator",
    "remove_facilitator",
    "reset_password",
    "session_facilitator",
    "set_administrator",
    "set_disabled",
    "sign_in",
    "sign_in_with_identity",
    "start_session",
    "team",
]
