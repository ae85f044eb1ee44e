"""The anonymity promise, tested as an attacker would break it.

The attacker is a participant who sees everything the team is shown (the figures document that
the results page, the PDF and ``scores --json`` all read, the comments, and the figures trends and
cohorts are made of) and who knows their own answers. A value is *determined* for them only if
every possible room that agrees with all of that gives the same value. So the auditor below does
not guess at attacks: for every protected value it builds another room, identical in everything
the attacker knows, in which that value is different, and checks that the attacker is shown
exactly the same thing. Linear algebra over the shown means (4 x the domain mean - the three
shown medians, 2 x overall - the shown domain) is one attack this rules out; any other is too.

Protected values (DESIGN.md section 3, secondary suppression):
- every answer to a question rated by fewer than the threshold, and so that question's median
  and any domain or overall figure it would have fed;
- within the sector lens, every answer that reaches a sector's figures only through a question
  rated by fewer than the threshold in that sector;
- everything, when the workshop has fewer respondents than the threshold;
- who wrote which comment.
What the threshold itself allows stays allowed: a question rated by three or more people shows
its median and quartiles, and those can say a lot when the three agree.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from itertools import combinations_with_replacement
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.db import WorkshopInfo
from assessment.framework import QuestionBank
from assessment.results import ScoredWorkshop, scores_document, shown_comments
from assessment.scoring import (
    empty_tier_answers,
    figures,
    score_workshop,
    team_domain_figures,
    withhold_domains,
)
from tests.banks import maturity, small_bank_data

SECTORS = ("nhs-trust", "local-authority", "vcse")
THRESHOLD = 3


def bank_of(shape: list[list[int]]) -> QuestionBank:
    """A bank whose domain d has one maturity question per weight in shape[d]."""
    data = small_bank_data()
    data["domains"] = [
        {
            "id": f"d{d}",
            "title": f"Domain {d}",
            "description": "Generated.",
            "items": [maturity(f"d{d}-q{q}", weight=weight) for q, weight in enumerate(weights)],
        }
        for d, weights in enumerate(shape)
    ]
    data["anonymity_threshold"] = THRESHOLD
    return QuestionBank.model_validate(data)


@dataclass(frozen=True)
class Room:
    bank: QuestionBank
    answers: pd.DataFrame  # one row per answer, with a comment column
    attacker: str


@st.composite
def rooms(draw: st.DrawFn) -> Room:
    shape = draw(
        st.lists(st.lists(st.sampled_from([1, 1, 2]), min_size=1, max_size=4), min_size=1, max_size=3)
    )
    bank = bank_of(shape)
    # 2-6 people in sectors of 1-3: the small rooms where one answer can stand out
    sizes = draw(st.lists(st.integers(0, 3), min_size=3, max_size=3).filter(lambda s: 2 <= sum(s) <= 6))
    people = [
        (f"p{i}", sector)
        for i, sector in enumerate(s for s, k in zip(SECTORS, sizes, strict=True) for _ in range(k))
    ]
    rows = []
    for person, sector in people:
        for _, item in bank.iter_items():
            kind = draw(st.sampled_from(["skip", "dont_know", "rate", "rate", "rate"]))
            if kind == "skip":
                continue
            comment = draw(st.sampled_from([None, None, f"note from {person}", "agree", "same as last year"]))
            current = np.nan if kind == "dont_know" else float(draw(st.integers(1, 4)))
            target = np.nan if kind == "dont_know" else float(draw(st.integers(1, 4)))
            rows.append(
                {
                    "participant": person,
                    "sector": sector,
                    "item_id": item.id,
                    "current": current,
                    "target": target,
                    "dont_know": kind == "dont_know",
                    "comment": comment,
                    "display_name": None,
                }
            )
    columns = [
        "participant",
        "sector",
        "item_id",
        "current",
        "target",
        "dont_know",
        "comment",
        "display_name",
    ]
    answers = pd.DataFrame(rows, columns=columns).astype({"dont_know": bool})
    attacker = draw(st.sampled_from([person for person, _ in people]))
    return Room(bank, answers, attacker)


def shown(bank: QuestionBank, answers: pd.DataFrame) -> str:
    """Everything the room is shown, as one canonical text: the figures document (screen, PDF and
    JSON read it), the comments, and the domain figures trends and cohorts are made of."""
    tiers = empty_tier_answers().assign(comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object))
    domains = [d.id for d in bank.domains]
    info = WorkshopInfo(
        1, "ABCDEFGH", "Audit", date(2026, 1, 1), "R1", "closed", True, True, tuple(domains), 1, "P", "C", 1
    )
    scores = score_workshop(answers, bank, tier_answers=tiers, domains=domains)
    scored = ScoredWorkshop(info, bank, scores, answers, tiers)
    trend, _ = team_domain_figures(answers, bank, tier_answers=tiers, domains=domains)
    cohort = figures(answers.assign(workshop=1), bank, by=["workshop"], domains=domains, item_detail=False)
    few = (
        bool(cohort.respondents["n"].iloc[0] < bank.anonymity_threshold) if len(cohort.respondents) else True
    )
    cohort_domains = withhold_domains(cohort.domains, too_few_people=few)
    visible = {
        "document": scores_document(scored),
        "comments": [[item, [(c.who, c.text) for c in notes]] for item, notes in shown_comments(scored)],
        "trend": _records(trend),
        "cohort": _records(cohort_domains),
    }
    # NaN is not JSON: a withheld figure must already be null wherever it is shown.
    return json.dumps(visible, sort_keys=True, allow_nan=False, default=str)


def _records(domains: pd.DataFrame) -> list[dict[str, Any]]:
    """A domain table as trends and cohorts show it, a withheld figure as null."""
    table = domains[["domain", "current", "target", "gap", "withheld"]].astype(object)
    return list(table.where(table.notna(), None).to_dict("records"))


def _other_level(level: float) -> float:
    return 4.0 if level != 4.0 else 1.0


def _rated(answers: pd.DataFrame) -> pd.DataFrame:
    return answers.loc[~answers["dont_know"]]


def alternative_rooms(room: Room) -> list[tuple[str, pd.DataFrame]]:
    """Rooms that agree with everything the attacker may learn, each differing in a protected value."""
    answers, attacker, threshold = room.answers, room.attacker, room.bank.anonymity_threshold
    rated = _rated(answers)
    others = rated.loc[rated["participant"] != attacker]
    team_n = rated.groupby("item_id").size()
    sector_n = rated.groupby(["item_id", "sector"]).size()
    respondents = answers["participant"].nunique()
    found = []
    for index, row in others.iterrows():
        item = row["item_id"]
        if respondents < threshold or team_n[item] < threshold:
            # A question (or a workshop) below the threshold: this answer must feed nothing shown.
            world = answers.copy()
            world.loc[index, ["current", "target"]] = [
                _other_level(row["current"]),
                _other_level(row["target"]),
            ]
            found.append((f"{row['participant']} answers {item} differently", world))
        elif sector_n[(item, row["sector"])] < threshold:
            # Shown for the team, too few in this sector: swap with someone in another small cell,
            # which keeps the team's answers to it the same and changes both sectors' hidden ones.
            for other_index, other in others.loc[others["item_id"] == item].iterrows():
                if (
                    other["sector"] != row["sector"]
                    and sector_n[(item, other["sector"])] < threshold
                    and (other["current"], other["target"]) != (row["current"], row["target"])
                ):
                    world = answers.copy()
                    world.loc[index, ["current", "target"]] = [other["current"], other["target"]]
                    world.loc[other_index, ["current", "target"]] = [row["current"], row["target"]]
                    found.append((f"{row['participant']} and {other['participant']} swap on {item}", world))
                    break
    # Who wrote which comment: two others' comments on one question swapped.
    commented = answers.loc[(answers["participant"] != attacker) & answers["comment"].notna()]
    for item, group in commented.groupby("item_id"):
        if group["comment"].nunique() >= 2:
            first, second = group.index[:2]
            world = answers.copy()
            world.loc[first, "comment"], world.loc[second, "comment"] = (
                answers.loc[second, "comment"],
                answers.loc[first, "comment"],
            )
            found.append((f"two people swap their comments on {item}", world))
    return found


AUDIT = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# Each example scores its room several times over; this many keeps the test near half a minute.
WORLDS_PER_ROOM = 6


@AUDIT
@given(rooms(), st.randoms(use_true_random=False))
def test_no_protected_answer_or_withheld_figure_can_be_worked_out_from_what_is_shown(
    room: Room, rnd: Any
) -> None:
    seen = shown(room.bank, room.answers)
    worlds = alternative_rooms(room)
    for change, world in rnd.sample(worlds, min(len(worlds), WORLDS_PER_ROOM)):
        assert shown(room.bank, world) == seen, (
            f"the attacker {room.attacker} can tell apart two rooms that differ only where they should "
            f"learn nothing ({change})"
        )


def domain_median_mean(bank: QuestionBank, medians: dict[str, float], domain_id: str) -> float:
    pairs = [(medians[i.id], i.weight) for i in bank.domain(domain_id).items if i.id in medians]
    return sum(m * w for m, w in pairs) / sum(w for _, w in pairs)


@AUDIT
@given(rooms())
def test_every_shown_aggregate_is_the_mean_of_shown_components_and_says_how_many(room: Room) -> None:
    """The figures document states its own algebra: a domain is the weighted mean of the shown
    medians of its questions, the overall the mean of the shown domains; "questions" and
    "domains" count exactly those. An attacker's linear system then holds shown values only."""
    answers = room.answers.drop(columns=["comment", "display_name"])
    tiers = empty_tier_answers()
    document = json.loads(shown(room.bank, room.answers))["document"]
    medians = {i["id"]: i["current"] for i in document["items"] if not i["withheld"]}
    shown_domains = []
    for domain in document["domains"]:
        mine = [i for i in room.bank.domain(domain["id"]).items if i.id in medians]
        assert domain["questions"] == len(mine)
        if domain["withheld"]:
            assert domain["current"] is None and not mine
            continue
        assert math.isclose(domain["current"], domain_median_mean(room.bank, medians, domain["id"]))
        shown_domains.append(domain["current"])
    overall = document["overall"]
    assert document["overall_domains"] == len(shown_domains)
    if shown_domains:
        assert math.isclose(overall["current"], sum(shown_domains) / len(shown_domains))
    else:
        assert overall["current"] is None
    # The sector lens: a sector's domain figure is the mean of that sector's medians of the
    # questions at least the threshold of its people rated, never of the others.
    scores = score_workshop(answers, room.bank, tier_answers=tiers)
    rated = _rated(answers)
    for sector in document["sectors"]:
        mine = rated.loc[rated["sector"] == sector["sector"]]
        counts = mine.groupby("item_id").size()
        sector_medians = {
            item: float(median)
            for item, median in mine.groupby("item_id")["current"].median().items()
            if counts[item] >= THRESHOLD
        }
        for domain in sector["domains"]:
            if domain["withheld"]:
                assert domain["current"] is None
                continue
            assert sector["n"] >= THRESHOLD
            assert math.isclose(
                domain["current"], domain_median_mean(room.bank, sector_medians, domain["id"])
            )
    assert scores.threshold == THRESHOLD


# --- the attacks that were reported, one by one --------------------------------------------------


def _answer(
    person: str, item: str, current: int | None, target: int | None = None, sector: str = "nhs-trust"
) -> dict[str, Any]:
    return {
        "participant": person,
        "sector": sector,
        "item_id": item,
        "current": np.nan if current is None else float(current),
        "target": np.nan if current is None else float(target if target is not None else current),
        "dont_know": current is None,
    }


def _score(bank: QuestionBank, rows: list[dict[str, Any]]) -> Any:
    return score_workshop(pd.DataFrame(rows), bank, tier_answers=empty_tier_answers())


def test_four_times_the_domain_mean_minus_three_shown_medians_no_longer_gives_the_lone_answer() -> None:
    bank = bank_of([[1, 1, 1, 1]])
    rows = [_answer(p, f"d0-q{q}", 2) for p in "abc" for q in range(3)] + [_answer("a", "d0-q3", 4)]
    scores = _score(bank, rows)
    domain = scores.domains.iloc[0]
    shown_medians = scores.items.loc[~scores.items["withheld"], "current"]
    assert len(shown_medians) == 3 and bool(scores.items.set_index("item_id").loc["d0-q3", "withheld"])
    recovered = 4 * domain["current"] - shown_medians.sum()
    assert recovered != 4.0  # the lone rater's answer
    assert domain["current"] == 2.0 and domain["items_shown"] == 3


def test_three_people_and_a_dont_know_cannot_solve_each_other_from_the_domain_mean() -> None:
    bank = bank_of([[1, 1]])
    rows = [_answer(p, "d0-q0", level) for p, level in zip("abc", (1, 2, 4), strict=True)]
    rows += [_answer("a", "d0-q1", 1), _answer("b", "d0-q1", 4), _answer("c", "d0-q1", None)]
    scores = _score(bank, rows)
    domain = scores.domains.iloc[0]
    # Before: domain = (2 + 2.5) / 2, so a (who said 1) got b's 4 from 2 x 2.25 - 2 = 2.5 = (1 + b) / 2.
    assert domain["current"] == 2.0 and domain["items_shown"] == 1
    assert 2 * (2 * domain["current"] - 2.0) - 1 != 4.0


def test_twice_the_overall_minus_the_one_shown_domain_does_not_give_a_withheld_domain() -> None:
    bank = bank_of([[1], [1]])
    rows = [_answer(p, "d0-q0", 2) for p in "abc"] + [_answer("a", "d1-q0", 4)]
    scores = _score(bank, rows)
    assert scores.overall["current"] == 2.0 and scores.overall_domains == 1
    assert 2 * scores.overall["current"] - 2.0 != 4.0


def test_a_sector_figure_rests_only_on_questions_enough_of_the_sector_rated() -> None:
    bank = bank_of([[1, 1]])
    rows = [_answer(p, "d0-q0", 3, sector="vcse") for p in "abc"] + [_answer("a", "d0-q1", 1, sector="vcse")]
    rows += [_answer(p, q, 2) for p in "xyz" for q in ("d0-q0", "d0-q1")]
    sectors = _score(bank, rows).sectors.set_index("sector")
    assert sectors.loc["vcse", "current"] == 3.0 and sectors.loc["vcse", "items_shown"] == 1


def test_comments_follow_no_join_order_and_none_sit_under_a_withheld_question() -> None:
    bank = bank_of([[1, 1]])
    rows = [
        {**_answer(p, "d0-q0", 2), "comment": text}
        for p, text in zip("abc", ("zebra crossing", "apple", "Mango"), strict=True)
    ]
    rows.append({**_answer("a", "d0-q1", 4), "comment": "only I rated this"})
    answers = pd.DataFrame(rows).assign(display_name=None)
    tiers = empty_tier_answers().assign(comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object))
    info = WorkshopInfo(
        1, "ABCDEFGH", "T", date(2026, 1, 1), None, "closed", True, True, ("d0",), 1, "P", "C", 1
    )
    scored = ScoredWorkshop(info, bank, score_workshop(answers, bank, tier_answers=tiers), answers, tiers)
    listed = shown_comments(scored)
    assert [(item, [c.text for c in notes]) for item, notes in listed] == [
        ("d0-q0", ["apple", "Mango", "zebra crossing"])
    ]


def test_at_three_or_four_respondents_the_median_and_quartiles_already_fix_every_answer_given() -> None:
    """Why per-level counts (the projector's dots, the PDF's "How the answers spread", the re-rate
    page) may be shown wherever a question's figures are: at three or four respondents the median
    and quartiles shown (linear interpolation) already fix the whole set of answers given, which is
    all the counts say. So the counts tell no one anything more there. (From five respondents the
    quartiles no longer fix it, and the counts show the distribution DESIGN's Delphi step shows.)
    The quartiles are pandas' own here; the app's scoring is held equal to them by
    tests/unit/test_scoring.py (its plain groupby reference)."""
    levels = range(1, 5)
    for respondents in (3, 4):
        seen: dict[tuple[float, float, float], tuple[int, ...]] = {}
        for answers in combinations_with_replacement(levels, respondents):
            series = pd.Series(answers, dtype=float)
            shown = (series.quantile(0.25), series.median(), series.quantile(0.75))
            assert shown not in seen, f"{answers} and {seen[shown]} show alike at {respondents}"
            seen[shown] = answers
    five = {
        (s.quantile(0.25), s.median(), s.quantile(0.75))
        for s in (pd.Series(a, dtype=float) for a in combinations_with_replacement(levels, 5))
    }
    assert len(five) < len(list(combinations_with_replacement(levels, 5)))
