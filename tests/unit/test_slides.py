"""The presenter's slides, built from the one presentation model: the right slides in the right
order, and never a figure the threshold withholds (checked as the disclosure audit checks the
figures document: rooms that differ only where nothing may be learnt show the same slides)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.db import WorkshopInfo
from assessment.framework import QuestionBank
from assessment.presenting import WITHHELD, present
from assessment.results import ScoredWorkshop
from assessment.scoring import empty_tier_answers, score_workshop
from assessment.slides import (
    ACCOUNTABILITY,
    DISAGREE,
    JOIN,
    OVERALL,
    SPECTRUM,
    DisagreeSlide,
    Distribution,
    DomainSlide,
    OverallSlide,
    SectorCount,
    distributions,
    join_slide,
    moved,
    position,
    result_slides,
    sequence,
)
from tests.banks import small_bank
from tests.unit.test_disclosure import Room, alternative_rooms, rooms

SLIDES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def info(domains: list[str], *, revealed: bool = True, status: str = "closed") -> WorkshopInfo:
    return WorkshopInfo(
        1, "ABCDEFGH", "Audit", date(2026, 1, 1), "R1", status, revealed, True, tuple(domains), 1, "P", "C", 1
    )


def scored_of(bank: QuestionBank, answers: pd.DataFrame) -> ScoredWorkshop:
    tiers = empty_tier_answers().assign(comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object))
    domains = [d.id for d in bank.domains]
    scores = score_workshop(answers, bank, tier_answers=tiers, domains=domains)
    return ScoredWorkshop(info(domains), bank, scores, answers, tiers)


def slides_of(bank: QuestionBank, answers: pd.DataFrame) -> tuple[Any, ...]:
    scored = scored_of(bank, answers)
    return result_slides(present(scored, consensus={}, actions=[], trend=pd.DataFrame()))


def shown(bank: QuestionBank, answers: pd.DataFrame) -> str:
    """Every slide as one canonical text: all a room can read off the projector."""
    return json.dumps([dataclasses.asdict(s) for s in slides_of(bank, answers)], sort_keys=True, default=str)


# --- the sequence ------------------------------------------------------------------------------------


def test_before_the_reveal_the_only_slide_is_the_join_slide() -> None:
    bank = small_bank()
    assert [e.key for e in sequence(bank=bank, domains=["purpose", "trust"], revealed=False)] == [JOIN]


def test_after_the_reveal_the_slides_run_overall_domains_disagreement_accountability_spectrum() -> None:
    bank = small_bank()
    entries = sequence(bank=bank, domains=["trust", "purpose", "stance"], revealed=True)
    # domains in the bank's order; "stance" has no level question, so no domain slide of its own
    assert [e.key for e in entries] == [
        OVERALL,
        "domain:purpose",
        "domain:trust",
        DISAGREE,
        ACCOUNTABILITY,
        SPECTRUM,
    ]
    assert [e.title for e in entries][1:3] == ["1. Shared purpose", "2. Trust momentum"]


def test_accountability_and_spectrum_slides_appear_only_when_the_workshop_asks_such_questions() -> None:
    keys = [e.key for e in sequence(bank=small_bank(), domains=["purpose"], revealed=True)]
    assert keys == [OVERALL, "domain:purpose", DISAGREE, SPECTRUM]


def test_stepping_stays_at_either_end_and_an_unknown_slide_counts_as_the_first() -> None:
    entries = sequence(bank=small_bank(), domains=["purpose", "trust"], revealed=True)
    assert moved(entries, None, 1).key == "domain:purpose"
    assert moved(entries, OVERALL, -1).key == OVERALL
    assert moved(entries, SPECTRUM, 1).key == SPECTRUM
    assert position(entries, "domain:gone") == 0
    assert position(entries, JOIN) == 0  # a join slide stored before the reveal


def test_the_join_slide_shows_the_code_only_while_answers_are_taken() -> None:
    counts = [SectorCount("NHS trust", 3, 1), SectorCount("VCSE", 2, 2)]
    opened = join_slide(workshop="P · W", join_code="ABCDEFGH", status="open", sectors=counts)
    assert opened.join_code == "ABCDEFGH" and (opened.joined, opened.submitted) == (5, 3)
    for status in ("draft", "closed"):
        slide = join_slide(workshop="P · W", join_code="ABCDEFGH", status=status, sectors=counts)
        assert slide.join_code == "" and slide.status_words


# --- the slides' content -----------------------------------------------------------------------------


def room(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "participant": p,
                "sector": s,
                "item_id": i,
                "current": c,
                "target": t,
                "dont_know": bool(np.isnan(c)),
                "comment": None,
                "display_name": None,
            }
            for p, s, i, c, t in rows
        ]
    ).astype({"dont_know": bool})


def test_a_domain_slide_counts_each_level_now_and_target_from_the_same_answers_as_the_scores() -> None:
    bank = small_bank()
    answers = room(
        [
            ("a", "vcse", "purpose-stated", 1, 3),
            ("b", "vcse", "purpose-stated", 2, 3),
            ("c", "nhs-trust", "purpose-stated", 2, 4),
            ("d", "nhs-trust", "purpose-stated", np.nan, np.nan),  # don't know: not a level
            ("a", "vcse", "purpose-lived", 1, 2),
            ("b", "vcse", "purpose-lived", 4, 4),
        ]
    )
    slides = {s.key: s for s in slides_of(bank, answers)}
    purpose = slides["domain:purpose"]
    assert isinstance(purpose, DomainSlide)
    stated, lived = purpose.questions
    assert [c.count for c in stated.now] == [1, 2, 0, 0]
    assert [c.count for c in stated.target] == [0, 0, 2, 1]
    assert stated.median_now.text == "2.00" and stated.median_target.text == "3.00"
    assert stated.words.startswith("Now: 1 Emerging, 2 Developing; median 2 · Developing.")
    # two people rated the second question: withheld, in words, with no count at all
    assert lived.withheld and lived.now == () and lived.target == ()
    assert lived.median_now.text == WITHHELD and "fewer than 3 people" in lived.words
    assert purpose.scale == ("Emerging", "Developing", "Maturing", "Thriving")


def test_the_disagreement_slide_shows_the_split_questions_distributions() -> None:
    bank = small_bank()
    answers = room([(p, "vcse", "purpose-stated", c, 4) for p, c in zip("abcd", (1, 1, 4, 4), strict=True)])
    slides = {s.key: s for s in slides_of(bank, answers)}
    disagree = slides[DISAGREE]
    assert isinstance(disagree, DisagreeSlide)
    (question,) = disagree.questions
    assert question.split and [c.count for c in question.now] == [2, 0, 0, 2]
    assert disagree.sentences and "of answers are more than 1 level from the median" in disagree.sentences[0]


def test_with_fewer_people_than_the_threshold_every_slide_says_withheld_and_counts_nothing() -> None:
    bank = small_bank()
    answers = room([("a", "vcse", "purpose-stated", 1, 3), ("b", "vcse", "purpose-stated", 2, 3)])
    slides = slides_of(bank, answers)
    overall = slides[0]
    assert isinstance(overall, OverallSlide) and overall.withheld_sentence
    assert {h.figure for h in overall.headline} == {WITHHELD}
    for slide in slides:
        if isinstance(slide, DomainSlide):
            assert all(q.withheld and not q.now for q in slide.questions)


# --- never a withheld figure -------------------------------------------------------------------------


@SLIDES
@given(rooms(), st.randoms(use_true_random=False))
def test_slides_show_nothing_that_tells_apart_rooms_differing_only_where_nothing_may_be_learnt(
    a_room: Room, rnd: Any
) -> None:
    seen = shown(a_room.bank, a_room.answers)
    worlds = alternative_rooms(a_room)
    for change, world in rnd.sample(worlds, min(len(worlds), 4)):
        assert shown(a_room.bank, world) == seen, f"the slides tell two rooms apart ({change})"


def distributions_in(slides: tuple[Any, ...]) -> list[Distribution]:
    return [q for s in slides if isinstance(s, DomainSlide | DisagreeSlide) for q in s.questions]


@SLIDES
@given(rooms(), st.integers(1, 6))
def test_a_question_shows_its_distribution_exactly_when_scoring_shows_it_whatever_the_threshold(
    a_room: Room, threshold: int
) -> None:
    bank = a_room.bank.model_copy(update={"anonymity_threshold": threshold})
    scored = scored_of(bank, a_room.answers)
    withheld = dict(
        zip(scored.scores.items["item_id"].astype(str), scored.scores.items["withheld"], strict=True)
    )
    found = distributions(scored)
    assert set(found) == set(withheld)
    for item_id, question in found.items():
        assert question.withheld == bool(withheld[item_id])
        if question.withheld:
            assert question.now == () == question.target and question.median_now.value is None
        else:
            rated = int(scored.scores.items.set_index("item_id").loc[item_id, "n"])
            assert sum(c.count for c in question.now) == rated == sum(c.count for c in question.target)
            assert rated >= threshold
    for question in distributions_in(slides_of(bank, a_room.answers)):
        assert question == found[question.item_id]
