"""Synthetic answers at national scale, shaped like real workshops (sectors, don't-knows, drift)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.framework import AccountabilityItem, QuestionBank


def synthetic_answers(
    bank: QuestionBank,
    *,
    partnerships: int = 42,
    rounds: int = 8,
    respondents: int = 60,
    items: int = 50,
    seed: int = 7,
) -> pd.DataFrame:
    """One row per answer, for ``items`` maturity/spectrum items of the bank, vectorised."""
    rng = np.random.default_rng(seed)
    chosen = [i for _, i in bank.iter_items() if i.type in ("maturity", "spectrum")][:items]
    workshops = partnerships * rounds
    people = workshops * respondents
    rows = people * len(chosen)
    person = np.repeat(np.arange(people), len(chosen))
    workshop = person // respondents
    item_index = np.tile(np.arange(len(chosen)), people)
    top = np.array([5 if i.type == "spectrum" else bank.max_level for i in chosen])[item_index]
    # each partnership improves a little round by round, with per-person noise
    base = 1 + (workshop % rounds) * 0.25 + rng.normal(0, 0.8, rows)
    current = np.clip(np.rint(base), 1, top)
    target = np.clip(current + rng.integers(0, 3, rows), 1, top)
    dont_know = rng.random(rows) < 0.04
    sectors = np.array([s.id for s in bank.sectors])
    item_ids = np.array([i.id for i in chosen])
    return pd.DataFrame(
        {
            "workshop": pd.Categorical.from_codes(workshop, [f"w{w:04d}" for w in range(workshops)]),
            "participant": person,
            "sector": pd.Categorical(sectors[(person * 7919) % len(sectors)]),
            "item_id": pd.Categorical.from_codes(item_index, item_ids),
            "current": np.where(dont_know, np.nan, current),
            "target": np.where(dont_know, np.nan, target),
            "dont_know": dont_know,
        }
    )


def synthetic_tier_answers(bank: QuestionBank, *, respondents: int = 60, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    sectors = [s.id for s in bank.sectors]
    for _, item in bank.iter_items():
        if isinstance(item, AccountabilityItem):
            tiers = [t.id for t in item.tiers]
            for function in item.functions:
                picks = rng.integers(0, len(tiers), respondents)
                for person, pick in enumerate(picks):
                    rows.append(
                        {
                            "participant": person,
                            "sector": sectors[(person * 7919) % len(sectors)],
                            "item_id": item.id,
                            "function_id": function.id,
                            "tier": tiers[pick],
                        }
                    )
    return pd.DataFrame(rows)
