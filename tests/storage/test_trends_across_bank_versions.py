"""Trends over rounds on two bank versions: questions matched by id, rewording and absence marked."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine

from assessment.db import create_cohort, create_partnership, transaction
from assessment.trends import (
    ADDED,
    REMOVED,
    REWORDED,
    every_round_and_domain,
    trend_frame,
    trend_question_changes,
)
from tests.bank_versions import DESCRIPTOR_AFTER, SECOND_VERSION, STATED_AFTER, STATED_BEFORE
from tests.storage.conftest import add_round


def new_partnership(engine: Engine) -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Versions cohort")
        return create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")


def wording(frame: pd.DataFrame, round_label: str, domain: str) -> str:
    [found] = frame.loc[(frame["round"] == round_label) & (frame["domain"] == domain), "wording"].tolist()
    return str(found)


def test_the_edited_text_really_makes_a_second_version() -> None:
    assert SECOND_VERSION.count(STATED_AFTER) == 1 and STATED_BEFORE not in SECOND_VERSION
    assert DESCRIPTOR_AFTER in SECOND_VERSION and "shared-purpose-community-voice" not in SECOND_VERSION


def test_a_reworded_question_is_marked_in_the_round_that_changed_it_and_an_unchanged_domain_is_not(
    engine: Engine,
) -> None:
    partnership = new_partnership(engine)
    answers = {"shared-purpose-stated": [(1, 3), (2, 4), (2, 4)], "trust-candid-relationships": [(1, 2)] * 3}
    add_round(engine, partnership=partnership, label="Round 1", held_on=date(2026, 1, 10), answers=answers)
    add_round(
        engine,
        partnership=partnership,
        label="Round 2",
        held_on=date(2026, 4, 10),
        answers=answers,
        bank_text=SECOND_VERSION,
    )
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
        changes = trend_question_changes(session=session, partnership_id=partnership)

    assert wording(frame, "Round 2", "shared-purpose") == (
        "wording changed in Round 2 (2 questions); 1 question new in Round 2, absent from Round 1's "
        "version; 1 question of Round 1 absent from Round 2's version"
    )
    # Matched by id: the unchanged domains carry no mark, and their figures and changes run on.
    assert wording(frame, "Round 2", "trust-momentum") == ""
    assert (frame.loc[frame["round"] == "Round 1", "wording"] == "").all()
    trust = frame.loc[frame["domain"] == "trust-momentum"]
    assert trust["current_change"].tolist()[1] == 0.0
    shared = frame.loc[frame["domain"] == "shared-purpose"]
    assert shared["current_change"].tolist()[1] == 0.0

    assert {(c.question, c.change) for c in changes} == {
        ("shared-purpose-stated", REWORDED),
        ("shared-purpose-decision-test", REWORDED),
        ("shared-purpose-community-say", ADDED),
        ("shared-purpose-community-voice", REMOVED),
    }
    by_id = {c.question: c for c in changes}
    assert by_id["shared-purpose-stated"].text == STATED_AFTER
    assert by_id["shared-purpose-stated"].words() == "wording changed in Round 2"
    assert by_id["shared-purpose-community-say"].words() == "new in Round 2: absent from Round 1's version"
    assert (
        by_id["shared-purpose-community-voice"].words() == "absent from Round 2's version: asked in Round 1"
    )
    assert all("None" not in c.words() and "nan" not in c.words() for c in changes)


def test_a_round_is_compared_with_the_last_round_that_asked_the_domain_across_a_gap(engine: Engine) -> None:
    partnership = new_partnership(engine)
    answers = {"shared-purpose-stated": [(1, 3)] * 3, "trust-candid-relationships": [(1, 2)] * 3}
    trust_only = {"trust-candid-relationships": [(1, 2)] * 3}
    add_round(engine, partnership=partnership, label="R1", held_on=date(2026, 1, 10), answers=answers)
    add_round(
        engine,
        partnership=partnership,
        label="R2",
        held_on=date(2026, 4, 10),
        answers=trust_only,
        bank_text=SECOND_VERSION,
        domains=["trust-momentum"],
    )
    add_round(
        engine,
        partnership=partnership,
        label="R3",
        held_on=date(2026, 7, 10),
        answers=answers,
        bank_text=SECOND_VERSION,
    )
    with transaction(engine) as session:
        frame = every_round_and_domain(trend_frame(session=session, partnership_id=partnership))
    # R2 did not ask shared purpose: R3 is compared with R1, so the mark falls on R3.
    assert wording(frame, "R2", "shared-purpose") == ""
    assert wording(frame, "R3", "shared-purpose").startswith("wording changed in R3 (2 questions)")
    assert "absent from R1's version" in wording(frame, "R3", "shared-purpose")
    assert wording(frame, "R2", "trust-momentum") == wording(frame, "R3", "trust-momentum") == ""
    assert not frame["wording"].isna().any()


def test_rounds_on_one_version_mark_nothing(engine: Engine) -> None:
    partnership = new_partnership(engine)
    answers = {"shared-purpose-stated": [(1, 3)] * 3}
    for label, month in (("R1", 1), ("R2", 4)):
        add_round(
            engine, partnership=partnership, label=label, held_on=date(2026, month, 10), answers=answers
        )
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
        changes = trend_question_changes(session=session, partnership_id=partnership)
    assert changes == [] and (frame["wording"] == "").all()
