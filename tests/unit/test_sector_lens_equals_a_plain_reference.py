"""The team figures and the sector lens from one pass equal a plain pandas reference, for any room.

The reference is written for clarity, not speed: a groupby median per (workshop, sector, question),
the questions rated by at least the threshold averaged with their weights into domains, and
respondents counted as distinct participants. Rooms are random: several workshops, rounds that
asked only some questions, don't-knows, small sectors whose figures are withheld, accountability
answers, a few domains selected, and thresholds from 1 to 6.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.framework import QuestionBank
from assessment.scoring import Figures, figures, figures_with_lens
from tests.banks import small_bank

BANKS = {threshold: small_bank(anonymity_threshold=threshold) for threshold in range(1, 7)}
BANK = BANKS[3]
SECTORS = ["nhs-trust", "local-authority", "vcse"]
RATED_ITEMS = {"purpose-stated": 4, "purpose-lived": 4, "trust-relationships": 4, "purpose-stance": 5}
FUNCTIONS = ["quality-failure", "overspend"]
TIERS = [t.id for t in BANK.accountability_tiers]
DOMAINS = [d.id for d in BANK.domains]


@st.composite
def rooms(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers and accountability answers of one to three workshops."""
    rows: list[dict[str, Any]] = []
    tier_rows: list[dict[str, Any]] = []
    for w in range(draw(st.integers(1, 3))):
        workshop = f"w{w}"
        # a round may ask only some of the questions
        asked = draw(st.lists(st.sampled_from(list(RATED_ITEMS)), min_size=1, unique=True))
        asks_accountability = draw(st.booleans())
        for p in range(draw(st.integers(0, 14))):
            participant = f"{workshop}-p{p}"
            sectors = [draw(st.sampled_from(SECTORS))]
            if draw(st.integers(0, 19)) == 0:  # now and then, someone answers under two sectors
                sectors.append(draw(st.sampled_from(SECTORS)))
            for sector in sectors:
                for item in draw(st.lists(st.sampled_from(asked), unique=True)):
                    top = RATED_ITEMS[item]
                    dont_know = draw(st.integers(0, 7)) == 0
                    current = np.nan if dont_know else float(draw(st.integers(1, top)))
                    target = np.nan if dont_know else float(draw(st.integers(1, top)))
                    rows.append(
                        {
                            "workshop": workshop,
                            "participant": participant,
                            "sector": sector,
                            "item_id": item,
                            "current": current,
                            "target": target,
                            "dont_know": dont_know,
                        }
                    )
                if asks_accountability:
                    for function in draw(st.lists(st.sampled_from(FUNCTIONS), unique=True)):
                        tier_rows.append(
                            {
                                "workshop": workshop,
                                "participant": participant,
                                "sector": sector,
                                "item_id": "trust-buck",
                                "function_id": function,
                                "tier": draw(st.sampled_from(TIERS)),
                            }
                        )
    answers = pd.DataFrame(
        rows, columns=["workshop", "participant", "sector", "item_id", "current", "target", "dont_know"]
    )
    tiers = pd.DataFrame(
        tier_rows, columns=["workshop", "participant", "sector", "item_id", "function_id", "tier"]
    )
    return answers, tiers


def reference(
    answers: pd.DataFrame, tiers: pd.DataFrame, bank: QuestionBank, by: list[str], selected: list[str]
) -> dict[str, pd.DataFrame]:
    """Items, domains, overall and respondents per group, the plain way."""
    item_domain = {item.id: domain.id for domain, item in bank.iter_items()}
    weight = {item.id: item.weight for _, item in bank.iter_items()}
    maturity = [item.id for _, item in bank.iter_items() if item.type == "maturity"]
    groups = pd.concat([answers[by], tiers[by]]).drop_duplicates()
    everyone = pd.concat([answers[[*by, "participant", "item_id"]], tiers[[*by, "participant", "item_id"]]])
    everyone = everyone.assign(domain=everyone["item_id"].map(item_domain))

    item_rows, domain_rows, overall_rows, people_rows = [], [], [], []
    for key in groups.itertuples(index=False):
        where = dict(zip(by, key, strict=True))
        mine = answers.loc[(answers[by] == pd.Series(where)).all(axis=1)]
        theirs = everyone.loc[(everyone[by] == pd.Series(where)).all(axis=1)]
        people_rows.append({**where, "n": theirs["participant"].nunique()})
        medians = {}
        for item in maturity:
            on_item = mine.loc[mine["item_id"] == item]
            rated = on_item.loc[~on_item["dont_know"]]
            medians[item] = (len(rated), rated["current"].median(), rated["target"].median())
            if item_domain[item] in selected:
                item_rows.append(
                    {
                        **where,
                        "item_id": item,
                        "n": len(rated),
                        "dont_know": int(on_item["dont_know"].sum()),
                        "current": rated["current"].median(),
                        "target": rated["target"].median(),
                    }
                )
        shown_currents = []
        for domain in selected:
            shown = [
                item
                for item in maturity
                if item_domain[item] == domain and medians[item][0] >= bank.anonymity_threshold
            ]
            total = sum(weight[item] for item in shown)
            current = sum(weight[i] * medians[i][1] for i in shown) / total if shown else np.nan
            target = sum(weight[i] * medians[i][2] for i in shown) / total if shown else np.nan
            on_domain = theirs.loc[theirs["domain"] == domain]
            rated_on_domain = mine.loc[
                (mine["item_id"].map(item_domain) == domain)
                & mine["item_id"].isin(maturity)
                & ~mine["dont_know"]
            ]
            domain_rows.append(
                {
                    **where,
                    "domain": domain,
                    "current": current,
                    "target": target,
                    "n": on_domain["participant"].nunique(),
                    "rated_n": rated_on_domain["participant"].nunique(),
                    "items_shown": len(shown),
                }
            )
            if shown:
                shown_currents.append((current, target))
        overall_rows.append(
            {
                **where,
                "current": np.mean([c for c, _ in shown_currents]) if shown_currents else np.nan,
                "target": np.mean([t for _, t in shown_currents]) if shown_currents else np.nan,
                "domains_shown": len(shown_currents),
            }
        )
    return {
        "items": pd.DataFrame(item_rows, columns=[*by, "item_id", "n", "dont_know", "current", "target"]),
        "domains": pd.DataFrame(
            domain_rows, columns=[*by, "domain", "current", "target", "n", "rated_n", "items_shown"]
        ),
        "overall": pd.DataFrame(overall_rows, columns=[*by, "current", "target", "domains_shown"]),
        "respondents": pd.DataFrame(people_rows, columns=[*by, "n"]),
    }


def assert_same(ours: Figures, expected: dict[str, pd.DataFrame], by: list[str]) -> None:
    inner = {"items": ["item_id"], "domains": ["domain"], "overall": [], "respondents": []}
    for table, wanted in expected.items():
        keys = [*by, *inner[table]]
        got = getattr(ours, table)
        got = got.astype({k: str for k in keys}).set_index(keys).sort_index() if keys else got
        wanted = wanted.astype({k: str for k in keys}).set_index(keys).sort_index() if keys else wanted
        assert list(got.index) == list(wanted.index), table
        for column in wanted.columns:
            mine, theirs = got[column].to_numpy(dtype=float), wanted[column].to_numpy(dtype=float)
            np.testing.assert_allclose(
                mine, theirs, rtol=1e-12, atol=0, equal_nan=True, err_msg=f"{table}.{column}"
            )


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    rooms(),
    st.integers(1, 6),
    st.one_of(st.none(), st.lists(st.sampled_from(DOMAINS), min_size=1, unique=True)),
    st.booleans(),
)
def test_the_team_and_its_sector_lens_from_one_pass_equal_a_plain_groupby(
    room: tuple[pd.DataFrame, pd.DataFrame], threshold: int, domains: list[str] | None, with_tiers: bool
) -> None:
    answers, tiers = room
    bank = BANKS[threshold]
    tier_answers = tiers if with_tiers else tiers.iloc[0:0]
    selected = DOMAINS if domains is None else [d for d in DOMAINS if d in domains]
    team, lens = figures_with_lens(
        answers, bank, by=["workshop"], tier_answers=tier_answers, domains=domains, item_detail=False
    )
    assert_same(team, reference(answers, tier_answers, bank, ["workshop"], selected), ["workshop"])
    assert_same(
        lens, reference(answers, tier_answers, bank, ["workshop", "sector"], selected), ["workshop", "sector"]
    )


@SETTINGS
@given(rooms(), st.integers(1, 6), st.booleans(), st.booleans())
def test_the_lens_from_one_pass_is_the_lens_scored_on_its_own(
    room: tuple[pd.DataFrame, pd.DataFrame], threshold: int, with_tiers: bool, item_detail: bool
) -> None:
    answers, tiers = room
    bank = BANKS[threshold]
    tier_answers = tiers if with_tiers else None
    team, lens = figures_with_lens(
        answers, bank, by=["workshop"], tier_answers=tier_answers, item_detail=item_detail
    )
    alone = figures(answers, bank, by=["workshop"], tier_answers=tier_answers, item_detail=item_detail)
    lens_alone = figures(
        answers, bank, by=["workshop", "sector"], tier_answers=tier_answers, item_detail=False
    )
    for table in ("items", "domains", "overall", "respondents"):
        pd.testing.assert_frame_equal(getattr(team, table), getattr(alone, table))
        pd.testing.assert_frame_equal(getattr(lens, table), getattr(lens_alone, table))


@SETTINGS
@given(rooms(), st.integers(1, 6))
def test_one_workshops_lens_with_no_workshop_column_equals_the_plain_groupby(
    room: tuple[pd.DataFrame, pd.DataFrame], threshold: int
) -> None:
    answers, tiers = room
    answers, tiers = answers.loc[answers["workshop"] == "w0"], tiers.loc[tiers["workshop"] == "w0"]
    bank = BANKS[threshold]
    team, lens = figures_with_lens(
        answers.drop(columns="workshop"), bank, tier_answers=tiers.drop(columns="workshop")
    )
    everyone = answers.assign(workshop="w0"), tiers.assign(workshop="w0")
    expected_team = reference(*everyone, bank, ["workshop"], DOMAINS)
    if len(answers) + len(tiers):
        assert_same(team, {k: v.drop(columns="workshop") for k, v in expected_team.items()}, [])
    else:
        assert int(team.respondents["n"].iloc[0]) == 0 and team.domains["current"].isna().all()
    assert_same(lens, reference(answers, tiers, bank, ["sector"], DOMAINS), ["sector"])
