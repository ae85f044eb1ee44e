"""Per-person invitations to a workshop: made in a batch, found by the token a link carries, tied
to the participant the link admitted, and counted for the facilitator.

Each link carries a random token; only its SHA-256 hash is stored (as a signed-in facilitator's
session is), so a copy of the database holds no link that works. The links exist once, in the
batch the facilitator downloads when they are made.

**Anonymous workshops.** Here an invitation admits and nothing more: its row keeps no name and no
email (both are None), only the token's hash and, once used, the pseudonymous participant it
admitted. Who was sent which link exists only in the file the facilitator downloaded for their
mail merge, outside the app, so nothing the app stores, shows, exports or logs ties an answer to a
person: the participant is P07 as any other, and the facilitator's progress shows counts only.
**A link admits once and never again.** The facilitator holds every link (they made the mail
merge), so a used link that led back to the person's answers would let whoever sent it read what
that person answered, and in an anonymous workshop tie it to their name. Once used, a link only
says so; the person carries on from the device they joined on, or by the resume link their answer
page gives them, which only they have.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assessment.db.tables import Invitation, Participant, utcnow

INVITATION_TOKEN_BYTES = 24  # 192 bits, as a resume token


def token_hash(token: str) -> str:
    """What the database keeps of a secret token (an invitation's, a facilitator's session's): its
    SHA-256, so a copy of the database opens no invitation and no session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class InvitationRow:
    id: int
    workshop_id: int
    name: str | None
    email: str | None
    participant_id: int | None  # who it admitted, once used


def add_invitations(
    *, session: Session, workshop_id: int, people: Sequence[tuple[str | None, str | None]]
) -> list[str]:
    """One invitation per (name, email), in order; returns each one's token (never stored)."""
    tokens = []
    for name, email in people:
        token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
        session.add(Invitation(workshop_id=workshop_id, token_hash=token_hash(token), name=name, email=email))
        tokens.append(token)
    session.flush()
    return tokens


def invitation_by_token(*, session: Session, token: str) -> InvitationRow | None:
    """The invitation a link's token names; None for a token we never made."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if invitation is None:
        return None
    return InvitationRow(
        invitation.id, invitation.workshop_id, invitation.name, invitation.email, invitation.participant_id
    )


def tie_invitation(*, session: Session, invitation_id: int, participant_id: int) -> bool:
    """Record who the invitation admitted, unless it admitted someone already; True if it did now."""
    changed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.participant_id.is_(None))
        .values(participant_id=participant_id)
    )
    return bool(getattr(changed, "rowcount", 0))


@dataclass(frozen=True)
class InvitedPerson:
    name: str | None
    email: str | None
    joined: bool
    submitted: bool


def invited_people(*, session: Session, workshop_id: int) -> list[InvitedPerson]:
    """Everyone invited to the workshop, in the order they were invited, and how far each got."""
    rows = session.execute(
        select(Invitation.name, Invitation.email, Participant.id, Participant.submitted_at)
        .outerjoin(Participant, Participant.id == Invitation.participant_id)
        .where(Invitation.workshop_id == workshop_id)
        .order_by(Invitation.id)
    ).all()
    return [
        InvitedPerson(name, email, pid is not None, submitted is not None)
        for name, email, pid, submitted in rows
    ]


__all__ = [
    "INVITATION_TOKEN_BYTES",
    "InvitationRow",
    "InvitedPerson",
    "add_invitations",
    "invitation_by_token",
    "invited_people",
    "tie_invitation",
    "token_hash",
    "utcnow",
]
