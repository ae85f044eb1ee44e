"""A partnership's figures round after round: the same scoring as one workshop, side by side.

Each round is scored from its stored answers exactly as its own results are (so the anonymity
threshold withholds the same figures), and domains are matched across rounds by id, even when
the rounds used different versions of the bank.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from assessment.db import WorkshopInfo, bank_for_version, scoring_frames, workshop_info
from assessment.db.retention import retained_figures
from assessment.db.workshops import partnership_exists, partnership_workshop_ids
from assessment.errors import NotFound
from assessment.outcomes import current_consensus
from assessment.readings import two_places
from assessment.scoring import changes_since_previous, team_domain_figures

__all__ = [
    "NOT_ASKED",
    "SHOWN",
    "TREND_COLUMNS",
    "WITHHELD",
    "every_round_and_domain",
    "gap_narrowing_sentence",
    "participation",
    "partnership_rounds",
    "trend_frame",
    "version_changes",
]

# What a domain's figure is in a round (or, in a cohort, for a partnership): shown; withheld by
# the anonymity threshold; or not asked, as the round chose not to ask that domain. "Not asked" is
# never "withheld": nothing was kept back, there is nothing to show.
SHOWN = "shown"
WITHHELD = "withheld"
NOT_ASKED = "not asked"

TREND_FIGURES = ("current", "target", "gap")
TREND_COLUMNS = (
    "workshop_id",
    "join_code",
    "round",
    "held_on",
    "bank_version",
    "domain",
    "title",
    "current",
    "target",
    "gap",
    "n",
    "withheld",
    "respondents",
    "consensus",
    *(f"{figure}_change" for figure in TREND_FIGURES),
)


def partnership_rounds(*, session: Session, partnership_id: int) -> list[WorkshopInfo]:
    """The partnership's workshops, oldest first (by date, then by when they were created)."""
    if not partnership_exists(session=session, partnership_id=partnership_id):
        raise NotFound("no such partnership")
    ids = partnership_workshop_ids(session=session, partnership_id=partnership_id)
    return [workshop_info(session=session, workshop_id=i) for i in ids]


def _empty_trend_frame() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in TREND_COLUMNS})
    floats = ("current", "target", "gap", "consensus", *(f"{f}_change" for f in TREND_FIGURES))
    return frame.astype(
        {
            "workshop_id": "int64",
            "n": "int64",
            "respondents": "int64",
            "withheld": "bool",
            **dict.fromkeys(floats, "float64"),
        }
    )


def trend_frame(
    *, session: Session, partnership_id: int, until: date | None = None, last: int | None = None
) -> pd.DataFrame:
    """One row per round and domain: figures, head counts, agreed level and change since last round.

    A withheld figure is NaN, and so is its change (and the next round's change from it). The
    first round a domain appears in has no change. Rows run round by round, domains in bank order.
    ``until`` keeps rounds held on or before a date and ``last`` only the latest few of those
    (a results page needs the previous round, not the whole history).
    """
    rounds = partnership_rounds(session=session, partnership_id=partnership_id)
    if until is not None:
        rounds = [w for w in rounds if w.held_on <= until]
    if last is not None:
        rounds = rounds[-last:]
    # A round whose answers retention deleted has its figures stored instead.
    kept = retained_figures(session=session, workshop_ids=[w.id for w in rounds])
    all_answers, all_tiers = scoring_frames(
        session=session, workshop_ids=[w.id for w in rounds if w.id not in kept]
    )
    answers_by_round = dict(tuple(all_answers.groupby("workshop", sort=False)))
    tiers_by_round = dict(tuple(all_tiers.groupby("workshop", sort=False)))
    frames = []
    for round_index, workshop in enumerate(rounds):
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        if workshop.id in kept:
            domains, respondents = kept[workshop.id]
        else:
            domains, respondents = team_domain_figures(
                answers_by_round.get(workshop.id, all_answers.iloc[0:0]),
                bank,
                tier_answers=tiers_by_round.get(workshop.id, all_tiers.iloc[0:0]),
                domains=list(workshop.domains),
            )
        agreed = current_consensus(session=session, workshop_id=workshop.id)
        domain_ids = domains["domain"].astype(str).tolist()
        frames.append(
            pd.DataFrame(
                {
                    "workshop_id": workshop.id,
                    "join_code": workshop.join_code,
                    "round": workshop.round_label or workshop.title,
                    "held_on": workshop.held_on,
                    "bank_version": f"{bank.id} {bank.version}",
                    "domain": domain_ids,
                    "title": domains["title"].astype(str).tolist(),
                    "current": domains["current"].to_numpy(dtype=float),
                    "target": domains["target"].to_numpy(dtype=float),
                    "gap": domains["gap"].to_numpy(dtype=float),
                    "n": domains["n"].to_numpy(dtype="int64"),
                    "withheld": domains["withheld"].to_numpy(dtype=bool),
                    "respondents": respondents,
                    "consensus": [agreed[d].level if d in agreed else math.nan for d in domain_ids],
                    "_round": round_index,
                    "_position": np.arange(len(domain_ids)),
                }
            )
        )
    if not frames:
        return _empty_trend_frame()
    frame = pd.concat(frames, ignore_index=True)
    # Rounds are already in order, so the stable sort inside keeps two rounds on one date apart.
    frame = changes_since_previous(frame, series=["domain"], order="held_on", figures=TREND_FIGURES)
    frame = frame.sort_values(["_round", "_position"], kind="stable").reset_index(drop=True)
    return frame.loc[:, list(TREND_COLUMNS)]


_ROUND_COLUMNS = ("workshop_id", "join_code", "round", "held_on", "bank_version", "respondents")


def every_round_and_domain(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``trend_frame`` with a row for every round and every domain any of its rounds asked, and
    a ``state`` column: "shown", "withheld", or "not asked" where the round did not ask the domain.

    A not-asked row has the round's own columns and the domain's title (its latest), no figures,
    changes or agreed level (NaN), n = 0 and is not withheld. The changes of the rows a round asked
    are ``trend_frame``'s: since the previous round that asked the domain. Rows run round by round,
    domains in the order first met.
    """
    states = np.where(frame["withheld"].to_numpy(dtype=bool), WITHHELD, SHOWN)
    asked = frame.assign(state=pd.Series(states, index=frame.index, dtype=object))
    if asked.empty:
        return asked.astype({"state": str})
    rounds = asked.drop_duplicates("workshop_id").loc[:, list(_ROUND_COLUMNS)]
    domain_ids = list(dict.fromkeys(asked["domain"].astype(str)))
    titles = dict(zip(asked["domain"].astype(str), asked["title"].astype(str), strict=True))
    grid = rounds.assign(_round=np.arange(len(rounds))).merge(
        pd.DataFrame({"domain": domain_ids, "_domain": np.arange(len(domain_ids))}), how="cross"
    )
    per_domain = asked.drop(columns=[c for c in _ROUND_COLUMNS if c != "workshop_id"])
    out = grid.merge(per_domain, on=["workshop_id", "domain"], how="left")
    unasked = out["state"].isna()
    out["title"] = out["title"].where(~unasked, out["domain"].map(titles))
    out["state"] = out["state"].where(~unasked, NOT_ASKED)
    out["n"] = out["n"].fillna(0)
    out["withheld"] = out["withheld"].where(~unasked, False)
    out = out.sort_values(["_round", "_domain"], kind="stable").reset_index(drop=True)
    return out.loc[:, [*TREND_COLUMNS, "state"]].astype(
        {"n": "int64", "withheld": bool, "title": str, "domain": str, "state": str}
    )


def _round_summary(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop_duplicates("workshop_id", keep="first").reset_index(drop=True)


def version_changes(frame: pd.DataFrame) -> list[str]:
    """The rounds whose bank version differs from the round before (where a chart marks a break)."""
    rounds = _round_summary(frame)
    versions = rounds["bank_version"].tolist()
    labels = rounds["round"].astype(str).tolist()
    return [labels[i] for i in range(1, len(versions)) if versions[i] != versions[i - 1]]


def participation(frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents per round: round, held_on, respondents."""
    return _round_summary(frame).loc[:, ["round", "held_on", "respondents"]]


def gap_narrowing_sentence(frame: pd.DataFrame, domain: str) -> str | None:
    """How the domain's gap moved from the previous round to the latest, in words.

    None when the domain is in fewer than two rounds or either round's gap is withheld. The
    figures are rounded to two decimal places for the sentence, the precision of every figure
    (and compared as rounded, so it never says "narrowed from 0.50 to 0.50"); narrowing means the
    gap's size fell.
    """
    rows = frame.loc[frame["domain"] == domain]
    if len(rows) < 2:
        return None
    previous, latest = rows["gap"].iloc[-2], rows["gap"].iloc[-1]
    if pd.isna(previous) or pd.isna(latest):
        return None
    # Adding 0.0 turns a rounded -0.0 into 0.0, so the sentence never says "-0.00".
    before, after = round(float(previous), 2) + 0.0, round(float(latest), 2) + 0.0
    if before == after:
        return f"gap unchanged at {two_places(after)}"
    if abs(after) < abs(before):
        verb = "narrowed"
    elif abs(after) > abs(before):
        verb = "widened"
    else:
        verb = "moved"
    return f"gap {verb} from {two_places(before)} to {two_places(after)}"
