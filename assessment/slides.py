"""The presenter's slides for the projector, as data: what the room sees, one slide at a time.

Before the reveal there is one slide, the join slide (where and how to join, and how many have
joined and submitted, by sector): counts only, never a result. After the reveal the sequence is
the overall picture, one slide per domain of the workshop, where we disagree, who holds
accountability and the spectrum positions (the last two only when the workshop asks such
questions).

Every figure comes from the one presentation model (``presenting.ResultsModel``), so a slide
cannot disagree with the results page or the PDF. The one thing the model does not carry is each
question's answer distribution (how many chose each level, now and target), which a domain slide
shows as anonymous dots: counted here from the same answers the scores were made from
(``ScoredWorkshop.answers``), and only for a question whose figures scoring shows. A withheld
question's slide says so in words and carries no count at all, so no slide can leak what the
threshold protects; there is no per-sector distribution anywhere.

Slides are named by a key ("join", "overall", "domain:<id>", "disagree", "accountability",
"spectrum"), which is what the database keeps as the slide on show: a key stays right when the
sequence around it changes, where an index would point at another slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, SpectrumItem
from assessment.presenting import (
    WITHHELD,
    AccountabilityRow,
    DomainRow,
    Figure,
    ResultsModel,
    SpectrumRow,
    figure,
    level_words,
)
from assessment.results import ScoredWorkshop

JOIN = "join"
OVERALL = "overall"
DISAGREE = "disagree"
ACCOUNTABILITY = "accountability"
SPECTRUM = "spectrum"
DOMAIN_PREFIX = "domain:"

JOIN_TITLE = "Join the workshop"
OVERALL_TITLE = "The overall picture"
DISAGREE_TITLE = "Where we disagree"
ACCOUNTABILITY_TITLE = "Who holds accountability"
SPECTRUM_TITLE = "Spectrum positions"


def domain_key(domain_id: str) -> str:
    return f"{DOMAIN_PREFIX}{domain_id}"


# --- the sequence, without scoring anything ----------------------------------------------------------


@dataclass(frozen=True)
class SlideEntry:
    """One slide in the sequence: its key and its title."""

    key: str
    title: str


def _items_of(bank: QuestionBank, domains: Sequence[str], kind: type) -> list[Any]:
    chosen = set(domains)
    return [item for domain, item in bank.iter_items() if domain.id in chosen and isinstance(item, kind)]


def sequence(*, bank: QuestionBank, domains: Sequence[str], revealed: bool) -> tuple[SlideEntry, ...]:
    """The slides of a workshop in the order they are shown.

    Before the reveal only the join slide: nothing of a result can be on show while the results
    are not revealed, whatever slide was stored. A domain without a level question has no domain
    slide (it has no levels to show); accountability and spectrum slides only when asked.
    """
    if not revealed:
        return (SlideEntry(JOIN, JOIN_TITLE),)
    entries = [SlideEntry(OVERALL, OVERALL_TITLE)]
    for number, domain in enumerate((d for d in bank.domains if d.id in set(domains)), start=1):
        if any(isinstance(item, MaturityItem) for item in domain.items):
            entries.append(SlideEntry(domain_key(domain.id), f"{number}. {domain.title}"))
    entries.append(SlideEntry(DISAGREE, DISAGREE_TITLE))
    if _items_of(bank, domains, AccountabilityItem):
        entries.append(SlideEntry(ACCOUNTABILITY, ACCOUNTABILITY_TITLE))
    if _items_of(bank, domains, SpectrumItem):
        entries.append(SlideEntry(SPECTRUM, SPECTRUM_TITLE))
    return tuple(entries)


def position(entries: Sequence[SlideEntry], key: str | None) -> int:
    """Where ``key`` is in the sequence; the first slide when it is not there (or nothing is
    stored yet), e.g. a result slide stored before the results were hidden again."""
    keys = [entry.key for entry in entries]
    return keys.index(key) if key in keys else 0


def moved(entries: Sequence[SlideEntry], key: str | None, step: int) -> SlideEntry:
    """The slide ``step`` places from ``key`` (-1 back, +1 on), staying at either end."""
    at = position(entries, key) + step
    return entries[min(max(at, 0), len(entries) - 1)]


# --- what a slide holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectorCount:
    label: str
    joined: int
    submitted: int


@dataclass(frozen=True)
class JoinSlide:
    key: str
    title: str
    workshop: str  # "Partnership · workshop title"
    join_code: str  # "" unless the workshop is open for answers: a code on screen invites people
    status_words: str  # what the room is told about answering, in one sentence
    joined: int
    submitted: int
    sectors: tuple[SectorCount, ...]


@dataclass(frozen=True)
class LevelCount:
    level: int
    label: str  # the level's name, "Developing"
    count: int


@dataclass(frozen=True)
class Distribution:
    """One question's answers by level, now and target, for a question scoring shows.

    ``withheld`` questions carry no counts and no figures: ``now`` and ``target`` are empty,
    ``median_now`` and ``median_target`` read "withheld", ``words`` says why.
    """

    item_id: str
    text: str
    withheld: bool
    now: tuple[LevelCount, ...]
    target: tuple[LevelCount, ...]
    median_now: Figure
    median_target: Figure
    split: bool
    words: str  # the whole distribution in a sentence, beside the dots


@dataclass(frozen=True)
class Headline:
    label: str  # "Now", "Target", "Gap"
    figure: str  # "1.85", or "withheld"
    words: str  # "between Emerging and Developing", "levels to go", or "withheld"


@dataclass(frozen=True)
class OverallSlide:
    key: str
    title: str
    workshop: str
    respondents: int
    withheld_sentence: str  # "" unless every team figure is withheld
    headline: tuple[Headline, ...]  # now, target, gap
    reading: str
    domains: tuple[DomainRow, ...]


@dataclass(frozen=True)
class DomainSlide:
    key: str
    title: str
    domain: DomainRow
    questions: tuple[Distribution, ...]
    scale: tuple[str, ...]  # the level names, lowest first


@dataclass(frozen=True)
class DisagreeSlide:
    key: str
    title: str
    reading: str
    questions: tuple[Distribution, ...]  # the split questions, widest spread first
    scale: tuple[str, ...]
    sentences: tuple[str, ...]  # one per split question shown
    perception: str  # where sectors (or groups) see a domain most differently, or why not


@dataclass(frozen=True)
class AccountabilitySlide:
    key: str
    title: str
    reading: str
    rows: tuple[AccountabilityRow, ...]
    clarity_flag: str  # "60%": below this share naming one tier, a situation is flagged


@dataclass(frozen=True)
class SpectrumSlide:
    key: str
    title: str
    rows: tuple[SpectrumRow, ...]


Slide = JoinSlide | OverallSlide | DomainSlide | DisagreeSlide | AccountabilitySlide | SpectrumSlide


# --- building them -----------------------------------------------------------------------------------


def join_slide(
    *,
    workshop: str,
    join_code: str,
    status: str,
    sectors: Sequence[SectorCount],
) -> JoinSlide:
    """The slide before the reveal: the code only while answers are taken, and counts only."""
    words = {
        "draft": "This workshop is not open for answers yet. The join code appears here once it opens.",
        "open": "Answer on your phone or laptop. Your answers are private: the room sees only the "
        "team's combined figures, once the facilitator reveals them.",
        "closed": "Answering is closed. The team's results appear here once the facilitator reveals them.",
    }.get(status, "")
    return JoinSlide(
        key=JOIN,
        title=JOIN_TITLE,
        workshop=workshop,
        join_code=join_code if status == "open" else "",
        status_words=words,
        joined=sum(s.joined for s in sectors),
        submitted=sum(s.submitted for s in sectors),
        sectors=tuple(sectors),
    )


def _histograms(answers: pd.DataFrame, item_ids: Sequence[str], levels: int) -> dict[str, tuple[Any, Any]]:
    """(now counts, target counts) per question, levels 1..``levels``, don't-knows left out."""
    rated = answers.loc[
        answers["item_id"].isin(list(item_ids))
        & ~answers["dont_know"].fillna(False).astype(bool)
        & answers["current"].notna()
        & answers["target"].notna()
    ]
    found: dict[str, tuple[Any, Any]] = {}
    for item_id, group in rated.groupby("item_id", sort=False):
        now = np.bincount(group["current"].astype(int).to_numpy() - 1, minlength=levels)[:levels]
        target = np.bincount(group["target"].astype(int).to_numpy() - 1, minlength=levels)[:levels]
        found[str(item_id)] = (now, target)
    return found


def _counts_words(counts: Sequence[LevelCount]) -> str:
    chosen = [f"{c.count} {c.label}" for c in counts if c.count]
    return ", ".join(chosen) if chosen else "nobody"


def distributions(scored: ScoredWorkshop, item_ids: Sequence[str] | None = None) -> dict[str, Distribution]:
    """Each level question's distribution, now and target, for the questions scoring shows.

    A question is shown exactly when scoring marks it not withheld (rated by at least the bank's
    threshold, in a workshop with at least the threshold answering); otherwise it is a
    Distribution with no counts, saying so.
    """
    bank, items = scored.bank, scored.scores.items
    scale = [level.label for level in bank.scale]
    texts = {item.id: item.text for _, item in bank.iter_items()}
    wanted = [str(i) for i in items["item_id"]] if item_ids is None else list(item_ids)
    rows = {str(r["item_id"]): r for r in items.to_dict("records")}
    shown = [i for i in wanted if i in rows and not bool(rows[i]["withheld"])]
    histograms = _histograms(scored.answers, shown, len(scale))
    threshold = scored.scores.threshold
    found = {}
    for item_id in wanted:
        row = rows.get(item_id)
        text = texts.get(item_id, item_id)
        if row is None or bool(row["withheld"]):
            found[item_id] = Distribution(
                item_id=item_id,
                text=text,
                withheld=True,
                now=(),
                target=(),
                median_now=figure(None),
                median_target=figure(None),
                split=False,
                words=f"Withheld: fewer than {threshold} people rated this question, so its answers "
                "are not shown.",
            )
            continue
        empty = np.zeros(len(scale), dtype=np.int64)
        now_counts, target_counts = histograms.get(item_id, (empty, empty))
        now = tuple(LevelCount(n + 1, scale[n], int(now_counts[n])) for n in range(len(scale)))
        target = tuple(LevelCount(n + 1, scale[n], int(target_counts[n])) for n in range(len(scale)))
        median_now, median_target = figure(row["current"]), figure(row["target"])
        split = bool(row["split"])
        words = (
            f"Now: {_counts_words(now)}; median {_level_text(scale, median_now)}. "
            f"Target: {_counts_words(target)}; median {_level_text(scale, median_target)}."
            + (" The team is split on this question." if split else "")
        )
        found[item_id] = Distribution(
            item_id=item_id,
            text=text,
            withheld=False,
            now=now,
            target=target,
            median_now=median_now,
            median_target=median_target,
            split=split,
            words=words,
        )
    return found


def _level_text(scale: Sequence[str], value: Figure) -> str:
    return WITHHELD if value.value is None else level_words(scale, round(value.value, 2))


def _perception(model: ResultsModel) -> str:
    """Where the sectors (or, when too few sectors are shown, the sector groups) see a domain most
    differently: domain figures of shown sectors only, never a per-sector distribution."""
    if model.withheld:
        return ""
    for lens, who in ((model.lens, "Sectors"), (model.group_lens, "Sector groups")):
        if lens is not None and lens.perception_gaps:
            title, gap = lens.perception_gaps[0]
            return f"{who} see {title} most differently: {gap.text} levels apart."
    return "Too few people answered in each sector to compare the sectors' views."


def result_slides(model: ResultsModel) -> tuple[Slide, ...]:
    """Every slide after the reveal, in ``sequence`` order, from the one presentation model."""
    scored = model.scored
    bank, workshop = scored.bank, scored.workshop
    entries = sequence(bank=bank, domains=workshop.domains, revealed=True)
    maturity = {
        domain.id: [item.id for item in domain.items if isinstance(item, MaturityItem)]
        for domain in bank.domains
    }
    split_ids = [q.id for q in model.split_questions]
    wanted = [i for d in workshop.domains for i in maturity.get(d, [])]
    spread = distributions(scored, list(dict.fromkeys([*wanted, *split_ids])))
    rows = {row.id: row for row in model.domains}
    slides: list[Slide] = []
    for entry in entries:
        if entry.key == OVERALL:
            slides.append(
                OverallSlide(
                    key=OVERALL,
                    title=OVERALL_TITLE,
                    workshop=f"{workshop.partnership} · {workshop.title}",
                    respondents=model.respondents,
                    withheld_sentence=model.withheld_sentence if model.withheld else "",
                    headline=tuple(
                        Headline(label, model.overall[key].text, model.overall_levels[key])
                        for label, key in (("Now", "current"), ("Target", "target"), ("Gap", "gap"))
                    ),
                    reading=model.readings.overall,
                    domains=model.domains,
                )
            )
        elif entry.key.startswith(DOMAIN_PREFIX):
            domain_id = entry.key.removeprefix(DOMAIN_PREFIX)
            slides.append(
                DomainSlide(
                    key=entry.key,
                    title=entry.title,
                    domain=rows[domain_id],
                    questions=tuple(spread[i] for i in maturity[domain_id]),
                    scale=model.scale,
                )
            )
        elif entry.key == DISAGREE:
            rule = bank.split_rule
            slides.append(
                DisagreeSlide(
                    key=DISAGREE,
                    title=DISAGREE_TITLE,
                    reading=model.withheld_sentence if model.withheld else model.readings.disagreement,
                    questions=tuple(spread[q.id] for q in model.split_questions),
                    scale=model.scale,
                    sentences=tuple(
                        f"{q.far} of answers are more than {rule.distance:g} level from the median of "
                        f"{q.median.text}."
                        for q in model.split_questions
                    ),
                    perception=_perception(model),
                )
            )
        elif entry.key == ACCOUNTABILITY:
            slides.append(
                AccountabilitySlide(
                    key=ACCOUNTABILITY,
                    title=ACCOUNTABILITY_TITLE,
                    reading=model.withheld_sentence if model.withheld else model.readings.accountability,
                    rows=model.accountability,
                    clarity_flag=f"{bank.clarity_flag:.0%}",
                )
            )
        elif entry.key == SPECTRUM:
            slides.append(SpectrumSlide(key=SPECTRUM, title=SPECTRUM_TITLE, rows=model.spectrum))
    return tuple(slides)


__all__ = [
    "ACCOUNTABILITY",
    "DISAGREE",
    "JOIN",
    "OVERALL",
    "SPECTRUM",
    "AccountabilitySlide",
    "DisagreeSlide",
    "Distribution",
    "DomainSlide",
    "Headline",
    "JoinSlide",
    "LevelCount",
    "OverallSlide",
    "SectorCount",
    "Slide",
    "SlideEntry",
    "SpectrumSlide",
    "distributions",
    "domain_key",
    "join_slide",
    "moved",
    "position",
    "result_slides",
    "sequence",
]
