"""The re-rate round (``assessment.rerate``): opened and finished by the facilitator, answered by
each participant through their resume link.

Every function is the one door for its action: it checks who acts, validates, runs in one
transaction and audits what the facilitator does. First answers are never written here; a re-rate
answer is kept beside them (``assessment.db.rerate``).

Who may re-rate: the people whose first answers count (they submitted). Which questions: maturity
questions of the workshop whose first-round figures the results show (never a withheld one, whose
distribution must stay hidden). When: only while the re-rate round is open, after the reveal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.db import (
    ParticipantInfo,
    RerateInfo,
    StoredRerate,
    WorkshopInfo,
    audit,
    bank_for_version,
    finish_rerate_round,
    lock_rerate_round,
    open_rerate_round,
    participant_rerates,
    participant_stored_answers,
    participant_submitted,
    rerate_round,
    rerate_stage,
    save_rerate_answer,
    transaction,
    workshop_info,
)
from assessment.errors import Forbidden, Invalid
from assessment.framework import QuestionBank
from assessment.lifecycle import Rerate, State, TransitionRefused, next_state, state_of
from assessment.limits import checked_text
from assessment.results import ScoredWorkshop, score_stored_workshop
from assessment.services import Actor, workshop_for
from assessment.services.participants import token_owner
from assessment.slides import Distribution, distributions

REASON_CHARS = 500
NOTHING_CHOSEN = "Choose at least one domain or question to re-rate"
NO_RERATE_OPEN = "No re-rate is open for this workshop: the facilitator opens one after the reveal"
NOT_SUBMITTED = (
    "Only people who submitted their answers take part in the re-rate: yours were not submitted, so "
    "they are not counted in the team's figures"
)


@dataclass(frozen=True)
class RerateChoice:
    """A question the facilitator may choose for the re-rate: its first-round figures are shown."""

    item_id: str
    domain: str  # the domain's id
    domain_title: str
    text: str
    split: bool  # the team was split on it in the first round


@dataclass(frozen=True)
class RerateQuestion:
    """One chosen question as a participant sees it in the re-rate."""

    item_id: str
    domain_title: str
    text: str
    first_current: int | None  # None: they answered "don't know", so there is nothing to re-rate
    first_target: int | None
    saved: StoredRerate | None  # their re-rate as stored, if they gave one
    team: Distribution  # the team's anonymous distribution, as the results show it


@dataclass(frozen=True)
class ParticipantRerate:
    workshop_title: str
    scale: tuple[str, ...]  # the level names, lowest first
    questions: tuple[RerateQuestion, ...]


def _stage(session: Session, workshop: WorkshopInfo) -> State:
    stage: Rerate = "none"
    found = rerate_stage(session=session, workshop_id=workshop.id)
    if found == "open":
        stage = "open"
    elif found == "finished":
        stage = "finished"
    return state_of(workshop.status, workshop.revealed, stage)


def workshop_state(*, engine: Engine, actor: Actor, workshop_id: int) -> State:
    """The workshop's whole lifecycle state, its re-rate stage included (the page's buttons)."""
    with transaction(engine) as session:
        return _stage(session, workshop_for(session=session, actor=actor, workshop_id=workshop_id))


@dataclass(frozen=True)
class RerateProgress:
    questions: int  # how many questions the re-rate asks
    respondents: int  # the people it asks: those whose first answers count
    rerated: int  # of them, how many have re-rated at least one question


def rerate_progress(*, engine: Engine, actor: Actor, workshop_id: int) -> RerateProgress | None:
    """How far the room has got with the re-rate (counts only), or None when none was opened."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        scored = score_stored_workshop(session=session, workshop_id=workshop.id)
    if scored.rerate_round is None or scored.rerate is None:
        return None
    return RerateProgress(len(scored.rerate_round.item_ids), scored.rerate.respondents, scored.rerate.rerated)


def _shown_questions(scored: ScoredWorkshop) -> dict[str, RerateChoice]:
    """The maturity questions whose first-round figures the results show, in bank order."""
    items = scored.scores.items
    shown = {str(r["item_id"]): bool(r["split"]) for r in items.to_dict("records") if not bool(r["withheld"])}
    return {
        item.id: RerateChoice(item.id, domain.id, domain.title, item.text, shown[item.id])
        for domain, item in scored.bank.iter_items()
        if item.id in shown
    }


def rerate_choices(*, engine: Engine, actor: Actor, workshop_id: int) -> list[RerateChoice]:
    """The questions the facilitator may choose for a re-rate: those whose figures are shown."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return list(
            _shown_questions(score_stored_workshop(session=session, workshop_id=workshop.id)).values()
        )


def open_rerate(
    *,
    engine: Engine,
    actor: Actor,
    workshop_id: int,
    domains: Sequence[str] = (),
    item_ids: Sequence[str] = (),
) -> RerateInfo:
    """Open the workshop's re-rate round on the shown questions of ``domains`` and on ``item_ids``.

    Only after the reveal, once per workshop, and only on questions whose first-round figures are
    shown; refused in words otherwise, changing nothing. Audited with the questions chosen.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        try:
            next_state(_stage(session, workshop), "rerate")
        except TransitionRefused as exc:
            raise Invalid(str(exc)) from None
        shown = _shown_questions(score_stored_workshop(session=session, workshop_id=workshop.id))
        unknown = [d for d in domains if d not in workshop.domains]
        if unknown:
            raise Invalid(f"This workshop does not ask the domain {unknown[0]}")
        hidden = [i for i in item_ids if i not in shown]
        if hidden:
            raise Invalid(
                f"The question {hidden[0]} cannot be re-rated: only questions whose first-round figures "
                "the results show can be, so that no one sees a withheld question's answers"
            )
        chosen_domains = set(domains)
        chosen = [i for i, c in shown.items() if c.domain in chosen_domains or i in set(item_ids)]
        if not chosen:
            if domains:
                raise Invalid(
                    "The domains chosen have no question whose figures are shown, so none can be re-rated"
                )
            raise Invalid(NOTHING_CHOSEN)
        opened = open_rerate_round(
            session=session, workshop_id=workshop.id, item_ids=chosen, actor=actor.audit_name
        )
        audit(
            session=session,
            actor=actor.audit_name,
            action="rerate.open",
            target=workshop.join_code,
            detail={"questions": chosen},
        )
    return opened


def finish_rerate(*, engine: Engine, actor: Actor, workshop_id: int) -> RerateInfo:
    """Finish the workshop's open re-rate round: no re-rate answer is taken after it. Audited.

    The round's row is locked before anything else is read (``lock_rerate_round``), so a save that
    found the round open lands before the finish, never after it.
    """
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
    with transaction(engine) as session:
        lock_rerate_round(session=session, workshop_id=workshop.id)
        try:
            next_state(_stage(session, workshop_info(session=session, workshop_id=workshop.id)), "finish")
        except TransitionRefused as exc:
            raise Invalid(str(exc)) from None
        finished = finish_rerate_round(session=session, workshop_id=workshop.id)
        audit(session=session, actor=actor.audit_name, action="rerate.finish", target=workshop.join_code)
    return finished


# --- the participant's side ----------------------------------------------------------------------------


def _open_round(session: Session, participant: ParticipantInfo, workshop: WorkshopInfo) -> RerateInfo:
    found = rerate_round(session=session, workshop_id=workshop.id)
    if found is None or found.closed_at is not None or not workshop.revealed:
        raise Forbidden(NO_RERATE_OPEN)
    if not participant_submitted(session=session, participant_id=participant.id):
        raise Forbidden(NOT_SUBMITTED)
    return found


def rerate_open(*, engine: Engine, token: str) -> bool:
    """Whether the participant's workshop has a re-rate open now (the answer page's link)."""
    with transaction(engine) as session:
        _, workshop = token_owner(session=session, token=token)
        found = rerate_round(session=session, workshop_id=workshop.id)
        return found is not None and found.closed_at is None and workshop.revealed


def participant_rerate(*, engine: Engine, token: str) -> ParticipantRerate:
    """The chosen questions as the participant re-rates them: their first answer, their re-rate
    if saved, and the team's anonymous distribution the results show. Forbidden when no re-rate is
    open or their answers were not submitted."""
    with transaction(engine) as session:
        participant, workshop = token_owner(session=session, token=token)
        found = _open_round(session, participant, workshop)
        scored = score_stored_workshop(session=session, workshop_id=workshop.id)
        first = {
            i: a.answer
            for i, a in participant_stored_answers(session=session, participant_id=participant.id).items()
        }
        saved = participant_rerates(session=session, round_id=found.id, participant_id=participant.id)
    team = distributions(scored, list(found.item_ids))
    titles = {item.id: (domain.title, item.text) for domain, item in scored.bank.iter_items()}
    questions = []
    for item_id in found.item_ids:
        answer = first.get(item_id)
        rated = answer is not None and not answer.dont_know and answer.current is not None
        questions.append(
            RerateQuestion(
                item_id=item_id,
                domain_title=titles[item_id][0],
                text=titles[item_id][1],
                first_current=answer.current if rated and answer is not None else None,
                first_target=answer.target if rated and answer is not None else None,
                saved=saved.get(item_id) if rated else None,
                team=team[item_id],
            )
        )
    return ParticipantRerate(
        workshop_title=workshop.title,
        scale=tuple(level.label for level in scored.bank.scale),
        questions=tuple(questions),
    )


def _checked_levels(bank: QuestionBank, current: int, target: int) -> None:
    top = bank.max_level
    for name, level in (("current", current), ("target", target)):
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= top:
            raise Invalid(f"The {name} level must be a whole number from 1 to {top}")


def save_rerate(
    *, engine: Engine, token: str, item_id: str, current: int, target: int, reason: str | None = None
) -> StoredRerate:
    """Keep the participant's re-rate of one chosen question (keeping their first answer is a
    re-rate with the same levels); saving again replaces it, the last change wins. Refused when no
    re-rate is open, for a question not chosen, or one they answered "don't know" the first time.
    Returns the re-rate as stored."""
    text = (
        None if reason is None else checked_text(reason, what="A reason", limit=REASON_CHARS, required=False)
    )
    with transaction(engine) as session:  # who the link names: never changes once they joined
        participant, workshop = token_owner(session=session, token=token)
    with transaction(engine) as session:
        # the round's row first (see lock_rerate_round): a finish at the same moment waits or wins
        lock_rerate_round(session=session, workshop_id=workshop.id)
        found = _open_round(session, participant, workshop_info(session=session, workshop_id=workshop.id))
        if item_id not in found.item_ids:
            raise Invalid("That question is not part of this re-rate")
        stored = participant_stored_answers(session=session, participant_id=participant.id).get(item_id)
        answer = None if stored is None else stored.answer
        if answer is None or answer.dont_know or answer.current is None:
            raise Invalid(
                "You answered \u201cdon't know\u201d to this question the first time, so there is no "
                "rating to re-rate"
            )
        _checked_levels(
            bank_for_version(session=session, bank_version_id=workshop.bank_version_id), current, target
        )
        save_rerate_answer(
            session=session,
            round_id=found.id,
            participant_id=participant.id,
            item_id=item_id,
            current=current,
            target=target,
            reason=text or None,
        )
        return participant_rerates(session=session, round_id=found.id, participant_id=participant.id)[item_id]


__all__ = [
    "NOTHING_CHOSEN",
    "NOT_SUBMITTED",
    "NO_RERATE_OPEN",
    "REASON_CHARS",
    "ParticipantRerate",
    "RerateChoice",
    "RerateProgress",
    "RerateQuestion",
    "finish_rerate",
    "open_rerate",
    "participant_rerate",
    "rerate_choices",
    "rerate_open",
    "rerate_progress",
    "save_rerate",
    "workshop_state",
]
