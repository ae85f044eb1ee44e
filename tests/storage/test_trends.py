"""A partnership's trend across rounds on SQLite and PostgreSQL, figures checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from assessment.db import (
    bank_for_version,
    create_cohort,
    create_partnership,
    partnership_id,
    store_bank_version,
    transaction,
)
from assessment.demo import load_demo
from assessment.outcomes import record_consensus
from assessment.results import score_stored_workshop
from assessment.trends import (
    gap_narrowing_sentence,
    participation,
    partnership_rounds,
    trend_frame,
    version_changes,
)
from tests.storage.conftest import NEXT_BANK_TEXT, SHIPPED_BANK_TEXT, add_round


def new_partnership(engine: Engine, name: str = "Eastvale ICS") -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Trend cohort")
        return create_partnership(session=session, cohort_id=cohort, name=name, kind="ics")


def row(frame: pd.DataFrame, round_label: str, domain: str) -> pd.Series:
    [found] = [r for _, r in frame.iterrows() if r["round"] == round_label and r["domain"] == domain]
    return found


@pytest.fixture
def three_rounds(engine: Engine) -> tuple[int, list[int]]:
    """R1 and R2 with three respondents each (R2 on bank 1.1.0, without trust-momentum), R3 with two.

    By hand, shared-purpose (only shared-purpose-stated answered): R1 current median 2, target 4,
    gap 2; R2 current 3, target 4, gap 1. trust-momentum in R1: current 1, target 2.
    """
    partnership = new_partnership(engine)
    with transaction(engine) as session:
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        all_domains = [d.id for d in bank_for_version(session=session, bank_version_id=version).domains]
    r1 = add_round(
        engine,
        partnership=partnership,
        bank_text=SHIPPED_BANK_TEXT,
        label="R1",
        held_on=date(2026, 1, 10),
        answers={
            "shared-purpose-stated": [(1, 3), (2, 4), (2, 4)],
            "trust-candid-relationships": [(1, 2), (1, 2), (1, 2)],
        },
    )
    r2 = add_round(
        engine,
        partnership=partnership,
        bank_text=NEXT_BANK_TEXT,
        label="R2",
        held_on=date(2026, 4, 10),
        answers={"shared-purpose-stated": [(2, 4), (3, 4), (3, 4)]},
        domains=[d for d in all_domains if d != "trust-momentum"],
    )
    r3 = add_round(
        engine,
        partnership=partnership,
        bank_text=NEXT_BANK_TEXT,
        label="R3",
        held_on=date(2026, 7, 10),
        answers={
            "shared-purpose-stated": [(3, 4), (3, 4)],
            "trust-candid-relationships": [(2, 3), (2, 3)],
        },
    )
    with transaction(engine) as session:
        record_consensus(
            session=session,
            workshop_id=r2,
            domain_id="shared-purpose",
            level=2.5,
            rationale="Agreed lower than the median",
            dissent="",
            actor="facilitator@example.org",
        )
    return partnership, [r1, r2, r3]


def test_rounds_come_back_in_date_order_whatever_order_they_were_created(engine: Engine) -> None:
    partnership = new_partnership(engine)
    answers = {"shared-purpose-stated": [(1, 2)] * 3}
    later = add_round(
        engine,
        partnership=partnership,
        bank_text=SHIPPED_BANK_TEXT,
        label="B",
        held_on=date(2026, 5, 1),
        answers=answers,
    )
    earlier = add_round(
        engine,
        partnership=partnership,
        bank_text=SHIPPED_BANK_TEXT,
        label="A",
        held_on=date(2026, 2, 1),
        answers=answers,
    )
    with transaction(engine) as session:
        rounds = partnership_rounds(session=session, partnership_id=partnership)
    assert [r.id for r in rounds] == [earlier, later]


def test_trend_figures_and_changes_match_the_figures_worked_by_hand(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, (r1, r2, _) = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    first, second = row(frame, "R1", "shared-purpose"), row(frame, "R2", "shared-purpose")
    assert (first["current"], first["target"], first["gap"], first["n"]) == (2.0, 4.0, 2.0, 3)
    assert (second["current"], second["target"], second["gap"]) == (3.0, 4.0, 1.0)
    assert first["workshop_id"] == r1 and second["workshop_id"] == r2
    assert first["held_on"] == date(2026, 1, 10)
    assert not first["withheld"] and first["respondents"] == 3
    assert math.isnan(first["current_change"]) and math.isnan(first["gap_change"])
    assert (second["current_change"], second["target_change"], second["gap_change"]) == (1.0, 0.0, -1.0)
    trust = row(frame, "R1", "trust-momentum")
    assert (trust["current"], trust["target"], trust["gap"]) == (1.0, 2.0, 1.0)
    # A domain nobody answered in a round has no figures there, and is withheld (nobody rated it).
    assert math.isnan(row(frame, "R1", "accountability")["current"])


def test_a_round_below_the_anonymity_threshold_is_withheld_and_so_is_its_change(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, _ = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    third = frame.loc[frame["round"] == "R3"]
    assert len(third) == 14
    assert third["withheld"].all()
    assert (third["respondents"] == 2).all()
    for column in ("current", "target", "gap", "current_change", "target_change", "gap_change"):
        assert third[column].isna().all(), column
    assert gap_narrowing_sentence(frame, "shared-purpose") is None
    assert participation(frame).to_dict("records") == [
        {"round": "R1", "held_on": date(2026, 1, 10), "respondents": 3},
        {"round": "R2", "held_on": date(2026, 4, 10), "respondents": 3},
        {"round": "R3", "held_on": date(2026, 7, 10), "respondents": 2},
    ]


def test_a_domain_missing_from_one_round_is_simply_absent_there(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, _ = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    assert frame.groupby("round", sort=False).size().to_dict() == {"R1": 14, "R2": 13, "R3": 14}
    trust = frame.loc[frame["domain"] == "trust-momentum"]
    assert trust["round"].tolist() == ["R1", "R3"]
    # R3 is compared with R1, the previous round that had the domain (and R3 is withheld).
    assert math.isnan(trust["current_change"].iloc[1])


def test_a_change_of_bank_version_is_marked_at_the_round_where_it_happens(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, _ = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    versions = frame.drop_duplicates("round")["bank_version"].tolist()
    assert versions == ["ics-readiness 1.0.0", "ics-readiness 1.1.0", "ics-readiness 1.1.0"]
    assert version_changes(frame) == ["R2"]


def test_the_agreed_consensus_level_appears_in_its_own_round_only(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, _ = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    assert row(frame, "R2", "shared-purpose")["consensus"] == 2.5
    assert frame["consensus"].notna().sum() == 1


def test_the_gap_sentence_says_how_the_gap_moved_since_the_previous_round(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    partnership, _ = three_rounds
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    first_two = frame.loc[frame["round"] != "R3"]
    assert gap_narrowing_sentence(first_two, "shared-purpose") == "gap narrowed from 2.00 to 1.00"
    # trust-momentum is only in R1 once R3 is left out.
    assert gap_narrowing_sentence(first_two, "trust-momentum") is None
    assert gap_narrowing_sentence(first_two, "no-such-domain") is None


@pytest.mark.parametrize(
    ("gaps", "sentence"),
    [
        ((1.5, 0.5), "gap narrowed from 1.50 to 0.50"),
        ((0.444, 1.256), "gap widened from 0.44 to 1.26"),
        ((0.996, 1.004), "gap unchanged at 1.00"),
        ((0.75, 0.25, 0.25), "gap unchanged at 0.25"),
    ],
)
def test_the_gap_sentence_rounds_to_two_decimal_places_like_every_figure(
    gaps: tuple[float, ...], sentence: str
) -> None:
    frame = pd.DataFrame({"domain": ["d"] * len(gaps), "gap": list(gaps)})
    assert gap_narrowing_sentence(frame, "d") == sentence


def test_a_single_round_has_no_change_and_no_gap_sentence(engine: Engine) -> None:
    partnership = new_partnership(engine)
    add_round(
        engine,
        partnership=partnership,
        bank_text=SHIPPED_BANK_TEXT,
        label="Only",
        held_on=date(2026, 2, 1),
        answers={"shared-purpose-stated": [(1, 3), (2, 3), (2, 4)]},
    )
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    assert len(frame) == 14
    assert row(frame, "Only", "shared-purpose")["current"] == 2.0
    assert frame[["current_change", "target_change", "gap_change"]].isna().all().all()
    assert gap_narrowing_sentence(frame, "shared-purpose") is None
    assert version_changes(frame) == []


def test_a_partnership_with_no_rounds_has_an_empty_trend(engine: Engine) -> None:
    partnership = new_partnership(engine)
    with transaction(engine) as session:
        frame = trend_frame(session=session, partnership_id=partnership)
    assert frame.empty and "current_change" in frame.columns
    assert participation(frame).empty and version_changes(frame) == []


def test_the_demo_partnership_has_three_rounds_of_fourteen_domains_with_changes(engine: Engine) -> None:
    load_demo(engine=engine)
    with transaction(engine) as session:
        riverside = partnership_id(session=session, name="Riverside ICS")
        frame = trend_frame(session=session, partnership_id=riverside)
    assert len(frame) == 3 * 14
    assert frame["round"].drop_duplicates().tolist() == ["Round 1", "Round 2", "Round 3"]
    assert frame.groupby("round")["domain"].nunique().eq(14).all()
    assert frame["current_change"].notna().any()
    assert frame.loc[frame["round"] == "Round 1", "current_change"].isna().all()
    assert frame["consensus"].notna().any()
    assert version_changes(frame) == []


def test_a_trend_handed_a_rounds_own_scores_equals_the_trend_that_scores_every_round_itself(
    engine: Engine, three_rounds: tuple[int, list[int]]
) -> None:
    """The results page and the PDF hand the trend the round they scored (``scored``). Each round
    here, as the page's and the PDF's own: a round on another bank version, one that left a
    domain out, and one below the threshold, whose figures are all withheld."""
    partnership, rounds = three_rounds
    with transaction(engine) as session:
        for workshop_id in rounds:
            scored = score_stored_workshop(session=session, workshop_id=workshop_id)
            until = scored.workshop.held_on
            for last in (2, None):
                handed = trend_frame(
                    session=session,
                    partnership_id=partnership,
                    until=until,
                    last=last,
                    scored=scored.as_trend_round,
                )
                scored_afresh = trend_frame(
                    session=session, partnership_id=partnership, until=until, last=last
                )
                pd.testing.assert_frame_equal(handed, scored_afresh)
    assert handed.loc[handed["round"] == "R3", "withheld"].all()  # the withheld round was among them
