"""A cohort's partnerships and their rounds: what the cohort comparison starts from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.db.tables import BankVersion, Partnership, Workshop


@dataclass(frozen=True)
class MemberPartnership:
    id: int
    name: str
    kind: str
    parent_id: int | None


@dataclass(frozen=True)
class RoundRow:
    """One workshop of a partnership, with the bank it used."""

    workshop_id: int
    partnership_id: int
    join_code: str
    round_label: str | None
    title: str
    held_on: date
    bank_version_id: int
    bank_id: str
    version: str
    domains: tuple[str, ...]


def cohort_partnerships(
    *, session: Session, cohort_id: int, kinds: Sequence[str] | None = None
) -> list[MemberPartnership]:
    """The cohort's partnerships that are not archived (of these kinds, when given), by name."""
    query = (
        select(Partnership.id, Partnership.name, Partnership.kind, Partnership.parent_id)
        .where(Partnership.cohort_id == cohort_id, Partnership.archived.is_(False))
        .order_by(Partnership.name, Partnership.id)
    )
    if kinds is not None:
        query = query.where(Partnership.kind.in_(list(kinds)))
    return [MemberPartnership(pid, name, kind, parent) for pid, name, kind, parent in session.execute(query)]


def partnership_round_rows(
    *,
    session: Session,
    partnership_ids: Sequence[int],
    since: date | None = None,
    until: date | None = None,
    bank_version: str | None = None,
) -> list[RoundRow]:
    """The partnerships' workshops held between the dates (inclusive) on the bank version
    ("ics-readiness 1.0.0") when given: by partnership, then oldest first (by date, then id)."""
    query = (
        select(
            Workshop.id,
            Workshop.partnership_id,
            Workshop.join_code,
            Workshop.round_label,
            Workshop.title,
            Workshop.held_on,
            Workshop.bank_version_id,
            BankVersion.bank_id,
            BankVersion.version,
            Workshop.domains,
        )
        .join(BankVersion, BankVersion.id == Workshop.bank_version_id)
        .where(Workshop.partnership_id.in_(list(partnership_ids)))
        .order_by(Workshop.partnership_id, Workshop.held_on, Workshop.id)
    )
    if since is not None:
        query = query.where(Workshop.held_on >= since)
    if until is not None:
        query = query.where(Workshop.held_on <= until)
    if bank_version is not None:
        query = query.where(BankVersion.bank_id.concat(" ").concat(BankVersion.version) == bank_version)
    return [
        RoundRow(wid, pid, code, label, title, held_on, version_id, bank_id, version, tuple(domains))
        for wid, pid, code, label, title, held_on, version_id, bank_id, version, domains in session.execute(
            query
        )
    ]
