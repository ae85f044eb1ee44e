"""The cohort and trend reader (``scoring_frames``) reads the same counted answers as the one-workshop
reader (``workshop_answers``), which goes through SQLAlchemy row by row: every level answer with
its person's workshop and sector, don't-knows and missing targets included, nobody who has not
submitted, and the accountability answers apart. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

import assessment.db.frames as frames
from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    response_rows,
    save_answer,
    scoring_frames,
    submit_participant,
    transaction,
    workshop_answers,
    workshop_info,
)
from assessment.db.frames import ResponseRow
from tests.storage.conftest import add_round

LEVEL_COLUMNS = ["workshop", "participant", "sector", "item_id", "current", "target", "dont_know"]
TIER_COLUMNS = ["workshop", "participant", "sector", "item_id", "function_id", "tier"]


def _rounds(engine: Engine) -> list[int]:
    """Two rounds of two partnerships, and a third round nobody answered."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Frames cohort")
        north, south = (
            create_partnership(session=session, cohort_id=cohort, name=name, kind="place")
            for name in ("North place", "South place")
        )
    first = add_round(
        engine,
        partnership=north,
        label="R1",
        held_on=date(2026, 1, 5),
        answers={
            "shared-purpose-stated": [(1, 2), (3, 4), None, (2, 2)],
            "shared-purpose-why-before-how": [None, (2, 3), (4, 4), (1, 3)],
        },
    )
    second = add_round(
        engine,
        partnership=south,
        label="R1",
        held_on=date(2026, 2, 5),
        answers={"shared-purpose-community-voice": [(2, 3), (2, 4), (1, 1)]},
    )
    empty = add_round(
        engine, partnership=south, label="R2", held_on=date(2026, 3, 5), answers={"shared-purpose-stated": []}
    )
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=first)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        accountability = next(i for _, i in bank.iter_items() if i.type == "accountability")
        # one who answered and never submitted (counts nowhere), and a submitted person's
        # accountability answer and a level answer without a target
        unsubmitted = add_participant(session=session, workshop_id=first, sector="vcse")
        save_answer(
            session=session,
            participant_id=unsubmitted.id,
            answer=Answer(item_id="shared-purpose-stated", current=4, target=4),
            bank=bank,
        )
        respondent = workshop_answers(session=session, workshop_id=second)[0]["participant"].iloc[0]
        save_answer(
            session=session,
            participant_id=int(respondent),
            answer=Answer(item_id=accountability.id, tiers={accountability.functions[0].id: "unclear"}),
            bank=bank,
        )
    return [first, second, empty]


def _in_order(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    ordered = frame.loc[:, columns].sort_values(columns[:4]).reset_index(drop=True)
    return ordered.astype(object).where(ordered.notna(), None).to_dict("records")


def test_the_cohort_reader_reads_the_same_counted_answers_as_the_one_workshop_reader(engine: Engine) -> None:
    workshops = _rounds(engine)
    with transaction(engine) as session:
        answers, tiers = scoring_frames(session=session, workshop_ids=workshops)
        one_by_one = [
            (workshop, *workshop_answers(session=session, workshop_id=workshop)) for workshop in workshops
        ]
    expected_levels = pd.concat([levels.assign(workshop=w) for w, levels, _ in one_by_one], ignore_index=True)
    expected_tiers = pd.concat([t.assign(workshop=w) for w, _, t in one_by_one], ignore_index=True)

    assert len(answers) == 4 * 2 + 3  # the unsubmitted person's answer is not read
    assert _in_order(answers, LEVEL_COLUMNS) == _in_order(expected_levels, LEVEL_COLUMNS)
    assert _in_order(tiers, TIER_COLUMNS) == _in_order(expected_tiers, TIER_COLUMNS)
    assert answers["dont_know"].sum() == 2
    assert answers.dtypes.loc[["workshop", "participant"]].tolist() == ["int64", "int64"]
    assert answers.dtypes.loc[["current", "target"]].tolist() == ["float64", "float64"]
    assert answers["dont_know"].dtype == bool
    assert answers["sector"].dtype == "str" and answers["item_id"].dtype == "str"


def test_the_cohort_reader_reads_nothing_from_rounds_nobody_answered(engine: Engine) -> None:
    workshops = _rounds(engine)
    with transaction(engine) as session:
        answers, tiers = scoring_frames(session=session, workshop_ids=workshops[2:])
        none_asked, _ = scoring_frames(session=session, workshop_ids=[])
    for frame in (answers, none_asked):
        assert frame.empty
        assert list(frame.columns) == LEVEL_COLUMNS
        assert frame["current"].dtype == "float64" and frame["dont_know"].dtype == bool
    assert tiers.empty


def test_an_answer_of_someone_who_submits_between_the_two_reads_is_never_given_another_persons_workshop(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader reads the people, then their answers, and the second statement sees a
    submission made in between (on both backends: without the guard this fails on each). That
    person was not read, so their answers wait for the next read rather than taking the workshop
    and sector of whoever came last in the array."""
    workshops = _rounds(engine)
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshops[1])
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        late = add_participant(session=session, workshop_id=workshops[1], sector="healthwatch").id
        save_answer(
            session=session,
            participant_id=late,
            answer=Answer(item_id="shared-purpose-community-voice", current=4, target=4),
            bank=bank,
        )
    reads = []
    fetch = frames._fetch_columns

    def submitting_after_the_people_are_read(*args: Any) -> Any:
        found = fetch(*args)
        if not reads:  # the people's read: the person submits now, from another connection
            with transaction(engine) as other:
                submit_participant(session=other, participant_id=late)
        reads.append(len(found))
        return found

    monkeypatch.setattr(frames, "_fetch_columns", submitting_after_the_people_are_read)
    with transaction(engine) as session:
        answers, _ = scoring_frames(session=session, workshop_ids=workshops)
        people = {
            int(p): w
            for w in workshops
            for p in workshop_answers(session=session, workshop_id=w)[0]["participant"]
        }
    assert len(reads) == 2
    assert late not in set(answers["participant"])
    assert len(answers) == 4 * 2 + 3
    assert all(people[int(p)] == w for p, w in zip(answers["participant"], answers["workshop"], strict=True))


def _row_by_row(rows: list[ResponseRow]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scoring's frames made plainly from ``response_rows``, which reads through SQLAlchemy's
    processing of every row: what ``workshop_answers`` must equal, column types included."""
    who = ["participant", "label", "sector", "role", "display_name", "item_id"]
    levels, tiers = [], []
    for r in rows:
        known = [r.participant, r.label, r.sector, r.role, r.display_name, r.item_id]
        if r.tiers is not None:
            tiers += [[*known, f, t, r.confidence, r.comment] for f, t in r.tiers.items()]
        else:
            levels.append([*known, r.current, r.target, r.dont_know, r.confidence, r.comment])
    answers = pd.DataFrame(levels, columns=[*who, "current", "target", "dont_know", "confidence", "comment"])
    return (
        answers.astype({"current": "float64", "target": "float64", "dont_know": "bool"}),
        pd.DataFrame(tiers, columns=[*who, "function_id", "tier", "confidence", "comment"]),
    )


def test_the_one_workshop_reader_reads_exactly_the_rows_sqlalchemy_reads_in_their_order(
    engine: Engine,
) -> None:
    """Names, roles, confidences, comments in any script, an accountability answer naming two
    functions, don't-knows, someone who never submitted: the frames equal those made row by row
    from what SQLAlchemy reads, in its order and with its column types."""
    first, second, empty = _rounds(engine)
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=first)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        accountability = next(i for _, i in bank.iter_items() if i.type == "accountability")
        named = add_participant(
            session=session,
            workshop_id=first,
            sector="nhs-trust",
            role="Chief nurse",
            display_name="Siân O'Hara",
        ).id
        for item, current, confidence, comment in [
            ("shared-purpose-stated", 3, 2, 'Mostly there; "purpose" is =SUM(A1) clear'),
            ("shared-purpose-why-before-how", None, None, "Ní fheadar — 不知道"),
        ]:
            save_answer(
                session=session,
                participant_id=named,
                answer=Answer(
                    item_id=item,
                    current=current,
                    target=None if current is None else 4,
                    dont_know=current is None,
                    confidence=confidence,
                    comment=comment,
                ),
                bank=bank,
            )
        save_answer(
            session=session,
            participant_id=named,
            answer=Answer(
                item_id=accountability.id,
                tiers={f.id: "unclear" for f in accountability.functions[:2]},
                comment="Nobody owns this",
            ),
            bank=bank,
        )
        submit_participant(session=session, participant_id=named)

    with transaction(engine) as session:
        for workshop in (first, second, empty):
            answers, tiers = workshop_answers(session=session, workshop_id=workshop)
            expected = _row_by_row(response_rows(session=session, workshop_id=workshop, submitted_only=True))
            pd.testing.assert_frame_equal(answers, expected[0])
            pd.testing.assert_frame_equal(tiers, expected[1])
        answers, tiers = workshop_answers(session=session, workshop_id=first)
    assert len(accountability.functions) >= 2 and len(tiers) == 2 + 0  # the named person's two
    assert answers["display_name"].eq("Siân O'Hara").sum() == 2 and answers["dont_know"].sum() >= 2
