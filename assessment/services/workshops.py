"""Workshops: what a facilitator (or the operator) may list, create, follow and step through.

Every function here is the one door for its action, called alike by the Workshops page and the
command line: it checks who acts (a facilitator sees only the cohorts they may see), validates,
runs in one transaction of its own and audits what it writes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment import limits
from assessment.cohort_admin import visible_cohorts
from assessment.db import (
    WorkshopInfo,
    audit,
    bank_for_version,
    list_partnerships,
    list_workshops,
    remove_unsubmitted_participant,
    rerate_stage,
    set_workshop_state,
    store_bank_version,
    transaction,
    unsubmitted_people,
    workshop_info,
    workshop_progress,
)
from assessment.db import create_workshop as store_workshop
from assessment.db.invitations import add_invitations, invited_people
from assessment.db.workshops import close_when_due, now, set_closing_time
from assessment.errors import Invalid, NotFound
from assessment.io import spreadsheet_text
from assessment.lifecycle import (
    RERATE_STAGES,
    State,
    Step,
    TransitionRefused,
    check_closing_time,
    deadline_passed,
    may_take,
    state_of,
)
from assessment.services import Actor, workshop_for

NO_TITLE = "Give the workshop a title: it is empty"
NO_DOMAINS = "Choose at least one domain for the workshop"
REMOVE_AFTER_REVEAL = (
    "The results have been revealed, so nobody can be removed now: hide the results first if the room "
    "must change"
)
RERATE_BY_ITS_CONTROLS = (
    "A re-rate is opened with the questions it asks, chosen on the Workshops page, and finished there"
)
NUL_IN_TITLE = "The title or round label contains a NUL character, which cannot be stored; retype it"


@dataclass(frozen=True)
class WorkshopSummary:
    """One line of the list of workshops, newest first."""

    join_code: str
    title: str
    date: str  # ISO 8601
    round: str | None
    status: str
    revealed: bool
    partnership: str
    cohort: str
    respondents: int


@dataclass(frozen=True)
class PartnershipSummary:
    id: int
    name: str
    kind: str
    cohort: str


@dataclass(frozen=True)
class ProgressView:
    """Live progress with its labels: sectors and domains by the names the bank gives them."""

    joined: int
    submitted: int
    by_sector: tuple[tuple[str, int], ...]  # (sector label, joined)
    completion: tuple[tuple[str, float], ...]  # (domain title, share answered 0..1)


def _visible_names(session: Session, actor: Actor) -> set[str] | None:
    """Names of the cohorts the actor may see; None for the operator, who may see all."""
    if actor.facilitator_id is None:
        return None
    return {c["name"] for c in visible_cohorts(session=session, facilitator_id=actor.facilitator_id)}


def visible_workshops(*, engine: Engine, actor: Actor) -> list[WorkshopSummary]:
    """The workshops of the cohorts the actor may see, newest first."""
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        rows = list_workshops(session=session)
    return [WorkshopSummary(**row) for row in rows if visible is None or row["cohort"] in visible]


def visible_partnerships(*, engine: Engine, actor: Actor) -> list[PartnershipSummary]:
    """The partnerships (not archived) of the cohorts the actor may see, by cohort and name."""
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        rows = list_partnerships(session=session)
    return [PartnershipSummary(**row) for row in rows if visible is None or row["cohort"] in visible]


def find_workshop(*, engine: Engine, actor: Actor, join_code: str) -> WorkshopInfo:
    """The workshop with this code, if the actor may see it (else NotFound, as for no workshop)."""
    with transaction(engine) as session:
        found = workshop_info(session=session, join_code=join_code)
        found = workshop_for(session=session, actor=actor, workshop_id=found.id)
    return record_close_if_due(engine=engine, workshop=found)


def record_close_if_due(*, engine: Engine, workshop: WorkshopInfo) -> WorkshopInfo:
    """Record, once, the close of a workshop whose closing time has passed (read as closed already).

    Every door that reads a workshop calls this with what it read: the state it shows is closed
    either way (``WorkshopInfo.status``), and the first to come after the deadline writes the close
    and its audit entry, ``workshop.closed_automatically``, in a transaction of its own that starts
    with the write (``close_when_due`` says why it is written once however many come at once).
    """
    if workshop.close_due:
        with transaction(engine) as session:
            close_when_due(session=session, workshop_id=workshop.id)
    return workshop


def _checked_title(title: str, round_label: str | None) -> tuple[str, str | None]:
    if "\x00" in title + (round_label or ""):
        # PostgreSQL refuses a NUL in text with an error; SQLite would keep it. Refused alike.
        raise Invalid(NUL_IN_TITLE)
    if not title.strip():
        raise Invalid(NO_TITLE)
    return limits.workshop_title_and_round(title, round_label)


def create_workshop(
    *,
    engine: Engine,
    actor: Actor,
    partnership_id: int,
    title: str,
    held_on: date,
    round_label: str | None,
    domains: Sequence[str] | None,
    anonymous: bool,
    bank_yaml: str,
    closes_at: datetime | None = None,
) -> WorkshopInfo:
    """A new draft workshop for the partnership, on this bank; ``domains`` None means all of them;
    ``closes_at`` when answering closes by itself (None: when the facilitator closes it).

    Refused (Invalid) without a title, with no domain chosen, with a closing time that has
    passed, or with text the database cannot hold; a partnership the actor may not see is
    NotFound, in the same words as a missing one.
    """
    title, round_label = _checked_title(title, round_label)
    if domains is not None and not list(domains):
        raise Invalid(NO_DOMAINS)
    if closes_at is not None:
        closes_at = check_closing_time(closes_at, now())
    with transaction(engine) as session:
        visible = _visible_names(session, actor)
        partnership = next((p for p in list_partnerships(session=session) if p["id"] == partnership_id), None)
        if partnership is None or (visible is not None and partnership["cohort"] not in visible):
            raise NotFound("that partnership does not exist or has not been shared with you")
        version = store_bank_version(session=session, yaml_text=bank_yaml)
        created = store_workshop(
            session=session,
            partnership_id=partnership_id,
            bank_version_id=version,
            title=title,
            held_on=held_on,
            round_label=round_label,
            domains=list(domains) if domains is not None else None,
            anonymous=anonymous,
            closes_at=closes_at,
        )
        detail: dict[str, str] = {"partnership": partnership["name"], "title": created.title}
        if closes_at is not None:
            detail["closes_at"] = closes_at.isoformat()
        audit(
            session=session,
            actor=actor.audit_name,
            action="workshop.created",
            target=created.join_code,
            detail=detail,
        )
    return created


CLOSING_TIME_AFTER_REVEAL = (
    "The results have been revealed, so answering will not open again: a closing time would change nothing"
)


def change_closing_time(
    *, engine: Engine, actor: Actor, workshop_id: int, closes_at: datetime | None
) -> WorkshopInfo:
    """Set when answering closes by itself, or remove it (None). Refused (Invalid) for a time that
    has passed, and once the results have been revealed. Setting one does not open or reopen the
    workshop: that stays the facilitator's step. Audited with the old and new times."""
    if closes_at is not None:
        closes_at = check_closing_time(closes_at, now())
    with transaction(engine) as session:
        # The pending close first (a write, so it comes before any read): a deadline that has
        # passed is recorded as the close it was before a new time is set.
        close_when_due(session=session, workshop_id=workshop_id)
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        if workshop.revealed:
            raise Invalid(CLOSING_TIME_AFTER_REVEAL)
        set_closing_time(session=session, workshop_id=workshop.id, closes_at=closes_at)
        audit(
            session=session,
            actor=actor.audit_name,
            action="workshop.closing_time",
            target=workshop.join_code,
            detail={
                "from": workshop.closes_at.isoformat() if workshop.closes_at else None,
                "to": closes_at.isoformat() if closes_at else None,
            },
        )
        return workshop_info(session=session, workshop_id=workshop.id)


def progress(*, engine: Engine, actor: Actor, workshop_id: int) -> ProgressView:
    """Live counts for the facilitator's screen, straight from the database (no process memory)."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        counts = workshop_progress(
            session=session, workshop_id=workshop.id, bank=bank, domains=list(workshop.domains)
        )
    sectors = {s.id: s.label for s in bank.sectors}
    return ProgressView(
        joined=counts.joined,
        submitted=counts.submitted,
        by_sector=tuple((sectors.get(s, s), n) for s, n in counts.by_sector.items()),
        completion=tuple((bank.domain(d).title, share) for d, share in counts.completion.items()),
    )


@dataclass(frozen=True)
class WaitingView:
    """Someone who joined and has not submitted, as the facilitator's screen lists them."""

    id: int
    label: str
    sector: str  # the sector's label
    answered: str  # "3 of 40 questions"
    joined_at: datetime
    last_answer_at: datetime | None


def not_submitted(*, engine: Engine, actor: Actor, workshop_id: int) -> list[WaitingView]:
    """Who joined and has not submitted (their answers do not count), fewest answers first.

    How far each got, never what they answered: the facilitator can tell an abandoned join (a
    second device, a tab left behind) from someone still answering.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        people = unsubmitted_people(session=session, workshop_id=workshop.id)
    questions = sum(len(bank.domain(d).items) for d in workshop.domains)
    sectors = {s.id: s.label for s in bank.sectors}
    return [
        WaitingView(
            id=p.id,
            label=p.label,
            sector=sectors.get(p.sector, p.sector),
            answered=f"{p.answered} of {questions} question{'' if questions == 1 else 's'}",
            joined_at=p.joined_at,
            last_answer_at=p.last_answer_at,
        )
        for p in people
    ]


def remove_participant(*, engine: Engine, actor: Actor, workshop_id: int, participant_id: int) -> str:
    """Remove someone who joined and has not submitted, with their answers, before the reveal.

    For a join left behind (the same person on a second device, a tab nobody came back to), so
    the joined count is the room. Only before the reveal, only someone who has not submitted,
    and audited with who it was (label and sector, never an answer). Returns the label.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        if workshop.revealed:
            raise Invalid(REMOVE_AFTER_REVEAL)
        person = remove_unsubmitted_participant(
            session=session, workshop_id=workshop.id, participant_id=participant_id
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="participant.removed",
            target=workshop.join_code,
            detail={"label": person.label, "sector": person.sector, "answered": person.answered},
        )
    return person.label


def take_step(*, engine: Engine, actor: Actor, workshop_id: int, step: Step) -> State:
    """Move the workshop one step through its lifecycle (``assessment.lifecycle``) and audit it.

    A facilitator acts only on workshops of cohorts they can see; the operator acts on any. A step
    the lifecycle refuses is Invalid, saying why, and changes nothing. The re-rate's own steps
    ("rerate", "finish") go through ``assessment.services.rerate``, which chooses its questions.
    """
    if step in ("rerate", "finish"):
        raise Invalid(RERATE_BY_ITS_CONTROLS)
    with transaction(engine) as session:
        # A closing time that has passed is recorded as the close first: the step then starts from
        # the state the room has been in since, and a close by hand at the same moment as the
        # clock's is one close, never two (``close_when_due``).
        close_when_due(session=session, workshop_id=workshop_id)
        # the same words whether the workshop is someone else's or missing
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        stage = rerate_stage(session=session, workshop_id=workshop.id)
        rerate = next(s for s in RERATE_STAGES if s == stage)
        here = state_of(workshop.status, workshop.revealed, rerate)
        if step == "close" and here.status == "closed" and deadline_passed(workshop.closes_at, now()):
            # Closing by hand as the clock closes it: what was asked has happened, once.
            return here
        try:
            following = may_take(
                state_of(workshop.status, workshop.revealed, rerate), step, workshop.closes_at, now()
            )
        except TransitionRefused as exc:
            raise Invalid(str(exc)) from None
        set_workshop_state(
            session=session,
            workshop_id=workshop_id,
            actor=actor.audit_name,
            status=following.status if following.status != workshop.status else None,
            revealed=following.revealed if following.revealed != workshop.revealed else None,
        )
    return following


# --- invitations ------------------------------------------------------------------------------------

MAX_INVITATIONS = 500  # in one batch: a partnership's board and its wider teams, with room to spare
INVITE_AFTER_CLOSE = (
    "Answering has closed for this workshop, so an invitation could not be used: reopen it first"
)
NO_PEOPLE = "Type at least one name or email address, one per line"
_ANGLED = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]+)>\s*$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True)
class Invitee:
    name: str | None
    email: str | None

    @property
    def known_as(self) -> str:
        return self.name or self.email or ""


def read_invitees(text: str) -> list[Invitee]:
    """The people a facilitator typed or uploaded, one per line: "Name", "name@example.org",
    "Name <name@example.org>", or "Name, name@example.org" (a CSV file's rows; a header row of
    "name" and "email" is skipped). Refused (Invalid) with the line, for an address that is not
    one, text too long to store, a person given twice, or more than MAX_INVITATIONS."""
    people: list[Invitee] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.replace("\x00", ""))), start=1):
        cells = [c.strip() for c in cells if c.strip()]
        if not cells:
            continue
        if number == 1 and [c.lower() for c in cells[:2]] in (["name", "email"], ["name"], ["email"]):
            continue
        name: str | None
        email: str | None
        angled = _ANGLED.match(cells[0]) if len(cells) == 1 else None
        if angled:
            name, email = angled["name"].strip() or None, angled["email"].strip()
        else:
            emails = [c for c in cells[:2] if "@" in c]
            names = [c for c in cells[:2] if "@" not in c]
            email = emails[0] if emails else None
            name = names[0] if names else None
            if len(emails) > 1:
                problems.append(f"line {number}: give one email address, not two")
                continue
        if email is not None and not _EMAIL.match(email):
            problems.append(f"line {number}: '{email}' is not an email address")
            continue
        try:
            if name is not None:
                name = limits.checked_text(name, what="a name", limit=limits.DISPLAY_NAME_CHARS)
            if email is not None:
                email = limits.checked_text(email, what="an email address", limit=limits.EMAIL_CHARS)
        except Invalid as exc:
            problems.append(f"line {number}: {exc}")
            continue
        key = (email or name or "").casefold()
        if key in seen:
            problems.append(f"line {number}: the same person as line {seen[key]}")
            continue
        seen[key] = number
        people.append(Invitee(name, email))
    if problems:
        raise Invalid(
            "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        )
    if not people:
        raise Invalid(NO_PEOPLE)
    if len(people) > MAX_INVITATIONS:
        raise Invalid(
            f"{len(people)} people is more than {MAX_INVITATIONS} in one go: invite them in batches"
        )
    return people


def invitation_link(join_address: str, join_code: str, token: str) -> str:
    """The link that admits one person: the join page, the workshop's code and their token."""
    return f"{join_address}?{urlencode({'code': join_code, 'invite': token})}"


@dataclass(frozen=True)
class InvitationBatch:
    """Invitations just made: each person's link, shown and downloadable now and never again (only
    the tokens' hashes are kept)."""

    join_code: str
    rows: tuple[tuple[str, str, str], ...]  # (name, email, link), blanks as ""

    def csv_text(self) -> str:
        """name,email,link for a mail merge, every cell safe to open in a spreadsheet."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["name", "email", "link"])
        for row in self.rows:
            writer.writerow([spreadsheet_text(cell, xlsx=False) for cell in row])
        return out.getvalue()


def invite(
    *, engine: Engine, actor: Actor, workshop_id: int, people_text: str, join_address: str
) -> InvitationBatch:
    """One invitation, with its own link, for each person in ``people_text`` (``read_invitees``).

    While the workshop is a draft or open. In a named workshop each invitation keeps the person's
    name and email, so the facilitator sees who has not finished; in an anonymous one it keeps
    neither (assessment/db/invitations.py says why). Audited with how many, never who.
    """
    people = read_invitees(people_text)
    with transaction(engine) as session:
        close_when_due(session=session, workshop_id=workshop_id)
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        if workshop.status == "closed":
            raise Invalid(INVITE_AFTER_CLOSE)
        kept = [(None, None) if workshop.anonymous else (p.name, p.email) for p in people]
        tokens = add_invitations(session=session, workshop_id=workshop.id, people=kept)
        audit(
            session=session,
            actor=actor.audit_name,
            action="workshop.invited",
            target=workshop.join_code,
            detail={"invitations": len(tokens)},
        )
    return InvitationBatch(
        join_code=workshop.join_code,
        rows=tuple(
            (p.name or "", p.email or "", invitation_link(join_address, workshop.join_code, token))
            for p, token in zip(people, tokens, strict=True)
        ),
    )


@dataclass(frozen=True)
class InvitationProgress:
    """How far the invited people have got. Names only in a named workshop; in an anonymous one
    ``not_finished`` is empty and only the counts are given."""

    anonymous: bool
    invited: int
    joined: int
    submitted: int
    not_finished: tuple[tuple[str, str], ...]  # (name or email, "not opened yet" / "joined, not submitted")


def invitation_progress(*, engine: Engine, actor: Actor, workshop_id: int) -> InvitationProgress:
    """For the facilitator: invited, joined and submitted counts, and in a named workshop who has
    not finished. Nothing here is reachable with a participant's token."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        people = invited_people(session=session, workshop_id=workshop.id)
    waiting: tuple[tuple[str, str], ...] = ()
    if not workshop.anonymous:
        waiting = tuple(
            (p.name or p.email or "", "joined, not submitted" if p.joined else "not opened yet")
            for p in people
            if not p.submitted
        )
    return InvitationProgress(
        anonymous=workshop.anonymous,
        invited=len(people),
        joined=sum(p.joined for p in people),
        submitted=sum(p.submitted for p in people),
        not_finished=waiting,
    )


__all__ = [
    "MAX_INVITATIONS",
    "InvitationBatch",
    "InvitationProgress",
    "Invitee",
    "PartnershipSummary",
    "ProgressView",
    "WaitingView",
    "WorkshopSummary",
    "change_closing_time",
    "create_workshop",
    "find_workshop",
    "invitation_link",
    "invitation_progress",
    "invite",
    "not_submitted",
    "progress",
    "read_invitees",
    "record_close_if_due",
    "remove_participant",
    "take_step",
    "visible_partnerships",
    "visible_workshops",
]
