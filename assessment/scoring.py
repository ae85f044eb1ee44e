"""Scoring: pure functions from answers to the figures a team discusses (DESIGN.md section 3).

Inputs are long DataFrames, one row per answer:

``answers`` (maturity and spectrum items)
    participant, sector, item_id, current, target, dont_know; current/target are whole levels
    (1..scale length for maturity, 1..5 for spectrum) and NaN on a "don't know".
``tier_answers`` (accountability items)
    participant, sector, item_id, function_id, tier.

Any extra columns named in ``by`` (workshop, round, partnership, sector ...) split the figures
into groups, so one call scores every workshop in a national data set at once.

Nothing is rounded here; rounding is for display. Anonymity is applied by ``withhold`` and by
``score_workshop``, which marks every figure computed from too few respondents as withheld
(NaN with ``withheld=True``) rather than leaving it silently missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.framework import (
    SPECTRUM_POSITIONS,
    UNCLEAR_TIER,
    AccountabilityItem,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
)

ANSWER_COLUMNS = ("participant", "sector", "item_id", "current", "target", "dont_know")
TIER_COLUMNS = ("participant", "sector", "item_id", "function_id", "tier")
ITEM_FIGURES = ("current", "target", "gap", "q1", "q3", "iqr", "split_share")


def empty_answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": pd.Series(dtype="object"),
            "sector": pd.Series(dtype="object"),
            "item_id": pd.Series(dtype="object"),
            "current": pd.Series(dtype="float64"),
            "target": pd.Series(dtype="float64"),
            "dont_know": pd.Series(dtype="bool"),
        }
    )


def empty_tier_answers() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TIER_COLUMNS})


# --- the grouped-quantile kernel -----------------------------------------------------------


def _group(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, pd.Index]:
    """Integer group code per row and the key values of each code (sorted)."""
    if len(frame) == 0:
        names = list(keys)
        empty = (
            pd.MultiIndex.from_arrays([[] for _ in names], names=names)
            if len(names) > 1
            else pd.Index([], name=names[0])
        )
        return np.zeros(0, dtype=np.int64), empty
    grouped = frame.groupby(list(keys), sort=True, observed=True, dropna=False)
    return grouped.ngroup().to_numpy(), grouped.size().index


def _level_histogram(codes: np.ndarray, values: np.ndarray, groups: int, levels: int) -> np.ndarray:
    """Counts of each level per group: row g, column v-1 holds how many answered v."""
    as_int = values.astype(np.int64)
    if len(values) and (np.any(as_int != values) or as_int.min() < 1 or as_int.max() > levels):
        raise ValueError(f"levels must be whole numbers from 1 to {levels}")
    flat = np.bincount(codes * levels + (as_int - 1), minlength=groups * levels)
    return flat.reshape(groups, levels)


def _quantile_from_histogram(hist: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated quantile (pandas' default) read off a cumulative histogram."""
    cumulative = hist.cumsum(axis=1)
    n = cumulative[:, -1]
    position = (n - 1) * q
    low = np.floor(position)
    high = np.minimum(low + 1, n - 1)
    # the value at 0-based rank r is the first level whose cumulative count exceeds r
    value_low = (cumulative <= low[:, None]).sum(axis=1) + 1
    value_high = (cumulative <= high[:, None]).sum(axis=1) + 1
    result = value_low + (value_high - value_low) * (position - low)
    return np.where(n > 0, result, np.nan)


# --- per item --------------------------------------------------------------------------------


def item_figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: Sequence[str] = (),
    item_type: str = "maturity",
) -> pd.DataFrame:
    """Median current and target, gap, quartiles and split flag per item (and per ``by`` group).

    Only items of ``item_type`` ("maturity" or "spectrum") are scored. Counts: ``n`` answers with
    levels, ``dont_know`` answers, ``answers`` both together.
    """
    levels = bank.max_level if item_type == "maturity" else SPECTRUM_POSITIONS
    wanted = [item.id for _, item in bank.iter_items() if item.type == item_type]
    frame = answers.loc[answers["item_id"].isin(wanted)]
    keys = [*by, "item_id"]
    codes, index = _group(frame, keys)
    groups = len(index)

    dont_know = frame["dont_know"].to_numpy(dtype=bool)
    answered = ~dont_know
    rated_codes = codes[answered]
    current = frame["current"].to_numpy(dtype=float)[answered]
    target = frame["target"].to_numpy(dtype=float)[answered]
    if np.isnan(current).any() or np.isnan(target).any():
        raise ValueError("an answer carries both a current and a target level, or is don't-know")

    hist_current = _level_histogram(rated_codes, current, groups, levels)
    hist_target = _level_histogram(rated_codes, target, groups, levels)
    median_current = _quantile_from_histogram(hist_current, 0.5)
    median_target = _quantile_from_histogram(hist_target, 0.5)
    q1 = _quantile_from_histogram(hist_current, 0.25)
    q3 = _quantile_from_histogram(hist_current, 0.75)
    n = hist_current.sum(axis=1)

    # Split: the share of current levels strictly more than `distance` from the median.
    rule = bank.split_rule
    level_values = np.arange(1, levels + 1)
    far = np.abs(level_values[None, :] - median_current[:, None]) > rule.distance
    with np.errstate(invalid="ignore", divide="ignore"):
        split_share = np.where(n > 0, (hist_current * far).sum(axis=1) / n, np.nan)

    result = pd.DataFrame(
        {
            "n": n,
            "dont_know": np.bincount(codes[dont_know], minlength=groups),
            "current": median_current,
            "target": median_target,
            "gap": median_target - median_current,
            "q1": q1,
            "q3": q3,
            "iqr": q3 - q1,
            "split_share": split_share,
        },
        index=index,
    )
    result["answers"] = result["n"] + result["dont_know"]
    result["split"] = (result["split_share"] >= rule.share) & (result["n"] > 0)
    result = result.reset_index()
    result = _with_all_items(result, wanted, by)
    meta = _item_meta(bank)
    result = result.merge(meta, on="item_id", how="left")
    return result


def _with_all_items(result: pd.DataFrame, item_ids: list[str], by: Sequence[str]) -> pd.DataFrame:
    """Every item appears, even one nobody answered (n=0, figures NaN): absence is information."""
    if by:
        groups = result[list(by)].drop_duplicates()
        full = groups.merge(pd.DataFrame({"item_id": item_ids}), how="cross")
    else:
        full = pd.DataFrame({"item_id": item_ids})
    merged = full.merge(result, on=[*by, "item_id"], how="left")
    for column in ("n", "dont_know", "answers"):
        merged[column] = merged[column].fillna(0).astype(np.int64)
    merged["split"] = merged["split"].astype("boolean").fillna(False).astype(bool)
    return merged


def _item_meta(bank: QuestionBank) -> pd.DataFrame:
    rows = [
        {
            "item_id": item.id,
            "domain": domain.id,
            "type": item.type,
            "weight": item.weight,
            "order": order,
        }
        for order, (domain, item) in enumerate(bank.iter_items())
    ]
    return pd.DataFrame(rows)


# --- per domain and overall ------------------------------------------------------------------


def domain_figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: Sequence[str] = (),
    items: pd.DataFrame | None = None,
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Domain current/target = weighted mean of its maturity items' medians; gap; n respondents.

    An item with no median (all don't-know, or unanswered) is left out of the mean; a domain with
    no maturity item has NaN figures. ``n`` counts respondents with at least one answer of any
    kind on the domain's items.
    """
    if items is None:
        items = item_figures(answers, bank, by=by)
    scored = items.loc[items["type"] == "maturity"]
    has_median = scored["current"].notna()
    weights = scored["weight"].where(has_median, 0.0)
    keys = [*by, "domain"]
    weighted = pd.DataFrame(
        {
            **{k: scored[k] for k in keys},
            "w": weights,
            "wc": (scored["current"] * weights).fillna(0.0),
            "wt": (scored["target"] * weights).fillna(0.0),
        }
    )
    sums = weighted.groupby(keys, sort=False, observed=True)[["w", "wc", "wt"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        figures = pd.DataFrame(
            {
                "current": np.where(sums["w"] > 0, sums["wc"] / sums["w"], np.nan),
                "target": np.where(sums["w"] > 0, sums["wt"] / sums["w"], np.nan),
            },
            index=sums.index,
        )
    figures["gap"] = figures["target"] - figures["current"]
    figures = figures.reset_index()

    respondents = _domain_respondents(answers, tier_answers, bank, by)
    wanted = [d.id for d in bank.domains] if domains is None else list(domains)
    if by:
        group_frames = [items[list(by)]]
        if len(respondents):
            group_frames.append(respondents[list(by)])
        groups = pd.concat(group_frames).drop_duplicates()
        full = groups.merge(pd.DataFrame({"domain": wanted}), how="cross")
    else:
        full = pd.DataFrame({"domain": wanted})
    out = full.merge(figures, on=keys, how="left").merge(respondents, on=keys, how="left")
    out["n"] = out["n"].fillna(0).astype(np.int64)
    titles = {d.id: d.title for d in bank.domains}
    out["title"] = out["domain"].map(titles)
    return out[[*keys, "title", "current", "target", "gap", "n"]]


def _domain_respondents(
    answers: pd.DataFrame,
    tier_answers: pd.DataFrame | None,
    bank: QuestionBank,
    by: Sequence[str],
) -> pd.DataFrame:
    item_domain = {item.id: domain.id for domain, item in bank.iter_items()}
    parts = [answers[[*by, "participant", "item_id"]]]
    if tier_answers is not None and len(tier_answers):
        parts.append(tier_answers[[*by, "participant", "item_id"]])
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    domain = frame["item_id"].map(item_domain)
    frame = frame.assign(domain=domain).loc[domain.notna()]
    keys = [*by, "domain"]
    if frame.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series(dtype="object") for k in keys},
                "n": pd.Series(dtype="int64"),
            }
        )
    unique = frame.drop_duplicates([*keys, "participant"])
    return unique.groupby(keys, observed=True).size().rename("n").reset_index()


def overall_figures(domains: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Overall current/target = unweighted means of the domain figures that exist; gap = their difference."""
    if by:
        means = domains.groupby(list(by), sort=False, observed=True)[["current", "target"]].mean()
        means = means.reset_index()
    else:
        means = pd.DataFrame(
            {
                "current": [domains["current"].mean()],
                "target": [domains["target"].mean()],
            }
        )
    means["gap"] = means["target"] - means["current"]
    return means


def respondent_counts(
    answers: pd.DataFrame,
    tier_answers: pd.DataFrame | None = None,
    *,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Respondents (participants with at least one answer) per group and per sector."""
    parts = [answers[[*by, "participant", "sector"]]]
    if tier_answers is not None and len(tier_answers):
        parts.append(tier_answers[[*by, "participant", "sector"]])
    people = pd.concat(parts, ignore_index=True).drop_duplicates([*by, "participant"])
    keys = [*by, "sector"]
    if people.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series(dtype="object") for k in keys},
                "n": pd.Series(dtype="int64"),
            }
        )
    return people.groupby(keys, observed=True).size().rename("n").reset_index()


# --- spectrum and accountability ----------------------------------------------------------------


def spectrum_figures(answers: pd.DataFrame, bank: QuestionBank, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Median position now and preferred (1..5), the signed shift between them, and the split flag."""
    figures = item_figures(answers, bank, by=by, item_type="spectrum")
    figures = figures.rename(columns={"current": "now", "target": "preferred", "gap": "shift"})
    return figures[
        [
            *by,
            "item_id",
            "domain",
            "n",
            "dont_know",
            "now",
            "preferred",
            "shift",
            "iqr",
            "split_share",
            "split",
        ]
    ]


def accountability_figures(
    tier_answers: pd.DataFrame, bank: QuestionBank, *, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Per function: share choosing each tier, the modal tier (not "unclear"; ties go to the tier
    listed first in the bank) and clarity = modal count / all answers for that function."""
    rows = []
    for domain, item in bank.iter_items():
        if isinstance(item, AccountabilityItem):
            for f_order, function in enumerate(item.functions):
                for t_order, tier in enumerate(item.tiers):
                    rows.append(
                        {
                            "item_id": item.id,
                            "domain": domain.id,
                            "function_id": function.id,
                            "function_order": f_order,
                            "tier": tier.id,
                            "tier_order": t_order,
                        }
                    )
    grid = pd.DataFrame(rows)
    columns = [
        *by,
        "item_id",
        "domain",
        "function_id",
        "n",
        "shares",
        "modal_tier",
        "clarity",
    ]
    if grid.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    keys = [*by, "item_id", "function_id"]
    counts = tier_answers.groupby([*keys, "tier"], observed=True).size().rename("count").reset_index()
    if by:
        groups = tier_answers[list(by)].drop_duplicates()
        grid = groups.merge(grid, how="cross")
    cells = grid.merge(counts, on=[*keys, "tier"], how="left")
    cells["count"] = cells["count"].fillna(0).astype(np.int64)
    cells["n"] = cells.groupby(keys, observed=True)["count"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        cells["share"] = np.where(cells["n"] > 0, cells["count"] / cells["n"], np.nan)

    named = cells.loc[(cells["tier"] != UNCLEAR_TIER) & (cells["count"] > 0)]
    modal = (
        named.sort_values([*keys, "count", "tier_order"], ascending=[*[True] * len(keys), False, True])
        .drop_duplicates(keys)
        .set_index(keys)
    )
    per_function = cells.groupby(keys, observed=True, sort=False).agg(
        n=("n", "first"),
        function_order=("function_order", "first"),
        domain=("domain", "first"),
    )
    per_function["modal_tier"] = modal["tier"].reindex(per_function.index)
    modal_count = modal["count"].reindex(per_function.index).fillna(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_function["clarity"] = np.where(per_function["n"] > 0, modal_count / per_function["n"], np.nan)
    shares = cells.pivot_table(index=keys, columns="tier", values="share", dropna=False, observed=True)
    per_function["shares"] = [
        {tier: (None if pd.isna(v) else float(v)) for tier, v in row.items()}
        for row in shares.reindex(per_function.index).to_dict("records")
    ]
    per_function = per_function.reset_index()
    per_function["modal_tier"] = (
        per_function["modal_tier"].astype(object).where(per_function["modal_tier"].notna(), None)
    )
    order = _item_meta(bank).set_index("item_id")["order"]
    per_function["_order"] = per_function["item_id"].map(order)
    per_function = per_function.sort_values([*by, "_order", "function_order"]).reset_index(drop=True)
    return per_function[columns]


# --- anonymity ---------------------------------------------------------------------------------


def withhold(
    frame: pd.DataFrame,
    threshold: int,
    *,
    n_column: str = "n",
    figures: Iterable[str],
) -> pd.DataFrame:
    """Blank every figure computed from fewer than ``threshold`` respondents and say so."""
    out = frame.copy()
    hidden = (out[n_column] < threshold).to_numpy()
    out["withheld"] = hidden
    for column in figures:
        if column not in out.columns:
            continue
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[column] = values.astype(float).mask(hidden)
        else:
            # flags, tier names and share mappings become None, never a misleading False or {}
            out[column] = values.astype(object).where(~hidden, None)
    return out


# --- one workshop --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopScores:
    """Every figure for one workshop, anonymity threshold applied."""

    threshold: int
    respondents: int
    withheld: bool
    sectors_n: pd.DataFrame  # sector, n, withheld
    items: pd.DataFrame  # maturity items
    domains: pd.DataFrame
    overall: dict[str, float | None]
    spectrum: pd.DataFrame
    accountability: pd.DataFrame
    sectors: pd.DataFrame  # sector, domain, current, target, gap, n, withheld
    perception_gaps: pd.DataFrame  # domain, gap, sectors shown


def score_workshop(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
) -> WorkshopScores:
    """All figures for one workshop: items, domains, overall, spectrum, accountability, sector lens.

    ``domains`` limits the figures to the domains the workshop selected.
    """
    threshold = bank.anonymity_threshold
    selected = [d.id for d in bank.domains] if domains is None else list(domains)
    tier_answers = empty_tier_answers() if tier_answers is None else tier_answers
    counts = respondent_counts(answers, tier_answers)
    respondents = int(counts["n"].sum())
    everything_withheld = respondents < threshold

    items = item_figures(answers, bank)
    items = items.loc[items["domain"].isin(selected)].reset_index(drop=True)
    domain_table = domain_figures(answers, bank, items=items, tier_answers=tier_answers, domains=selected)
    overall_row = overall_figures(domain_table).iloc[0]
    overall: dict[str, float | None] = {
        k: (None if everything_withheld or pd.isna(overall_row[k]) else float(overall_row[k]))
        for k in ("current", "target", "gap")
    }

    spectrum = spectrum_figures(answers, bank)
    spectrum = spectrum.loc[spectrum["domain"].isin(selected)].reset_index(drop=True)
    accountability = accountability_figures(tier_answers, bank)
    accountability = accountability.loc[accountability["domain"].isin(selected)].reset_index(drop=True)

    by_sector = domain_figures(answers, bank, by=["sector"], tier_answers=tier_answers, domains=selected)
    sector_n = counts.set_index("sector")["n"]
    by_sector["sector_n"] = by_sector["sector"].map(sector_n).fillna(0).astype(np.int64)
    # A sector's figures are withheld when the sector has too few respondents, or the domain has.
    by_sector["_n_shown"] = np.minimum(by_sector["sector_n"], by_sector["n"])
    sectors = withhold(by_sector, threshold, n_column="_n_shown", figures=("current", "target", "gap"))
    sectors = sectors.drop(columns=["_n_shown"])
    sector_rank = {s.id: i for i, s in enumerate(bank.sectors)}
    domain_rank = {d: i for i, d in enumerate(selected)}
    sectors = (
        sectors.assign(_s=sectors["sector"].map(sector_rank), _d=sectors["domain"].map(domain_rank))
        .sort_values(["_s", "_d"])
        .drop(columns=["_s", "_d"])
        .reset_index(drop=True)
    )

    shown = sectors.loc[~sectors["withheld"] & sectors["current"].notna()]
    spread = shown.groupby("domain", observed=True)["current"].agg(["max", "min", "count"])
    spread = spread.loc[spread["count"] >= 2]
    perception = (
        pd.DataFrame(
            {
                "domain": spread.index,
                "gap": (spread["max"] - spread["min"]).to_numpy(),
                "sectors": spread["count"].to_numpy(),
            }
        )
        .sort_values("gap", ascending=False, kind="stable")
        .reset_index(drop=True)
    )

    # Head counts stay visible (the room can see who came); what is withheld is a small
    # sector's answers, through the sector lens above.
    sectors_n = (
        counts.assign(withheld=counts["n"] < threshold, _s=counts["sector"].map(sector_rank))
        .sort_values("_s")
        .drop(columns="_s")
        .reset_index(drop=True)
    )

    def hide(frame: pd.DataFrame, figures: Sequence[str]) -> pd.DataFrame:
        # Below the threshold for the whole workshop, no figure at all is shown.
        if everything_withheld:
            return withhold(frame.assign(_n=0), threshold, n_column="_n", figures=figures).drop(columns="_n")
        return withhold(frame, threshold, figures=figures)

    items = hide(items, (*ITEM_FIGURES, "split"))
    domain_table = hide(domain_table, ("current", "target", "gap"))
    spectrum = hide(spectrum, ("now", "preferred", "shift", "iqr", "split_share", "split"))
    accountability = hide(accountability, ("shares", "modal_tier", "clarity"))
    if everything_withheld:
        perception = perception.iloc[0:0]

    return WorkshopScores(
        threshold=threshold,
        respondents=respondents,
        withheld=everything_withheld,
        sectors_n=sectors_n,
        items=items,
        domains=domain_table,
        overall=overall,
        spectrum=spectrum,
        accountability=accountability,
        sectors=sectors,
        perception_gaps=perception,
    )


# --- across rounds and partnerships -----------------------------------------------------------------


def changes_since_previous(
    frame: pd.DataFrame,
    *,
    series: Sequence[str],
    order: str,
    figures: Sequence[str] = ("current", "target", "gap"),
) -> pd.DataFrame:
    """Add ``<figure>_change`` = this round minus the previous round of the same series.

    ``series`` names what is tracked (e.g. partnership and domain), ``order`` sorts the rounds
    (a date or a round number). The first round of a series has no change (NaN).
    """
    out = frame.sort_values([*series, order], kind="stable").copy()
    grouped = out.groupby(list(series), observed=True, sort=False)
    for figure in figures:
        out[f"{figure}_change"] = grouped[figure].diff()
    return out.reset_index(drop=True)


def cohort_figures(
    partnership_domains: pd.DataFrame,
    *,
    partnership: str = "partnership",
    withheld: str | None = "withheld",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cohort median and quartiles per domain across partnerships, and each one's quartile (1-4).

    ``partnership_domains`` holds one row per partnership and domain (their latest round) with
    current, target and gap; rows marked withheld are kept in the output but left out of the
    cohort statistics.
    """
    frame = partnership_domains.copy()
    counted = frame if withheld is None else frame.loc[~frame[withheld].astype(bool)]
    grouped = counted.groupby("domain", observed=True, sort=False)
    summary = pd.DataFrame(
        {
            "current": grouped["current"].median(),
            "target": grouped["target"].median(),
            "gap": grouped["gap"].median(),
            "q1": grouped["current"].quantile(0.25),
            "q3": grouped["current"].quantile(0.75),
            "partnerships": grouped["current"].count(),
        }
    ).reset_index()
    bounds = frame[["domain"]].merge(
        summary[["domain", "current", "q1", "q3"]].rename(columns={"current": "median"}),
        on="domain",
        how="left",
    )
    value = frame["current"].to_numpy(dtype=float)
    quartile = np.select(
        [
            value <= bounds["q1"].to_numpy(dtype=float),
            value <= bounds["median"].to_numpy(dtype=float),
            value <= bounds["q3"].to_numpy(dtype=float),
        ],
        [1, 2, 3],
        default=4,
    ).astype(float)
    quartile[np.isnan(value)] = np.nan
    if withheld is not None:
        quartile[frame[withheld].astype(bool).to_numpy()] = np.nan
    frame["quartile"] = quartile
    return frame, summary


__all__ = [
    "ANSWER_COLUMNS",
    "TIER_COLUMNS",
    "MaturityItem",
    "SpectrumItem",
    "WorkshopScores",
    "accountability_figures",
    "changes_since_previous",
    "cohort_figures",
    "domain_figures",
    "empty_answers",
    "empty_tier_answers",
    "item_figures",
    "overall_figures",
    "respondent_counts",
    "score_workshop",
    "spectrum_figures",
    "withhold",
]
