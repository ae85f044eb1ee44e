"""One plain sentence per chart, so a board member who skips the chart still gets the point.

Every sentence reads the same withheld-aware figures as the chart beside it: a withheld figure
is never quoted.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def two_places(value: float) -> str:
    """The one precision a figure is printed with, wherever it appears (tiles, tables, sentences,
    the PDF): a board that reads 1.8 in one place and 1.85 in another asks which is right."""
    return f"{value:.2f}"


_fmt = two_places


def level_name(scale: Sequence[str], value: float) -> str:
    """Where a figure sits on the scale, in the scale's words: "Developing" on a level, "between
    Emerging and Developing" between two. Read from the figure as printed (two places), so 2.996,
    printed 3.00, is named as level 3 and the words never contradict the number beside them."""
    shown = round(float(value), 2)
    top = len(scale)
    if shown <= 1:
        return scale[0]
    if shown >= top:
        return scale[top - 1]
    low = int(shown)
    if shown == low:
        return scale[low - 1]
    return f"between {scale[low - 1]} and {scale[low]}"


def figure_in_words(scale: Sequence[str], value: float) -> str:
    """A headline figure with its level's name: "1.85 — between Emerging and Developing"."""
    return f"{two_places(value)} — {level_name(scale, value)}"


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


def overall(figures: dict[str, float | None], respondents: int, *, scale: Sequence[str]) -> str:
    current, target = figures.get("current"), figures.get("target")
    if current is None or target is None:
        return f"{respondents} respondents: too few for a team figure."
    return (
        f"{respondents} respondents put the partnership at {_fmt(current)} ({level_name(scale, current)}) "
        f"on average, aiming for {_fmt(target)} ({level_name(scale, target)})."
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
