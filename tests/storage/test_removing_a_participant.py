"""Removing a join left behind: only someone who has not submitted, only before the reveal, only by
a facilitator who can see the workshop, audited with who it was and never what they answered; and
never a person who submits at the same moment."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select

from assessment.answers import Answer, AnswerChange
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import Participant, Response
from assessment.errors import Invalid, NotFound, Refused
from assessment.services import Actor
from assessment.services.participants import save_answer as save_by_token
from assessment.services.workshops import not_submitted, remove_participant
from tests.storage.conftest import Facilitators, audit_entries

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]


def joined(engine: Engine, workshop_id: int, *, answers: int = 1, submitted: bool = False) -> int:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="nhs-trust")
        for item_id in ITEMS[:answers]:
            answer = Answer(item_id=item_id, current=2, target=3, comment="only mine")
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
        if submitted:
            submit_participant(session=session, participant_id=person.id)
    return person.id


def rows(engine: Engine, table: type[Participant] | type[Response]) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def owner_and_workshop(facilitators: Facilitators) -> tuple[Actor, int]:
    owner = facilitators.account("owner@riverside.nhs.uk")
    return Actor.facilitator(owner), facilitators.workshop(owner, cohort="North", partnership="Riverside")


def test_a_join_left_behind_is_removed_with_its_answers_and_audited_without_them(
    engine: Engine, owner_and_workshop: tuple[Actor, int]
) -> None:
    actor, workshop_id = owner_and_workshop
    kept = joined(engine, workshop_id, answers=2, submitted=True)
    left = joined(engine, workshop_id, answers=1)
    waiting = not_submitted(engine=engine, actor=actor, workshop_id=workshop_id)
    assert [(w.id, w.answered) for w in waiting] == [(left, "1 of 56 questions")]

    assert (
        remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=left) == "P02"
    )
    assert rows(engine, Participant) == 1 and rows(engine, Response) == 2  # only the kept person's
    with transaction(engine) as session:
        assert session.get(Participant, kept) is not None
    (entry,) = audit_entries(engine, "participant.removed")
    assert entry.detail == {"label": "P02", "sector": "nhs-trust", "answered": 1}
    assert "only mine" not in str(entry.detail)


def test_someone_who_submitted_is_never_removed(
    engine: Engine, owner_and_workshop: tuple[Actor, int]
) -> None:
    actor, workshop_id = owner_and_workshop
    done = joined(engine, workshop_id, submitted=True)
    with pytest.raises(NotFound):
        remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=done)
    assert rows(engine, Participant) == 1 and audit_entries(engine, "participant.removed") == []


def test_after_the_reveal_nobody_is_removed(engine: Engine, owner_and_workshop: tuple[Actor, int]) -> None:
    actor, workshop_id = owner_and_workshop
    left = joined(engine, workshop_id)
    with transaction(engine) as session:
        set_workshop_state(
            session=session, workshop_id=workshop_id, actor="t", status="closed", revealed=True
        )
    with pytest.raises(Invalid, match="revealed"):
        remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=left)
    assert rows(engine, Participant) == 1


def test_another_facilitator_can_neither_list_nor_remove_and_hears_the_same_words_as_for_nothing(
    engine: Engine, facilitators: Facilitators, owner_and_workshop: tuple[Actor, int]
) -> None:
    _, workshop_id = owner_and_workshop
    stranger = Actor.facilitator(facilitators.account("someone@eastvale.nhs.uk"))
    left = joined(engine, workshop_id)
    with pytest.raises(NotFound):
        not_submitted(engine=engine, actor=stranger, workshop_id=workshop_id)
    with pytest.raises(NotFound):
        remove_participant(engine=engine, actor=stranger, workshop_id=workshop_id, participant_id=left)
    assert rows(engine, Participant) == 1


def test_a_participant_of_another_workshop_is_not_removed_through_this_one(
    engine: Engine, facilitators: Facilitators, owner_and_workshop: tuple[Actor, int]
) -> None:
    actor, workshop_id = owner_and_workshop
    owner = int(actor.facilitator_id or 0)
    other = facilitators.workshop(owner, cohort="South", partnership="Eastvale")
    elsewhere = joined(engine, other)
    with pytest.raises(NotFound):
        remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=elsewhere)
    assert rows(engine, Participant) == 1


def test_a_remove_racing_a_submit_never_removes_a_submitted_person(
    engine: Engine, owner_and_workshop: tuple[Actor, int]
) -> None:
    """Remove and submit pressed at the same moment, many times: the person either stays and has
    submitted, or is gone without having submitted. Never a submitted person removed."""
    actor, workshop_id = owner_and_workshop
    for _ in range(8):
        person = joined(engine, workshop_id)
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def remove(
            person: int = person, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            try:
                remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=person)
                outcome["removed"] = True
            except NotFound:
                outcome["removed"] = False

        def submit(
            person: int = person, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            try:
                with transaction(engine) as session:
                    submit_participant(session=session, participant_id=person)
                outcome["submitted"] = True
            except NotFound:
                outcome["submitted"] = False

        threads = [threading.Thread(target=remove), threading.Thread(target=submit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        with transaction(engine) as session:
            stored = session.get(Participant, person)
            still_there, submitted = (
                stored is not None,
                stored is not None and stored.submitted_at is not None,
            )
        assert set(outcome) == {"removed", "submitted"}, "a thread raised something other than NotFound"
        assert outcome["removed"] != still_there
        assert not (outcome["removed"] and outcome["submitted"])
        assert not still_there or submitted == outcome["submitted"]


def test_a_remove_racing_the_persons_own_save_ends_in_one_clear_outcome_never_a_database_error(
    engine: Engine, owner_and_workshop: tuple[Actor, int]
) -> None:
    """The facilitator removes a join left behind while that same tab saves an answer, many times.
    The removal and the save take their locks in one order, so neither fails with a deadlock: the
    save lands first (and goes with the person) or is refused in words, and nothing is left."""
    actor, workshop_id = owner_and_workshop
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop_id, actor="t", status="open")
    for _ in range(8):
        with transaction(engine) as session:
            person = add_participant(session=session, workshop_id=workshop_id, sector="nhs-trust")
        save_by_token(  # the tab has looked its person up, as the answering page has
            engine=engine,
            token=person.resume_token,
            change=AnswerChange(item_id=ITEMS[0], parts={"current": 2, "target": 3}, stamp=time.time_ns()),
        )
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def remove(
            person: int = person.id, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            remove_participant(engine=engine, actor=actor, workshop_id=workshop_id, participant_id=person)
            outcome["removed"] = True

        def save(
            token: str = person.resume_token,
            start: threading.Barrier = start,
            outcome: dict[str, object] = outcome,
        ) -> None:
            start.wait()
            change = AnswerChange(item_id=ITEMS[1], parts={"current": 1, "target": 2}, stamp=time.time_ns())
            try:
                save_by_token(engine=engine, token=token, change=change)
                outcome["save"] = "landed"
            except Refused:
                outcome["save"] = "refused"

        threads = [threading.Thread(target=remove), threading.Thread(target=save)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert outcome.get("removed") is True and outcome.get("save") in {"landed", "refused"}, outcome
        assert (rows(engine, Participant), rows(engine, Response)) == (0, 0)
