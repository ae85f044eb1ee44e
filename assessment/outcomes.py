"""What a workshop agreed: consensus levels (with their history) and the partnership's action plan.

Consensus records are never changed in place: recording again for the same domain (or item) adds
a newer record, which becomes the current one, and the audit log keeps who changed it, when and
from what. Every function is keyword-only and takes the session; the caller owns the transaction,
and a refused request raises Invalid before anything is written.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from assessment.db import (
    ACTION_STATUSES,
    WorkshopInfo,
    audit,
    bank_for_version,
    utcnow,
    workshop_info,
)
from assessment.db import outcomes as rows
from assessment.db.outcomes import ActionRecord, ConsensusRecord, Evidence
from assessment.db.workshops import partnership_exists
from assessment.errors import Invalid, NotFound
from assessment.framework import SPECTRUM_POSITIONS, AccountabilityItem, QuestionBank

__all__ = [
    "ACTION_STATUSES",
    "ACTION_TEXT_LIMITS",
    "EVIDENCE_LINK_CHARS",
    "EVIDENCE_NOTE_CHARS",
    "MAX_CONSENSUS_TEXT_CHARS",
    "MAX_EVIDENCE_ITEMS",
    "ActionRecord",
    "ConsensusRecord",
    "Evidence",
    "actions_since",
    "checked_evidence",
    "checked_link",
    "consensus_history",
    "consensus_key",
    "create_action",
    "current_consensus",
    "delete_action",
    "evidence_by_domain",
    "is_web_link",
    "list_actions",
    "record_consensus",
    "set_evidence",
    "update_action",
]

MAX_CONSENSUS_TEXT_CHARS = 2000
# The longest text each action field takes (the column widths; notes share the consensus limit).
ACTION_TEXT_LIMITS = {"title": 300, "owner": 200, "notes": 2000}
UPDATABLE_ACTION_FIELDS = ("title", "owner", "due_on", "status", "notes")
# Evidence beside a domain's agreed level: the widths of consensus_evidence.note and .link.
EVIDENCE_NOTE_CHARS = 500
EVIDENCE_LINK_CHARS = 2000
MAX_EVIDENCE_ITEMS = 20
WEB_SCHEMES = ("http", "https")
# Spaces, controls (a line break, a NUL) and the characters no address holds as typed.
_NOT_IN_A_LINK = re.compile(r"[\s\x00-\x1f\x7f<>\"`{}|\\^]")


def consensus_key(domain_id: str, item_id: str | None = None) -> str:
    """How current_consensus keys a record: the domain id, or "domain/item" for an item."""
    return domain_id if item_id is None else f"{domain_id}/{item_id}"


# --- consensus -----------------------------------------------------------------------------------------


def _check_text(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise Invalid(f"the {name} is {len(value):,} characters long; shorten it to {limit:,} or fewer")
    if "\x00" in value:
        # PostgreSQL refuses it with an error (SQLite would keep it): refused on both alike.
        raise Invalid(f"the {name} contains a NUL character, which cannot be stored; delete it")


def _check_actor(actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise Invalid("say who is recording this (the actor is empty)")
    if len(actor) > 320:
        raise Invalid("the actor's name is longer than 320 characters")
    return actor


def _level_range(bank: QuestionBank, domain_id: str, item_id: str | None) -> int:
    """The top of the scale a consensus level for this domain or item is on; refuses a bad item."""
    if item_id is None:
        return bank.max_level
    domain = bank.domain(domain_id)
    item = next((i for i in domain.items if i.id == item_id), None)
    if item is None:
        raise Invalid(
            f"there is no item '{item_id}' in the domain '{domain_id}' of the question bank "
            f"{bank.id} {bank.version}"
        )
    if isinstance(item, AccountabilityItem):
        raise Invalid(
            f"'{item_id}' is an accountability item: it has no level to agree; "
            "record the consensus for its domain instead"
        )
    return bank.max_level if item.type == "maturity" else SPECTRUM_POSITIONS


def record_consensus(
    *,
    session: Session,
    workshop_id: int,
    domain_id: str,
    level: float,
    rationale: str,
    dissent: str,
    actor: str,
    item_id: str | None = None,
) -> int:
    """Record what the room agreed for a domain (or one item); recording again is an edit.

    Returns the new record's id. The newest record is the current one; the audit log entry
    ``consensus.recorded`` keeps the previous level, so the whole history can be read back.
    """
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    known = [d.id for d in bank.domains]
    if domain_id not in known:
        raise Invalid(
            f"there is no domain '{domain_id}' in the question bank {bank.id} {bank.version}; "
            f"choose one of {', '.join(known)}"
        )
    if domain_id not in workshop.domains:
        raise Invalid(
            f"the domain '{domain_id}' was not part of this workshop; "
            f"choose one of {', '.join(workshop.domains)}"
        )
    top = _level_range(bank, domain_id, item_id)
    if isinstance(level, bool) or not isinstance(level, int | float) or not math.isfinite(level):
        raise Invalid(f"the consensus level must be a number from 1 to {top}")
    if not 1 <= level <= top:
        raise Invalid(f"the consensus level {level:g} is outside the scale 1 to {top}; choose 1 to {top}")
    _check_text("rationale", rationale, MAX_CONSENSUS_TEXT_CHARS)
    _check_text("dissent", dissent, MAX_CONSENSUS_TEXT_CHARS)
    actor = _check_actor(actor)

    latest = rows.domain_consensus_records(
        session=session, workshop_id=workshop_id, domain_id=domain_id, item_id=item_id, limit=1
    )
    previous = latest[0] if latest else None
    record_id = rows.add_consensus(
        session=session,
        workshop_id=workshop_id,
        domain_id=domain_id,
        item_id=item_id,
        level=float(level),
        rationale=rationale,
        dissent=dissent,
        recorded_by=actor,
        recorded_at=utcnow(),
    )
    audit(
        session=session,
        actor=actor,
        action="consensus.recorded",
        target=workshop.join_code,
        detail={
            "workshop": workshop_id,
            "domain": domain_id,
            "item": item_id,
            "level": float(level),
            "previous_level": None if previous is None else float(previous.level),
            "rationale": rationale,
            "dissent": dissent,
            "consensus": record_id,
        },
    )
    return record_id


def current_consensus(*, session: Session, workshop_id: int) -> dict[str, ConsensusRecord]:
    """The current (newest) record per domain, and per item under "domain/item"; a domain's
    record carries the domain's evidence."""
    records = rows.consensus_records(session=session, workshop_id=workshop_id)
    # Oldest first, so each newer record replaces the one before it.
    current = {consensus_key(r.domain_id, r.item_id): r for r in records}
    evidence = rows.evidence_by_domain(session=session, workshop_ids=[workshop_id])
    return {
        key: replace(r, evidence=evidence.get((workshop_id, r.domain_id), ())) if r.item_id is None else r
        for key, r in current.items()
    }


def consensus_history(
    *, session: Session, workshop_id: int, domain_id: str, item_id: str | None = None
) -> list[ConsensusRecord]:
    """Every record for the domain (or one of its items), newest first."""
    return rows.domain_consensus_records(
        session=session, workshop_id=workshop_id, domain_id=domain_id, item_id=item_id
    )


# --- evidence beside the agreed level ---------------------------------------------------------------

LINK_RULE = "a link must be a web address starting with http:// or https://"


def is_web_link(link: str) -> bool:
    """Whether ``link`` is a web address that may be shown as a live link: http or https, a host,
    no spaces or control characters. Anything else (javascript:, data:, a bare name) is not."""
    if not link or _NOT_IN_A_LINK.search(link) or len(link) > EVIDENCE_LINK_CHARS:
        return False
    if any(unicodedata.category(c).startswith("C") for c in link):
        return False  # a format character (a right-to-left override) would hide where it goes
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def checked_link(link: str, *, what: str = "the link") -> str:
    """A link without the spaces around it ("" for none), or Invalid saying why it is refused."""
    text = link.strip()
    if not text:
        return ""
    if len(text) > EVIDENCE_LINK_CHARS:
        raise Invalid(
            f"{what} is {len(text):,} characters long; shorten it to {EVIDENCE_LINK_CHARS:,} or fewer"
        )
    if not is_web_link(text):
        shown = text[:60].translate({c: "\N{REPLACEMENT CHARACTER}" for c in range(32)})
        raise Invalid(
            f"{what} “{shown}” is not kept: {LINK_RULE} (such as https://example.org/minutes), "
            "with no spaces; paste the address from the browser's address bar, or leave it empty"
        )
    return text


def checked_evidence(items: Sequence[Evidence]) -> tuple[Evidence, ...]:
    """The evidence as it will be stored, or Invalid naming the item that is wrong.

    A note is kept exactly as typed; a link without the spaces around it. A row with neither
    (an empty row of the table) is left out; a link without a note is refused.
    """
    kept: list[Evidence] = []
    for number, item in enumerate(items, start=1):
        if not item.note.strip() and not item.link.strip():
            continue
        what = f"evidence item {number}"
        if len(item.note) > EVIDENCE_NOTE_CHARS:
            raise Invalid(
                f"{what}'s note is {len(item.note):,} characters long; "
                f"shorten it to {EVIDENCE_NOTE_CHARS} or fewer"
            )
        if "\x00" in item.note:
            raise Invalid(f"{what}'s note contains a NUL character, which cannot be stored; delete it")
        if not item.note.strip():
            raise Invalid(f"{what} has a link but no note: say in a few words what the link shows")
        kept.append(Evidence(note=item.note, link=checked_link(item.link, what=f"{what}'s link")))
    if len(kept) > MAX_EVIDENCE_ITEMS:
        raise Invalid(
            f"there are {len(kept)} items of evidence; keep at most {MAX_EVIDENCE_ITEMS} for a domain, "
            "the ones you would point a regulator to first"
        )
    return tuple(kept)


EVIDENCE_CHANGED_SINCE = (
    "someone else changed this domain's evidence since the page showed it to you; your text is "
    "still in the table: compare it with the evidence now stored, shown above it, then save again "
    "or discard yours"
)


class EvidenceChangedSince(Invalid):
    """Someone else saved the domain's evidence after the page showed it: nothing was written. A
    page keeps the person's text and takes what is stored now as the base of their next save."""

    def __init__(self) -> None:
        super().__init__(EVIDENCE_CHANGED_SINCE)


def set_evidence(
    *,
    session: Session,
    workshop_id: int,
    domain_id: str,
    items: Sequence[Evidence],
    actor: str,
    based_on: Sequence[Evidence] | None = None,
) -> tuple[Evidence, ...]:
    """Make ``items`` the evidence beside the domain's agreed level; returns what is stored.

    The domain needs an agreed level first. ``based_on`` is the evidence the person was shown:
    when it is given and the stored evidence is no longer that, nothing is written (someone else
    saved in between, and their items would be lost). A save that changes nothing writes nothing;
    otherwise ``consensus.evidence_changed`` keeps the items before and after.
    """
    actor = _check_actor(actor)
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    if domain_id not in workshop.domains:
        raise Invalid(
            f"the domain '{domain_id}' was not part of this workshop; "
            f"choose one of {', '.join(workshop.domains)}"
        )
    kept = checked_evidence(items)
    rows.lock_workshop(session=session, workshop_id=workshop_id)
    if not rows.domain_consensus_records(
        session=session, workshop_id=workshop_id, domain_id=domain_id, item_id=None, limit=1
    ):
        raise Invalid(
            "record the level the team agrees on for this domain first; its evidence goes beside it"
        )
    before = rows.evidence_by_domain(session=session, workshop_ids=[workshop_id]).get(
        (workshop_id, domain_id), ()
    )
    if based_on is not None and tuple(based_on) != before:
        raise EvidenceChangedSince()
    if kept == before:
        return before
    rows.replace_evidence(
        session=session, workshop_id=workshop_id, domain_id=domain_id, items=kept, added_by=actor, at=utcnow()
    )
    audit(
        session=session,
        actor=actor,
        action="consensus.evidence_changed",
        target=workshop.join_code,
        detail={
            "workshop": workshop_id,
            "domain": domain_id,
            "before": [{"note": e.note, "link": e.link} for e in before],
            "after": [{"note": e.note, "link": e.link} for e in kept],
        },
    )
    return kept


def evidence_by_domain(
    *, session: Session, workshop_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[Evidence, ...]]:
    """The evidence of each (workshop, domain) that has any."""
    return rows.evidence_by_domain(session=session, workshop_ids=workshop_ids)


# --- actions -----------------------------------------------------------------------------------------


def _latest_workshop(session: Session, partnership_id: int) -> WorkshopInfo:
    found = rows.latest_workshop_id(session=session, partnership_id=partnership_id)
    if found is None:
        raise Invalid("this partnership has had no workshop yet; create one before planning actions")
    return workshop_info(session=session, workshop_id=found)


def _check_action_fields(values: dict[str, Any]) -> None:
    for name, limit in ACTION_TEXT_LIMITS.items():
        if name in values:
            value = values[name]
            if not isinstance(value, str):
                raise Invalid(f"the action's {name} must be text")
            _check_text(f"action's {name}", value, limit)
    if "title" in values and not values["title"].strip():
        raise Invalid("an action needs a title (1 to 300 characters)")
    if "status" in values and values["status"] not in ACTION_STATUSES:
        raise Invalid(
            f"'{values['status']}' is not an action status; expected one of {', '.join(ACTION_STATUSES)}"
        )
    if "due_on" in values:
        due = values["due_on"]
        if due is not None and (isinstance(due, datetime) or not isinstance(due, date)):
            raise Invalid("the due date must be a date (or left empty)")


def create_action(
    *,
    session: Session,
    partnership_id: int,
    domain_id: str,
    title: str,
    actor: str,
    workshop_id: int | None = None,
    item_id: str | None = None,
    owner: str = "",
    due_on: date | None = None,
    status: str = "planned",
    notes: str = "",
) -> int:
    """Add an action to the partnership's plan; returns its id.

    The domain (and item) must be in the bank of the workshop that agreed it, or, without a
    workshop, in the bank of the partnership's latest workshop.

    Asking again for an action the plan already holds, word for word and not changed since, returns
    that action's id and writes nothing: a double click, or two reruns of one click, add one
    action. The partnership's plan is locked first, so two such requests at once cannot both add.
    """
    if not partnership_exists(session=session, partnership_id=partnership_id):
        raise NotFound("no such partnership")
    actor = _check_actor(actor)
    title = title.strip() if isinstance(title, str) else title
    owner = owner.strip() if isinstance(owner, str) else owner
    _check_action_fields({"title": title, "owner": owner, "notes": notes, "status": status, "due_on": due_on})
    if workshop_id is None:
        workshop = _latest_workshop(session, partnership_id)
    else:
        workshop = workshop_info(session=session, workshop_id=workshop_id)
        if workshop.partnership_id != partnership_id:
            raise Invalid("that workshop belongs to another partnership; choose one of this partnership's")
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    known = [d.id for d in bank.domains]
    if domain_id not in known:
        raise Invalid(
            f"there is no domain '{domain_id}' in the question bank {bank.id} {bank.version}; "
            f"choose one of {', '.join(known)}"
        )
    if item_id is not None and item_id not in {i.id for i in bank.domain(domain_id).items}:
        raise Invalid(f"there is no item '{item_id}' in the domain '{domain_id}'")
    rows.lock_partnership_plan(session=session, partnership_id=partnership_id)
    fields = rows.NewAction(
        partnership_id=partnership_id,
        workshop_id=workshop_id,
        domain_id=domain_id,
        item_id=item_id,
        title=title,
        owner=owner,
        due_on=due_on,
        status=status,
        notes=notes,
    )
    already = rows.unchanged_action_id(session=session, **fields)
    if already is not None:
        return already
    action_id = rows.add_action(session=session, at=utcnow(), **fields)
    audit(
        session=session,
        actor=actor,
        action="action.created",
        target=f"action:{action_id}",
        detail={
            "action": action_id,
            "partnership": partnership_id,
            "workshop": workshop_id,
            "domain": domain_id,
            "item": item_id,
            "title": title,
            "owner": owner,
            "due_on": None if due_on is None else due_on.isoformat(),
            "status": status,
            "notes": notes,
        },
    )
    return action_id


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def update_action(*, session: Session, action_id: int, actor: str, **changes: Any) -> None:
    """Change an action's title, owner, due date, status or notes; anything else is refused.

    Only fields whose value really changes are written and audited (``action.updated`` with
    each one's before and after); a change that changes nothing writes nothing.
    """
    unknown = sorted(set(changes) - set(UPDATABLE_ACTION_FIELDS))
    if unknown:
        raise Invalid(
            f"an action's {', '.join(unknown)} cannot be changed; "
            f"change only {', '.join(UPDATABLE_ACTION_FIELDS)}"
        )
    actor = _check_actor(actor)
    for name in ("title", "owner"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    _check_action_fields(changes)
    action = rows.action_record(session=session, action_id=action_id)
    if action is None:
        raise NotFound("no such action")
    changed = {
        name: {"before": _json_value(getattr(action, name)), "after": _json_value(value)}
        for name, value in changes.items()
        if getattr(action, name) != value
    }
    if not changed:
        return
    rows.change_action(
        session=session, action_id=action_id, values={name: changes[name] for name in changed}, at=utcnow()
    )
    audit(
        session=session,
        actor=actor,
        action="action.updated",
        target=f"action:{action.id}",
        detail={"action": action.id, "partnership": action.partnership_id, "changes": changed},
    )


NOT_IN_PLAN = "that action does not exist or is not this partnership's"


def delete_action(*, session: Session, partnership_id: int, action_id: int, actor: str) -> ActionRecord:
    """Take an action out of the partnership's plan; returns what it was.

    The audit entry ``action.deleted`` keeps every field it had, so nothing said is lost. An action
    that is not there, or is another partnership's, is refused in the same words.
    """
    actor = _check_actor(actor)
    action = rows.action_record(session=session, action_id=action_id)
    if action is None or action.partnership_id != partnership_id:
        raise NotFound(NOT_IN_PLAN)
    if not rows.remove_action(session=session, action_id=action_id):
        raise NotFound(NOT_IN_PLAN)  # deleted by another request since it was read
    audit(
        session=session,
        actor=actor,
        action="action.deleted",
        target=f"action:{action.id}",
        detail={
            "action": action.id,
            "partnership": action.partnership_id,
            "workshop": action.workshop_id,
            "round": action.round_label,
            "domain": action.domain_id,
            "item": action.item_id,
            "title": action.title,
            "owner": action.owner,
            "due_on": _json_value(action.due_on),
            "status": action.status,
            "notes": action.notes,
        },
    )
    return action


def list_actions(*, session: Session, partnership_id: int) -> list[ActionRecord]:
    """The partnership's action plan, by domain id and then in the order the actions were agreed."""
    return rows.action_records(session=session, partnership_id=partnership_id)


def actions_since(*, session: Session, partnership_id: int, before: date) -> dict[str, int]:
    """Actions per domain agreed in rounds held before ``before`` (whatever their status now).

    An action recorded without a workshop counts when it was created before that date.
    """
    counts: dict[str, int] = {}
    for domain_id, held_on, created_at in rows.action_dates(session=session, partnership_id=partnership_id):
        when = held_on if held_on is not None else created_at.date()
        if when < before:
            counts[domain_id] = counts.get(domain_id, 0) + 1
    return counts
