"""Who may see a cohort, and the facilitator's changes to cohorts and partnerships.

A facilitator sees the cohorts they own, those shared with them, and team-wide cohorts (no owner:
made from the command line or as sample data). Every change is recorded in the audit log;
nothing is deleted silently: deleting a partnership that has workshops needs its name typed.
A team-wide cohort belongs to everyone: any facilitator may add partnerships to it and correct
their names, but only the operator may rename, share, archive or unarchive it, or archive, delete
or move its partnerships into a private cohort.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assessment import limits
from assessment.db import accounts, audit, create_cohort, create_partnership
from assessment.db import admin as rows
from assessment.db.admin import CohortRow, PartnershipRow
from assessment.db.workshops import partnership_workshop_ids
from assessment.errors import Forbidden, Invalid, NotFound


def visible_cohorts(*, session: Session, facilitator_id: int, archived: bool = False) -> list[dict[str, Any]]:
    """The cohorts this facilitator may open, with their partnership counts and whether they own it;
    with ``archived``, the archived ones instead (still theirs to bring back)."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "partnerships": c.partnerships,
            "owned": c.owner_id == facilitator_id,
            "team": c.owner_id is None,
        }
        for c in rows.visible_cohort_rows(session=session, facilitator_id=facilitator_id, archived=archived)
    ]


def can_see_cohort(*, session: Session, facilitator_id: int, cohort_id: int) -> bool:
    return rows.cohort_visible_to(session=session, facilitator_id=facilitator_id, cohort_id=cohort_id)


def require_cohort(*, session: Session, facilitator_id: int, cohort_id: int) -> None:
    """Refuse, in the same words whether the cohort is someone else's or does not exist."""
    if not can_see_cohort(session=session, facilitator_id=facilitator_id, cohort_id=cohort_id):
        raise NotFound("that cohort does not exist or has not been shared with you")


def _owned(session: Session, facilitator_id: int, cohort_id: int) -> CohortRow:
    cohort = rows.cohort_row(session=session, cohort_id=cohort_id)
    if cohort is None or not can_see_cohort(
        session=session, facilitator_id=facilitator_id, cohort_id=cohort_id
    ):
        raise NotFound("that cohort does not exist or has not been shared with you")
    if cohort.owner_id not in (None, facilitator_id):
        raise Forbidden("only the cohort's owner can change it")
    return cohort


def _not_team_wide(cohort: CohortRow, doing: str) -> None:
    """Refuse a change that would take a team-wide cohort, or its partnerships, from the others.

    A team-wide cohort has no owner, so ownership cannot protect it: without this rule the first
    facilitator to act could rename, archive or empty it into a private cohort of their own.
    Adding partnerships and correcting their names stay open to everyone; the rest is the
    operator's, who runs the app and its command line.
    """
    if cohort.owner_id is None:
        raise Invalid(
            f"'{cohort.name}' is a team-wide cohort, shared by every facilitator: only the operator "
            f"can {doing}"
        )


def _partnership(session: Session, facilitator_id: int, partnership_id: int) -> PartnershipRow:
    partnership = rows.partnership_row(session=session, partnership_id=partnership_id)
    if partnership is None:
        raise NotFound("no such partnership")
    _owned(session, facilitator_id, partnership.cohort_id)
    return partnership


def _cohort_of(session: Session, partnership: PartnershipRow) -> CohortRow:
    cohort = rows.cohort_row(session=session, cohort_id=partnership.cohort_id)
    if cohort is None:  # the foreign key makes this impossible; said plainly all the same
        raise NotFound("no such cohort")
    return cohort


def _valid_name(name: str, what: str) -> str:
    limit = limits.COHORT_NAME_CHARS if what == "cohort" else limits.PARTNERSHIP_NAME_CHARS
    return limits.checked_text(name, what=f"a {what}'s name", limit=limit)


def _actor(facilitator_id: int) -> str:
    return f"facilitator:{facilitator_id}"


def create_own_cohort(*, session: Session, facilitator_id: int, name: str) -> int:
    name = _valid_name(name, "cohort")
    cohort = create_cohort(session=session, name=name, owner_id=facilitator_id)
    audit(session=session, actor=_actor(facilitator_id), action="cohort.created", target=name)
    return cohort


def rename_cohort(*, session: Session, facilitator_id: int, cohort_id: int, name: str) -> None:
    cohort = _owned(session, facilitator_id, cohort_id)
    _not_team_wide(cohort, "rename it, with `cohort rename` on the command line")
    _rename_cohort(session, cohort, name, actor=_actor(facilitator_id))


def _rename_cohort(session: Session, cohort: CohortRow, name: str, *, actor: str) -> None:
    name = _valid_name(name, "cohort")
    if rows.cohort_name_taken(session=session, name=name, other_than=cohort.id):
        raise Invalid(f"a cohort called '{name}' already exists")
    audit(
        session=session,
        actor=actor,
        action="cohort.renamed",
        target=cohort.name,
        detail={"from": cohort.name, "to": name},
    )
    rows.change_cohort(session=session, cohort_id=cohort.id, values={"name": name})


def share_cohort(*, session: Session, facilitator_id: int, cohort_id: int, email: str) -> None:
    cohort = _owned(session, facilitator_id, cohort_id)
    _not_team_wide(cohort, "change who sees it (it is already shared with everyone)")
    email = email.strip()
    if len(email) > limits.EMAIL_CHARS or "\x00" in email:
        # No account can have it; asking the database about a NUL would be an error on PostgreSQL.
        raise Invalid(f"that is not an email address (at most {limits.EMAIL_CHARS} characters, no NUL)")
    other = accounts.facilitator_id_by_email(session=session, email=email.lower())
    if other is None:
        raise Invalid(f"no facilitator has the email {email}")
    if other != facilitator_id and rows.share_cohort_with(
        session=session, cohort_id=cohort_id, facilitator_id=other
    ):
        audit(
            session=session,
            actor=_actor(facilitator_id),
            action="cohort.shared",
            target=cohort.name,
            detail={"with": email.strip().lower()},
        )


def archive_cohort(*, session: Session, facilitator_id: int, cohort_id: int) -> bool:
    """Hide the cohort from the pages; False when it already was archived (nothing written)."""
    cohort = _owned(session, facilitator_id, cohort_id)
    _not_team_wide(cohort, "archive it, with `cohort archive` on the command line")
    return _set_archived(session, cohort, True, actor=_actor(facilitator_id))


def unarchive_cohort(*, session: Session, facilitator_id: int, cohort_id: int) -> bool:
    """Show the archived cohort on the pages again; False when it was not archived."""
    cohort = _owned(session, facilitator_id, cohort_id)
    _not_team_wide(cohort, "unarchive it, with `cohort unarchive` on the command line")
    return _set_archived(session, cohort, False, actor=_actor(facilitator_id))


def _set_archived(session: Session, cohort: CohortRow, archived: bool, *, actor: str) -> bool:
    # Audited only when it changed: a second click on the button writes nothing at all.
    if not rows.set_cohort_archived(session=session, cohort_id=cohort.id, archived=archived):
        return False
    action = "cohort.archived" if archived else "cohort.unarchived"
    audit(session=session, actor=actor, action=action, target=cohort.name)
    return True


def add_partnership(
    *,
    session: Session,
    facilitator_id: int,
    cohort_id: int,
    name: str,
    kind: str,
    parent_id: int | None = None,
) -> int:
    _owned(session, facilitator_id, cohort_id)
    name = _valid_name(name, "partnership")
    if parent_id is not None:
        parent = _partnership(session, facilitator_id, parent_id)
        if parent.kind != "ics":
            raise Invalid("a place or neighbourhood belongs to an ICS partnership")
    created = create_partnership(
        session=session, cohort_id=cohort_id, name=name, kind=kind, parent_id=parent_id
    )
    audit(session=session, actor=_actor(facilitator_id), action="partnership.created", target=name)
    return created


def rename_partnership(*, session: Session, facilitator_id: int, partnership_id: int, name: str) -> None:
    partnership = _partnership(session, facilitator_id, partnership_id)
    name = _valid_name(name, "partnership")
    if rows.partnership_name_taken(
        session=session, cohort_id=partnership.cohort_id, name=name, other_than=partnership_id
    ):
        raise Invalid(f"the cohort already has a partnership called '{name}'")
    audit(
        session=session,
        actor=_actor(facilitator_id),
        action="partnership.renamed",
        target=partnership.name,
        detail={"from": partnership.name, "to": name},
    )
    rows.change_partnership(session=session, partnership_id=partnership_id, values={"name": name})


def move_partnership(*, session: Session, facilitator_id: int, partnership_id: int, cohort_id: int) -> None:
    partnership = _partnership(session, facilitator_id, partnership_id)
    target = _owned(session, facilitator_id, cohort_id)
    if target.owner_id is not None:
        # Into another team-wide cohort it stays everyone's; into a private one it would not.
        _not_team_wide(
            _cohort_of(session, partnership),
            "move its partnerships into a private cohort, with `partnership move` on the command line",
        )
    _move_partnership(session, partnership, target, actor=_actor(facilitator_id))


def _move_partnership(
    session: Session, partnership: PartnershipRow, target: CohortRow, *, actor: str
) -> None:
    if rows.partnership_name_taken(session=session, cohort_id=target.id, name=partnership.name):
        raise Invalid(f"that cohort already has a partnership called '{partnership.name}'")
    audit(
        session=session,
        actor=actor,
        action="partnership.moved",
        target=partnership.name,
        detail={"from": partnership.cohort_id, "to": target.id},
    )
    rows.change_partnership(session=session, partnership_id=partnership.id, values={"cohort_id": target.id})


def archive_partnership(*, session: Session, facilitator_id: int, partnership_id: int) -> None:
    partnership = _partnership(session, facilitator_id, partnership_id)
    _not_team_wide(_cohort_of(session, partnership), "archive its partnerships")
    rows.change_partnership(session=session, partnership_id=partnership_id, values={"archived": True})
    audit(
        session=session, actor=_actor(facilitator_id), action="partnership.archived", target=partnership.name
    )


def delete_partnership(
    *, session: Session, facilitator_id: int, partnership_id: int, typed_name: str
) -> None:
    """Delete a partnership and everything recorded for it. With workshops, only when its name is
    typed exactly: a facilitator should never lose a partnership's history by one click."""
    partnership = _partnership(session, facilitator_id, partnership_id)
    _not_team_wide(_cohort_of(session, partnership), "delete its partnerships")
    workshops = partnership_workshop_ids(session=session, partnership_id=partnership_id)
    if workshops and typed_name.strip() != partnership.name:
        raise Invalid(
            f"type the partnership's name exactly ({partnership.name}) to delete it and its workshops"
        )
    if rows.partnership_has_places(session=session, partnership_id=partnership_id):
        raise Invalid("move or delete its places first: they belong to this partnership")
    audit(
        session=session,
        actor=_actor(facilitator_id),
        action="partnership.deleted",
        target=partnership.name,
        detail={"workshops": len(workshops)},
    )
    rows.delete_partnership_rows(session=session, partnership_id=partnership_id, workshop_ids=workshops)


# --- the operator's changes (the command line) -------------------------------------------------------
# Whoever runs the app answers for every cohort, team-wide ones included: these are the changes a
# facilitator's page refuses for a team-wide cohort, audited under the operator's name.


def _cohort(session: Session, cohort_id: int) -> CohortRow:
    cohort = rows.cohort_row(session=session, cohort_id=cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    return cohort


def operator_rename_cohort(*, session: Session, cohort_id: int, name: str, actor: str) -> None:
    _rename_cohort(session, _cohort(session, cohort_id), name, actor=actor)


def operator_archive_cohort(*, session: Session, cohort_id: int, actor: str) -> bool:
    return _set_archived(session, _cohort(session, cohort_id), True, actor=actor)


def operator_unarchive_cohort(*, session: Session, cohort_id: int, actor: str) -> bool:
    return _set_archived(session, _cohort(session, cohort_id), False, actor=actor)


def operator_move_partnership(*, session: Session, partnership_id: int, cohort_id: int, actor: str) -> None:
    partnership = rows.partnership_row(session=session, partnership_id=partnership_id)
    if partnership is None:
        raise NotFound("no such partnership")
    _move_partnership(session, partnership, _cohort(session, cohort_id), actor=actor)
