"""One participant's answer to one item, and the rules it must meet against its bank.

Shared by the walkthrough (saving answers one at a time) and the paper-fallback import (many at
once), so both refuse exactly the same things with the same words.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assessment.framework import SPECTRUM_POSITIONS, AccountabilityItem, QuestionBank

MAX_COMMENT_CHARS = 2000
# How much of a value a message repeats: enough to recognise it, never megabytes of a bad cell.
QUOTE_CHARS = 60

Comment = Annotated[str, StringConstraints(max_length=MAX_COMMENT_CHARS)]


class Answer(BaseModel):
    """What a participant said about one item. ``tiers`` maps function id to tier id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_id: str
    current: int | None = None
    target: int | None = None
    dont_know: bool = False
    confidence: Annotated[int, Field(ge=1, le=3)] | None = None
    comment: Comment | None = None
    tiers: dict[str, str] | None = None


def quote(value: str) -> str:
    """A value as a message repeats it: in quotes, cut short (with its length) when it is long."""
    if len(value) <= QUOTE_CHARS:
        return f"'{value}'"
    return f"'{value[:QUOTE_CHARS]}…' ({len(value):,} characters)"


def answer_problems(bank: QuestionBank, answer: Answer, *, domains: list[str] | None = None) -> list[str]:
    """Everything wrong with ``answer`` for this bank (and the workshop's domains), in plain words."""
    problems = _item_problems(bank, answer, domains=domains)
    if answer.comment is not None and "\x00" in answer.comment:
        # PostgreSQL refuses NUL in text with an error (SQLite would keep it): refused on both alike.
        problems.append("the comment contains a NUL character, which cannot be stored; delete it")
    return problems


def _item_problems(bank: QuestionBank, answer: Answer, *, domains: list[str] | None) -> list[str]:
    try:
        item = bank.item(answer.item_id)
    except KeyError:
        return [f"there is no item {quote(answer.item_id)} in the question bank {bank.id} {bank.version}"]
    if domains is not None:
        domain = next(d.id for d, i in bank.iter_items() if i.id == item.id)
        if domain not in domains:
            return [f"the item '{item.id}' is not in this workshop's domains"]
    problems: list[str] = []
    if isinstance(item, AccountabilityItem):
        if answer.current is not None or answer.target is not None:
            problems.append(f"'{item.id}' is an accountability item: it takes tiers, not levels")
        functions = {f.id for f in item.functions}
        tiers = {t.id for t in item.tiers}
        for function_id, tier in (answer.tiers or {}).items():
            if function_id not in functions:
                problems.append(f"{quote(function_id)} is not a function of '{item.id}'")
            if tier not in tiers:
                problems.append(
                    f"{quote(tier)} is not a tier of '{item.id}' (expected one of {', '.join(sorted(tiers))})"
                )
        return problems
    if answer.tiers:
        problems.append(f"'{item.id}' is a {item.type} item: it takes levels, not tiers")
    top = bank.max_level if item.type == "maturity" else SPECTRUM_POSITIONS
    if answer.dont_know:
        if answer.current is not None or answer.target is not None:
            problems.append("a don't-know answer has no current or target level")
        return problems
    if answer.current is None and answer.target is None:
        problems.append("give a current and a target level, or mark don't know")
    elif answer.current is None:
        problems.append("a target was given without a current level")
    elif answer.target is None:
        problems.append("a current level was given without a target")
    for name, value in (("current", answer.current), ("target", answer.target)):
        if value is not None and not 1 <= value <= top:
            problems.append(f"{name} level {value} is outside the scale 1 to {top}")
    return problems
