"""Cohorts, partnerships, bank versions and workshops: created, found and listed in the caller's
transaction. Results leave as frozen dataclasses (or, for the listings pages draw, plain dicts).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assessment import limits
from assessment.db.audit import audit
from assessment.db.tables import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    PARTNERSHIP_KINDS,
    WORKSHOP_STATUSES,
    BankVersion,
    Cohort,
    Participant,
    Partnership,
    Response,
    Workshop,
    utcnow,
)
from assessment.errors import Invalid, NotFound
from assessment.framework import QuestionBank, parse_bank
from assessment.lifecycle import CLOSED_AUTOMATICALLY, as_utc, at_time, next_state, state_of

# What "now" is for a closing time: the one seam the tests move to put a workshop past its
# deadline without waiting for it.
clock: Callable[[], datetime] = utcnow


def now() -> datetime:
    return as_utc(clock())


@dataclass(frozen=True)
class WorkshopInfo:
    id: int
    join_code: str
    title: str
    held_on: date
    round_label: str | None
    status: str
    revealed: bool
    anonymous: bool
    domains: tuple[str, ...]
    partnership_id: int
    partnership: str
    cohort: str
    bank_version_id: int
    # When answering closes by itself (UTC), or None. ``status`` is already what the clock makes it
    # (assessment.lifecycle.at_time): "closed" once the time has passed, whether or not the close
    # has been recorded yet; ``close_due`` says it has not (the services then record it).
    closes_at: datetime | None = None
    close_due: bool = False


# --- cohorts and partnerships ------------------------------------------------------------------------------


def create_cohort(*, session: Session, name: str, owner_id: int | None = None) -> int:
    name = name.strip()
    if not name:
        raise Invalid("a cohort needs a name")
    # the store is the door every page and command passes: the column's width and no NUL, here
    name = limits.checked_text(name, what="a cohort's name", limit=limits.COHORT_NAME_CHARS)
    if session.scalar(select(Cohort.id).where(Cohort.name == name)) is not None:
        raise Invalid(f"a cohort called '{name}' already exists")
    cohort = Cohort(name=name, owner_id=owner_id)
    session.add(cohort)
    session.flush()
    return cohort.id


def cohort_id(*, session: Session, name: str) -> int:
    found = session.scalar(select(Cohort.id).where(Cohort.name == name))
    if found is None:
        raise NotFound(f"there is no cohort called '{name}'")
    return found


def create_partnership(
    *, session: Session, cohort_id: int, name: str, kind: str, parent_id: int | None = None
) -> int:
    name = name.strip()
    if kind not in PARTNERSHIP_KINDS:
        raise Invalid(
            f"'{kind}' is not a kind of partnership; expected one of {', '.join(PARTNERSHIP_KINDS)}"
        )
    if not name:
        raise Invalid("a partnership needs a name")
    name = limits.checked_text(name, what="a partnership's name", limit=limits.PARTNERSHIP_NAME_CHARS)
    exists = select(Partnership.id).where(Partnership.cohort_id == cohort_id, Partnership.name == name)
    if session.scalar(exists) is not None:
        raise Invalid(f"the cohort already has a partnership called '{name}'")
    partnership = Partnership(cohort_id=cohort_id, name=name, kind=kind, parent_id=parent_id)
    session.add(partnership)
    session.flush()
    return partnership.id


def partnership_id(*, session: Session, name: str, cohort: str | None = None) -> int:
    query = select(Partnership.id).where(Partnership.name == name)
    if cohort is not None:
        query = query.join(Cohort, Cohort.id == Partnership.cohort_id).where(Cohort.name == cohort)
    found = session.scalars(query).all()
    if not found:
        raise NotFound(f"there is no partnership called '{name}'")
    if len(found) > 1:
        raise Invalid(f"several partnerships are called '{name}'; name the cohort too")
    return found[0]


# --- bank versions ---------------------------------------------------------------------------------


def bank_hash(yaml_text: str) -> str:
    return hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()


def store_bank_version(*, session: Session, yaml_text: str) -> int:
    """Keep this exact bank text; the same text is stored once, however often it is used."""
    digest = bank_hash(yaml_text)
    found = session.scalar(select(BankVersion.id).where(BankVersion.content_hash == digest))
    if found is not None:
        return found
    bank = parse_bank(yaml_text)
    version = BankVersion(bank_id=bank.id, version=bank.version, content_hash=digest, yaml_text=yaml_text)
    session.add(version)
    session.flush()
    return version.id


_BANK_CACHE: dict[str, QuestionBank] = {}


def bank_for_version(
    *, session: Session, bank_version_id: int, content_hash: str | None = None
) -> QuestionBank:
    """The bank a workshop used. A stored version never changes, so each is parsed once per
    process, keyed by its content hash: ids repeat across databases, hashes do not. A caller
    that read the hash with the workshop gives it, and a cached bank then costs no statement."""
    digest = content_hash or session.scalar(
        select(BankVersion.content_hash).where(BankVersion.id == bank_version_id)
    )
    if digest is None:
        raise NotFound(f"there is no bank version {bank_version_id}")
    cached = _BANK_CACHE.get(digest)
    if cached is None:
        text = session.scalar(select(BankVersion.yaml_text).where(BankVersion.id == bank_version_id))
        cached = _BANK_CACHE.setdefault(digest, parse_bank(text or ""))
    return cached


# --- workshops ----------------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def create_workshop(
    *,
    session: Session,
    partnership_id: int,
    bank_version_id: int,
    title: str,
    held_on: date,
    round_label: str | None = None,
    domains: list[str] | None = None,
    anonymous: bool = True,
    closes_at: datetime | None = None,
) -> WorkshopInfo:
    bank = bank_for_version(session=session, bank_version_id=bank_version_id)
    known = [d.id for d in bank.domains]
    chosen = known if not domains else list(domains)
    unknown = [d for d in chosen if d not in known]
    if unknown:
        raise Invalid(f"unknown domain(s) {', '.join(unknown)}; the bank has: {', '.join(known)}")
    title, round_label = limits.workshop_title_and_round(title, round_label)
    code = new_join_code()
    while session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is not None:
        code = new_join_code()
    workshop = Workshop(
        partnership_id=partnership_id,
        bank_version_id=bank_version_id,
        title=title.strip(),
        held_on=held_on,
        round_label=round_label,
        join_code=code,
        domains=chosen,
        anonymous=anonymous,
        closes_at=as_utc(closes_at) if closes_at is not None else None,
    )
    session.add(workshop)
    session.flush()
    return workshop_info(session=session, join_code=code)


def workshop_info(
    *, session: Session, join_code: str | None = None, workshop_id: int | None = None
) -> WorkshopInfo:
    query = (
        select(Workshop, Partnership.name, Cohort.name)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
    )
    if join_code is not None:
        query = query.where(Workshop.join_code == join_code.strip().upper())
    elif workshop_id is not None:
        query = query.where(Workshop.id == workshop_id)
    else:
        raise ValueError("give a join code or a workshop id")
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(
            f"there is no workshop with the code '{join_code}'" if join_code else "no such workshop"
        )
    return workshop_info_of(*row)


def _status_now(w: Workshop) -> tuple[str, bool]:
    """The workshop's status as the clock makes it, and whether a close by the clock is yet to be
    recorded (the lifecycle decides both)."""
    if w.status != "open" or w.closes_at is None:
        return w.status, False
    status = at_time(state_of(w.status, w.revealed), w.closes_at, now()).status
    return status, status != w.status


def workshop_info_of(w: Workshop, partnership: str, cohort: str) -> WorkshopInfo:
    """A workshop row, with its partnership's and cohort's names, as the rest of the app sees it."""
    status, close_due = _status_now(w)
    return WorkshopInfo(
        id=w.id,
        join_code=w.join_code,
        title=w.title,
        held_on=w.held_on,
        round_label=w.round_label,
        status=status,
        revealed=w.revealed,
        anonymous=w.anonymous,
        domains=tuple(w.domains),
        partnership_id=w.partnership_id,
        partnership=partnership,
        cohort=cohort,
        bank_version_id=w.bank_version_id,
        closes_at=as_utc(w.closes_at) if w.closes_at is not None else None,
        close_due=close_due,
    )


def list_workshops(*, session: Session) -> list[dict[str, Any]]:
    """Every workshop with its partnership, cohort and respondent count, newest first."""
    respondents = (
        select(Participant.workshop_id, func.count(func.distinct(Response.participant_id)).label("n"))
        .join(Response, Response.participant_id == Participant.id)
        .group_by(Participant.workshop_id)
        .subquery()
    )
    query = (
        select(Workshop, Partnership.name, Cohort.name, func.coalesce(respondents.c.n, 0))
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .outerjoin(respondents, respondents.c.workshop_id == Workshop.id)
        .order_by(Workshop.held_on.desc(), Workshop.id.desc())
    )
    return [
        {
            "join_code": w.join_code,
            "title": w.title,
            "date": w.held_on.isoformat(),
            "round": w.round_label,
            "status": _status_now(w)[0],
            "revealed": w.revealed,
            "partnership": partnership,
            "cohort": cohort,
            "respondents": int(n),
        }
        for w, partnership, cohort, n in session.execute(query)
    ]


def set_workshop_state(
    *, session: Session, workshop_id: int, actor: str, status: str | None = None, revealed: bool | None = None
) -> None:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("no such workshop")
    if status is not None:
        if status not in WORKSHOP_STATUSES:
            raise Invalid(f"'{status}' is not a workshop status")
        audit(
            session=session,
            actor=actor,
            action=f"workshop.{status}",
            target=workshop.join_code,
            detail={"from": workshop.status},
        )
        workshop.status = status
    if revealed is not None:
        audit(
            session=session,
            actor=actor,
            action="workshop.reveal" if revealed else "workshop.hide",
            target=workshop.join_code,
        )
        workshop.revealed = revealed


def set_closing_time(*, session: Session, workshop_id: int, closes_at: datetime | None) -> None:
    """Set (or, with None, remove) when answering closes by itself; the caller has checked it."""
    session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id)
        .values(closes_at=as_utc(closes_at) if closes_at is not None else None)
    )


def close_when_due(*, session: Session, workshop_id: int) -> bool:
    """Record the close of an open workshop whose closing time has passed, once; True if this call
    recorded it.

    One conditional UPDATE, which is also the first thing the transaction does: of a facilitator
    closing by hand, a save, and several readers all recording the same close at the same moment,
    exactly one changes the row (PostgreSQL re-checks the condition after waiting for the row's
    lock; SQLite runs writes one at a time), so the audit entry is written once and a close by hand
    is never recorded twice. A save holds a share lock on the row until it commits, so the close
    waits for it: a save checked before the deadline lands before the close.
    """
    moment = now()
    closed = next_state(state_of("open", False), "close").status  # the lifecycle's close, by the clock
    changed = session.execute(
        update(Workshop)
        .where(
            Workshop.id == workshop_id,
            Workshop.status == "open",
            Workshop.closes_at.is_not(None),
            Workshop.closes_at <= moment,
        )
        .values(status=closed)
        .returning(Workshop.join_code, Workshop.closes_at)
    ).one_or_none()
    if changed is None:
        return False
    join_code, closes_at = changed
    audit(
        session=session,
        actor="closing time",
        action=CLOSED_AUTOMATICALLY,
        target=join_code,
        detail={"from": "open", "closes_at": as_utc(closes_at).isoformat() if closes_at else None},
    )
    return True


def lock_row(session: Session, table: type[Workshop] | type[Participant], row_id: int) -> None:
    """Take the write lock for ``row_id`` before this transaction reads anything.

    A no-op UPDATE: on PostgreSQL it locks the row until commit; on SQLite it takes the database's
    write lock, waiting with the busy timeout, so what is read next is what the write is checked
    against (a read first would pin a snapshot that a concurrent writer makes stale, and SQLite
    then refuses the write at once with "database is locked").
    """
    session.execute(update(table).where(table.id == row_id).values(id=table.id))


def list_partnerships(*, session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Partnership.id, Partnership.name, Partnership.kind, Cohort.name)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .where(Partnership.archived.is_(False))
        .order_by(Cohort.name, Partnership.name)
    ).all()
    return [{"id": pid, "name": name, "kind": kind, "cohort": cohort} for pid, name, kind, cohort in rows]


def cohort_exists(*, session: Session, cohort_id: int) -> bool:
    return session.get(Cohort, cohort_id) is not None


def partnership_exists(*, session: Session, partnership_id: int) -> bool:
    return session.get(Partnership, partnership_id) is not None


def partnership_workshop_ids(*, session: Session, partnership_id: int) -> list[int]:
    """The partnership's workshops, oldest first (by date, then by when they were created)."""
    return list(
        session.scalars(
            select(Workshop.id)
            .where(Workshop.partnership_id == partnership_id)
            .order_by(Workshop.held_on, Workshop.id)
        ).all()
    )


def workshop_ids_by_code(*, session: Session, join_codes: Sequence[str]) -> dict[str, int]:
    """The ids of the workshops with these join codes, by code; codes no workshop has are left out."""
    rows = session.execute(
        select(Workshop.id, Workshop.join_code).where(Workshop.join_code.in_(list(join_codes)))
    ).all()
    return {code: workshop_id for workshop_id, code in rows}


def cohort_name(*, session: Session, cohort_id: int) -> str | None:
    """The cohort's name, or None when there is no such cohort."""
    return session.scalar(select(Cohort.name).where(Cohort.id == cohort_id))
