"""The repository on SQLite and PostgreSQL: workshops, participants, answers saved exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from assessment.answers import Answer
from assessment.db import (
    JOIN_CODE_ALPHABET,
    add_participant,
    bank_for_version,
    participant_revision,
    participant_stored_answers,
    save_answer,
    save_answers,
    submit_participant,
    transaction,
    workshop_answers,
    workshop_info,
)
from assessment.errors import Refused
from tests.storage.counts import response_count, table_counts


def test_a_new_workshop_gets_an_unambiguous_eight_character_join_code(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
    assert len(info.join_code) == 8
    assert set(info.join_code) <= set(JOIN_CODE_ALPHABET)
    assert not set(info.join_code) & set("0O1IL")
    assert info.status == "draft" and info.revealed is False and info.anonymous is True
    assert len(info.domains) == 14


def test_saving_the_same_answer_twice_keeps_one_row_with_the_last_value(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(
            session=session, workshop_id=workshop_id, sector="vcse", role="Chief officer"
        )
    for current in (1, 3):
        with transaction(engine) as session:
            answer = Answer(item_id="shared-purpose-stated", current=current, target=4)
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
    with transaction(engine) as session:
        submit_participant(session=session, participant_id=person.id)
    with transaction(engine) as session:
        answers, _ = workshop_answers(session=session, workshop_id=workshop_id)
        assert response_count(session=session, workshop_id=workshop_id) == 1
    assert answers[["current", "target"]].to_numpy().tolist() == [[3.0, 4.0]]


def test_an_answer_outside_the_scale_is_refused_and_nothing_is_written(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="nhs-trust")
        before = table_counts(session=session)
    with pytest.raises(Refused, match="outside the scale 1 to 4"), transaction(engine) as session:
        save_answer(
            session=session,
            participant_id=person.id,
            answer=Answer(item_id="shared-purpose-stated", current=7, target=4),
            bank=bank,
        )
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def _bank_and_people(engine: Engine, workshop_id: int, *sectors: str) -> tuple[Any, list[int]]:
    """The workshop's bank, and a new participant of each sector given."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        people = [add_participant(session=session, workshop_id=workshop_id, sector=s).id for s in sectors]
    return bank, people


def _mixed_answers(bank: Any) -> list[Answer]:
    """A level answer, a "don't know" with a comment, a confidence and an accountability answer."""
    maturity = [i for _, i in bank.iter_items() if i.type == "maturity"]
    accountability = next(i for _, i in bank.iter_items() if i.type == "accountability")
    return [
        Answer(item_id=maturity[0].id, current=2, target=4, confidence=3),
        Answer(item_id=maturity[1].id, dont_know=True, comment="We have not talked about this yet"),
        Answer(item_id=maturity[2].id, current=1, target=1),
        Answer(item_id=accountability.id, tiers={f.id: "unclear" for f in accountability.functions[:2]}),
    ]


def test_answers_saved_at_once_are_stored_as_the_same_answers_saved_one_by_one(
    engine: Engine, workshop_id: int
) -> None:
    bank, (one_by_one, at_once) = _bank_and_people(engine, workshop_id, "vcse", "vcse")
    answers = _mixed_answers(bank)
    with transaction(engine) as session:
        for answer in answers:
            save_answer(session=session, participant_id=one_by_one, answer=answer, bank=bank)
        save_answers(session=session, participant_id=at_once, answers=answers, bank=bank)
    with transaction(engine) as session:
        singly = participant_stored_answers(session=session, participant_id=one_by_one)
        together = participant_stored_answers(session=session, participant_id=at_once)
        revisions = [participant_revision(session=session, participant_id=p) for p in (one_by_one, at_once)]
    assert {item: stored.answer for item, stored in together.items()} == {
        item: stored.answer for item, stored in singly.items()
    }
    assert set(together) == {answer.item_id for answer in answers}
    # one write: one revision, and every part of every answer stamped with it
    assert revisions == [len(answers), 1]
    assert {r for stored in together.values() for r in stored.revisions.values()} == {1}


def test_one_refused_answer_among_many_refuses_them_all_and_writes_nothing(
    engine: Engine, workshop_id: int
) -> None:
    bank, (person,) = _bank_and_people(engine, workshop_id, "nhs-trust")
    with transaction(engine) as session:
        before = table_counts(session=session)
    wrong = Answer(item_id="shared-purpose-stated", current=7, target=4)
    with pytest.raises(Refused, match="outside the scale 1 to 4"), transaction(engine) as session:
        save_answers(
            session=session, participant_id=person, answers=[*_mixed_answers(bank), wrong], bank=bank
        )
    with transaction(engine) as session:
        assert table_counts(session=session) == before
        assert participant_revision(session=session, participant_id=person) == 0


def test_an_item_given_twice_in_one_save_keeps_its_last_answer(engine: Engine, workshop_id: int) -> None:
    bank, (person,) = _bank_and_people(engine, workshop_id, "nhs-trust")
    first, second = (Answer(item_id="shared-purpose-stated", current=c, target=4) for c in (1, 3))
    with transaction(engine) as session:
        save_answers(session=session, participant_id=person, answers=[first, second], bank=bank)
    with transaction(engine) as session:
        stored = participant_stored_answers(session=session, participant_id=person)
    assert {item: s.answer for item, s in stored.items()} == {"shared-purpose-stated": second}


def test_accountability_answers_come_back_one_row_per_function(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="local-authority")
        item = next(i for _, i in bank.iter_items() if i.type == "accountability")
        tiers = {f.id: "unclear" for f in item.functions[:2]}  # type: ignore[union-attr]
        save_answer(
            session=session, participant_id=person.id, answer=Answer(item_id=item.id, tiers=tiers), bank=bank
        )
        submit_participant(session=session, participant_id=person.id)
    with transaction(engine) as session:
        answers, tier_answers = workshop_answers(session=session, workshop_id=workshop_id)
    assert answers.empty
    assert sorted(tier_answers["function_id"]) == sorted(tiers)
    assert set(tier_answers["tier"]) == {"unclear"}


def test_an_unknown_sector_is_refused_with_the_list_of_sectors(engine: Engine, workshop_id: int) -> None:
    with pytest.raises(Refused, match="expected one of ics-nhs-body"), transaction(engine) as session:
        add_participant(session=session, workshop_id=workshop_id, sector="pharma")
