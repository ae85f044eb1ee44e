"""Sector groups: a board of one to three people per sector sees the partners' views by group,
while every figure still rests on enough people, and the group view and the sector view side by
side never isolate a few people (secondary suppression between the two lenses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.framework import BankValidationError, QuestionBank, load_bank, parse_bank
from assessment.scoring import empty_tier_answers, score_workshop
from tests.banks import maturity, small_bank_data

THRESHOLD = 3
SECTORS = ("nhs-trust", "local-authority", "vcse")


def bank_with_groups(groups: list[dict[str, object]]) -> QuestionBank:
    data = small_bank_data()
    data["sectors"] = [{"id": s, "label": s.replace("-", " ").title()} for s in (*SECTORS, "healthwatch")]
    data["sector_groups"] = groups
    data["domains"] = [
        {"id": "d0", "title": "Domain zero", "description": "Generated.", "items": [maturity("d0-q0")]}
    ]
    data["anonymity_threshold"] = THRESHOLD
    return QuestionBank.model_validate(data)


def room(sizes: dict[str, int], level: int = 2) -> pd.DataFrame:
    rows = [
        {
            "participant": f"{sector}-{i}",
            "sector": sector,
            "item_id": "d0-q0",
            "current": float(level),
            "target": 4.0,
            "dont_know": False,
        }
        for sector, count in sizes.items()
        for i in range(count)
    ]
    return pd.DataFrame(rows, columns=["participant", "sector", "item_id", "current", "target", "dont_know"])


def scores(bank: QuestionBank, answers: pd.DataFrame):  # type: ignore[no-untyped-def]
    return score_workshop(answers, bank, tier_answers=empty_tier_answers(), domains=["d0"])


def test_the_shipped_bank_groups_every_sector_once() -> None:
    bank = load_bank()
    grouped = [s for g in bank.sector_groups for s in g.sectors]
    assert sorted(grouped) == sorted(s.id for s in bank.sectors)


def test_a_group_naming_an_unknown_sector_or_a_sector_twice_is_refused_with_its_place() -> None:
    text = load_bank().model_dump_json()
    import json

    data = json.loads(text)
    data["sector_groups"] = [
        {"id": "a", "label": "A", "sectors": ["nhs-trust", "no-such-sector"]},
        {"id": "b", "label": "B", "sectors": ["nhs-trust"]},
    ]
    with pytest.raises(BankValidationError) as refused:
        parse_bank(json.dumps(data))
    said = " ".join(e.message for e in refused.value.errors)
    assert "'no-such-sector' is not one of the bank's sectors" in said
    assert "already in sector_groups[0]" in said


def test_a_typical_board_of_one_to_three_per_sector_shows_its_groups() -> None:
    bank = bank_with_groups(
        [
            {"id": "nhs", "label": "NHS", "sectors": ["nhs-trust", "local-authority"]},
            {"id": "community", "label": "Community", "sectors": ["vcse", "healthwatch"]},
        ]
    )
    scored = scores(bank, room({"nhs-trust": 2, "local-authority": 2, "vcse": 2, "healthwatch": 1}))
    assert scored.sectors_n["withheld"].all()  # no sector alone passes the threshold
    assert not scored.groups_n["withheld"].any()
    assert scored.groups["current"].notna().all()


def test_a_group_whose_shown_sector_leaves_out_one_person_is_withheld() -> None:
    # NHS trust 3 (shown) + local authority 1: the group's figure beside the trust's would be the
    # lone council member's answer pulled out of a median of four.
    bank = bank_with_groups([{"id": "g", "label": "G", "sectors": ["nhs-trust", "local-authority"]}])
    scored = scores(bank, room({"nhs-trust": 3, "local-authority": 1}))
    assert not scored.sectors_n.set_index("sector").loc["nhs-trust", "withheld"]
    assert scored.groups_n.set_index("sector").loc["g", "withheld"]
    assert scored.groups["current"].isna().all()


@st.composite
def grouped_rooms(draw: st.DrawFn) -> tuple[QuestionBank, pd.DataFrame]:
    sectors = [*SECTORS, "healthwatch"]
    membership = draw(st.lists(st.sampled_from([0, 1, None]), min_size=4, max_size=4))
    groups = [
        {
            "id": f"g{g}",
            "label": f"Group {g}",
            "sectors": [s for s, m in zip(sectors, membership, strict=True) if m == g],
        }
        for g in (0, 1)
    ]
    bank = bank_with_groups([g for g in groups if g["sectors"]])
    sizes = dict(zip(sectors, draw(st.lists(st.integers(0, 5), min_size=4, max_size=4)), strict=True))
    answers = room(sizes)
    levels = draw(st.lists(st.integers(1, 4), min_size=len(answers), max_size=len(answers)))
    return bank, answers.assign(current=np.array(levels, dtype=float))


@settings(max_examples=150, deadline=None)
@given(grouped_rooms())
def test_no_shown_group_and_its_shown_sectors_isolate_fewer_people_than_the_threshold(
    case: tuple[QuestionBank, pd.DataFrame],
) -> None:
    bank, answers = case
    scored = scores(bank, answers)
    people = answers.groupby("sector")["participant"].nunique()
    shown_sectors = set(scored.sectors_n.loc[~scored.sectors_n["withheld"], "sector"])
    for group in bank.sector_groups:
        row = scored.groups_n.loc[scored.groups_n["sector"] == group.id]
        if row.empty or bool(row["withheld"].iloc[0]):
            cells = scored.groups.loc[scored.groups["sector"] == group.id, "current"]
            assert cells.isna().all(), "a withheld group shows no figure"
            continue
        total = int(sum(people.get(s, 0) for s in group.sectors))
        covered = int(sum(people.get(s, 0) for s in group.sectors if s in shown_sectors))
        assert total >= THRESHOLD
        assert total - covered == 0 or total - covered >= THRESHOLD, (group.id, total, covered)
