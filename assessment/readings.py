"""One plain sentence per chart, so a board member who skips the chart still gets the point.

Every sentence reads the same withheld-aware figures as the chart beside it: a withheld figure
is never quoted.
"""

from __future__ import annotations

import pandas as pd


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def biggest_gap(domains: pd.DataFrame) -> str:
    """domains: domain, title, current, target, gap (withheld rows have NaN)."""
    shown = domains.dropna(subset=["gap"])
    if shown.empty:
        return "No domain has enough answers to show a gap."
    top = shown.sort_values("gap", ascending=False, kind="stable").iloc[0]
    return (
        f"Biggest gap: {top['title']}, {_fmt(top['gap'])} levels between where we are "
        "and where we want to be."
    )


def overall(figures: dict[str, float | None], respondents: int) -> str:
    if figures.get("current") is None or figures.get("target") is None:
        return f"{respondents} respondents: too few for a team figure."
    return (
        f"{respondents} respondents put the partnership at {_fmt(figures['current'] or 0)} on average, "
        f"aiming for {_fmt(figures['target'] or 0)}."
    )


def disagreement(items: pd.DataFrame, texts: dict[str, str]) -> str:
    """items: item_id, split, iqr (maturity items, withheld ones with split None)."""
    split = items.loc[items["split"].eq(True)]
    if split.empty:
        return "No question splits the team: views sit close together everywhere."
    widest = split.sort_values("iqr", ascending=False, kind="stable").iloc[0]
    count = len(split)
    noun = "question splits" if count == 1 else "questions split"
    text = texts.get(str(widest["item_id"]), widest["item_id"])
    return f"{count} {noun} the team; the widest spread is on “{text}”."


def perception(gaps: pd.DataFrame, titles: dict[str, str]) -> str:
    """gaps: domain, gap, sectors (only domains with two or more sectors shown)."""
    if gaps.empty:
        return "Too few respondents per sector to compare sectors."
    top = gaps.sort_values("gap", ascending=False, kind="stable").iloc[0]
    title = titles.get(str(top["domain"]), top["domain"])
    return f"Sectors see {title} most differently: {_fmt(top['gap'])} levels apart."


def accountability(rows: pd.DataFrame, labels: dict[str, str], *, flag: float) -> str:
    """rows: function_id, clarity (withheld rows have NaN). Every situation is counted, the
    withheld ones said as such, so "1 of 2" never hides a third nobody may see."""
    shown = rows.dropna(subset=["clarity"])
    withheld = len(rows) - len(shown)
    held_back = f" ({withheld} withheld: too few answers)" if withheld else ""
    if shown.empty:
        return "Too few answers to judge where accountability sits."
    unclear = shown.loc[shown["clarity"] < flag]
    if unclear.empty:
        return f"For every situation shown, most of the team agree who holds accountability{held_back}."
    lowest = unclear.sort_values("clarity", kind="stable").iloc[0]
    name = labels.get(str(lowest["function_id"]), lowest["function_id"])
    # a clarity of 0 means no tier was named at all: the strongest finding, said in words
    least = (
        f"{name}: everyone answered Unclear"
        if lowest["clarity"] == 0
        else f"{name} ({lowest['clarity']:.0%} agree)"
    )
    return (
        f"{len(unclear)} of {len(rows)} situations lack a clear answer on accountability{held_back}; "
        f"least clear: {least}."
    )
