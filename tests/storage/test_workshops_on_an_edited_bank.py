"""A workshop runs on a version of a facilitator's own bank (issue 16, item 2), on SQLite and
PostgreSQL: the chooser's text is the version's exactly, nobody reaches a bank that is not theirs or
shared with them, and a partnership's trend across version 1 and version 2 matches the unchanged
questions by id and marks the reworded one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assessment import bank_editing as be
from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.errors import NotFound
from assessment.services import Actor, banks
from assessment.services import workshops as workshops_service
from assessment.trends import REWORDED, trend_frame, trend_question_changes
from tests.storage.conftest import SHIPPED_BANK_TEXT, Facilitators

REWORDED_ID = "shared-purpose-stated"
NEW_WORDS = "Every partner has signed one written purpose, built on what residents need."


@pytest.fixture
def owner(engine: Engine) -> Actor:
    return Actor.facilitator(Facilitators(engine).account("owner@riverside.nhs.uk"))


def second_version(engine: Engine, owner: Actor) -> int:
    """The owner's bank, started from the shipped one and saved again with one question reworded."""
    bank = banks.create_bank(engine=engine, actor=owner, name="Riverside's own")
    start = banks.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    draft = be.set_item_text(start.draft, REWORDED_ID, "text", NEW_WORDS)
    assert (
        banks.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=1).number
        == 2
    )
    return bank


def run_round(
    engine: Engine, owner: Actor, partnership: int, *, label: str, bank_yaml: str, month: int
) -> int:
    """A workshop made as the form makes it, then three people answer, submit, and it closes."""
    made = workshops_service.create_workshop(
        engine=engine,
        actor=owner,
        partnership_id=partnership,
        title=f"Readiness {label}",
        held_on=date(2026, month, 1),
        round_label=label,
        domains=None,
        anonymous=True,
        bank_yaml=bank_yaml,
    )
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=made.id, actor="t", status="open")
        bank = bank_for_version(
            session=session,
            bank_version_id=workshop_info(session=session, workshop_id=made.id).bank_version_id,
        )
        for index, sector in enumerate(["nhs-trust", "local-authority", "vcse"]):
            person = add_participant(session=session, workshop_id=made.id, sector=sector)
            for item_id in (REWORDED_ID, "trust-candid-relationships"):
                answer = Answer(item_id=item_id, current=1 + index % 2, target=3)
                save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
            submit_participant(session=session, participant_id=person.id)
        set_workshop_state(session=session, workshop_id=made.id, actor="t", status="closed")
    return made.id


def test_the_chooser_offers_the_shipped_bank_and_each_version_and_gives_each_ones_exact_text(
    engine: Engine, owner: Actor
) -> None:
    bank = second_version(engine, owner)
    choices = banks.choosable_bank_versions(engine=engine, actor=owner)
    assert [c.label for c in choices][1:] == ["Riverside's own, version 2", "Riverside's own, version 1"]
    assert choices[0].bank_version_id is None
    assert banks.choice_text(engine=engine, actor=owner, bank_version_id=None) == SHIPPED_BANK_TEXT
    for number, choice in ((2, choices[1]), (1, choices[2])):
        text = banks.choice_text(engine=engine, actor=owner, bank_version_id=choice.bank_version_id)
        assert text == banks.version_yaml(engine=engine, actor=owner, question_bank_id=bank, number=number)
    assert NEW_WORDS in banks.choice_text(
        engine=engine, actor=owner, bank_version_id=choices[1].bank_version_id
    )


def test_a_version_of_a_bank_neither_owned_nor_shared_is_refused_as_one_that_does_not_exist(
    engine: Engine, owner: Actor
) -> None:
    bank = second_version(engine, owner)
    stranger = Actor.facilitator(Facilitators(engine).account("stranger@riverside.nhs.uk"))
    theirs = banks.choosable_bank_versions(engine=engine, actor=owner)[1].bank_version_id
    assert theirs is not None
    with pytest.raises(NotFound) as refused:
        banks.choice_text(engine=engine, actor=stranger, bank_version_id=theirs)
    with pytest.raises(NotFound) as missing:
        banks.choice_text(engine=engine, actor=stranger, bank_version_id=theirs + 1000)
    assert str(refused.value) == str(missing.value)
    banks.share_bank(engine=engine, actor=owner, question_bank_id=bank, email="stranger@riverside.nhs.uk")
    assert NEW_WORDS in banks.choice_text(engine=engine, actor=stranger, bank_version_id=theirs)


def test_a_trend_across_version_one_and_two_matches_unchanged_questions_and_marks_the_reworded_one(
    engine: Engine, owner: Actor
) -> None:
    second_version(engine, owner)
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North", owner_id=owner.facilitator_id)
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside", kind="place")
    _, version_two, version_one = banks.choosable_bank_versions(engine=engine, actor=owner)
    for label, choice, month in (("Round 1", version_one, 3), ("Round 2", version_two, 9)):
        text = banks.choice_text(engine=engine, actor=owner, bank_version_id=choice.bank_version_id)
        run_round(engine, owner, partnership, label=label, bank_yaml=text, month=month)

    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
        changes = trend_question_changes(session=session, partnership_id=partnership)
    assert [(c.question, c.change) for c in changes] == [(REWORDED_ID, REWORDED)]
    marked = frame.loc[frame["wording"] != "", ["round", "domain"]].values.tolist()
    assert marked == [["Round 2", "shared-purpose"]]
    # the unchanged question's domain runs on from round to round, matched by id
    trust = frame.loc[frame["domain"] == "trust-momentum"].sort_values("round")
    assert trust["current"].notna().all() and trust["current_change"].tolist()[1] == 0.0
