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

from assessment.framework import QuestionBank
from assessment.scoring import WorkshopScores, score_workshop
from assessment.store import WorkshopInfo, bank_for_version, workshop_answers, workshop_info


@dataclass(frozen=True)
class ScoredWorkshop:
    workshop: WorkshopInfo
    bank: QuestionBank
    scores: WorkshopScores
    # the answers the scores came from, kept so a page never loads them a second time
    answers: pd.DataFrame
    tier_answers: pd.DataFrame


def score_stored_workshop(*, session: Session, workshop_id: int) -> ScoredWorkshop:
    workshop = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    answers, tier_answers = workshop_answers(session=session, workshop_id=workshop_id)
    scores = score_workshop(answers, bank, tier_answers=tier_answers, domains=list(workshop.domains))
    return ScoredWorkshop(workshop, bank, scores, answers, tier_answers)


def _number(value: Any) -> float | None:
    """A figure as JSON: None when withheld or absent, never NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def _flag(value: Any) -> bool | None:
    return None if value is None or value is pd.NA else bool(value)


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
            "current": _number(row["current"]),
            "target": _number(row["target"]),
            "gap": _number(row["gap"]),
            "q1": _number(row["q1"]),
            "q3": _number(row["q3"]),
            "iqr": _number(row["iqr"]),
            "split_share": _number(row["split_share"]),
            "split": _flag(row["split"]),
            "withheld": bool(row["withheld"]),
        }
        for row in s.items.to_dict("records")
    ]
    domains = [
        {
            "id": str(row["domain"]),
            "title": str(row["title"]),
            "current": _number(row["current"]),
            "target": _number(row["target"]),
            "gap": _number(row["gap"]),
            "n": int(row["n"]),
            "withheld": bool(row["withheld"]),
        }
        for row in s.domains.to_dict("records")
    ]
    sectors = []
    for sector_row in s.sectors_n.to_dict("records"):
        rows = s.sectors.loc[s.sectors["sector"] == sector_row["sector"]]
        sectors.append(
            {
                "sector": str(sector_row["sector"]),
                "n": int(sector_row["n"]),
                "withheld": bool(sector_row["withheld"]),
                "domains": [
                    {
                        "id": str(r["domain"]),
                        "current": _number(r["current"]),
                        "target": _number(r["target"]),
                        "gap": _number(r["gap"]),
                        "withheld": bool(r["withheld"]),
                    }
                    for r in rows.to_dict("records")
                ],
            }
        )
    spectrum = [
        {
            "id": str(row["item_id"]),
            "n": int(row["n"]),
            "now": _number(row["now"]),
            "preferred": _number(row["preferred"]),
            "shift": _number(row["shift"]),
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
                else {tier: _number(share) for tier, share in row["shares"].items()},
                "modal_tier": row["modal_tier"],
                "clarity": _number(row["clarity"]),
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
        "withheld": s.withheld,
        "items": items,
        "domains": domains,
        "overall": dict(s.overall),
        "sectors": sectors,
        "perception_gaps": [
            {"domain": str(row["domain"]), "gap": _number(row["gap"])}
            for row in s.perception_gaps.to_dict("records")
        ],
        "spectrum": spectrum,
        "accountability": [{"id": item_id, "functions": fns} for item_id, fns in accountability.items()],
    }
