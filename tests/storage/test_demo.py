"""The demo data set on SQLite and PostgreSQL: complete, believable, repeatable, and loaded once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assessment.db import bank_for_version, make_engine, transaction, workshop_answers
from assessment.db.tables import Action, Cohort, Consensus, Partnership, Workshop
from assessment.demo import DEMO_COHORT, DISAGREEMENT_DOMAINS, load_demo
from assessment.framework import QuestionBank
from assessment.migrate import upgrade_database
from assessment.scoring import WorkshopScores, score_workshop
from tests.storage.counts import table_counts


@dataclass(frozen=True)
class DemoWorkshop:
    id: int
    partnership: str
    kind: str
    parent_id: int | None
    round_label: str | None
    status: str
    revealed: bool
    anonymous: bool
    domains: tuple[str, ...]
    bank_version_id: int


def demo_workshops(session: Session) -> list[DemoWorkshop]:
    """The demo cohort's workshops, in partnership then round order."""
    rows = session.execute(
        select(Workshop, Partnership)
        .join(Partnership, Partnership.id == Workshop.partnership_id)
        .join(Cohort, Cohort.id == Partnership.cohort_id)
        .where(Cohort.name == DEMO_COHORT)
        .order_by(Partnership.name, Workshop.held_on)
    ).all()
    return [
        DemoWorkshop(
            id=w.id,
            partnership=p.name,
            kind=p.kind,
            parent_id=p.parent_id,
            round_label=w.round_label,
            status=w.status,
            revealed=w.revealed,
            anonymous=w.anonymous,
            domains=tuple(w.domains),
            bank_version_id=w.bank_version_id,
        )
        for w, p in rows
    ]


def scored(session: Session, workshop: DemoWorkshop) -> tuple[QuestionBank, WorkshopScores]:
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    answers, tier_answers = workshop_answers(session=session, workshop_id=workshop.id)
    return bank, score_workshop(answers, bank, tier_answers=tier_answers, domains=workshop.domains)


def test_the_demo_loads_three_partnerships_of_three_rounds_with_8_to_20_people_from_every_sector(
    engine: Engine,
) -> None:
    summary = load_demo(engine=engine)
    assert summary.created
    assert (summary.cohort, summary.partnerships, summary.workshops) == (DEMO_COHORT, 3, 9)
    assert len(set(summary.join_codes)) == 9
    with transaction(engine) as session:
        workshops = demo_workshops(session)
        bank = bank_for_version(session=session, bank_version_id=workshops[0].bank_version_id)
        items = sum(1 for _ in bank.iter_items())
        people = 0
        for workshop in workshops:
            answers, tier_answers = workshop_answers(session=session, workshop_id=workshop.id)
            frame = pd.concat([answers, tier_answers])
            headcount = frame["participant"].nunique()
            people += headcount
            assert 8 <= headcount <= 20, workshop
            assert set(frame["sector"]) == {s.id for s in bank.sectors}, workshop
            # every participant answered every item of every domain
            assert frame.groupby("participant")["item_id"].nunique().eq(items).all(), workshop
            assert (workshop.status, workshop.revealed, workshop.anonymous) == ("closed", True, True)
            assert workshop.domains == tuple(d.id for d in bank.domains)
    by_partnership: dict[str, list[str | None]] = {}
    for workshop in workshops:
        by_partnership.setdefault(workshop.partnership, []).append(workshop.round_label)
    assert by_partnership == {
        name: ["Round 1", "Round 2", "Round 3"]
        for name in ("Northam place", "Riverside ICS", "Southbridge place")
    }
    ics = next(w for w in workshops if w.kind == "ics")
    places = [w for w in workshops if w.kind == "place"]
    assert ics.partnership == "Riverside ICS" and ics.parent_id is None
    with transaction(engine) as session:
        ics_id = session.scalar(select(Partnership.id).where(Partnership.name == "Riverside ICS"))
    assert {w.parent_id for w in places} == {ics_id}
    assert summary.participants == people
    assert summary.answers == people * items


def test_running_the_demo_twice_does_not_double_anything(engine: Engine) -> None:
    first = load_demo(engine=engine)
    with transaction(engine) as session:
        before = table_counts(session=session)
    second = load_demo(engine=engine)
    with transaction(engine) as session:
        assert table_counts(session=session) == before
    assert not second.created
    assert second == replace(first, created=False)


def test_the_same_seed_gives_identical_answers_in_another_database(engine: Engine, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        upgrade_database(other)
        load_demo(engine=engine, seed=7)
        load_demo(engine=other, seed=7)
        frames = [_answer_frames(database) for database in (engine, other)]
    finally:
        other.dispose()
    (answers, tiers), (other_answers, other_tiers) = frames
    assert len(answers) > 5000 and len(tiers) > 1000
    pd.testing.assert_frame_equal(answers, other_answers)
    pd.testing.assert_frame_equal(tiers, other_tiers)


def _answer_frames(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every demo answer, keyed by partnership, round and label rather than database ids."""
    level_frames, tier_frames = [], []
    with transaction(engine) as session:
        for workshop in demo_workshops(session):
            answers, tier_answers = workshop_answers(session=session, workshop_id=workshop.id)
            keys = {"partnership": workshop.partnership, "round": workshop.round_label}
            level_frames.append(answers.drop(columns="participant").assign(**keys))
            tier_frames.append(tier_answers.drop(columns="participant").assign(**keys))
    order = ["partnership", "round", "label", "item_id"]
    answers = pd.concat(level_frames).sort_values(order, kind="stable").reset_index(drop=True)
    tiers = pd.concat(tier_frames).sort_values([*order, "function_id"], kind="stable").reset_index(drop=True)
    return answers, tiers


def test_a_demo_workshop_shows_a_split_item_a_withheld_sector_and_a_perception_gap_where_sectors_disagree(
    engine: Engine,
) -> None:
    load_demo(engine=engine)
    with transaction(engine) as session:
        first = next(w for w in demo_workshops(session) if w.partnership == "Riverside ICS")
        bank, scores = scored(session, first)
    assert first.round_label == "Round 1"
    split = scores.items.loc[scores.items["split"].fillna(False).astype(bool)]
    domain_of = {item.id: domain.id for domain, item in bank.iter_items()}
    assert any(domain_of[item] in DISAGREEMENT_DOMAINS for item in split["item_id"])
    assert scores.sectors["withheld"].any()
    assert scores.sectors_n["withheld"].any()
    gaps = scores.perception_gaps.set_index("domain")["gap"]
    assert gaps.reindex(sorted(DISAGREEMENT_DOMAINS)).max() >= 1


def test_maturity_improves_from_round_1_to_round_3_overall_for_at_least_two_partnerships(
    engine: Engine,
) -> None:
    load_demo(engine=engine)
    overall: dict[str, dict[str | None, float | None]] = {}
    with transaction(engine) as session:
        for workshop in demo_workshops(session):
            _, scores = scored(session, workshop)
            overall.setdefault(workshop.partnership, {})[workshop.round_label] = scores.overall["current"]
    improved = [
        name
        for name, rounds in overall.items()
        if (rounds["Round 3"] or 0.0) > (rounds["Round 1"] or float("inf"))
    ]
    assert len(improved) >= 2, overall


def test_demo_answers_have_a_few_dont_knows_comments_and_clearer_accountability_in_later_rounds(
    engine: Engine,
) -> None:
    load_demo(engine=engine)
    level_frames, tier_frames = [], []
    with transaction(engine) as session:
        for workshop in demo_workshops(session):
            answers, tier_answers = workshop_answers(session=session, workshop_id=workshop.id)
            level_frames.append(answers.assign(round=workshop.round_label))
            tier_frames.append(tier_answers.assign(round=workshop.round_label))
    answers, tiers = pd.concat(level_frames), pd.concat(tier_frames)
    assert 0.03 <= answers["dont_know"].mean() <= 0.05
    rated = answers.loc[~answers["dont_know"]]
    assert rated["current"].between(1, 5).all() and rated["target"].between(1, 5).all()
    assert set(answers["confidence"].dropna()) == {1, 2, 3}
    assert answers["confidence"].notna().mean() > 0.8
    comments = pd.concat(
        [answers["comment"], tiers.drop_duplicates(["label", "round", "item_id"])["comment"]]
    )
    assert 10 <= comments.notna().sum() <= 20
    unclear = tiers.assign(unclear=tiers["tier"] == "unclear").groupby("round")["unclear"].mean()
    assert unclear["Round 1"] > unclear["Round 2"] > unclear["Round 3"]


def test_the_demo_records_consensus_on_gapped_domains_and_actions_carried_between_rounds(
    engine: Engine,
) -> None:
    load_demo(engine=engine)
    with transaction(engine) as session:
        workshops = {w.id: w for w in demo_workshops(session)}
        consensus = session.scalars(select(Consensus)).all()
        actions = session.scalars(select(Action)).all()
        gaps = {}
        for workshop in workshops.values():
            _, scores = scored(session, workshop)
            gaps[workshop.id] = scores.domains.set_index("domain")["gap"]
    per_workshop = pd.Series([c.workshop_id for c in consensus]).value_counts()
    assert set(per_workshop.index) == set(workshops) and per_workshop.between(1, 5).all()
    assert all(gaps[c.workshop_id][c.domain_id] > 0 for c in consensus)
    assert any(c.dissent for c in consensus)
    assert {a.status for a in actions} == {"planned", "in-progress", "done", "dropped"}
    assert all(a.workshop_id in workshops for a in actions)
    for partnership in ("Riverside ICS", "Northam place", "Southbridge place"):
        mine = [a for a in actions if workshops[a.workshop_id or 0].partnership == partnership]
        assert 2 <= len(mine) <= 6
        # actions agreed in round 1 are still tracked beside those from the latest round
        assert {"Round 1", "Round 3"} <= {workshops[a.workshop_id or 0].round_label for a in mine}
