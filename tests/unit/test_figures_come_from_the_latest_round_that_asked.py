"""For any rounds asking any subsets of the domains: each domain's figure in a cohort comes from
the latest round that asked it (withheld there stays withheld), a domain no round asked is "not
asked", and a partnership leaves a domain's median only when no round asked it or it is withheld.
In a trend, every round has every domain, "not asked" exactly where the round did not ask it."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.cohorts import ComparedRound, Member, side_by_side
from assessment.scoring import cohort_figures
from assessment.trends import NOT_ASKED, SHOWN, TREND_COLUMNS, WITHHELD, every_round_and_domain

DOMAINS = ("governance", "trust", "gaps", "place")
START = date(2026, 1, 5)

# Per round: the domains it asked (in its own order), each with a current level or None (withheld).
asked_round = st.lists(st.sampled_from(DOMAINS), min_size=1, max_size=len(DOMAINS), unique=True).flatmap(
    lambda asked: st.tuples(
        st.just(asked),
        st.lists(st.none() | st.integers(1, 4), min_size=len(asked), max_size=len(asked)),
    )
)
# Per partnership: its rounds, oldest first (none at all is allowed).
cohorts = st.lists(st.lists(asked_round, max_size=4), min_size=1, max_size=5)


def build(
    plan: list[list[tuple[list[str], list[int | None]]]],
) -> tuple[list[Member], dict[int, list[ComparedRound]], pd.DataFrame]:
    members = [Member(p, f"Partnership {p}", "place", None) for p in range(len(plan))]
    rounds: dict[int, list[ComparedRound]] = {}
    scored = []
    workshop = 0
    for partnership, planned in enumerate(plan):
        for number, (asked, levels) in enumerate(planned):
            workshop += 1
            found = ComparedRound(
                id=workshop,
                partnership_id=partnership,
                join_code=f"CODE{workshop}",
                label=f"Round {number + 1}",
                held_on=START + timedelta(days=30 * number),
                bank_version_id=1,
                bank_version="ics-readiness 1.0.0",
                domains=tuple(asked),
            )
            rounds.setdefault(partnership, []).append(found)
            for domain, level in zip(asked, levels, strict=True):
                withheld = level is None
                current = math.nan if withheld else float(level)
                scored.append((workshop, domain, domain.title(), current, current + 1, 1.0, withheld))
    columns = ["workshop", "domain", "title", "current", "target", "gap", "withheld"]
    return members, rounds, pd.DataFrame(scored, columns=columns)


def same(left: float, right: float) -> bool:
    return (math.isnan(left) and math.isnan(right)) or left == right


@settings(max_examples=150, deadline=None)
@given(cohorts)
def test_each_domains_figure_comes_from_the_latest_round_that_asked_it(
    plan: list[list[tuple[list[str], list[int | None]]]],
) -> None:
    members, rounds, scored = build(plan)
    table = side_by_side(members, rounds, scored)
    figure = {(int(r.workshop), str(r.domain)): r for r in scored.itertuples(index=False)}
    asked_anywhere = set(scored["domain"])
    for member in members:
        rows = table.loc[table["partnership_id"] == member.id]
        if member.id not in rounds:
            assert rows.empty
            continue
        assert sorted(rows["domain"]) == sorted(asked_anywhere)  # one row per domain, no more
        for row in rows.to_dict("records"):
            asking = [r for r in rounds[member.id] if row["domain"] in r.domains]
            if not asking:
                assert row["state"] == NOT_ASKED and not row["withheld"]
                assert math.isnan(row["current"]) and row["round"] is None
                continue
            source = asking[-1]  # never an older round, even when this one withholds it
            expected = figure[(source.id, row["domain"])]
            assert row["round"] == source.label and row["held_on"] == source.held_on
            assert row["state"] == (WITHHELD if expected.withheld else SHOWN)
            assert row["withheld"] == expected.withheld
            assert same(row["current"], expected.current)
            assert row["from_earlier_round"] == (source is not rounds[member.id][-1])
            before = figure[(asking[-2].id, row["domain"])].current if len(asking) > 1 else math.nan
            assert same(row["change"], expected.current - before)


@settings(max_examples=150, deadline=None)
@given(cohorts)
def test_a_partnership_leaves_a_domains_median_only_when_not_asked_or_withheld(
    plan: list[list[tuple[list[str], list[int | None]]]],
) -> None:
    members, rounds, scored = build(plan)
    _, summary = cohort_figures(side_by_side(members, rounds, scored), partnership="partnership_id")
    medians = dict(zip(summary["domain"], summary["current"], strict=True))
    counts = dict(zip(summary["domain"], summary["partnerships"], strict=True))
    for domain in set(scored["domain"]):
        latest_asking = [
            [r for r in found if domain in r.domains][-1]
            for found in rounds.values()
            if any(domain in r.domains for r in found)
        ]
        levels = [
            float(scored.loc[(scored["workshop"] == r.id) & (scored["domain"] == domain), "current"].iloc[0])
            for r in latest_asking
        ]
        shown = [level for level in levels if not math.isnan(level)]
        assert counts.get(domain, 0) == len(shown)
        assert same(medians.get(domain, math.nan), float(np.median(shown)) if shown else math.nan)


@settings(max_examples=100, deadline=None)
@given(st.lists(asked_round, min_size=1, max_size=5))
def test_every_round_of_a_trend_has_every_domain_and_not_asked_only_where_it_did_not_ask(
    planned: list[tuple[list[str], list[int | None]]],
) -> None:
    rows = []
    for number, (asked, levels) in enumerate(planned):
        for domain, level in zip(asked, levels, strict=True):
            current = math.nan if level is None else float(level)
            rows.append(
                {
                    "workshop_id": number + 1,
                    "join_code": f"CODE{number}",
                    "round": f"Round {number + 1}",
                    "held_on": START + timedelta(days=30 * number),
                    "bank_version": "ics-readiness 1.0.0",
                    "domain": domain,
                    "title": domain.title(),
                    "current": current,
                    "target": current,
                    "gap": 0.0 if level is not None else math.nan,
                    "n": 0 if level is None else 3,
                    "withheld": level is None,
                    "respondents": 3,
                    "consensus": math.nan,
                    "current_change": math.nan,
                    "target_change": math.nan,
                    "gap_change": math.nan,
                }
            )
    frame = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    grid = every_round_and_domain(frame)
    domains = set(frame["domain"])
    assert len(grid) == len(planned) * len(domains)
    assert grid["round"].tolist() == sorted(grid["round"].tolist(), key=lambda r: int(r.split()[1]))
    for row in grid.to_dict("records"):
        asked, levels = planned[row["workshop_id"] - 1]
        if row["domain"] not in asked:
            assert row["state"] == NOT_ASKED and not row["withheld"] and math.isnan(row["current"])
            assert row["title"] == row["domain"].title() and row["respondents"] == 3
        else:
            level = levels[asked.index(row["domain"])]
            assert row["state"] == (WITHHELD if level is None else SHOWN)
            assert same(row["current"], math.nan if level is None else float(level))
