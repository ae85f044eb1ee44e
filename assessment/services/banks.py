"""Question banks a facilitator edits: start one, save a new version, share it, read its versions.

A bank belongs to the facilitator who started it; its owner can share it with other facilitators,
as a cohort is shared. Owner and shared facilitators alike read it, save new versions of it and
choose it for a workshop; only the owner shares it. The shipped bank (``settings.current()
.bank_path``) is read-only and never a row: a facilitator starts a bank of their own from it, or
from an uploaded YAML file, and that is version 1.

Each version is immutable: its text is a ``bank_versions`` row (the table workshops point to), with
a summary of what it changed from the version before. The rules of a bank are the loader's
(``assessment.framework``), through ``assessment.bank_editing``; an id once held by a stored version
is never given to another question.

For the workshop form, ``choosable_bank_versions`` lists what a facilitator may pick.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment import bank_editing, limits, settings
from assessment.bank_editing import ChangeSummary, Draft
from assessment.db import audit, bank_for_version, store_bank_version, transaction
from assessment.db import banks as rows
from assessment.db.accounts import facilitator_id_by_email
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.framework import parse_bank
from assessment.services import Actor

NOT_SHARED = "that question bank does not exist or has not been shared with you"
BANK_NAME_CHARS = 200  # question_banks.name
SHIPPED_LABEL = "The shipped bank (read-only)"


@dataclass(frozen=True)
class BankSummary:
    """A bank the facilitator may use: whether they own it, whose it is, its newest version."""

    id: int
    name: str
    owned: bool
    owner_email: str
    latest: int


@dataclass(frozen=True)
class BankEdition:
    """One version of a bank: its number, what it changed, who saved it and when."""

    question_bank_id: int
    number: int
    bank_version_id: int
    changes: ChangeSummary
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class EditingStart:
    """What the editor needs to edit from a version: the draft, the version it is based on, and
    the ids no new question may take (every id a stored version holds)."""

    question_bank_id: int
    based_on: int
    draft: Draft
    reserved: tuple[str, ...]


@dataclass(frozen=True)
class BankChoice:
    """A bank and version a workshop may use.

    ``bank_version_id`` is the ``bank_versions`` row to give ``create_workshop``; it is None for the
    shipped bank, whose text (``shipped_bank_yaml()``) the workshop stores as it does today.
    ``label`` is what a chooser shows: "The shipped bank (read-only)" or "Our bank, version 2".
    """

    bank_version_id: int | None
    bank_name: str
    number: int | None
    label: str


SAVED_MEANWHILE = (
    "another version of this bank was saved at the same moment; start again from the newest version "
    "and make your changes there"
)


@contextmanager
def _refused_if_taken(message: str) -> Iterator[None]:
    """A name or version number someone else took at the same moment (the unique constraint
    caught it, and nothing was written) is refused in words, not shown as a database error."""
    try:
        yield
    except IntegrityError:
        raise Invalid(message) from None


def shipped_bank_yaml() -> str:
    """The shipped bank's text (the file new workshops use unless another version is chosen)."""
    return settings.current().bank_path.read_text(encoding="utf-8-sig")


def _facilitator(actor: Actor, doing: str) -> int:
    if actor.facilitator_id is None:
        raise Forbidden(f"only a facilitator can {doing}, from the pages")
    return actor.facilitator_id


def _usable(session: Session, facilitator: int, question_bank_id: int) -> rows.BankRow:
    found = rows.bank_row(session=session, question_bank_id=question_bank_id)
    if found is None or not rows.can_use(
        session=session, facilitator_id=facilitator, question_bank_id=question_bank_id
    ):
        raise NotFound(NOT_SHARED)
    return found


def _edition(session: Session, question_bank_id: int, number: int) -> rows.EditionRow:
    for edition in rows.editions(session=session, question_bank_id=question_bank_id):
        if edition.number == number:
            return edition
    raise NotFound(f"this question bank has no version {number}")


def _reserved(session: Session, question_bank_id: int) -> set[str]:
    reserved: set[str] = set()
    for version_id, digest in rows.versions_holding_ids(session=session, question_bank_id=question_bank_id):
        bank = bank_for_version(session=session, bank_version_id=version_id, content_hash=digest)
        reserved |= bank_editing.held_ids(bank)
    return reserved


# --- reads ----------------------------------------------------------------------------------------------


def visible_banks(*, engine: Engine, actor: Actor) -> list[BankSummary]:
    """The banks the facilitator owns or has been shared, by name."""
    facilitator = _facilitator(actor, "list question banks")
    with transaction(engine) as session:
        found = rows.visible_banks(session=session, facilitator_id=facilitator)
    return [BankSummary(b.id, b.name, b.owner_id == facilitator, b.owner_email, b.latest) for b in found]


def bank_editions(*, engine: Engine, actor: Actor, question_bank_id: int) -> list[BankEdition]:
    """The bank's versions, oldest first, each with what it changed."""
    facilitator = _facilitator(actor, "read a question bank")
    with transaction(engine) as session:
        _usable(session, facilitator, question_bank_id)
        found = rows.editions(session=session, question_bank_id=question_bank_id)
    return [
        BankEdition(
            e.question_bank_id,
            e.number,
            e.bank_version_id,
            ChangeSummary.from_dict(e.summary),
            e.saved_by,
            e.saved_at,
        )
        for e in found
    ]


def version_yaml(*, engine: Engine, actor: Actor, question_bank_id: int, number: int) -> str:
    """The exact text of one version, to download (it validates as any bank file does)."""
    facilitator = _facilitator(actor, "download a question bank")
    with transaction(engine) as session:
        _usable(session, facilitator, question_bank_id)
        edition = _edition(session, question_bank_id, number)
        text = rows.version_text(session=session, bank_version_id=edition.bank_version_id)
    if text is None:
        raise NotFound(f"this question bank has no version {number}")
    return text


def start_editing(
    *, engine: Engine, actor: Actor, question_bank_id: int, number: int | None = None
) -> EditingStart:
    """A draft of the version (the newest when not given), to edit and then save as the next one."""
    facilitator = _facilitator(actor, "edit a question bank")
    with transaction(engine) as session:
        bank = _usable(session, facilitator, question_bank_id)
        edition = _edition(session, question_bank_id, number or bank.latest)
        text = rows.version_text(session=session, bank_version_id=edition.bank_version_id) or ""
        reserved = _reserved(session, question_bank_id)
    return EditingStart(
        question_bank_id, edition.number, bank_editing.draft_from_yaml(text), tuple(sorted(reserved))
    )


def choosable_bank_versions(*, engine: Engine, actor: Actor) -> list[BankChoice]:
    """What a workshop may use: the shipped bank first, then every version of every bank the
    facilitator owns or has been shared, by bank name and then newest version first."""
    facilitator = _facilitator(actor, "choose a question bank")
    choices = [BankChoice(None, SHIPPED_LABEL, None, SHIPPED_LABEL)]
    with transaction(engine) as session:
        banks = rows.visible_banks(session=session, facilitator_id=facilitator)
        editions = rows.editions_of(session=session, question_bank_ids=[b.id for b in banks])
    by_bank: dict[int, list[rows.EditionRow]] = {}
    for edition in editions:
        by_bank.setdefault(edition.question_bank_id, []).append(edition)
    for bank in banks:
        for edition in sorted(by_bank.get(bank.id, []), key=lambda e: -e.number):
            label = f"{bank.name}, version {edition.number}"
            if bank.owner_id != facilitator:
                label += f" (shared by {bank.owner_email})"
            choices.append(BankChoice(edition.bank_version_id, bank.name, edition.number, label))
    return choices


def choice_text(*, engine: Engine, actor: Actor, bank_version_id: int | None) -> str:
    """The text of a chosen bank version, as a new workshop stores it: the shipped bank for None,
    otherwise a version of a bank the facilitator owns or has been shared. Any other id is refused
    in the same words as one that does not exist, so nobody can read another's bank by its number."""
    facilitator = _facilitator(actor, "use a question bank")
    if bank_version_id is None:
        return shipped_bank_yaml()
    with transaction(engine) as session:
        banks = rows.visible_banks(session=session, facilitator_id=facilitator)
        editions = rows.editions_of(session=session, question_bank_ids=[b.id for b in banks])
        text = (
            rows.version_text(session=session, bank_version_id=bank_version_id)
            if any(e.bank_version_id == bank_version_id for e in editions)
            else None
        )
    if text is None:
        raise NotFound("there is no such question bank version among yours or those shared with you")
    return text


# --- changes --------------------------------------------------------------------------------------------


def create_bank(
    *,
    engine: Engine,
    actor: Actor,
    name: str,
    yaml_text: str | bytes | None = None,
    file_name: str = "questions.yaml",
) -> int:
    """A new bank of the facilitator's own, version 1 being the shipped bank (``yaml_text`` None)
    or the uploaded file, exactly as given. A file that breaks a rule is refused with every
    problem (``BankValidationError``, an ``Invalid``), as the bank check lists them."""
    facilitator = _facilitator(actor, "start a question bank")
    name = limits.checked_text(name, what="a question bank's name", limit=BANK_NAME_CHARS)
    if yaml_text is None:
        text = shipped_bank_yaml()
    else:
        parse_bank(yaml_text, name=file_name)  # every problem, before anything is written
        text = yaml_text.decode("utf-8-sig") if isinstance(yaml_text, bytes) else yaml_text
    first = bank_editing.change_summary(None, parse_bank(text, name=file_name))
    taken = f"you already have a question bank called '{name}'; choose another name"
    with _refused_if_taken(taken), transaction(engine) as session:
        if rows.bank_name_taken(session=session, owner_id=facilitator, name=name):
            raise Invalid(taken)
        bank_id = rows.create_bank(session=session, name=name, owner_id=facilitator)
        version = store_bank_version(session=session, yaml_text=text)
        rows.add_edition(
            session=session,
            question_bank_id=bank_id,
            number=1,
            bank_version_id=version,
            summary=first.as_dict(),
            saved_by=facilitator,
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="bank.created",
            target=name,
            detail={
                "question_bank": bank_id,
                "from": "shipped bank" if yaml_text is None else "uploaded file",
            },
        )
    return bank_id


@dataclass(frozen=True)
class SavedVersion:
    number: int
    changes: ChangeSummary


def save_version(
    *, engine: Engine, actor: Actor, question_bank_id: int, draft: Draft, based_on: int
) -> SavedVersion:
    """Save the draft as the bank's next version, with what it changed from ``based_on``.

    Refused when the draft breaks a rule (every problem, in the loader's words), when it changes
    nothing, when someone saved a newer version since it was started, or when it gives a question
    an id a stored version held (a removed question's id, say)."""
    facilitator = _facilitator(actor, "save a question bank")
    bank = bank_editing.validated(draft)
    with _refused_if_taken(SAVED_MEANWHILE), transaction(engine) as session:
        rows.lock_bank(session=session, question_bank_id=question_bank_id)  # before any read
        row = _usable(session, facilitator, question_bank_id)
        latest = max(
            (e.number for e in rows.editions(session=session, question_bank_id=question_bank_id)), default=0
        )
        if latest != based_on:
            raise Invalid(
                f"version {latest} of this bank was saved after you started editing version {based_on}; "
                "start again from the newest version and make your changes there"
            )
        base = _edition(session, question_bank_id, based_on)
        before = bank_for_version(session=session, bank_version_id=base.bank_version_id)
        changes = bank_editing.change_summary(before, bank)
        if changes.unchanged:
            raise Invalid(f"this draft is the same as version {based_on}: change something before saving")
        reused = bank_editing.reused_ids(
            before=bank_editing.held_ids(before),
            after=bank_editing.held_ids(bank),
            reserved=_reserved(session, question_bank_id),
        )
        if reused:
            raise Invalid(
                f"the id(s) {', '.join(reused)} belonged to questions or situations in a stored version; "
                "an id is never given to another: add the question or situation again to get a new id"
            )
        number = latest + 1
        stored = {**draft, "version": f"local-{question_bank_id}.{number}"}
        version = store_bank_version(session=session, yaml_text=bank_editing.draft_yaml(stored))
        rows.add_edition(
            session=session,
            question_bank_id=question_bank_id,
            number=number,
            bank_version_id=version,
            summary=changes.as_dict(),
            saved_by=facilitator,
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="bank.version_saved",
            target=row.name,
            detail={"question_bank": question_bank_id, "version": number, "changes": changes.as_dict()},
        )
    return SavedVersion(number, changes)


def share_bank(*, engine: Engine, actor: Actor, question_bank_id: int, email: str) -> None:
    """Share the bank with another facilitator (its owner only). Sharing twice changes nothing."""
    facilitator = _facilitator(actor, "share a question bank")
    email = email.strip()
    if not email or len(email) > limits.EMAIL_CHARS or "\x00" in email:
        raise Invalid(f"that is not an email address (1 to {limits.EMAIL_CHARS} characters, no NUL)")
    with transaction(engine) as session:
        row = _usable(session, facilitator, question_bank_id)
        if row.owner_id != facilitator:
            raise Forbidden("only the question bank's owner can share it")
        other = facilitator_id_by_email(session=session, email=email.lower())
        if other is None:
            raise Invalid(f"no facilitator has the email {email}")
        if other != facilitator and rows.share_bank_with(
            session=session, question_bank_id=question_bank_id, facilitator_id=other
        ):
            audit(
                session=session,
                actor=actor.audit_name,
                action="bank.shared",
                target=row.name,
                detail={"question_bank": question_bank_id, "with": email.lower()},
            )


__all__ = [
    "BankChoice",
    "BankEdition",
    "BankSummary",
    "EditingStart",
    "SavedVersion",
    "bank_editions",
    "choosable_bank_versions",
    "create_bank",
    "save_version",
    "share_bank",
    "shipped_bank_yaml",
    "start_editing",
    "version_yaml",
    "visible_banks",
]
