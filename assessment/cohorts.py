"""A cohort's partnerships side by side: each one's latest round, the cohort median and quartiles.

Every latest round is scored exactly as its own results are (``scoring.team_domain_figures``'s
figures and withholding), but all at once: the rounds compared (each partnership's latest and
the one before it, for the change) are loaded with one query and scored with one vectorised
``scoring.figures`` call per bank version. Domains are matched across partnerships by id.

A partnership whose latest round has fewer respondents than the anonymity threshold is
withheld: its figures are NaN, and it is left out of the cohort median and quartiles, so no
figure in the comparison comes from fewer people than a team's own results would show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from assessment.db import bank_for_version, scoring_frames
from assessment.db.cohorts import cohort_partnerships, partnership_round_rows
from assessment.db.workshops import cohort_name
from assessment.errors import NotFound
from assessment.framework import QuestionBank
from assessment.scoring import DOMAIN_FIGURES, cohort_figures, figures, withhold_domains

__all__ = [
    "PARTNERSHIP_COLUMNS",
    "CohortComparison",
    "cohort_document",
    "compare_cohort",
    "place_vs_system",
]

# Fewer partnerships shown than this, and the comparison has no quartiles.
MIN_PARTNERSHIPS_FOR_QUARTILES = 3

PARTNERSHIP_COLUMNS = (
    "partnership_id",
    "name",
    "kind",
    "parent_id",
    "latest_workshop",
    "held_on",
    "round",
    "bank_version",
    "respondents",
    "withheld",
)
DOMAIN_COLUMNS = (
    "partnership_id",
    "name",
    "kind",
    "domain",
    "title",
    "current",
    "target",
    "gap",
    "withheld",
    "quartile",
    "change",
)
PLACE_COLUMNS = ("name", "domain", "title", "place", "system", "difference")


@dataclass(frozen=True)
class CohortComparison:
    """Each partnership's latest round in a cohort, side by side, anonymity threshold applied."""

    cohort: str
    threshold: int
    # partnership_id, name, kind, parent_id, latest_workshop (join code or None), held_on, round,
    # bank_version, respondents, withheld
    partnerships: pd.DataFrame
    # partnership_id, name, kind, domain, title, current, target, gap, withheld, quartile (1-4 or
    # NaN), change (current minus the previous round's, NaN if none or withheld)
    domains: pd.DataFrame
    cohort_median: pd.DataFrame  # domain, title, current, target, gap
    quartiles: pd.DataFrame  # domain, q1, q3; empty when fewer than 3 partnerships are shown


@dataclass(frozen=True)
class _Round:
    id: int
    partnership_id: int
    join_code: str
    label: str
    held_on: date
    bank_version_id: int
    bank_version: str
    domains: tuple[str, ...]


def _rounds(
    *,
    session: Session,
    partnership_ids: Sequence[int],
    since: date | None,
    until: date | None,
    bank_version: str | None,
) -> dict[int, list[_Round]]:
    """Each partnership's rounds passing the filters, oldest first (by date, then id)."""
    rounds: dict[int, list[_Round]] = {}
    for row in partnership_round_rows(
        session=session, partnership_ids=partnership_ids, since=since, until=until, bank_version=bank_version
    ):
        rounds.setdefault(row.partnership_id, []).append(
            _Round(
                id=row.workshop_id,
                partnership_id=row.partnership_id,
                join_code=row.join_code,
                label=row.round_label or row.title,
                held_on=row.held_on,
                bank_version_id=row.bank_version_id,
                bank_version=f"{row.bank_id} {row.version}",
                domains=row.domains,
            )
        )
    return rounds


def _score_rounds(
    *, rounds: Sequence[_Round], banks: dict[int, QuestionBank], session: Session
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Domain figures of every round, withheld as ``team_domain_figures`` withholds them.

    One row per round and selected domain: workshop, domain, title, position, current, target,
    gap, withheld. Also each round's respondents.
    """
    answers, tiers = scoring_frames(session=session, workshop_ids=[r.id for r in rounds])
    by_version: dict[int, list[_Round]] = {}
    for r in rounds:
        by_version.setdefault(r.bank_version_id, []).append(r)
    parts: list[pd.DataFrame] = []
    respondents: dict[int, int] = {}
    for version_id, version_rounds in by_version.items():
        bank = banks[version_id]
        if len(by_version) == 1:
            mine_answers, mine_tiers = answers, tiers
        else:
            ids = [r.id for r in version_rounds]
            mine_answers = answers.loc[answers["workshop"].isin(ids)]
            mine_tiers = tiers.loc[tiers["workshop"].isin(ids)]
        if len(mine_answers) or len(mine_tiers):
            scored = figures(mine_answers, bank, by=["workshop"], tier_answers=mine_tiers, item_detail=False)
            counts = dict(
                zip(
                    scored.respondents["workshop"].astype("int64").tolist(),
                    scored.respondents["n"].astype("int64").tolist(),
                    strict=True,
                )
            )
            table = scored.domains.loc[:, ["workshop", "domain", *DOMAIN_FIGURES, "items_shown"]]
            table = table.astype({"workshop": "int64", "domain": str})
        else:
            counts = {}
            table = pd.DataFrame(
                {
                    "workshop": pd.Series(dtype="int64"),
                    "domain": pd.Series(dtype=str),
                    **{f: pd.Series(dtype="float64") for f in DOMAIN_FIGURES},
                    "items_shown": pd.Series(dtype="int64"),
                }
            )
        titles = {d.id: d.title for d in bank.domains}
        # Every round's selected domains, in its own order, even where nobody answered.
        skeleton = pd.DataFrame(
            [
                (r.id, domain, titles[domain], position)
                for r in version_rounds
                for position, domain in enumerate(r.domains)
            ],
            columns=["workshop", "domain", "title", "position"],
        ).astype({"workshop": "int64", "domain": str, "title": str})
        frame = skeleton.merge(table, on=["workshop", "domain"], how="left")
        frame["items_shown"] = frame["items_shown"].fillna(0).astype("int64")
        # Below the threshold for the whole round, nothing is shown.
        threshold = bank.anonymity_threshold
        small = [r.id for r in version_rounds if counts.get(r.id, 0) < threshold]
        parts.append(withhold_domains(frame, too_few_people=frame["workshop"].isin(small).to_numpy()))
        respondents.update({r.id: counts.get(r.id, 0) for r in version_rounds})
    return pd.concat(parts, ignore_index=True), respondents


def _empty_domains() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "partnership_id": pd.Series(dtype="int64"),
            "name": pd.Series(dtype=str),
            "kind": pd.Series(dtype=str),
            "domain": pd.Series(dtype=str),
            "title": pd.Series(dtype=str),
            **{f: pd.Series(dtype="float64") for f in DOMAIN_FIGURES},
            "withheld": pd.Series(dtype=bool),
            "quartile": pd.Series(dtype="float64"),
            "change": pd.Series(dtype="float64"),
        }
    )


def compare_cohort(
    *,
    session: Session,
    cohort_id: int,
    kinds: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    bank_version: str | None = None,
) -> CohortComparison:
    """Each (unarchived) partnership's latest round passing the filters, side by side.

    ``kinds`` keeps partnerships of those kinds; ``since``/``until`` keep rounds held on or
    between those dates; ``bank_version`` ("ics-readiness 1.0.0") keeps rounds on that bank.
    A partnership with no round left is listed, withheld, with no domain figures.
    """
    cohort = cohort_name(session=session, cohort_id=cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    members: list[tuple[int, str, str, int | None]] = [
        (p.id, p.name, p.kind, p.parent_id)
        for p in cohort_partnerships(session=session, cohort_id=cohort_id, kinds=kinds)
    ]
    rounds = _rounds(
        session=session,
        partnership_ids=[m[0] for m in members],
        since=since,
        until=until,
        bank_version=bank_version,
    )
    latest = {pid: found[-1] for pid, found in rounds.items()}
    previous = {pid: found[-2] for pid, found in rounds.items() if len(found) > 1}
    chosen = [*latest.values(), *previous.values()]
    banks = {
        version: bank_for_version(session=session, bank_version_id=version)
        for version in dict.fromkeys(r.bank_version_id for r in chosen)
    }
    thresholds = [banks[r.bank_version_id].anonymity_threshold for r in latest.values()]
    threshold = (
        max(thresholds) if thresholds else int(QuestionBank.model_fields["anonymity_threshold"].default)
    )

    if chosen:
        scored, respondents = _score_rounds(rounds=chosen, banks=banks, session=session)
    else:
        scored, respondents = pd.DataFrame(columns=["workshop", "domain"]), {}

    partnership_rows: list[dict[str, Any]] = []
    for pid, name, kind, parent in members:
        found = latest.get(pid)
        people = respondents.get(found.id, 0) if found else 0
        shown = found is not None and people >= banks[found.bank_version_id].anonymity_threshold
        partnership_rows.append(
            {
                "partnership_id": pid,
                "name": name,
                "kind": kind,
                "parent_id": parent,
                "latest_workshop": found.join_code if found else None,
                "held_on": found.held_on if found else None,
                "round": found.label if found else None,
                "bank_version": found.bank_version if found else None,
                "respondents": people,
                "withheld": not shown,
            }
        )
    dtypes: dict[str, Any] = {
        "partnership_id": "int64",
        "parent_id": "Int64",
        "respondents": "int64",
        "withheld": bool,
    }
    # Optional values stay None (object columns), never a NaN that reads as a number.
    partnerships = pd.DataFrame(
        {
            column: pd.Series([row[column] for row in partnership_rows], dtype=dtypes.get(column, object))
            for column in PARTNERSHIP_COLUMNS
        }
    )
    for column in ("name", "kind"):
        partnerships[column] = partnerships[column].astype(str)

    if not latest:
        domains = _empty_domains()
        summary = pd.DataFrame(
            {c: pd.Series(dtype="float64") for c in ("domain", *DOMAIN_FIGURES, "q1", "q3")}
        )
    else:
        ordered = [(i, latest[m[0]]) for i, m in enumerate(members) if m[0] in latest]
        round_of = pd.DataFrame(
            {
                "workshop": [r.id for _, r in ordered],
                "partnership_id": [r.partnership_id for _, r in ordered],
                "_order": [i for i, _ in ordered],
            }
        )
        info = partnerships.loc[:, ["partnership_id", "name", "kind"]]
        domains = round_of.merge(scored, on="workshop").merge(info, on="partnership_id")
        if previous:
            before = pd.DataFrame(
                {"workshop": [r.id for r in previous.values()], "partnership_id": list(previous)}
            )
            before = before.merge(scored.loc[:, ["workshop", "domain", "current"]], on="workshop")
            before = before.rename(columns={"current": "_previous"}).drop(columns="workshop")
            domains = domains.merge(before, on=["partnership_id", "domain"], how="left")
            domains["change"] = domains["current"] - domains["_previous"]
        else:
            domains["change"] = np.nan
        domains = domains.sort_values(["_order", "position"], kind="stable").reset_index(drop=True)
        domains["withheld"] = domains["withheld"].astype(bool)
        # A withheld partnership's rows are all withheld, so they count in no median or quartile.
        domains, summary = cohort_figures(domains, partnership="partnership_id", withheld="withheld")
        domains = domains.loc[:, list(DOMAIN_COLUMNS)].astype({"partnership_id": "int64"})

    shown_ids = partnerships.loc[~partnerships["withheld"], "partnership_id"]
    counted = domains.loc[domains["partnership_id"].isin(shown_ids)]
    order = pd.Index(pd.unique(counted["domain"].to_numpy(dtype=object)), dtype=object)
    titles = counted.drop_duplicates("domain").set_index("domain")["title"]
    summary = summary.set_index("domain").reindex(order)
    cohort_median = pd.DataFrame(
        {
            "domain": pd.Series(order, dtype=str),
            "title": pd.Series(titles.reindex(order).to_numpy(), dtype=str),
            **{f: summary[f].to_numpy(dtype=float) for f in DOMAIN_FIGURES},
        }
    )
    if len(shown_ids) >= MIN_PARTNERSHIPS_FOR_QUARTILES:
        quartiles = pd.DataFrame(
            {
                "domain": pd.Series(order, dtype=str),
                "q1": summary["q1"].to_numpy(dtype=float),
                "q3": summary["q3"].to_numpy(dtype=float),
            }
        )
    else:
        quartiles = pd.DataFrame(
            {
                "domain": pd.Series(dtype=str),
                "q1": pd.Series(dtype="float64"),
                "q3": pd.Series(dtype="float64"),
            }
        )
        domains["quartile"] = np.nan

    return CohortComparison(
        cohort=cohort,
        threshold=threshold,
        partnerships=partnerships,
        domains=domains,
        cohort_median=cohort_median,
        quartiles=quartiles,
    )


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None or math.isnan(number) else int(number)


def _id(value: Any) -> int:
    return int(value)


def cohort_document(comparison: CohortComparison) -> dict[str, Any]:
    """The comparison as plain JSON-ready data: figures unrounded, withheld or missing as None."""
    by_partnership: dict[int, list[dict[str, Any]]] = {}
    for row in comparison.domains.itertuples(index=False):
        by_partnership.setdefault(_id(row.partnership_id), []).append(
            {
                "id": str(row.domain),
                "current": _number(row.current),
                "target": _number(row.target),
                "gap": _number(row.gap),
                "quartile": _whole(row.quartile),
                "change": _number(row.change),
            }
        )
    partnerships = [
        {
            "name": str(row.name),
            "kind": str(row.kind),
            "latest_workshop": None if row.latest_workshop is None else str(row.latest_workshop),
            "respondents": _id(row.respondents),
            "withheld": bool(row.withheld),
            "domains": by_partnership.get(_id(row.partnership_id), []),
        }
        for row in comparison.partnerships.itertuples(index=False)
    ]
    return {
        "cohort": comparison.cohort,
        "partnerships": partnerships,
        "cohort_median": [
            {
                "id": str(row.domain),
                "current": _number(row.current),
                "target": _number(row.target),
                "gap": _number(row.gap),
            }
            for row in comparison.cohort_median.itertuples(index=False)
        ],
        "quartiles": [
            {"id": str(row.domain), "q1": _number(row.q1), "q3": _number(row.q3)}
            for row in comparison.quartiles.itertuples(index=False)
        ],
    }


def place_vs_system(comparison: CohortComparison, *, ics_partnership_id: int) -> pd.DataFrame:
    """Each place of the ICS against the ICS's own latest round, domain by domain.

    One row per place partnership (parent is the ICS) and domain: name, domain, title, place
    (its current), system (the ICS's current) and difference = place - system (positive: the
    place rates itself higher). NaN wherever either figure is withheld or missing.
    """
    partnerships = comparison.partnerships
    is_place = (partnerships["kind"] == "place").to_numpy(dtype=bool) & partnerships["parent_id"].eq(
        ics_partnership_id
    ).fillna(False).to_numpy(dtype=bool)
    places = partnerships.loc[is_place, "partnership_id"]
    domains = comparison.domains
    rows = domains.loc[domains["partnership_id"].isin(places), ["name", "domain", "title", "current"]]
    system = domains.loc[domains["partnership_id"] == ics_partnership_id, ["domain", "current"]]
    out = rows.rename(columns={"current": "place"}).merge(
        system.rename(columns={"current": "system"}), on="domain", how="left"
    )
    out["place"] = out["place"].astype(float)
    out["system"] = out["system"].astype(float)
    out["difference"] = out["place"] - out["system"]
    return out.loc[:, list(PLACE_COLUMNS)].reset_index(drop=True)
