"""One participant's answer to one item, and the rules it must meet against its bank.

Shared by the walkthrough (saving answers one at a time) and the paper-fallback import (many at
once), so both refuse exactly the same things with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assessment.errors import Invalid
from assessment.framework import (
    SPECTRUM_POSITIONS,
    AccountabilityItem,
    Domain,
    Item,
    QuestionBank,
    SpectrumItem,
)

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


# --- one change to one answer -----------------------------------------------------------------------
#
# A participant changes one widget at a time (a level, don't know, confidence, the comment, one
# accountability function), possibly from two tabs or two devices, and a slow write can land after
# a newer one. So a change names only the parts it sets, carries the moment the person made it
# (``stamp``), and is merged part by part into what is stored: a part is taken only when its stamp
# is newer than the stored part's. The last change the person made wins, not the last write to land,
# and a stale tab changing the target leaves the current level another tab set alone.

LEVEL_PARTS = ("current", "target")
ANSWER_PARTS = ("current", "target", "dont_know", "confidence", "comment")
TIER_PART = "tier:"  # "tier:<function id>": who holds one accountability function

Stamps = dict[str, int]


class AnswerChange(BaseModel):
    """Some parts of one answer, as the person set them at ``stamp`` (microseconds since the epoch).

    ``levels_shown`` holds the current and target levels the person's screen shows: they fill a
    level the stored answer lacks (the first save of an answer, or leaving "don't know"), and set
    nothing else, so a stale screen never overwrites a level the person changed elsewhere.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_id: str
    parts: dict[str, int | str | bool | None]
    stamp: int
    levels_shown: dict[str, int | None] = Field(default_factory=dict)


class IncompleteAnswer(Invalid, ValueError):
    """The merged answer still lacks a level: nothing is stored, and ``missing`` says what."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"choose {missing} to save this answer")
        self.missing = missing


def answer_parts(answer: Answer) -> dict[str, int | str | bool | None]:
    """An answer as its separately changeable parts."""
    if answer.tiers is not None:
        return {f"{TIER_PART}{function}": tier for function, tier in answer.tiers.items()}
    return {
        "current": answer.current,
        "target": answer.target,
        "dont_know": answer.dont_know,
        "confidence": answer.confidence,
        "comment": answer.comment,
    }


def merge_change(
    stored: Answer | None, stamps: Stamps, change: AnswerChange, *, accountability: bool
) -> tuple[Answer, Stamps, set[str]]:
    """The answer and part stamps after ``change``, and the parts it set: each part it names
    replaces the stored part unless the stored one was set by a later change. Raises
    IncompleteAnswer when the result still lacks a level, ValueError for a part an answer does
    not have."""
    taken: set[str] = set()
    for part in change.parts:
        if accountability != part.startswith(TIER_PART) or (not accountability and part not in ANSWER_PARTS):
            raise ValueError(f"{quote(part)} is not a part of an answer to '{change.item_id}'")
    stamps = dict(stamps)
    if accountability:
        tiers = dict((stored.tiers if stored else None) or {})
        for part, value in change.parts.items():
            if stamps.get(part, -1) < change.stamp:
                function = part.removeprefix(TIER_PART)
                if value is None:
                    tiers.pop(function, None)
                else:
                    tiers[function] = str(value)
                stamps[part] = change.stamp
                taken.add(part)
        return Answer(item_id=change.item_id, tiers=tiers), stamps, taken
    values: dict[str, int | str | bool | None] = (
        answer_parts(stored) if stored is not None else dict.fromkeys(ANSWER_PARTS)
    )
    values["dont_know"] = bool(values["dont_know"])
    for part, value in change.parts.items():
        if stamps.get(part, -1) < change.stamp:
            values[part] = value
            stamps[part] = change.stamp
            taken.add(part)
    if values["dont_know"]:
        if values["current"] is not None or values["target"] is not None:
            taken.update(LEVEL_PARTS)
        values["current"] = values["target"] = None  # a don't-know carries no levels
    else:
        for part in LEVEL_PARTS:
            if values[part] is None and change.levels_shown.get(part) is not None:
                values[part] = change.levels_shown[part]
                stamps[part] = max(stamps.get(part, -1), change.stamp)
                taken.add(part)
        if values["current"] is None:
            raise IncompleteAnswer("where we are now")
        if values["target"] is None:
            raise IncompleteAnswer("where we should be")
    return (
        Answer(
            item_id=change.item_id,
            current=_level(values["current"]),
            target=_level(values["target"]),
            dont_know=bool(values["dont_know"]),
            confidence=_level(values["confidence"]),
            comment=None if values["comment"] is None else str(values["comment"]),
        ),
        stamps,
        taken,
    )


def _level(value: int | str | bool | None) -> int | None:
    return None if value is None else int(value)


# --- how much of an answer is given, in numbers and in words ---------------------------------------
#
# An item counts as answered only when its answer is whole: a level question once it has both
# levels (or "don't know"), an accountability grid once every function has a tier. A grid half
# filled in is saved as it goes, and says how far it has got ("6 of 7").

CONFIDENCE_WORDS = {1: "Low", 2: "Medium", 3: "High"}


def parts_given(item: Item, answer: Answer | None) -> tuple[int, int]:
    """How much of ``item``'s answer is given, of how much: for an accountability grid the
    functions with a tier, of all its functions; for a level question 1 of 1 once whole."""
    if isinstance(item, AccountabilityItem):
        functions = {f.id for f in item.functions}
        given = functions & set((answer.tiers if answer is not None else None) or {})
        return len(given), len(functions)
    if answer is None:
        return 0, 1
    whole = answer.dont_know or (answer.current is not None and answer.target is not None)
    return (1 if whole else 0), 1


def is_complete(item: Item, answer: Answer | None) -> bool:
    """Whether ``answer`` answers the whole of ``item``."""
    given, total = parts_given(item, answer)
    return given == total


def domain_progress(domain: Domain, answers: Mapping[str, Answer]) -> tuple[int, int]:
    """How many of the domain's questions are answered whole, of how many."""
    items = domain.items
    return sum(1 for i in items if is_complete(i, answers.get(i.id))), len(items)


def answer_in_words(bank: QuestionBank, item: Item, answer: Answer | None) -> list[str]:
    """What the participant said about ``item``, as lines a person reads: level names, not only
    numbers; for a grid, each function's tier (and how many are still to choose)."""
    if answer is None:
        return ["No answer yet"]
    if isinstance(item, AccountabilityItem):
        tiers = {t.id: t.label for t in item.tiers}
        chosen = answer.tiers or {}
        lines = [
            f"{f.label}: {tiers.get(chosen[f.id], chosen[f.id])}" for f in item.functions if f.id in chosen
        ]
        given, total = parts_given(item, answer)
        if given < total:
            lines.append(f"{given} of {total} answered: {total - given} still to choose")
        return lines
    if answer.dont_know:
        lines = ["I don't know"]
    elif isinstance(item, SpectrumItem):
        lines = [
            f"Now: {_position(item, answer.current)}",
            f"Should be: {_position(item, answer.target)}",
        ]
    else:
        lines = [
            f"Now: {_level_words(bank, answer.current)}",
            f"In a year: {_level_words(bank, answer.target)}",
        ]
    if answer.confidence is not None:
        lines.append(f"How sure: {CONFIDENCE_WORDS.get(answer.confidence, str(answer.confidence))}")
    if answer.comment:
        lines.append(f"Comment: {answer.comment}")
    return lines


def _level_words(bank: QuestionBank, value: int | None) -> str:
    if value is None:
        return "not chosen yet"
    return f"{value}. {bank.level_label(value)}"


def _position(item: SpectrumItem, value: int | None) -> str:
    if value is None:
        return "not chosen yet"
    if value == 1:
        return f"1 of {SPECTRUM_POSITIONS}, {item.poles[0]}"
    if value == SPECTRUM_POSITIONS:
        return f"{value} of {SPECTRUM_POSITIONS}, {item.poles[1]}"
    return f"{value} of {SPECTRUM_POSITIONS}"
