"""A stored workshop's figures: loaded, scored, and shaped as one plain document.

The document is what `scores --json` prints and what later views and the PDF read, so every
consumer shows the same numbers with the same withholding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from assessment.db import (
    RerateInfo,
    WorkshopInfo,
    bank_for_version,
    participant_count,
    rerate_answers,
    rerate_round,
    workshop_answers,
    workshop_info,
)
from assessment.framework import QuestionBank
from assessment.rerate import METHOD, Convergence, RoundFigures, Tally, convergence
from assessment.scoring import WorkshopScores, score_workshop


@dataclass(frozen=True)
class ScoredWorkshop:
    workshop: WorkshopInfo
    bank: QuestionBank
    scores: WorkshopScores
    # the answers the scores came from, kept so a page never loads them a second time
    answers: pd.DataFrame
    tier_answers: pd.DataFrame
    # everyone who joined, submitted or not; None where the scores were not read from a workshop
    joined: int | None = None
    # the re-rate round, when one was opened, and its first-versus-re-rate figures
    rerate_round: RerateInfo | None = None
    rerate: Convergence | None = None

    @property
    def as_trend_round(self) -> dict[int, tuple[pd.DataFrame, int]]:
        """This round's domain figures and respondents, for `trend_frame`'s ``scored``: a page
        that shows both need not score the round twice."""
        return {self.workshop.id: (self.scores.domains, self.scores.respondents)}


def score_stored_workshop(*, session: Session, workshop_id: int) -> ScoredWorkshop:
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    answers, tier_answers = workshop_answers(session=session, workshop_id=workshop_id)
    scores = score_workshop(answers, bank, tier_answers=tier_answers, domains=list(workshop.domains))
    joined = participant_count(session=session, workshop_id=workshop_id)
    found = rerate_round(session=session, workshop_id=workshop_id)
    converged = (
        None
        if found is None
        else convergence(
            answers,
            rerate_answers(session=session, workshop_id=workshop_id),
            bank,
            item_ids=found.item_ids,
            domains=list(workshop.domains),
            tier_answers=tier_answers,
        )
    )
    return ScoredWorkshop(workshop, bank, scores, answers, tier_answers, joined, found, converged)


def number(value: Any) -> float | None:
    """A figure, or None when it is withheld or absent (never NaN): the one rule for "withheld"
    that the JSON, the screen and the PDF share (``presenting.figure_text`` words it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def _flag(value: Any) -> bool | None:
    return None if value is None or value is pd.NA else bool(value)


def questions_shown(bank: QuestionBank, domain_id: str, items_shown: Any) -> str:
    """What a domain figure rests on, in words: "3 of 4 questions" (withheld questions never count)."""
    rated = sum(1 for item in bank.domain(domain_id).items if item.type == "maturity")
    shown = 0 if items_shown is None or pd.isna(items_shown) else int(items_shown)
    return f"{shown} of {rated} question{'' if rated == 1 else 's'}"


def _text(value: Any) -> str | None:
    """A name (a tier, say) as JSON: None when absent, never a NaN that pandas put in its place."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


@dataclass(frozen=True)
class Comment:
    who: str  # the participant's name in a named workshop, "" in an anonymous one
    text: str


def shown_comments(scored: ScoredWorkshop) -> list[tuple[str, list[Comment]]]:
    """The comments the team may read, per question in bank order: the screen and the PDF list these.

    None at all when the workshop is below the threshold, and none under a question withheld for
    the whole team (a question rated by one or two people would put their words beside a figure
    that was hidden to protect them). Within a question the comments are in alphabetical order,
    never in the order people joined or answered, so that a list links no one's comments across
    questions.
    """
    scores = scored.scores
    if scores.withheld:
        return []
    shown_items = {
        str(item_id)
        for frame in (scores.items, scores.spectrum, scores.accountability)
        for item_id, withheld in zip(frame["item_id"], frame["withheld"], strict=True)
        if not withheld
    }
    named = not scored.workshop.anonymous
    notes = pd.concat(
        [
            scored.answers[["item_id", "comment", "display_name"]],
            scored.tier_answers[["item_id", "comment", "display_name"]],
        ]
    ).dropna(subset=["comment"])
    notes = notes.loc[notes["comment"].astype(str).str.strip() != ""]
    by_item: dict[str, set[tuple[str, str]]] = {}
    for item_id, text, name in zip(notes["item_id"], notes["comment"], notes["display_name"], strict=True):
        if str(item_id) in shown_items:
            who = str(name) if named and isinstance(name, str) else ""
            by_item.setdefault(str(item_id), set()).add((who, str(text)))
    order = [item.id for _, item in scored.bank.iter_items()]
    return [
        (
            item_id,
            [
                Comment(who, text)
                for who, text in sorted(by_item[item_id], key=lambda c: (c[1].casefold(), c))
            ],
        )
        for item_id in order
        if item_id in by_item
    ]


def _lens_document(counts: pd.DataFrame, cells: pd.DataFrame) -> list[dict[str, Any]]:
    """One lens (by sector, or by sector group) as plain data, withheld figures as null."""
    lens = []
    for sector_row in counts.to_dict("records"):
        rows = cells.loc[cells["sector"] == sector_row["sector"]]
        lens.append(
            {
                "sector": str(sector_row["sector"]),
                "n": int(sector_row["n"]),
                "withheld": bool(sector_row["withheld"]),
                "domains": [
                    {
                        "id": str(r["domain"]),
                        "current": number(r["current"]),
                        "target": number(r["target"]),
                        "gap": number(r["gap"]),
                        "questions": int(r["items_shown"]) if not r["withheld"] else 0,
                        "withheld": bool(r["withheld"]),
                    }
                    for r in rows.to_dict("records")
                ],
            }
        )
    return lens


def _round_document(figures: RoundFigures) -> dict[str, Any]:
    return {
        "n": figures.n,
        "current": figures.median,
        "target": figures.target,
        "q1": figures.q1,
        "q3": figures.q3,
        "iqr": figures.iqr,
        "within_one": figures.within_one,
        "split": figures.split,
        "withheld": figures.withheld,
    }


def _tally_document(tally: Tally) -> dict[str, Any]:
    return {
        "questions": tally.questions,
        "converged": tally.converged,
        "diverged": tally.diverged,
        "unchanged": tally.unchanged,
        "outcome": tally.outcome,
    }


def rerate_document(scored: ScoredWorkshop) -> dict[str, Any] | None:
    """The re-rate round's two rounds side by side, or None when the workshop had none: each
    round's figures withheld as the results withhold them (null with "withheld": true)."""
    found, result = scored.rerate_round, scored.rerate
    if found is None or result is None:
        return None
    return {
        "open": found.closed_at is None,
        "opened_at": found.opened_at.isoformat(),
        "finished_at": None if found.closed_at is None else found.closed_at.isoformat(),
        "respondents": result.respondents,
        "rerated": result.rerated,
        "withheld": result.withheld,
        "rule": METHOD,
        "questions": [
            {
                "id": q.item_id,
                "domain": q.domain,
                "first": _round_document(q.first),
                "rerate": _round_document(q.rerate),
                "outcome": q.outcome,
            }
            for q in result.questions
        ],
        "domains": [
            {
                "id": d.domain,
                "title": d.title,
                "first_current": d.first_current,
                "rerate_current": d.rerate_current,
                **_tally_document(d.tally),
            }
            for d in result.domains
        ],
        "overall": {
            "first_current": result.first_overall,
            "rerate_current": result.rerate_overall,
            **_tally_document(result.overall),
        },
    }


def scores_document(scored: ScoredWorkshop) -> dict[str, Any]:
    """Every figure of the workshop, unrounded, withheld ones as null with "withheld": true."""
    w, s = scored.workshop, scored.scores
    items = [
        {
            "id": str(row["item_id"]),
            "domain": str(row["domain"]),
            "type": "maturity",
            "n": int(row["n"]),
            "dont_know": int(row["dont_know"]),
            "current": number(row["current"]),
            "target": number(row["target"]),
            "gap": number(row["gap"]),
            "q1": number(row["q1"]),
            "q3": number(row["q3"]),
            "iqr": number(row["iqr"]),
            "split_share": number(row["split_share"]),
            "split": _flag(row["split"]),
            "withheld": bool(row["withheld"]),
        }
        for row in s.items.to_dict("records")
    ]
    domains = [
        {
            "id": str(row["domain"]),
            "title": str(row["title"]),
            "current": number(row["current"]),
            "target": number(row["target"]),
            "gap": number(row["gap"]),
            "n": int(row["n"]),
            # how many shown questions the figure is the mean of (withheld ones never count)
            "questions": int(row["items_shown"]) if not row["withheld"] else 0,
            "withheld": bool(row["withheld"]),
        }
        for row in s.domains.to_dict("records")
    ]
    sectors = _lens_document(s.sectors_n, s.sectors)
    spectrum = [
        {
            "id": str(row["item_id"]),
            "n": int(row["n"]),
            "now": number(row["now"]),
            "preferred": number(row["preferred"]),
            "shift": number(row["shift"]),
            "split": _flag(row["split"]),
            "withheld": bool(row["withheld"]),
        }
        for row in s.spectrum.to_dict("records")
    ]
    accountability: dict[str, list[dict[str, Any]]] = {}
    for row in s.accountability.to_dict("records"):
        accountability.setdefault(str(row["item_id"]), []).append(
            {
                "id": str(row["function_id"]),
                "n": int(row["n"]),
                "shares": None
                if row["shares"] is None
                else {tier: number(share) for tier, share in row["shares"].items()},
                "modal_tier": _text(row["modal_tier"]),
                "clarity": number(row["clarity"]),
                "withheld": bool(row["withheld"]),
            }
        )
    return {
        "workshop": {
            "join_code": w.join_code,
            "title": w.title,
            "date": w.held_on.isoformat(),
            "round": w.round_label,
            "status": w.status,
            "revealed": w.revealed,
            "partnership": w.partnership,
            "cohort": w.cohort,
            "bank": {"id": scored.bank.id, "version": scored.bank.version},
            "domains": list(w.domains),
        },
        "anonymity_threshold": s.threshold,
        "respondents": s.respondents,
        # everyone who joined; only the respondents (those who submitted) are counted in a figure
        "joined": s.respondents if scored.joined is None else scored.joined,
        "withheld": s.withheld,
        "items": items,
        "domains": domains,
        "overall": {key: number(value) for key, value in s.overall.items()},
        # how many shown domains the overall figure is the mean of (withheld ones never count)
        "overall_domains": s.overall_domains,
        "sectors": sectors,
        "perception_gaps": [
            {"domain": str(row["domain"]), "gap": number(row["gap"])}
            for row in s.perception_gaps.to_dict("records")
        ],
        # The same lens by the bank's sector groups; each entry's "sector" is the group's id.
        "sector_groups": _lens_document(s.groups_n, s.groups),
        "group_perception_gaps": [
            {"domain": str(row["domain"]), "gap": number(row["gap"])}
            for row in s.group_perception_gaps.to_dict("records")
        ],
        "spectrum": spectrum,
        "accountability": [{"id": item_id, "functions": fns} for item_id, fns in accountability.items()],
        # the re-rate round's first rating and re-rate side by side; null when none was opened
        "rerate": rerate_document(scored),
    }
