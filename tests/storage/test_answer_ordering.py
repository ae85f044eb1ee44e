"""A participant's changes, on SQLite and PostgreSQL: the latest change wins whatever order the
writes land in, a change writes only the part it changed, a closed workshop takes none, and
people joining at the same moment all get a label of their own."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from assessment.answers import Answer, AnswerChange
from assessment.db import (
    AnsweringClosed,
    AnswerNotComplete,
    add_participant,
    bank_for_version,
    participant_answers,
    participant_revision,
    participant_stored_answers,
    save_answer_change,
    set_workshop_state,
    transaction,
    workshop_info,
)
from assessment.db.tables import Participant
from assessment.errors import Refused
from assessment.framework import QuestionBank
from tests.storage.counts import table_counts

ITEM = "shared-purpose-stated"
ACCOUNTABILITY = "accountability-where-buck-stops"


def _open(engine: Engine, workshop_id: int) -> tuple[QuestionBank, int]:
    """Open the workshop and add one participant; returns the bank and the participant's id."""
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop_id, actor="test", status="open")
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="vcse")
    return bank, person.id


def _change(
    engine: Engine, bank: QuestionBank, person: int, stamp: int, item: str = ITEM, **parts: object
) -> None:
    shown = {k: v for k, v in parts.items() if k in ("current", "target")}
    change = AnswerChange(item_id=item, parts=parts, stamp=stamp, levels_shown=shown)  # type: ignore[arg-type]
    with transaction(engine) as session:
        save_answer_change(session=session, participant_id=person, change=change, bank=bank)


def _stored(engine: Engine, person: int, item: str = ITEM) -> Answer:
    with transaction(engine) as session:
        return participant_answers(session=session, participant_id=person)[item]


def test_a_closed_workshop_refuses_a_change_in_words_and_keeps_the_saved_answer(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, current=1, target=2)
    with transaction(engine) as session:
        set_workshop_state(
            session=session, workshop_id=workshop_id, actor="test", status="closed", revealed=True
        )
        before = table_counts(session=session)
    with pytest.raises(AnsweringClosed, match="answering has closed for this workshop"):
        _change(engine, bank, person, 2, current=4)
    assert _stored(engine, person) == Answer(item_id=ITEM, current=1, target=2)
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_a_workshop_not_yet_open_refuses_a_change_too(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector="vcse")
    with pytest.raises(AnsweringClosed):
        _change(engine, bank, person.id, 1, current=1, target=2)


def test_changing_the_target_keeps_the_current_level_another_tab_changed(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, current=1, target=2)
    _change(engine, bank, person, 2, current=3)  # tab 1
    # Tab 2 still shows current 1; the person changes only the target there.
    change = AnswerChange(
        item_id=ITEM, parts={"target": 4}, stamp=3, levels_shown={"current": 1, "target": 4}
    )
    with transaction(engine) as session:
        save_answer_change(session=session, participant_id=person, change=change, bank=bank)
    assert _stored(engine, person) == Answer(item_id=ITEM, current=3, target=4)


def test_a_comment_or_a_confidence_changes_only_itself(engine: Engine, workshop_id: int) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, current=2, target=3)
    _change(engine, bank, person, 2, comment="We have a shared story")
    _change(engine, bank, person, 3, confidence=3)
    assert _stored(engine, person) == Answer(
        item_id=ITEM, current=2, target=3, confidence=3, comment="We have a shared story"
    )


def test_one_accountability_function_changes_without_touching_the_others(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, item=ACCOUNTABILITY, **{"tier:trust-quality-failure": "ics-nhs-body"})
    _change(engine, bank, person, 2, item=ACCOUNTABILITY, **{"tier:place-budget-overspend": "unclear"})
    assert _stored(engine, person, ACCOUNTABILITY).tiers == {
        "trust-quality-failure": "ics-nhs-body",
        "place-budget-overspend": "unclear",
    }


def test_an_older_change_that_lands_last_never_overwrites_a_newer_one(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 10, current=1, target=2)
    _change(engine, bank, person, 30, current=4)
    _change(engine, bank, person, 20, current=2)  # made before the 4, written after it
    assert _stored(engine, person).current == 4
    with transaction(engine) as session:
        stamps = participant_stored_answers(session=session, participant_id=person)[ITEM].stamps
    assert stamps["current"] == 30 and stamps["target"] == 10


def test_don_t_know_clears_the_levels_and_leaving_it_takes_the_levels_shown(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, current=1, target=2)
    _change(engine, bank, person, 2, dont_know=True)
    assert _stored(engine, person) == Answer(item_id=ITEM, dont_know=True)
    change = AnswerChange(
        item_id=ITEM, parts={"dont_know": False}, stamp=3, levels_shown={"current": 1, "target": 2}
    )
    with transaction(engine) as session:
        save_answer_change(session=session, participant_id=person, change=change, bank=bank)
    assert _stored(engine, person) == Answer(item_id=ITEM, current=1, target=2)


def test_a_level_alone_is_not_stored_and_says_what_is_missing(engine: Engine, workshop_id: int) -> None:
    bank, person = _open(engine, workshop_id)
    with pytest.raises(AnswerNotComplete, match="where we should be"):
        _change(engine, bank, person, 1, current=2)
    with transaction(engine) as session:
        assert participant_answers(session=session, participant_id=person) == {}


def _together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``count`` threads released at the same moment; every result or error."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # every failure is reported, whatever it is
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _join(engine: Engine, workshop_id: int) -> str:
    with transaction(engine) as session:
        return add_participant(session=session, workshop_id=workshop_id, sector="vcse").label


def _labels(engine: Engine, workshop_id: int) -> list[str]:
    with transaction(engine) as session:
        return list(session.scalars(select(Participant.label).where(Participant.workshop_id == workshop_id)))


def test_people_joining_at_the_same_moment_all_get_labels_of_their_own(
    engine: Engine, workshop_id: int
) -> None:
    for _ in range(5):
        results = _together(8, lambda _: _join(engine, workshop_id))
        failures = [r for r in results if isinstance(r, BaseException)]
        assert failures == []
    labels = _labels(engine, workshop_id)
    assert len(labels) == 40 and len(set(labels)) == 40


def test_joins_after_a_paper_import_took_p05_skip_it_even_when_simultaneous(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        # What the paper import does for a sheet that numbered its people itself.
        add_participant(session=session, workshop_id=workshop_id, sector="vcse", label="P05")
    results = _together(8, lambda _: _join(engine, workshop_id))
    assert [r for r in results if isinstance(r, BaseException)] == []
    labels = _labels(engine, workshop_id)
    assert len(labels) == 9 and len(set(labels)) == 9


def test_a_label_already_taken_is_refused_in_words(engine: Engine, workshop_id: int) -> None:
    _join(engine, workshop_id)
    with pytest.raises(Refused, match="the label 'P01' is already taken"), transaction(engine) as session:
        add_participant(session=session, workshop_id=workshop_id, sector="vcse", label="P01")


def test_each_write_records_the_participants_revision_on_the_parts_it_set(
    engine: Engine, workshop_id: int
) -> None:
    bank, person = _open(engine, workshop_id)
    _change(engine, bank, person, 1, current=1, target=2)
    _change(engine, bank, person, 2, target=3)
    with transaction(engine) as session:
        revisions = participant_stored_answers(session=session, participant_id=person)[ITEM].revisions
        assert participant_revision(session=session, participant_id=person) == 2
    # A page that drew revision 1 knows the target changed since, and the current level did not.
    assert revisions["current"] == 1 and revisions["target"] == 2
