"""A participant's way through a workshop: the join code, joining, answering, submitting, and the
team picture once it is revealed.

A participant has no account: the resume token in their page's address names one participant of
one workshop, so every service here takes that token, and nothing it returns reaches beyond that
workshop.

**Wrong join codes.** A correct code is always let in at once: the code is looked up first, and
only a wrong one waits. The wait is the answer to that wrong code being held back (by the page),
so a guesser cannot try faster than the answers come, while someone who mistyped and then types the
right code is never kept out.

Two counts set the hold. The session's own wrong codes slow a person, or a script, that keeps
guessing in one session. The database's count per network address, which every session and
replica shares, adds a short fixed hold while that address has sent many wrong codes recently: a
mild brake on a guesser who opens a fresh session for every try. It must stay mild because a room
behind one address (a venue's network, the load balancer) shares the count.

Why mild is enough: a code is 8 characters from a 31-letter alphabet, 31^8 = 852,891,037,441
codes. Even a guesser who kept 100 guesses a second going (a hundred parallel sessions, each held
3 s a wrong code once the address is busy) against 100 workshops open at once would need on
average 852,891,037,441 / 100 / 100 s, about 2.7 years, for one hit; and a hit only makes them one
more participant, whom the facilitator sees in the joined count.

**Reads before writes.** On SQLite a transaction is checked against what it read, so a write that
must see everything committed before it (joining takes the next label, saving merges into the
stored answer) starts its transaction with the lock (``add_participant``, ``save_answer_change``)
and reads only after. What those writes need first, the workshop a code or a token names, is read
on its own just before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.answers import AnswerChange
from assessment.db import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    AnsweringClosed,
    AnswerNotComplete,
    ParticipantInfo,
    StoredAnswer,
    WorkshopInfo,
    add_participant,
    audit,
    bank_for_version,
    change_stamp,
    participant_at_work,
    participant_by_token,
    participant_stored_answers,
    participant_submitted,
    save_answer_change,
    submit_participant,
    transaction,
    utcnow,
    workshop_info,
)
from assessment.db.answers import WithdrawnPerson, delete_participant, lock_participant_and_workshop
from assessment.db.audit import latest_entry_times
from assessment.db.invitations import InvitationRow, invitation_by_token, tie_invitation
from assessment.errors import Forbidden, Invalid, NotFound, Refused
from assessment.framework import MaturityItem, QuestionBank
from assessment.limits import AUDIT_TARGET_CHARS, DISPLAY_NAME_CHARS, ROLE_CHARS, checked_text
from assessment.presenting import ResultsModel
from assessment.results import score_stored_workshop
from assessment.services.results import results_model
from assessment.services.workshops import record_close_if_due

# Wrong codes one session may send before their answers are held back: people mistype.
FREE_TRIES = 3
# Then the hold doubles from one second up to this, per session.
SESSION_HOLD_CAP_SECONDS = 8.0

JOIN_FAILED = "join.failed"
JOIN_ACTOR = "join"
# Wrong codes from one address within the window after which every further wrong code from it is
# held SHARED_HOLD_SECONDS, whichever session sends it. Fixed, never growing: the room shares it.
SHARED_FREE_TRIES = 60
SHARED_WINDOW = timedelta(minutes=10)
SHARED_HOLD_SECONDS = 3.0

# secrets.token_urlsafe's alphabet, at most the column's width: anything else is no token we made
# (and a NUL in it would even be an error on PostgreSQL).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")

NOT_A_LINK = "this link is not valid"
NOT_AN_INVITATION = (
    "this invitation link is not valid: check it is the whole link from your invitation, or ask the "
    "facilitator for the workshop's join code"
)


# --- join codes, as people type them --------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """Codes are read aloud and typed on phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")


def looks_like_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(ch in JOIN_CODE_ALPHABET for ch in code)


def wrong_code_hold_seconds(*, session_failures: int, shared_recent: int) -> float:
    """How long to hold back the answer to a wrong code, given this session's wrong codes before
    it and the address's wrong codes within SHARED_WINDOW (this one included)."""
    own = 0.0
    if session_failures >= FREE_TRIES:
        own = min(2.0 ** (session_failures - FREE_TRIES), SESSION_HOLD_CAP_SECONDS)
    shared = SHARED_HOLD_SECONDS if shared_recent > SHARED_FREE_TRIES else 0.0
    return max(own, shared)


class WrongCode(NotFound):
    """No workshop has this code. ``counted`` says whether it was a guess that could have matched
    (and was counted against the address); ``hold_seconds`` how long its answer is held back."""

    def __init__(self, code: str, *, counted: bool, hold_seconds: float) -> None:
        super().__init__(f"there is no workshop with the code {code}")
        self.code = code
        self.counted = counted
        self.hold_seconds = hold_seconds


@dataclass(frozen=True)
class JoinableWorkshop:
    """What the join page shows before someone joins: no more than the code already tells."""

    join_code: str
    title: str
    partnership: str
    status: str
    anonymous: bool
    anonymity_threshold: int
    sectors: tuple[tuple[str, str], ...]  # (id, label), in the bank's order
    closes_at: datetime | None = None  # when answering closes by itself (UTC)


def workshop_to_join(
    *, engine: Engine, join_code: str, address: str, earlier_wrong_codes: int = 0
) -> JoinableWorkshop:
    """The workshop a typed code names, or WrongCode.

    A code that could match but does not is counted against ``address`` (every session and replica
    sees the count); ``earlier_wrong_codes`` is the asking session's own count before this one.
    A right code writes nothing.
    """
    workshop, bank = _found(
        engine=engine, join_code=join_code, address=address, earlier_wrong_codes=earlier_wrong_codes
    )
    record_close_if_due(engine=engine, workshop=workshop)
    return JoinableWorkshop(
        join_code=workshop.join_code,
        title=workshop.title,
        partnership=workshop.partnership,
        status=workshop.status,
        anonymous=workshop.anonymous,
        anonymity_threshold=bank.anonymity_threshold,
        sectors=tuple((s.id, s.label) for s in bank.sectors),
        closes_at=workshop.closes_at,
    )


def _joiner_text(role: str, display_name: str | None) -> tuple[str, str | None]:
    """A joining person's role and name (None when not given), as they are stored; refused in
    words when too long, or holding a NUL (PostgreSQL refuses one with an error; SQLite would keep
    it)."""
    if "\x00" in role + (display_name or ""):
        what = "role" if display_name is None else "role or name"
        raise Invalid(f"Your {what} contains a NUL character, which cannot be stored")
    try:
        role = checked_text(role, what="your role", limit=ROLE_CHARS, required=False)
        name = (
            checked_text(display_name or "", what="your name", limit=DISPLAY_NAME_CHARS, required=False)
            or None
        )
    except Refused as exc:
        raise Invalid(str(exc)) from None
    return role, name


def _refuse_unless_open(workshop: WorkshopInfo) -> None:
    """A join reads the workshop's state under its lock: one closed a moment ago takes nobody."""
    if workshop.status != "open":
        raise Invalid(
            "this workshop has not opened yet"
            if workshop.status == "draft"
            else "this workshop is closed for answers"
        )


def join_workshop(
    *,
    engine: Engine,
    join_code: str,
    sector: str,
    role: str,
    display_name: str | None,
    address: str,
) -> str:
    """Add a participant to the open workshop ``join_code`` names; returns their resume token.

    Refused (nothing added) for a wrong code (counted as ``workshop_to_join`` counts it), a
    workshop not open for answers, a sector not in its bank, a NUL or over-long role or name, and
    a workshop that records names when no name is given.
    """
    role, name = _joiner_text(role, display_name)
    found, _ = _found(engine=engine, join_code=join_code, address=address, earlier_wrong_codes=0)
    with transaction(engine) as session:
        # The lock first (add_participant takes it), then the rules, read under it: a workshop
        # closed a moment ago takes nobody, and a refusal here rolls the join back.
        participant = add_participant(
            session=session, workshop_id=found.id, sector=sector, role=role, display_name=name
        )
        workshop = workshop_info(session=session, workshop_id=found.id)
        _refuse_unless_open(workshop)
        if not workshop.anonymous and name is None:
            raise Invalid("your name is missing, and this workshop records names")
        audit(
            session=session,
            actor=JOIN_ACTOR,
            action="participant.joined",
            target=f"workshop:{workshop.id}",
            detail={"label": participant.label},
        )
    return participant.resume_token


def _found(
    *, engine: Engine, join_code: str, address: str, earlier_wrong_codes: int
) -> tuple[WorkshopInfo, QuestionBank]:
    """The workshop a typed code names and its bank; or WrongCode, after counting a code that
    could have matched against the address."""
    code = normalise_code(join_code)
    if not looks_like_code(code):
        # a malformed code is no guess at all: not counted, not held
        raise WrongCode(code, counted=False, hold_seconds=0.0)
    with transaction(engine) as session:
        try:
            workshop = workshop_info(session=session, join_code=code)
        except NotFound:
            # The code typed is not kept: it is not needed to count, and a near-miss of a real
            # code would be a clue in the log.
            address = address[:AUDIT_TARGET_CHARS] or "local"
            audit(session=session, actor=JOIN_ACTOR, action=JOIN_FAILED, target=address)
            session.flush()
            shared_recent = _recent_wrong_codes(session=session, address=address)
        else:
            return workshop, bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    hold = wrong_code_hold_seconds(session_failures=earlier_wrong_codes, shared_recent=shared_recent)
    raise WrongCode(code, counted=True, hold_seconds=hold)


def _recent_wrong_codes(*, session: Session, address: str) -> int:
    """Wrong codes from ``address`` within SHARED_WINDOW, counted up to SHARED_FREE_TRIES + 1
    (enough to know whether the brake is on; the log may hold many more)."""
    since = utcnow() - SHARED_WINDOW
    recent = latest_entry_times(
        session=session, action=JOIN_FAILED, target=address, limit=SHARED_FREE_TRIES + 1
    )
    return sum(1 for at in recent if at >= since)


# --- answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantSession:
    """Everything the answer page draws from, read at one moment."""

    participant_id: int
    label: str
    workshop_id: int
    title: str
    partnership: str
    status: str  # draft, open or closed
    revealed: bool
    domains: tuple[str, ...]
    bank: QuestionBank
    revision: int  # the participant's answer revision these answers were read at
    stored: Mapping[str, StoredAnswer]  # item id -> the stored answer
    submitted: bool
    closes_at: datetime | None = None  # when answering closes by itself (UTC)

    @property
    def answering(self) -> bool:
        """Whether the workshop takes answers now."""
        return self.status == "open"

    def answered(self, domain_id: str) -> tuple[int, int]:
        """How many of the domain's questions have an answer, of how many."""
        items = self.bank.domain(domain_id).items
        return sum(1 for i in items if i.id in self.stored), len(items)

    def unanswered(self) -> list[tuple[str, str]]:
        """(domain title, question) of every question without an answer yet, in the bank's order."""
        return [
            (self.bank.domain(d).title, item.text)
            for d in self.domains
            for item in self.bank.domain(d).items
            if item.id not in self.stored
        ]

    def own_profile(self) -> list[OwnDomain]:
        """The participant's own maturity answers averaged per domain (don't-knows left out)."""
        profile = []
        for domain_id in self.domains:
            domain = self.bank.domain(domain_id)
            answers = [
                self.stored[i.id].answer
                for i in domain.items
                if isinstance(i, MaturityItem) and i.id in self.stored
            ]
            rated = [a for a in answers if not a.dont_know and a.current is not None and a.target is not None]
            profile.append(
                OwnDomain(
                    title=domain.title,
                    now=sum(a.current or 0 for a in rated) / len(rated) if rated else None,
                    target=sum(a.target or 0 for a in rated) / len(rated) if rated else None,
                )
            )
        return profile


@dataclass(frozen=True)
class OwnDomain:
    title: str
    now: float | None
    target: float | None


def participant_session(*, engine: Engine, token: str) -> ParticipantSession:
    """The participant ``token`` names, their workshop and their answers; NotFound otherwise.

    Every rerun of the answer page reads this, so it is two statements (three the first time a
    bank is seen): the participant with their workshop, revision and submission in one, then their
    answers. The revision is read before the answers, so the page never claims to have drawn a
    revision newer than the answers it drew."""
    with transaction(engine) as session:
        found = participant_at_work(session=session, token=token) if TOKEN_SHAPE.fullmatch(token) else None
        if found is None:
            raise NotFound(NOT_A_LINK)
        workshop = found.workshop
        seen = ParticipantSession(
            participant_id=found.participant.id,
            label=found.participant.label,
            workshop_id=workshop.id,
            title=workshop.title,
            partnership=workshop.partnership,
            status=workshop.status,
            revealed=workshop.revealed,
            domains=workshop.domains,
            bank=bank_for_version(
                session=session, bank_version_id=workshop.bank_version_id, content_hash=found.content_hash
            ),
            revision=found.revision,
            stored=participant_stored_answers(session=session, participant_id=found.participant.id),
            submitted=found.submitted,
            closes_at=workshop.closes_at,
        )
    record_close_if_due(engine=engine, workshop=workshop)
    return seen


@dataclass(frozen=True)
class _Answering:
    """What a token names for saving: none of it ever changes once the participant has joined."""

    participant_id: int
    bank: QuestionBank
    domains: tuple[str, ...]


@lru_cache(maxsize=4096)
def _answering(engine: Engine, token: str) -> _Answering:
    # Kept per process, so a save's transaction starts with the participant's lock and reads
    # nothing before it. A token that names nobody raises, which lru_cache never keeps; a
    # participant deleted since is refused by the save itself.
    with transaction(engine) as session:
        participant, workshop = token_owner(session=session, token=token)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        return _Answering(participant.id, bank, workshop.domains)


def save_answer(*, engine: Engine, token: str, change: AnswerChange) -> StoredAnswer:
    """Merge one change into the participant's stored answer; returns what is stored afterwards.

    Refused with AnsweringClosed when the workshop is not open or its closing time has passed,
    AnswerNotComplete when a level is still missing, another Refused for an answer the bank does
    not allow or a token that names nobody. A database error (unreachable, read-only) is not a
    refusal and is raised as it is.

    The closing time is read under the save's locks, after the stored status: a save checked
    before the deadline is kept (a close recorded at the same moment waits for it to commit), one
    checked at or after it is refused and rolled back, whether or not the close is recorded yet.
    """
    answering = _answering(engine, token)
    with transaction(engine) as session:
        return save_answer_change(
            session=session,
            participant_id=answering.participant_id,
            change=change,
            bank=answering.bank,
            domains=list(answering.domains),
        )


def submit(*, engine: Engine, token: str) -> None:
    """Mark the participant's answers as submitted (again: the first time is kept). They may still
    change them while the workshop is open; once it is not, submitting is refused like a save."""
    with transaction(engine) as session:
        participant, workshop = token_owner(session=session, token=token)
        if workshop.status != "open":
            raise AnsweringClosed("answering has closed for this workshop; your last saved answers are kept")
        if not participant_submitted(session=session, participant_id=participant.id):
            submit_participant(session=session, participant_id=participant.id)
            audit(
                session=session,
                actor=JOIN_ACTOR,
                action="participant.submitted",
                target=f"workshop:{participant.workshop_id}",
                detail={"label": participant.label},
            )


# --- invitations --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationToJoin:
    """What an invitation link names, as the join page needs it: the workshop's code, the name
    the invitation was made for (a named workshop only), and whether it has admitted someone
    already (then it admits nobody else and leads to nobody's answers)."""

    join_code: str
    name: str | None
    used: bool


INVITATION_USED = (
    "this invitation has been used already: carry on on the device you joined with, or open the "
    "personal resume link your answer page gave you"
)


def _invitation(session: Session, token: str) -> InvitationRow:
    found = invitation_by_token(session=session, token=token) if TOKEN_SHAPE.fullmatch(token) else None
    if found is None:
        raise NotFound(NOT_AN_INVITATION)
    return found


def invitation_to_join(*, engine: Engine, token: str) -> InvitationToJoin:
    """The invitation a link's token names; NotFound (in words) for a token we never made."""
    with transaction(engine) as session:
        found = _invitation(session, token)
        workshop = workshop_info(session=session, workshop_id=found.workshop_id)
    return InvitationToJoin(workshop.join_code, found.name or found.email, found.participant_id is not None)


def join_by_invitation(*, engine: Engine, token: str, sector: str, role: str) -> str:
    """Join the workshop an invitation names as the person it was made for; returns the resume token.

    The link admits one participant, ever: once it has, the same link is refused in words
    (INVITATION_USED) and leads to nobody's answers, since whoever made the mail merge holds it too
    (assessment/db/invitations.py). Two devices opening it at the same moment are serialised by the
    workshop's lock (``add_participant`` takes it before reading): the second's join is rolled back
    and refused the same way. In a named workshop the participant
    takes the invitation's name; in an anonymous one the invitation has none to give
    (assessment/db/invitations.py says why that keeps answers from being tied to a person).
    """
    role, _ = _joiner_text(role, None)
    with transaction(engine) as session:
        found = _invitation(session, token)
    if found.participant_id is not None:
        raise Invalid(INVITATION_USED)
    with transaction(engine) as session:
        participant = add_participant(
            session=session,
            workshop_id=found.workshop_id,
            sector=sector,
            role=role,
            display_name=found.name or found.email,
        )
        workshop = workshop_info(session=session, workshop_id=found.workshop_id)
        _refuse_unless_open(workshop)
        if not tie_invitation(session=session, invitation_id=found.id, participant_id=participant.id):
            raise Invalid(INVITATION_USED)  # another device was first: this join is rolled back
        audit(
            session=session,
            actor=JOIN_ACTOR,
            action="participant.joined",
            target=f"workshop:{workshop.id}",
            detail={"label": participant.label, "invited": True},
        )
    return participant.resume_token


# --- a device that has joined before -----------------------------------------------------------------


@dataclass(frozen=True)
class Remembered:
    """The participant this device joined a workshop as, as the join page offers to continue."""

    token: str
    join_code: str
    label: str
    sector: str  # the sector's label
    answered: int  # questions with an answer
    questions: int
    submitted: bool

    def words(self) -> str:
        """ "You joined as P03 (NHS trust) and answered 12 of 40 questions." """
        done = (
            "and submitted your answers"
            if self.submitted
            else f"and answered {self.answered} of {self.questions} questions"
        )
        return f"This device joined as {self.label} ({self.sector}) {done}."


def token_workshop(*, engine: Engine, token: str) -> str | None:
    """The join code of the workshop the resume token belongs to, or None for a token that names
    nobody."""
    try:
        with transaction(engine) as session:
            return token_owner(session=session, token=token)[1].join_code
    except NotFound:
        return None


def remembered(*, engine: Engine, token: str | None, join_code: str) -> Remembered | None:
    """Who this device joined the workshop as, from the resume token it kept; None when it kept
    none, or one that no longer names a participant of that workshop (removed, another workshop)."""
    if not token:
        return None
    try:
        with transaction(engine) as session:
            participant, workshop = token_owner(session=session, token=token)
            if workshop.join_code != join_code:
                return None
            bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
            stored = participant_stored_answers(session=session, participant_id=participant.id)
            submitted = participant_submitted(session=session, participant_id=participant.id)
    except NotFound:
        return None
    sectors = {s.id: s.label for s in bank.sectors}
    return Remembered(
        token=token,
        join_code=join_code,
        label=participant.label,
        sector=sectors.get(participant.sector, participant.sector),
        answered=len(stored),
        questions=sum(len(bank.domain(d).items) for d in workshop.domains),
        submitted=submitted,
    )


# --- the team picture ------------------------------------------------------------------------------


def results_revealed(*, engine: Engine, token: str) -> bool:
    """Whether the participant's workshop shows its team picture now."""
    with transaction(engine) as session:
        return token_owner(session=session, token=token)[1].revealed


def team_picture(*, engine: Engine, token: str) -> ResultsModel:
    """The participant's workshop's results as the page shows them, once revealed (withholding
    applied where they are shown); Forbidden before. One transaction: the check and the figures
    read the same moment."""
    with transaction(engine) as session:
        _, workshop = token_owner(session=session, token=token)
        if not workshop.revealed:
            raise Forbidden("the team picture is not revealed yet")
        return results_model(session, score_stored_workshop(session=session, workshop_id=workshop.id))


# --- withdrawing -----------------------------------------------------------------------------------

WITHDRAW_AFTER_REVEAL = (
    "your answers can no longer be withdrawn: the team picture has been shown with them in it, "
    "so they stay part of it"
)
WITHDRAWN = "participant.withdrew"


def withdraw(*, engine: Engine, token: str) -> WithdrawnPerson:
    """Delete the participant the token names and everything they gave, at their own request,
    until the team picture is revealed; returns who it was. Afterwards the token names nobody.

    Submitted or not, open or closed: until the reveal nobody has seen their answers in the team's
    figures, so taking them out changes nothing anyone has seen. Once the picture has been revealed
    (even if hidden again since) it is refused. The person's row and then the workshop's are locked
    before the rule is read (a save's order, so the two never deadlock), so a reveal at the same
    moment comes wholly before (refused) or after (they are not in it). Audited with the label,
    sector and how many questions they had answered, never an answer.
    """
    # What the token names never changes, so it is read on its own before the locked transaction.
    with transaction(engine) as session:
        participant, found = token_owner(session=session, token=token)
    with transaction(engine) as session:
        lock_participant_and_workshop(session=session, workshop_id=found.id, participant_id=participant.id)
        workshop = workshop_info(session=session, workshop_id=found.id)
        ever_revealed = workshop.revealed or bool(
            latest_entry_times(session=session, action="workshop.reveal", target=workshop.join_code, limit=1)
        )
        if ever_revealed:
            raise Invalid(WITHDRAW_AFTER_REVEAL)
        person = delete_participant(session=session, workshop_id=workshop.id, participant_id=participant.id)
        audit(
            session=session,
            actor=JOIN_ACTOR,
            action=WITHDRAWN,
            target=workshop.join_code,
            detail={
                "label": person.label,
                "sector": person.sector,
                "answered": person.answered,
                "submitted": person.submitted,
            },
        )
    return person


def token_owner(*, session: Session, token: str) -> tuple[ParticipantInfo, WorkshopInfo]:
    """The participant the token names and their workshop; NotFound for a token we never made."""
    participant = participant_by_token(session=session, token=token) if TOKEN_SHAPE.fullmatch(token) else None
    if participant is None:
        raise NotFound(NOT_A_LINK)
    return participant, workshop_info(session=session, workshop_id=participant.workshop_id)


__all__ = [
    "FREE_TRIES",
    "JOIN_ACTOR",
    "JOIN_FAILED",
    "SHARED_FREE_TRIES",
    "SHARED_HOLD_SECONDS",
    "SHARED_WINDOW",
    "WITHDRAW_AFTER_REVEAL",
    "AnswerNotComplete",
    "AnsweringClosed",
    "InvitationToJoin",
    "JoinableWorkshop",
    "OwnDomain",
    "ParticipantSession",
    "Remembered",
    "StoredAnswer",
    "WithdrawnPerson",
    "WrongCode",
    "change_stamp",
    "invitation_to_join",
    "join_by_invitation",
    "join_workshop",
    "looks_like_code",
    "normalise_code",
    "participant_session",
    "remembered",
    "results_revealed",
    "save_answer",
    "submit",
    "team_picture",
    "token_owner",
    "token_workshop",
    "withdraw",
    "workshop_to_join",
    "wrong_code_hold_seconds",
]
