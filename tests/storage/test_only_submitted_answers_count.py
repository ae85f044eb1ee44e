"""Only submitted answers count: an abandoned half set (a person who joined a second time, a tab
left open) is never scored as another person, so it can never make up the anonymity threshold.

The attack this closes: two real people and one abandoned duplicate of one of them met a
threshold of three, and each of the two could then read the other's answer from the figures,
because the duplicate's answers are their own.
"""

from __future__ import annotations

import csv
from io import StringIO

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_workshop,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.io import EXPORT_COLUMNS, import_workshop
from assessment.results import score_stored_workshop, scores_document
from assessment.scoring import score_workshop
from assessment.services.results import results_model
from tests.storage.cli_helpers import run, url

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how", "shared-purpose-community-voice"]
SECTORS = ["nhs-trust", "local-authority", "vcse"]


def _person(
    engine: Engine, workshop_id: int, levels: list[int], *, submitted: bool, sector: str = "nhs-trust"
) -> int:
    """One participant answering ITEMS[i] at levels[i] (target 4), submitted or not."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector=sector)
        for item_id, level in zip(ITEMS, levels, strict=False):
            answer = Answer(item_id=item_id, current=level, target=4)
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
        if submitted:
            submit_participant(session=session, participant_id=person.id)
    return person.id


def _document(engine: Engine, workshop_id: int) -> dict[str, object]:
    with transaction(engine) as session:
        return scores_document(score_stored_workshop(session=session, workshop_id=workshop_id))


def test_two_people_and_one_abandoned_duplicate_never_meet_a_threshold_of_three(
    engine: Engine, workshop_id: int
) -> None:
    _person(engine, workshop_id, [1, 2, 3], submitted=True)
    _person(engine, workshop_id, [3, 3, 2], submitted=True, sector="vcse")
    # The first person joined again on another device and answered two questions the same way.
    _person(engine, workshop_id, [1, 2], submitted=False)

    document = _document(engine, workshop_id)
    assert document["respondents"] == 2 and document["joined"] == 3
    assert document["withheld"] is True
    assert all(item["current"] is None for item in document["items"])  # type: ignore[attr-defined, index]


def test_a_third_person_who_submits_makes_the_figures_shown_from_the_three_who_submitted(
    engine: Engine, workshop_id: int
) -> None:
    _person(engine, workshop_id, [1, 2, 3], submitted=True)
    _person(engine, workshop_id, [3, 3, 2], submitted=True)
    _person(engine, workshop_id, [4, 4, 4], submitted=False)  # abandoned: must not move the median
    _person(engine, workshop_id, [2, 1, 1], submitted=True)

    document = _document(engine, workshop_id)
    assert document["respondents"] == 3 and document["joined"] == 4 and document["withheld"] is False
    stated = next(i for i in document["items"] if i["id"] == ITEMS[0])  # type: ignore[attr-defined]
    assert stated["current"] == 2.0  # the median of 1, 3 and 2; with the abandoned 4 it was 2.5


def test_the_results_say_how_many_submitted_of_how_many_joined_and_state_the_rule(
    engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    for levels in ([1, 2, 3], [3, 3, 2], [2, 1, 1]):
        _person(engine, workshop_id, levels, submitted=True)
    _person(engine, workshop_id, [4], submitted=False)
    _person(engine, workshop_id, [], submitted=False)
    with transaction(engine) as session:
        model = results_model(session, score_stored_workshop(session=session, workshop_id=workshop_id))
    assert (model.respondents, model.joined) == (3, 5)
    assert model.counting == (
        "3 respondents (3 submitted of 5 who joined). 2 people have not submitted, so their answers "
        "do not count."
    )
    assert model.method_note.startswith("Only the answers of people who pressed Submit count")
    with transaction(engine) as session:
        code = workshop_info(session=session, workshop_id=workshop_id).join_code
    exit_code, out, err = run(capsys, "scores", "--workshop", code, "--db", url(engine))
    assert exit_code == 0, err
    assert "3 respondents (submitted, of 5 who joined)" in out


def test_a_paper_import_counts_its_people_as_submitted(engine: Engine, workshop_id: int) -> None:
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for number, level in enumerate([1, 2, 3], start=1):
        writer.writerow(
            {
                "participant": f"P{number:02d}",
                "sector": "vcse",
                "item_id": ITEMS[0],
                "current": level,
                "target": 4,
            }
        )
    import_workshop(
        engine=engine, workshop_id=workshop_id, content=buffer.getvalue().encode(), filename="paper.csv"
    )
    document = _document(engine, workshop_id)
    assert document["respondents"] == 3 and document["withheld"] is False


# Each person: their levels for ITEMS (None: not answered) and whether they pressed Submit.
people = st.lists(
    st.tuples(
        st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=3, max_size=3),
        st.booleans(),
        st.sampled_from(SECTORS),
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(room=people)
def test_every_stored_figure_is_the_figure_of_the_submitted_people_alone(
    engine: Engine, workshop_id: int, room: list[tuple[list[int | None], bool, str]]
) -> None:
    """Whoever else joined and left answers behind, the stored workshop's figures are exactly
    those scored from the submitted people's answers, and the respondents are those people."""
    with transaction(engine) as session:
        like = workshop_info(session=session, workshop_id=workshop_id)
        workshop_id = create_workshop(  # a new workshop for each example, in the same database
            session=session,
            partnership_id=like.partnership_id,
            bank_version_id=like.bank_version_id,
            title="Example",
            held_on=like.held_on,
        ).id
    rows = []
    for levels, submitted, sector in room:
        given_levels = [level for level in levels if level is not None]
        items = [item for item, level in zip(ITEMS, levels, strict=True) if level is not None]
        person = _person_answering(
            engine, workshop_id, dict(zip(items, given_levels, strict=True)), submitted, sector
        )
        if submitted:
            rows += [
                {
                    "participant": person,
                    "label": "",
                    "sector": sector,
                    "role": "",
                    "display_name": None,
                    "item_id": item,
                    "current": float(level),
                    "target": 4.0,
                    "dont_know": False,
                    "confidence": None,
                    "comment": None,
                }
                for item, level in zip(items, given_levels, strict=True)
            ]
    with transaction(engine) as session:
        scored = score_stored_workshop(session=session, workshop_id=workshop_id)
    expected = score_workshop(
        pd.DataFrame(rows, columns=list(scored.answers.columns)).astype(
            {"current": "float64", "target": "float64", "dont_know": "bool"}
        ),
        scored.bank,
        tier_answers=scored.tier_answers.iloc[0:0],
        domains=list(scored.workshop.domains),
    )
    submitted_people = sum(
        1 for levels, submitted, _ in room if submitted and any(v is not None for v in levels)
    )
    assert scored.scores.respondents == expected.respondents == submitted_people
    assert scored.joined == len(room)
    pd.testing.assert_frame_equal(
        scored.scores.items.reset_index(drop=True), expected.items.reset_index(drop=True), check_dtype=False
    )


def _person_answering(
    engine: Engine, workshop_id: int, levels: dict[str, int], submitted: bool, sector: str
) -> int:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop_id, sector=sector)
        for item_id, level in levels.items():
            answer = Answer(item_id=item_id, current=level, target=4)
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
        if submitted:
            submit_participant(session=session, participant_id=person.id)
    return person.id
