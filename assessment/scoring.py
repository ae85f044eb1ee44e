"""Scoring: pure functions from answers to the figures a team discusses (DESIGN.md section 3).

Inputs are long DataFrames, one row per answer:

``answers`` (maturity and spectrum items)
    participant, sector, item_id, current, target, dont_know; current/target are whole levels
    (1..scale length for maturity, 1..5 for spectrum) and NaN on a "don't know".
``tier_answers`` (accountability items)
    participant, sector, item_id, function_id, tier.

Any extra columns named in ``by`` (workshop, round, partnership, sector ...) split the figures
into groups, so one call scores every workshop in a national data set at once.

How it stays fast: key columns are turned into integer codes once, and every figure is then a
``bincount`` over dense (group x item x level) cells. Levels are whole numbers on a short scale,
so medians and quartiles are read off per-cell level histograms with pandas' linear
interpolation, with no sort of the answers and no Python loop over respondents or answers.
Counts are kept level first (levels x groups x items), so each step is a pass over whole rows.
``figures_with_lens`` scores the team and its sector lens from one pass: the answers are counted
per (group, sector) once, and each group's counts are the sums of its sectors'.

Nothing is rounded here; rounding is for display. Anonymity is applied by ``withhold`` and by
``score_workshop``, which marks every figure computed from too few respondents as withheld
(NaN with ``withheld=True``) rather than leaving it silently missing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assessment.framework import (
    SPECTRUM_POSITIONS,
    UNCLEAR_TIER,
    AccountabilityItem,
    QuestionBank,
)

ANSWER_COLUMNS = ("participant", "sector", "item_id", "current", "target", "dont_know")
TIER_COLUMNS = ("participant", "sector", "item_id", "function_id", "tier")
ITEM_FIGURES = ("current", "target", "gap", "q1", "q3", "iqr", "split_share")
DOMAIN_FIGURES = ("current", "target", "gap")
SPECTRUM_FIGURES = ("now", "preferred", "shift", "iqr", "split_share")
ACCOUNTABILITY_FIGURES = ("shares", "modal_tier", "clarity")

# Above this many dense key combinations, groups are compressed by sorting instead.
_DENSE_GROUP_LIMIT = 20_000_000


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


# --- integer codes for keys ----------------------------------------------------------------------


def _encode(frames: Sequence[pd.DataFrame], column: str) -> tuple[list[np.ndarray], pd.Index]:
    """Codes for one column across several frames, sharing one sorted-ish list of values."""
    first = frames[0][column]
    if all(pd.api.types.is_integer_dtype(f[column]) for f in frames):
        # Whole-number ids (database keys) are their own codes when their range is compact:
        # no hashing at all. Unused values in the range are harmless, as groups are kept only
        # where rows exist.
        lows = [int(f[column].min()) for f in frames if len(f)]
        highs = [int(f[column].max()) for f in frames if len(f)]
        total_rows = sum(len(f) for f in frames)
        if lows and min(lows) >= 0 and max(highs) < 4 * total_rows + 1024:
            return [f[column].to_numpy(dtype=np.int64) for f in frames], pd.RangeIndex(max(highs) + 1)
    if isinstance(first.dtype, pd.CategoricalDtype):
        uniques = pd.Index(first.cat.categories)
        codes = [first.cat.codes.to_numpy().astype(np.int64)]
    else:
        first_codes, first_uniques = pd.factorize(first, sort=True)
        uniques = pd.Index(first_uniques)
        codes = [first_codes.astype(np.int64)]
    for other in frames[1:]:
        values = other[column]
        extra = pd.Index(pd.unique(values.to_numpy(dtype=object))).difference(uniques)
        if len(extra):
            uniques = uniques.append(extra)
        codes.append(uniques.get_indexer(values).astype(np.int64))
    if any(len(c) and c.min() < 0 for c in codes):
        raise ValueError(f"the column '{column}' has missing values")
    return codes, uniques


@dataclass(frozen=True)
class _Groups:
    codes: list[np.ndarray]  # one array per frame: the group of each row
    keys: pd.DataFrame  # one row per group, the by-columns' values
    dense: np.ndarray  # each group's code in the full grid of key combinations, ascending
    sizes: list[int]  # the grid's extent along each by-column
    uniques: list[pd.Index]  # the values along each by-column

    @property
    def count(self) -> int:
        return len(self.keys)


def _group_keys(
    frames: Sequence[pd.DataFrame],
    by: Sequence[str],
    uniques: Sequence[pd.Index],
    positions: Sequence[np.ndarray],
) -> pd.DataFrame:
    if not by:
        return pd.DataFrame(index=range(1))
    return pd.DataFrame(
        {
            # a categorical key stays categorical, so the output costs no string conversion
            key: pd.Categorical.from_codes(pos, dtype=frames[0][key].dtype)  # type: ignore[call-overload]
            if isinstance(frames[0][key].dtype, pd.CategoricalDtype) and len(frames) == 1
            else values.take(pos)
            for key, values, pos in zip(by, uniques, positions, strict=True)
        }
    )


def _group(frames: Sequence[pd.DataFrame], by: Sequence[str]) -> _Groups:
    if not by:
        codes = [np.zeros(len(f), dtype=np.int64) for f in frames]
        return _Groups(codes, _group_keys(frames, by, [], []), np.zeros(1, np.int64), [], [])
    encoded = [_encode(frames, key) for key in by]
    sizes = [max(len(uniques), 1) for _, uniques in encoded]
    dense = []
    for f in range(len(frames)):
        code = np.zeros(len(frames[f]), dtype=np.int64)
        for (codes, _), size in zip(encoded, sizes, strict=True):
            code = code * size + codes[f]
        dense.append(code)
    total = math.prod(sizes)
    if total <= _DENSE_GROUP_LIMIT:
        present = np.zeros(total, dtype=bool)
        for code in dense:
            present[code] = True
        kept = np.flatnonzero(present)
        if len(kept) == total:  # every combination occurs: the grid codes are the group codes
            codes = dense
        else:
            remap = np.full(total, -1, dtype=np.int64)
            remap[kept] = np.arange(len(kept))
            codes = [remap[code] for code in dense]
    else:
        kept, inverse = np.unique(np.concatenate(dense), return_inverse=True)
        bounds = np.cumsum([0, *[len(code) for code in dense]])
        codes = [inverse[bounds[i] : bounds[i + 1]] for i in range(len(dense))]
    uniques = [values for _, values in encoded]
    keys = _group_keys(frames, by, uniques, np.unravel_index(kept, sizes))
    return _Groups(codes, keys, kept, sizes, uniques)


def _coarser(frames: Sequence[pd.DataFrame], fine: _Groups, by: Sequence[str]) -> tuple[_Groups, np.ndarray]:
    """The groups of ``by`` (the fine groups' by-columns less the last), and which of them each
    fine group falls in, read off the fine groups alone with no pass over the rows.

    A fine group's grid code is its coarse group's code times the last column's extent plus the
    last column's code, so the coarse codes come in ascending order: the coarse group of each
    fine group is a running count, and the coarse groups are in the order ``_group`` gives them.
    """
    if not by:
        groups = _group(frames, by)
        return _Groups([], groups.keys, groups.dense, [], []), np.zeros(fine.count, dtype=np.int64)
    coarse_dense = fine.dense // fine.sizes[-1]
    starts = np.r_[True, coarse_dense[1:] != coarse_dense[:-1]] if len(coarse_dense) else np.zeros(0, bool)
    kept = coarse_dense[starts]
    sizes, uniques = fine.sizes[:-1], fine.uniques[:-1]
    keys = _group_keys(frames, by, uniques, np.unravel_index(kept, sizes))
    return _Groups([], keys, kept, sizes, uniques), np.cumsum(starts) - 1


def _lookup_codes(
    frame: pd.DataFrame, column: str, table: Mapping[Any, int], *, absent: int = -1
) -> np.ndarray:
    """Position of each row's value in ``table`` (``absent`` when not there), hashing each distinct
    value once."""
    (codes,), uniques = _encode([frame], column) if len(frame) else ([np.zeros(0, np.int64)], pd.Index([]))
    positions = np.array([table.get(value, absent) for value in uniques], dtype=np.int64)
    return positions[codes] if len(positions) else np.full(len(frame), absent, dtype=np.int64)


# --- the grouped-quantile kernel -----------------------------------------------------------------


def _quantile(cumulative: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated quantile (pandas' default) read off cumulative level counts, one row
    per level (levels x cells), so each step is one pass over a contiguous row of cells."""
    n = cumulative[-1]
    position = (n - 1) * q
    low = np.floor(position)
    high = np.minimum(low + 1, n - 1)
    # the value at 0-based rank r is the first level whose cumulative count exceeds r
    value_low = np.ones(len(n), dtype=np.int64)
    value_high = np.ones(len(n), dtype=np.int64)
    for row in cumulative:
        value_low += row <= low
        value_high += row <= high
    result = value_low + (value_high - value_low) * (position - low)
    return np.where(n > 0, result, np.nan)


@dataclass(frozen=True)
class _Histograms:
    """Level counts per (group, item), level first: ``current`` and ``target`` are
    (levels x groups x items), level 1 first; ``dont_know`` is (groups x items)."""

    item_ids: list[str]
    current: np.ndarray
    target: np.ndarray
    dont_know: np.ndarray

    def coarser(self, of_fine: np.ndarray, count: int) -> _Histograms:
        """The histograms of coarser groups, each the sum of its fine groups' (``of_fine`` says
        which coarse group each fine group is in, in ascending order)."""
        if count == 0 or not len(of_fine):
            levels, _, items = self.current.shape
            zeros = np.zeros((levels, count, items), dtype=np.int64)
            return _Histograms(self.item_ids, zeros, zeros, np.zeros((count, items), dtype=np.int64))
        starts = np.flatnonzero(np.r_[True, of_fine[1:] != of_fine[:-1]])
        return _Histograms(
            self.item_ids,
            np.add.reduceat(self.current, starts, axis=1),
            np.add.reduceat(self.target, starts, axis=1),
            np.add.reduceat(self.dont_know, starts, axis=0),
        )


def _histograms(
    answers: pd.DataFrame, groups: np.ndarray, n_groups: int, bank: QuestionBank, item_type: str
) -> _Histograms:
    """One bincount per level column over every answer, with no row filtered out first: answers
    that carry no level of this item type (don't know, or another type's item) are counted at
    level 0, and another type's item as a spare item, both cut off afterwards."""
    levels = bank.max_level if item_type == "maturity" else SPECTRUM_POSITIONS
    item_ids = [item.id for _, item in bank.iter_items() if item.type == item_type]
    n_items = len(item_ids)
    positions = {item_id: i for i, item_id in enumerate(item_ids)}
    item = _lookup_codes(answers, "item_id", positions, absent=n_items)
    dont_know = answers["dont_know"].to_numpy(dtype=bool)
    unrated = dont_know | (item == n_items)
    width = n_items + 1
    cells = groups * width + item
    stride = n_groups * width  # one level's block of (group, item) cells
    expected_unrated = np.count_nonzero(unrated)
    counted = []
    for column in ("current", "target"):
        values = np.where(unrated, 0.0, answers[column].to_numpy(dtype=float))
        with np.errstate(invalid="ignore"):
            level = values.astype(np.int64)
        # a missing or fractional level differs from its whole part; a negative one, seen
        # unsigned, is as far off the scale as one above it
        if np.any(level != values) or np.any(level.view(np.uint64) > levels):
            _refuse(answers, rated=~unrated, levels=levels)
        counts = np.bincount(level * stride + cells, minlength=(levels + 1) * stride)
        counts = counts.reshape(levels + 1, n_groups, width)
        if counts[0].sum() != expected_unrated:  # a level 0 among the rated answers
            _refuse(answers, rated=~unrated, levels=levels)
        counted.append(counts)
    current, target = counted
    # an unrated answer on one of these items is a don't-know; other items' are in the spare one
    return _Histograms(item_ids, current[1:, :, :n_items], target[1:, :, :n_items], current[0, :, :n_items])


def _refuse(answers: pd.DataFrame, *, rated: np.ndarray, levels: int) -> None:
    """Say what is wrong with the rated answers: a missing level, or one off the scale."""
    current = answers["current"].to_numpy(dtype=float)[rated]
    target = answers["target"].to_numpy(dtype=float)[rated]
    if np.isnan(current).any() or np.isnan(target).any():
        raise ValueError("an answer carries both a current and a target level, or is don't-know")
    raise ValueError(f"levels must be whole numbers from 1 to {levels}")


def _cumulative(counts: np.ndarray) -> np.ndarray:
    """Running totals over the levels of (levels x ...) counts, as (levels x cells): one add of
    whole rows per level (numpy's cumsum over a short first axis is several times slower)."""
    running = np.array(counts, dtype=np.int64, order="C").reshape(len(counts), -1)
    for level in range(1, len(running)):
        running[level] += running[level - 1]
    return running


@dataclass(frozen=True)
class _ItemArrays:
    """Figures per (group, item) as (groups x items) arrays."""

    item_ids: list[str]
    n: np.ndarray
    dont_know: np.ndarray
    current: np.ndarray
    target: np.ndarray
    q1: np.ndarray
    q3: np.ndarray
    split_share: np.ndarray
    split: np.ndarray


def _item_arrays(histograms: _Histograms, bank: QuestionBank, *, detail: bool = True) -> _ItemArrays:
    levels, n_groups, n_items = histograms.current.shape
    shape = (n_groups, n_items)
    cumulative_current = _cumulative(histograms.current)
    cumulative_target = _cumulative(histograms.target)
    median = _quantile(cumulative_current, 0.5)
    n = cumulative_current[-1]
    target_median = _quantile(cumulative_target, 0.5).reshape(shape)
    dont_know = np.ascontiguousarray(histograms.dont_know)
    if not detail:
        # medians and counts only: what domain means need (the sector lens, cohorts)
        nothing = np.full(shape, np.nan)
        return _ItemArrays(
            histograms.item_ids,
            n.reshape(shape),
            dont_know,
            median.reshape(shape),
            target_median,
            nothing,
            nothing,
            nothing,
            np.zeros(shape, dtype=bool),
        )

    # Split: the share of current levels strictly more than `distance` from the median.
    rule = bank.split_rule
    histogram_current = histograms.current.reshape(levels, -1)
    far_count = np.zeros(len(n), dtype=np.int64)
    for value, counts in enumerate(histogram_current, start=1):
        far_count += counts * (np.abs(value - median) > rule.distance)
    with np.errstate(invalid="ignore", divide="ignore"):
        split_share = np.where(n > 0, far_count / np.maximum(n, 1), np.nan)

    return _ItemArrays(
        item_ids=histograms.item_ids,
        n=n.reshape(shape),
        dont_know=dont_know,
        current=median.reshape(shape),
        target=target_median,
        q1=_quantile(cumulative_current, 0.25).reshape(shape),
        q3=_quantile(cumulative_current, 0.75).reshape(shape),
        split_share=split_share.reshape(shape),
        split=((split_share >= rule.share) & (n > 0)).reshape(shape),
    )


def _score_items(
    answers: pd.DataFrame,
    groups: np.ndarray,
    n_groups: int,
    bank: QuestionBank,
    item_type: str,
    *,
    detail: bool = True,
) -> _ItemArrays:
    return _item_arrays(_histograms(answers, groups, n_groups, bank, item_type), bank, detail=detail)


def _repeated(column: pd.Series, times: int) -> Any:
    """A key column with each value repeated ``times`` times, typed as pandas would type the plain
    values (a categorical key comes out as its values), taking from a typed array rather than
    building one from Python objects."""
    typed = pd.Series(column.to_numpy())
    return typed.array.take(np.repeat(np.arange(len(typed)), times))


def _long(
    keys: pd.DataFrame,
    inner_name: str,
    inner: Sequence[str],
    columns: dict[str, np.ndarray],
    extra: dict[str, Sequence[object]] | None = None,
) -> pd.DataFrame:
    """A long frame from (groups x inner) arrays: the by-keys repeated, the inner ids tiled.

    The grid is regular, so ids and per-inner attributes (``extra``) are laid down by position
    as categoricals rather than looked up row by row.
    """
    n_groups, n_inner = len(keys), len(inner)
    data: dict[str, object] = {k: _repeated(keys[k], n_inner) for k in keys.columns}
    tiled = np.tile(np.arange(n_inner), n_groups)
    data[inner_name] = pd.Categorical.from_codes(tiled, categories=pd.Index(list(inner))) if n_inner else []
    for name, values in (extra or {}).items():
        values = list(values)
        if values and isinstance(values[0], str):
            categories = list(dict.fromkeys(values))
            codes = np.array([categories.index(v) for v in values], dtype=np.int64)
            data[name] = pd.Categorical.from_codes(codes[tiled], categories=pd.Index(categories))
        else:
            data[name] = np.asarray(values)[tiled] if values else []
    data.update({name: values.reshape(-1) for name, values in columns.items()})
    return pd.DataFrame(data)


def _items_frame(
    keys: pd.DataFrame, arrays: _ItemArrays, bank: QuestionBank, *, detail: bool = True
) -> pd.DataFrame:
    found = {
        item.id: (domain.id, item.type, item.weight, order)
        for order, (domain, item) in enumerate(bank.iter_items())
    }
    attributes = list(zip(*(found[item_id] for item_id in arrays.item_ids), strict=True)) or [(), (), (), ()]
    columns = {
        "n": arrays.n,
        "dont_know": arrays.dont_know,
        "current": arrays.current,
        "target": arrays.target,
        "gap": arrays.target - arrays.current,
    }
    if detail:
        columns |= {
            "q1": arrays.q1,
            "q3": arrays.q3,
            "iqr": arrays.q3 - arrays.q1,
            "split_share": arrays.split_share,
        }
    columns["answers"] = arrays.n + arrays.dont_know
    if detail:
        columns["split"] = arrays.split
    return _long(
        keys,
        "item_id",
        arrays.item_ids,
        columns,
        extra=dict(zip(("domain", "type", "weight", "order"), attributes, strict=True)),
    )


# --- all the figures of a grouping -----------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Items, domains, overall and respondents for every group of a ``by`` split, unwithheld."""

    items: pd.DataFrame
    domains: pd.DataFrame
    overall: pd.DataFrame
    respondents: pd.DataFrame


def figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: Sequence[str] = (),
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
    item_detail: bool = True,
    suppress: bool = True,
) -> Figures:
    """Item, domain and overall figures per group, in one pass over the answers.

    Domain current/target = weighted mean of the medians of its maturity items that are shown,
    that is rated by at least the bank's anonymity threshold within the group (secondary
    suppression, DESIGN.md section 3); ``items_shown`` says how many questions that is, and a
    domain with none has NaN. ``n`` counts respondents with at least one answer of any kind on the
    domain's items. Overall = unweighted mean of the domains that have figures (``domains_shown``
    of them). ``domains`` limits everything to the domains a workshop selected.
    With ``item_detail=False`` the items table has medians and counts only (no quartiles or
    split flags), which is all the domain figures need and half the work. ``suppress=False``
    averages every item with a median, whatever its count: only for checking the kernel against
    a plain groupby, never for anything shown.
    """
    team, _ = _figures(
        answers,
        bank,
        by=list(by),
        lens=None,
        tier_answers=tier_answers,
        domains=domains,
        item_detail=item_detail,
        suppress=suppress,
    )
    return team


def figures_with_lens(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    lens: str = "sector",
    by: Sequence[str] = (),
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
    item_detail: bool = True,
    suppress: bool = True,
) -> tuple[Figures, Figures]:
    """The team's figures and the lens's from one pass over the answers: the first equals
    ``figures(answers, bank, by=by, ...)``, the second ``figures(answers, bank, by=[*by, lens],
    item_detail=False, ...)``.

    The answers are counted once, per lens group; each team group's level counts are the sums of
    its lens groups', and respondents are found once when each sits in one lens group.
    """
    team, lensed = _figures(
        answers,
        bank,
        by=list(by),
        lens=lens,
        tier_answers=tier_answers,
        domains=domains,
        item_detail=item_detail,
        suppress=suppress,
    )
    assert lensed is not None
    return team, lensed


def _figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: list[str],
    lens: str | None,
    tier_answers: pd.DataFrame | None,
    domains: Iterable[str] | None,
    item_detail: bool,
    suppress: bool,
) -> tuple[Figures, Figures | None]:
    min_raters = bank.anonymity_threshold if suppress else 1
    selected = [d.id for d in bank.domains] if domains is None else list(domains)
    frames = [answers]
    if tier_answers is not None and len(tier_answers):
        frames.append(tier_answers)
    fine = _group(frames, [*by, lens] if lens else by)
    histograms = _histograms(answers, fine.codes[0], fine.count, bank, "maturity")
    if lens is None:
        people = _respondents(frames, fine.codes, fine.count, bank, selected)
        arrays = _item_arrays(histograms, bank, detail=item_detail)
        return _tables(fine.keys, arrays, people, bank, selected, min_raters, detail=item_detail), None
    coarse, of_fine = _coarser(frames, fine, by)
    team_arrays = _item_arrays(histograms.coarser(of_fine, coarse.count), bank, detail=item_detail)
    fine_people, team_people = _respondents_by(
        frames, fine.codes, fine.count, bank, selected, coarser=(of_fine, coarse.count)
    )
    assert team_people is not None
    team = _tables(coarse.keys, team_arrays, team_people, bank, selected, min_raters, detail=item_detail)
    fine_arrays = _item_arrays(histograms, bank, detail=False)
    lensed = _tables(fine.keys, fine_arrays, fine_people, bank, selected, min_raters, detail=False)
    return team, lensed


_People = tuple[np.ndarray, np.ndarray, np.ndarray]  # respondents; per domain, n and rated_n


def _tables(
    keys: pd.DataFrame,
    arrays: _ItemArrays,
    people: _People,
    bank: QuestionBank,
    selected: list[str],
    min_raters: int,
    *,
    detail: bool,
) -> Figures:
    # Domain means: a bank lists each domain's items together, so a domain's sums are one
    # reduceat over its run of item columns (no matrix product, whose threads stall on a busy
    # machine, and no work for the items outside it).
    domain_index = {d: j for j, d in enumerate(selected)}
    item_domain = {item.id: (domain.id, item.weight) for domain, item in bank.iter_items()}
    domain_of_item = np.array(
        [domain_index.get(item_domain[i][0], -1) for i in arrays.item_ids], dtype=np.int64
    )
    weight = np.array([item_domain[i][1] for i in arrays.item_ids], dtype=float)
    runs = np.flatnonzero(np.r_[True, domain_of_item[1:] != domain_of_item[:-1]][: len(weight)])

    def per_domain(values: np.ndarray) -> np.ndarray:
        """(groups x selected domains) sums of (groups x items) values."""
        sums = np.zeros((len(keys), len(selected)))
        if len(runs):
            for run, total in zip(runs, np.add.reduceat(values, runs, axis=1).T, strict=True):
                if domain_of_item[run] >= 0:
                    sums[:, domain_of_item[run]] += total
        return sums

    # Secondary suppression: a domain figure is made only of the questions that are themselves
    # shown (rated by at least the threshold). Were a withheld question's median in the mean, the
    # mean times the count minus the shown medians would give it back: one person's answer.
    shown = (arrays.n >= min_raters) & ~np.isnan(arrays.current)
    weight_sum = per_domain(np.where(shown, weight, 0.0))
    items_shown = per_domain(shown.astype(float)).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        current = np.where(
            weight_sum > 0, per_domain(np.where(shown, arrays.current * weight, 0.0)) / weight_sum, np.nan
        )
        target = np.where(
            weight_sum > 0, per_domain(np.where(shown, arrays.target * weight, 0.0)) / weight_sum, np.nan
        )

    respondents, domain_n, rated_n = people
    titles = {d.id: d.title for d in bank.domains}
    domain_table = _long(
        keys,
        "domain",
        selected,
        {
            "current": current,
            "target": target,
            "gap": target - current,
            "n": domain_n,
            "rated_n": rated_n,
            "items_shown": items_shown,
        },
        extra={"title": [titles[d] for d in selected]},
    )

    scored = ~np.isnan(current)
    counts = scored.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall_current = np.where(counts > 0, np.nansum(current, axis=1) / np.maximum(counts, 1), np.nan)
        overall_target = np.where(counts > 0, np.nansum(target, axis=1) / np.maximum(counts, 1), np.nan)
    overall = keys.copy()
    overall["current"] = overall_current
    overall["target"] = overall_target
    overall["gap"] = overall_target - overall_current
    overall["domains_shown"] = counts
    people_table = keys.copy()
    people_table["n"] = respondents

    items = _items_frame(keys, arrays, bank, detail=detail)
    if not all(item_domain[item_id][0] in domain_index for item_id in arrays.item_ids):
        items = items.loc[items["domain"].isin(selected)].reset_index(drop=True)
    return Figures(items=items, domains=domain_table, overall=overall, respondents=people_table)


def _respondents(
    frames: Sequence[pd.DataFrame],
    codes: Sequence[np.ndarray],
    count: int,
    bank: QuestionBank,
    selected: Sequence[str],
) -> _People:
    """Respondents per group; per group and domain, those with at least one answer of any kind on
    it (the domain's ``n``), and those whose level ratings the domain figure is made of
    (``rated_n``, what anonymity is judged on)."""
    return _respondents_by(frames, codes, count, bank, selected)[0]


def _respondents_by(
    frames: Sequence[pd.DataFrame],
    codes: Sequence[np.ndarray],
    count: int,
    bank: QuestionBank,
    selected: Sequence[str],
    coarser: tuple[np.ndarray, int] | None = None,
) -> tuple[_People, _People | None]:
    """``_respondents`` for the groups of ``codes`` and, when ``coarser`` = (coarse group of each
    group, how many coarse groups) is given, for the coarse groups too: from the same table of
    who answered what when every participant sits in one group, as they do in one sector."""
    n_domains = len(selected)
    if sum(len(f) for f in frames) == 0:
        zeros = np.zeros((count, n_domains), np.int64)
        nobody = (np.zeros(count, np.int64), zeros, zeros)
        if coarser is None:
            return nobody, None
        of_fine, coarse_count = coarser
        coarse_zeros = np.zeros((coarse_count, n_domains), np.int64)
        return nobody, (np.zeros(coarse_count, np.int64), coarse_zeros, coarse_zeros)
    respondent, group_of, per_group, one_group_each = _respondent_codes(frames, codes, count)
    answered, rated = _presence(frames, respondent, len(group_of), bank, selected)
    people = (per_group, *_per_group(answered, rated, group_of, count))
    if coarser is None:
        return people, None
    of_fine, coarse_count = coarser
    if not one_group_each:
        coarse_codes = [of_fine[code] for code in codes]
        return people, _respondents_by(frames, coarse_codes, coarse_count, bank, selected)[0]
    # each participant is one respondent in one group, so in one coarse group too
    coarse_of = of_fine[group_of]
    return people, (
        np.bincount(coarse_of, minlength=coarse_count),
        *_per_group(answered, rated, coarse_of, coarse_count),
    )


def _presence(
    frames: Sequence[pd.DataFrame],
    respondent: np.ndarray,
    n_respondents: int,
    bank: QuestionBank,
    selected: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent and selected domain: answered any of its items, rated one of its maturity
    items (two respondents x domains flags), from one bincount over every answer."""
    n_domains = len(selected)
    domain_of = {d: j for j, d in enumerate(selected)}
    # each item's code: (its domain's position + 1) * 2 (0 when not selected), plus 1 for maturity
    item_code = {
        item.id: (domain_of.get(domain.id, -1) + 1) * 2 + (item.type == "maturity")
        for domain, item in bank.iter_items()
    }
    parts = []
    for f, frame in enumerate(frames):
        code = _lookup_codes(frame, "item_id", item_code, absent=0)
        # a don't-know is an answer but not a rating; accountability answers are never ratings
        code = code - (code & frame["dont_know"].to_numpy(dtype=bool)) if f == 0 else code & ~1
        parts.append(code)
    code = parts[0] if len(parts) == 1 else np.concatenate(parts)
    width = 2 * (n_domains + 1)
    table = np.bincount(respondent * width + code, minlength=n_respondents * width)
    table = table.reshape(n_respondents, n_domains + 1, 2)[:, 1:, :]
    return (table[:, :, 0] + table[:, :, 1]) > 0, table[:, :, 1] > 0


def _per_group(
    answered: np.ndarray, rated: np.ndarray, group_of: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """(groups x domains) counts of the respondents who answered and who rated, from
    (respondents x domains) flags: one bincount of each respondent's state on each domain
    (0 nothing, 1 answered, 2 rated too, as a rating is an answer)."""
    n_domains = answered.shape[1]
    state = (group_of[:, None] * n_domains + np.arange(n_domains)) * 3 + answered + rated
    counts = np.bincount(state.ravel(), minlength=count * n_domains * 3).reshape(count, n_domains, 3)
    return counts[:, :, 1] + counts[:, :, 2], counts[:, :, 2]


def _respondent_codes(
    frames: Sequence[pd.DataFrame], codes: Sequence[np.ndarray], count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """A respondent is a participant within a group: (respondent of each row across the frames,
    group of each respondent, respondents per group, whether each participant is in one group).
    Hashing (group, participant) pairs finds them without sorting the answers."""
    people, people_uniques = _encode(frames, "participant")
    n_people = max(len(people_uniques), 1)
    person = people[0] if len(people) == 1 else np.concatenate(people)
    group = codes[0] if len(codes) == 1 else np.concatenate(codes)
    # Usually each participant sits in exactly one group (one workshop, one sector): then the
    # participant is the respondent, found by one scatter and one check, with no hashing.
    group_of_person = np.full(n_people, -1, dtype=np.int64)
    group_of_person[person] = group
    one_group_each = bool(np.array_equal(group_of_person[person], group))
    if one_group_each:
        present = group_of_person >= 0
        respondent = (np.cumsum(present) - 1)[person]
        group_of = group_of_person[present]
    else:
        respondent, respondent_keys = pd.factorize(group * n_people + person)
        group_of = np.asarray(respondent_keys) // n_people
    return respondent, group_of, np.bincount(group_of, minlength=count), one_group_each


def item_figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: Sequence[str] = (),
    item_type: str = "maturity",
) -> pd.DataFrame:
    """Median current and target, gap, quartiles and split flag per item (and per ``by`` group).

    Every item of ``item_type`` appears for every group, even one nobody answered (n=0, NaN
    figures): absence is information. Counts: ``n`` answers with levels, ``dont_know``, and
    ``answers`` both together.
    """
    groups = _group([answers], by)
    arrays = _score_items(answers, groups.codes[0], groups.count, bank, item_type)
    return _items_frame(groups.keys, arrays, bank)


def domain_figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    by: Sequence[str] = (),
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per domain: current, target, gap and n (see ``figures``)."""
    return figures(answers, bank, by=by, tier_answers=tier_answers, domains=domains).domains


# --- spectrum and accountability -------------------------------------------------------------------


def spectrum_figures(answers: pd.DataFrame, bank: QuestionBank, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Median position now and preferred (1..5), the signed shift between them, and the split flag."""
    table = item_figures(answers, bank, by=by, item_type="spectrum")
    table = table.rename(columns={"current": "now", "target": "preferred", "gap": "shift"})
    columns = [
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
    return table[columns]


def accountability_figures(
    tier_answers: pd.DataFrame, bank: QuestionBank, *, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Per function: share choosing each tier, the modal tier (not "unclear"; ties go to the tier
    listed first in the bank) and clarity = modal count / all answers for that function."""
    cells: dict[tuple[str, str, str], int] = {}
    functions: list[tuple[str, str, str, list[str]]] = []  # item, domain, function, its tiers
    cell_function, cell_rank, cell_unclear = [], [], []
    for domain, item in bank.iter_items():
        if isinstance(item, AccountabilityItem):
            tier_ids = [t.id for t in item.tiers]
            for function in item.functions:
                for rank, tier in enumerate(tier_ids):
                    cells[(item.id, function.id, tier)] = len(cells)
                    cell_function.append(len(functions))
                    cell_rank.append(rank)
                    cell_unclear.append(tier == UNCLEAR_TIER)
                functions.append((item.id, domain.id, function.id, tier_ids))
    columns = [*by, "item_id", "domain", "function_id", "n", "shares", "modal_tier", "clarity"]
    if not functions:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})

    frame = tier_answers
    groups = _group([frame], by)
    keys = pd.MultiIndex.from_frame(frame[["item_id", "function_id", "tier"]].astype(object))
    cell = pd.MultiIndex.from_tuples(list(cells)).get_indexer(keys) if len(frame) else np.zeros(0, np.int64)
    known = cell >= 0
    n_cells, n_functions = len(cells), len(functions)
    counts = np.bincount(
        groups.codes[0][known] * n_cells + cell[known], minlength=groups.count * n_cells
    ).reshape(groups.count, n_cells)

    cell_function_arr = np.asarray(cell_function)
    to_function = np.zeros((n_cells, n_functions), dtype=np.int64)
    to_function[np.arange(n_cells), cell_function_arr] = 1
    n = counts @ to_function
    # Modal tier per function: most chosen named tier, ties to the lowest rank, via one key per
    # cell (count first, then earlier rank) maximised over each function's contiguous cells.
    span = max(cell_rank) + 1
    rank_of_cell = np.asarray(cell_rank)
    order_key = np.where(
        np.asarray(cell_unclear)[None, :], -1, counts * span + (span - 1 - rank_of_cell)[None, :]
    )
    starts = np.flatnonzero(np.r_[True, cell_function_arr[1:] != cell_function_arr[:-1]])
    best = np.maximum.reduceat(order_key, starts, axis=1)
    modal_count = np.where(best >= 0, best // span, 0)
    modal_rank = span - 1 - best % span
    with np.errstate(invalid="ignore", divide="ignore"):
        clarity = np.where(n > 0, modal_count / np.maximum(n, 1), np.nan)
        shares = np.where(
            n[:, cell_function_arr] > 0, counts / np.maximum(n[:, cell_function_arr], 1), np.nan
        )

    rows = []
    for g in range(groups.count):
        for f, (item_id, domain_id, function_id, tier_ids) in enumerate(functions):
            first = starts[f]
            rows.append(
                {
                    **{k: groups.keys[k].iloc[g] for k in by},
                    "item_id": item_id,
                    "domain": domain_id,
                    "function_id": function_id,
                    "n": int(n[g, f]),
                    "shares": {
                        tier: (None if np.isnan(shares[g, first + t]) else float(shares[g, first + t]))
                        for t, tier in enumerate(tier_ids)
                    },
                    "modal_tier": tier_ids[modal_rank[g, f]] if modal_count[g, f] > 0 else None,
                    "clarity": float(clarity[g, f]),
                }
            )
    return pd.DataFrame(rows, columns=columns)


# --- anonymity -------------------------------------------------------------------------------------


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


def withhold_domains(frame: pd.DataFrame, *, too_few_people: bool | np.ndarray = False) -> pd.DataFrame:
    """The one rule for a domain figure, for the team, a sector, a round or a partnership: shown
    only when it rests on at least one shown question (``items_shown`` from ``figures``, which
    already left every withheld question out of the mean) and its group has enough respondents.
    A shown question has at least the threshold's raters, so a shown domain has too."""
    hidden = (frame["items_shown"].to_numpy() == 0) | np.asarray(too_few_people, dtype=bool)
    marked = frame.assign(_shown=np.where(hidden, 0, 1))
    return withhold(marked, 1, n_column="_shown", figures=DOMAIN_FIGURES).drop(columns="_shown")


def team_domain_figures(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    tier_answers: pd.DataFrame | None = None,
    domains: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """Only the team's domain figures and respondent count, withheld exactly as in score_workshop:
    what a trend across rounds needs, at a fraction of the work of scoring everything."""
    selected = [d.id for d in bank.domains] if domains is None else list(domains)
    team = figures(answers, bank, tier_answers=tier_answers, domains=selected, item_detail=False)
    respondents = int(team.respondents["n"].iloc[0])
    threshold = bank.anonymity_threshold
    return withhold_domains(team.domains, too_few_people=respondents < threshold), respondents


# --- one workshop ------------------------------------------------------------------------------------


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
    overall_domains: int  # how many shown domains the overall figure is the mean of
    spectrum: pd.DataFrame
    accountability: pd.DataFrame
    sectors: pd.DataFrame  # sector, domain, current, target, gap, n, sector_n, withheld
    perception_gaps: pd.DataFrame  # domain, gap, sectors shown
    # The same lens by the bank's sector groups (the column is still named "sector"), empty
    # when the bank defines none.
    groups_n: pd.DataFrame
    groups: pd.DataFrame
    group_perception_gaps: pd.DataFrame


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

    # the team and its sector lens from one pass over the answers
    team, by_sector = figures_with_lens(answers, bank, tier_answers=tier_answers, domains=selected)
    respondents = int(team.respondents["n"].iloc[0])
    everything_withheld = respondents < threshold
    overall_row = team.overall.iloc[0]
    overall: dict[str, float | None] = {
        k: (None if everything_withheld or pd.isna(overall_row[k]) else float(overall_row[k]))
        for k in DOMAIN_FIGURES
    }

    sectors_n, sectors, perception = _lens(by_sector, bank, order=[s.id for s in bank.sectors])
    groups_n, groups, group_perception = _group_lens(
        answers, bank, tier_answers=tier_answers, domains=selected, sectors_n=sectors_n
    )

    spectrum = spectrum_figures(answers, bank)
    spectrum = spectrum.loc[spectrum["domain"].isin(selected)]
    accountability = accountability_figures(tier_answers, bank)
    accountability = accountability.loc[accountability["domain"].isin(selected)]

    def hide(frame: pd.DataFrame, figures: Sequence[str], n_column: str = "n") -> pd.DataFrame:
        # Below the threshold for the whole workshop, no figure at all is shown.
        if everything_withheld:
            frame, n_column = frame.assign(_n=0), "_n"
        hidden = withhold(frame, threshold, n_column=n_column, figures=figures)
        return hidden.drop(columns="_n", errors="ignore").reset_index(drop=True)

    if everything_withheld:
        perception = perception.iloc[0:0]
        sectors = hide(sectors, DOMAIN_FIGURES)
        group_perception = group_perception.iloc[0:0]
        groups = hide(groups, DOMAIN_FIGURES)

    return WorkshopScores(
        threshold=threshold,
        respondents=respondents,
        withheld=everything_withheld,
        sectors_n=sectors_n.reset_index(drop=True),
        items=hide(team.items, (*ITEM_FIGURES, "split")),
        domains=withhold_domains(team.domains, too_few_people=everything_withheld).reset_index(drop=True),
        overall_domains=0 if everything_withheld else int(team.overall["domains_shown"].iloc[0]),
        overall=overall,
        spectrum=hide(spectrum, (*SPECTRUM_FIGURES, "split")),
        accountability=hide(accountability, ACCOUNTABILITY_FIGURES),
        sectors=sectors.reset_index(drop=True),
        perception_gaps=perception.reset_index(drop=True),
        groups_n=groups_n.reset_index(drop=True),
        groups=groups.reset_index(drop=True),
        group_perception_gaps=group_perception.reset_index(drop=True),
    )


def _lens(
    lens: Figures,
    bank: QuestionBank,
    *,
    order: Sequence[str],
    withheld_whole: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The team's figures per value of the ``sector`` column (a sector, or a group of sectors),
    from ``figures`` by that column: head counts, domain figures withheld below the threshold, and
    the perception gaps between the shown ones. ``withheld_whole`` names groups withheld whatever
    their size (see _group_lens)."""
    threshold = bank.anonymity_threshold
    rank = {name: i for i, name in enumerate(order)}
    # Head counts stay visible (the room can see who came); a small sector's answers are withheld.
    counts = lens.respondents.assign(
        withheld=(lens.respondents["n"] < threshold) | lens.respondents["sector"].isin(list(withheld_whole))
    )
    counts = counts.iloc[np.argsort(counts["sector"].map(rank).to_numpy(), kind="stable")]
    frame = lens.domains.merge(
        counts[["sector", "n", "withheld"]].rename(columns={"n": "sector_n", "withheld": "_whole"}),
        on="sector",
    )
    # A sector's figure is withheld when the sector has too few respondents, or when none of the
    # domain's questions was rated by enough of them (its mean is made only of those that were).
    frame = withhold_domains(frame, too_few_people=frame["_whole"].to_numpy(dtype=bool)).drop(
        columns="_whole"
    )
    frame = frame.iloc[np.argsort(frame["sector"].map(rank).to_numpy(), kind="stable")]

    shown = frame.loc[~frame["withheld"] & frame["current"].notna()]
    spread = shown.groupby("domain", observed=True, sort=False)["current"].agg(["max", "min", "count"])
    spread = spread.loc[spread["count"] >= 2]
    perception = pd.DataFrame(
        {
            "domain": spread.index,
            "gap": (spread["max"] - spread["min"]).to_numpy(),
            "sectors": spread["count"].to_numpy(),
        }
    ).sort_values("gap", ascending=False, kind="stable")
    return counts, frame, perception


def _group_lens(
    answers: pd.DataFrame,
    bank: QuestionBank,
    *,
    tier_answers: pd.DataFrame,
    domains: list[str],
    sectors_n: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The lens by the bank's sector groups (empty frames when the bank has none).

    Secondary suppression between the two lenses: a group is withheld whole when its shown
    sectors leave out between 1 and threshold - 1 of its people. Otherwise the group's figure and
    its shown sectors' figures, side by side, would be a figure of those few people alone.
    """
    group_of = {sector: g.id for g in bank.sector_groups for sector in g.sectors}
    threshold = bank.anonymity_threshold
    shown_people = sectors_n.loc[~sectors_n["withheld"].astype(bool)].assign(
        group=lambda f: f["sector"].map(group_of)
    )
    covered = shown_people.groupby("group")["n"].sum()
    people = sectors_n.assign(group=sectors_n["sector"].map(group_of)).groupby("group")["n"].sum()
    left_out = people.sub(covered, fill_value=0)
    withheld_whole = [str(g) for g, rest in left_out.items() if 0 < rest < threshold]
    grouped = answers.loc[answers["sector"].isin(list(group_of))].assign(
        sector=lambda f: f["sector"].map(group_of)
    )
    grouped_tiers = tier_answers.loc[tier_answers["sector"].isin(list(group_of))].assign(
        sector=lambda f: f["sector"].map(group_of)
    )
    lens = figures(
        grouped, bank, by=["sector"], tier_answers=grouped_tiers, domains=domains, item_detail=False
    )
    return _lens(
        lens,
        bank,
        order=[g.id for g in bank.sector_groups],
        withheld_whole=withheld_whole,
    )


# --- across rounds and partnerships ------------------------------------------------------------------


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
    "Figures",
    "WorkshopScores",
    "accountability_figures",
    "changes_since_previous",
    "cohort_figures",
    "domain_figures",
    "empty_answers",
    "empty_tier_answers",
    "figures",
    "item_figures",
    "score_workshop",
    "spectrum_figures",
    "team_domain_figures",
    "withhold",
    "withhold_domains",
]
