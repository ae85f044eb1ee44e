"""A cohort's partnerships side by side: each one's latest round, the cohort median and quartiles.

A round may ask only some of the bank's domains, so each domain's figure comes from the latest
round of that partnership that asked it, and says which round and date that was; a domain no
round of the partnership asked is "not asked", never "withheld". Every round compared is scored
exactly as its own results are (``scoring.team_domain_figures``'s figures and withholding), but
all at once: the rounds needed (per domain the latest round that asked it and the one before
that did, for the change) are loaded with one query and scored with one vectorised
``scoring.figures`` call per bank version. Domains are matched across partnerships by id.

A figure the latest round that asked it withholds stays withheld: it never falls back to an older
round (the older figure beside a withheld newer one would say something about the newer round's
few people). A withheld figure is NaN and left out of the cohort median and quartiles, so no
figure in the comparison comes from fewer people than a team's own results would show. A
partnership whose latest round has fewer respondents than the anonymity threshold is marked
withheld; the domains that round did not ask still come from the latest round that did.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from assessment.db import bank_for_version, scoring_frames
from assessment.db.cohorts import cohort_partnerships, partnership_round_rows
from assessment.db.retention import retained_figures
from assessment.db.workshops import cohort_name
from assessment.errors import NotFound
from assessment.framework import QuestionBank
from assessment.presenting import long_date
from assessment.scoring import DOMAIN_FIGURES, cohort_figures, figures, withhold_domains
from assessment.trends import (
    ADDED,
    NOT_ASKED,
    REMOVED,
    REWORDED,
    SHOWN,
    WITHHELD,
    Worded,
    question_changes,
    questions_counted,
    worded_questions,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "DOMAIN_COLUMNS",
    "PARTNERSHIP_COLUMNS",
    "CohortComparison",
    "ComparedRound",
    "EarlierRound",
    "Member",
    "cohort_document",
    "compare_cohort",
    "earlier_rounds",
    "heatmap",
    "place_vs_system",
    "rounds_asking",
    "side_by_side",
    "version_wording_note",
    "wording_differences",
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
    "state",
    "workshop",
    "round",
    "held_on",
    "from_earlier_round",
    "wording",
)
PLACE_COLUMNS = ("name", "domain", "title", "place", "system", "difference", "state")


@dataclass(frozen=True)
class CohortComparison:
    """Each partnership's latest round in a cohort, side by side, anonymity threshold applied."""

    cohort: str
    threshold: int
    # partnership_id, name, kind, parent_id, latest_workshop (join code or None), held_on, round,
    # bank_version, respondents, withheld
    partnerships: pd.DataFrame
    # One row per partnership with a round and per domain any of them asked: partnership_id, name,
    # kind, domain, title, current, target, gap, withheld, quartile (1-4 or NaN), change (current
    # minus the previous round that asked the domain, NaN if none or withheld), state ("shown",
    # "withheld" or "not asked": no round of the partnership asked it), and where the figure comes
    # from: workshop (join code), round, held_on (None where not asked) and from_earlier_round
    # (the latest round that asked the domain is older than the partnership's latest round);
    # wording: where partnerships' figures for the domain come from bank versions that word its
    # questions differently, how this one's version differs from the newest of them, else "".
    domains: pd.DataFrame
    cohort_median: pd.DataFrame  # domain, title, current, target, gap
    quartiles: pd.DataFrame  # domain, q1, q3; empty when fewer than 3 partnerships are shown


class Member(NamedTuple):
    """A partnership of the cohort, as the comparison lists it."""

    id: int
    name: str
    kind: str
    parent_id: int | None


@dataclass(frozen=True)
class ComparedRound:
    """One round (workshop) of a partnership, and the domains it asked, in its own order."""

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
) -> dict[int, list[ComparedRound]]:
    """Each partnership's rounds passing the filters, oldest first (by date, then id)."""
    rounds: dict[int, list[ComparedRound]] = {}
    for row in partnership_round_rows(
        session=session, partnership_ids=partnership_ids, since=since, until=until, bank_version=bank_version
    ):
        rounds.setdefault(row.partnership_id, []).append(
            ComparedRound(
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
    *, rounds: Sequence[ComparedRound], banks: dict[int, QuestionBank], session: Session
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Domain figures of every round, withheld as ``team_domain_figures`` withholds them.

    One row per round and selected domain: workshop, domain, title, position, current, target,
    gap, withheld. Also each round's respondents.
    """
    # A round whose answers retention deleted has its figures stored instead: they join the scored
    # ones below, and go through the same withholding (which leaves them as they were stored).
    kept = retained_figures(session=session, workshop_ids=[r.id for r in rounds])
    answers, tiers = scoring_frames(session=session, workshop_ids=[r.id for r in rounds if r.id not in kept])
    by_version: dict[int, list[ComparedRound]] = {}
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
        stored = [
            kept[r.id][0].assign(workshop=r.id).loc[:, ["workshop", "domain", *DOMAIN_FIGURES, "items_shown"]]
            for r in version_rounds
            if r.id in kept
        ]
        if stored:
            table = pd.concat([table, *stored], ignore_index=True).astype(
                {"workshop": "int64", "domain": str}
            )
            counts.update({r.id: kept[r.id][1] for r in version_rounds if r.id in kept})
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
            "state": pd.Series(dtype=str),
            "workshop": pd.Series(dtype=object),
            "round": pd.Series(dtype=object),
            "held_on": pd.Series(dtype=object),
            "from_earlier_round": pd.Series(dtype=bool),
            "wording": pd.Series(dtype=str),
        }
    )


def rounds_asking(
    rounds: Sequence[ComparedRound],
) -> dict[str, tuple[ComparedRound, ComparedRound | None]]:
    """Per domain any of a partnership's rounds (oldest first) asked: the latest round that asked
    it, and the one before that which asked it too (None if there is none).

    The domains come in the latest round's order, then those only older rounds asked, newest
    round first. Whether a figure is withheld plays no part: the latest round that asked a domain
    is where its figure comes from even when that round withholds it.
    """
    asked: dict[str, list[ComparedRound]] = {}
    for found in reversed(rounds):
        for domain in found.domains:
            sources = asked.setdefault(domain, [])
            if len(sources) < 2:
                sources.append(found)
    return {domain: (found[0], found[1] if len(found) > 1 else None) for domain, found in asked.items()}


class _Figures(NamedTuple):
    title: str
    current: float
    target: float
    gap: float
    withheld: bool


def side_by_side(
    members: Sequence[Member], rounds: Mapping[int, Sequence[ComparedRound]], scored: pd.DataFrame
) -> pd.DataFrame:
    """Each partnership's figures, per domain from the latest of its rounds that asked the domain.

    ``rounds`` holds each partnership's rounds, oldest first (one with none has no rows);
    ``scored`` the domain figures of at least every round named by ``rounds_asking``, one row per
    workshop and domain it asked: workshop, domain, title, current, target, gap, withheld.
    Returns one row per partnership with a round and per domain any of them asked, partnerships
    in the members' order and domains in one order for all (the order first met): the columns of
    ``DOMAIN_COLUMNS`` but the quartile. A domain no round of the partnership asked is "not
    asked", without figures and not withheld.
    """
    figures_of = {
        (int(workshop), str(domain)): _Figures(
            str(title), float(current), float(target), float(gap), bool(hidden)
        )
        for workshop, domain, title, current, target, gap, hidden in zip(
            scored["workshop"],
            scored["domain"],
            scored["title"],
            scored["current"],
            scored["target"],
            scored["gap"],
            scored["withheld"],
            strict=True,
        )
    }
    sources = {m.id: rounds_asking(rounds[m.id]) for m in members if rounds.get(m.id)}
    titles: dict[str, str] = {}  # every domain asked, in the order first met, with its title
    for member in members:
        for domain, (source, _) in sources.get(member.id, {}).items():
            titles.setdefault(domain, figures_of[(source.id, domain)].title)
    rows: list[dict[str, Any]] = []
    for member in members:
        if member.id not in sources:
            continue
        latest = rounds[member.id][-1]
        for domain, title in titles.items():
            row: dict[str, Any] = {
                "partnership_id": member.id,
                "name": member.name,
                "kind": member.kind,
                "domain": domain,
                "title": title,
            }
            found = sources[member.id].get(domain)
            if found is None:
                rows.append(
                    row
                    | dict.fromkeys(DOMAIN_FIGURES, math.nan)
                    | {
                        "withheld": False,
                        "change": math.nan,
                        "state": NOT_ASKED,
                        "workshop": None,
                        "round": None,
                        "held_on": None,
                        "from_earlier_round": False,
                    }
                )
                continue
            source, before = found
            figure = figures_of[(source.id, domain)]
            # NaN when either figure is withheld, as a withheld figure is NaN
            change = math.nan if before is None else figure.current - figures_of[(before.id, domain)].current
            withheld = figure.withheld
            rows.append(
                row
                | {"current": figure.current, "target": figure.target, "gap": figure.gap}
                | {
                    "withheld": withheld,
                    "change": change,
                    "state": WITHHELD if withheld else SHOWN,
                    "workshop": source.join_code,
                    "round": source.label,
                    "held_on": source.held_on,
                    "from_earlier_round": source.id != latest.id,
                }
            )
    if not rows:
        return _empty_domains().drop(columns="quartile")
    dtypes: dict[str, Any] = {
        "partnership_id": "int64",
        **dict.fromkeys((*DOMAIN_FIGURES, "change"), "float64"),
        "withheld": bool,
        "from_earlier_round": bool,
    }
    # Column by column: a frame made from records would turn a None (not asked) into NaN.
    return pd.DataFrame(
        {
            column: pd.Series([row[column] for row in rows], dtype=dtypes.get(column, object))
            for column in rows[0]
        }
    ).astype({"name": str, "kind": str, "domain": str, "title": str, "state": str})


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
    Each domain's figure comes from the latest round passing the filters that asked it. A
    partnership with no round left is listed, withheld, with no domain figures.
    """
    cohort = cohort_name(session=session, cohort_id=cohort_id)
    if cohort is None:
        raise NotFound("no such cohort")
    members = [
        Member(p.id, p.name, p.kind, p.parent_id)
        for p in cohort_partnerships(session=session, cohort_id=cohort_id, kinds=kinds)
    ]
    rounds = _rounds(
        session=session,
        partnership_ids=[m.id for m in members],
        since=since,
        until=until,
        bank_version=bank_version,
    )
    latest = {pid: found[-1] for pid, found in rounds.items()}
    # Only the rounds a figure or a change comes from are scored: with every round asking every
    # domain, each partnership's latest and the one before it.
    needed = {r.id: r for r in latest.values()}
    for found in rounds.values():
        for source, before in rounds_asking(found).values():
            needed[source.id] = source
            if before is not None:
                needed[before.id] = before
    chosen = list(needed.values())
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
        last = latest.get(pid)
        people = respondents.get(last.id, 0) if last else 0
        shown = last is not None and people >= banks[last.bank_version_id].anonymity_threshold
        partnership_rows.append(
            {
                "partnership_id": pid,
                "name": name,
                "kind": kind,
                "parent_id": parent,
                "latest_workshop": last.join_code if last else None,
                "held_on": last.held_on if last else None,
                "round": last.label if last else None,
                "bank_version": last.bank_version if last else None,
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
        # Withheld figures count in no median or quartile; those not asked are NaN, so neither.
        compared = side_by_side(members, rounds, scored)
        versions = {
            (pid, domain): source.bank_version_id
            for pid, found in rounds.items()
            for domain, (source, _) in rounds_asking(found).items()
        }
        labels = {r.bank_version_id: r.bank_version for found in rounds.values() for r in found}
        compared["wording"] = wording_differences(
            compared,
            versions,
            {v: worded_questions(banks[v]) for v in set(versions.values()) if v in banks},
            labels,
        )
        domains, summary = cohort_figures(compared, partnership="partnership_id", withheld="withheld")
        domains = domains.loc[:, list(DOMAIN_COLUMNS)].astype({"partnership_id": "int64"})

    # A partnership takes part in the comparison when its latest round is shown, or when a figure
    # of it is (from an earlier round that asked what its withheld latest round did not).
    has_figures = domains.loc[domains["state"] == SHOWN, "partnership_id"]
    shown_ids = partnerships.loc[
        ~partnerships["withheld"] | partnerships["partnership_id"].isin(has_figures), "partnership_id"
    ]
    counted = domains.loc[domains["partnership_id"].isin(shown_ids) & (domains["state"] != NOT_ASKED)]
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


def version_wording_note(changes: Sequence[tuple[str, str, str, str]], this: str, newest: str) -> str:
    """How the version a partnership's figure comes from words a domain's questions unlike the
    newest version compared (``trends.question_changes(this, newest)``), or "" if alike:
    "worded as in ics-readiness 1.0.0, unlike ics-readiness 2.0.0: 2 questions reworded; 1
    question of ics-readiness 2.0.0 absent from this version"."""
    if not changes:
        return ""
    counts = {kind: sum(c[3] == kind for c in changes) for kind in (REWORDED, ADDED, REMOVED)}
    parts = []
    if counts[REWORDED]:
        parts.append(f"{questions_counted(counts[REWORDED])} reworded")
    if counts[ADDED]:
        parts.append(f"{questions_counted(counts[ADDED])} of {newest} absent from this version")
    if counts[REMOVED]:
        parts.append(f"{questions_counted(counts[REMOVED])} absent from {newest}")
    return f"worded as in {this}, unlike {newest}: " + "; ".join(parts)


def wording_differences(
    domains: pd.DataFrame,
    versions: Mapping[tuple[int, str], int],
    worded: Mapping[int, Sequence[Worded]],
    labels: Mapping[int, str],
) -> list[str]:
    """For each row of ``side_by_side``'s frame, ``version_wording_note`` of its domain between the
    bank version its figure comes from (``versions``, by partnership and domain) and the newest
    version any partnership's figure for that domain comes from; "" where they match, where only
    one version is compared, and where the domain was not asked. Questions are matched by id."""
    keys = list(zip(domains["partnership_id"].astype(int), domains["domain"].astype(str), strict=True))
    asked = (domains["state"] != NOT_ASKED).tolist()
    used: dict[str, set[int]] = {}
    for (pid, domain), was_asked in zip(keys, asked, strict=True):
        if was_asked and (pid, domain) in versions:
            used.setdefault(domain, set()).add(versions[(pid, domain)])
    notes: list[str] = []
    for (pid, domain), was_asked in zip(keys, asked, strict=True):
        mine = versions.get((pid, domain))
        if not was_asked or mine is None or len(used.get(domain, ())) < 2:
            notes.append("")
            continue
        newest = max(used[domain])  # stored last: the latest version of the bank
        changes = [] if mine == newest else question_changes(worded[mine], worded[newest], {domain})
        notes.append(version_wording_note(changes, labels[mine], labels[newest]))
    return notes


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None or math.isnan(number) else int(number)


def _id(value: Any) -> int:
    return int(value)


def _domain_entry(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.domain),
        "current": _number(row.current),
        "target": _number(row.target),
        "gap": _number(row.gap),
        "quartile": _whole(row.quartile),
        "change": _number(row.change),
        "state": str(row.state),
        "round": str(row.round),
        "held_on": row.held_on.isoformat(),
        "workshop": str(row.workshop),
        "wording": str(row.wording),
    }


def cohort_document(comparison: CohortComparison) -> dict[str, Any]:
    """The comparison as plain JSON-ready data: figures unrounded, withheld or missing as None.

    Each partnership's ``domains`` are those one of its rounds asked, each with its ``state``
    ("shown" or "withheld") and the round it comes from (``round``, ``held_on`` as an ISO date,
    ``workshop`` join code) and ``wording`` (how its bank version words the domain's questions
    unlike the newest version compared, or ""); ``not_asked`` lists the domain ids none of its
    rounds asked.
    """
    by_partnership: dict[int, list[dict[str, Any]]] = {}
    not_asked: dict[int, list[str]] = {}
    for row in comparison.domains.itertuples(index=False):
        partnership = _id(row.partnership_id)
        by_partnership.setdefault(partnership, [])
        not_asked.setdefault(partnership, [])
        if row.state == NOT_ASKED:
            not_asked[partnership].append(str(row.domain))
        else:
            by_partnership[partnership].append(_domain_entry(row))
    partnerships = [
        {
            "name": str(row.name),
            "kind": str(row.kind),
            "latest_workshop": None if row.latest_workshop is None else str(row.latest_workshop),
            "respondents": _id(row.respondents),
            "withheld": bool(row.withheld),
            "domains": by_partnership.get(_id(row.partnership_id), []),
            "not_asked": not_asked.get(_id(row.partnership_id), []),
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


@dataclass(frozen=True)
class EarlierRound:
    """Domains of a partnership whose figures come from a round before its latest one, because
    the later rounds did not ask them."""

    partnership: str
    titles: tuple[str, ...]
    round: str
    held_on: date

    def words(self) -> str:
        """'Eastvale ICS: Governance, Trust from Round 1, 12 March 2026' (user text, unescaped)."""
        return f"{self.partnership}: {', '.join(self.titles)} from {self.round}, {long_date(self.held_on)}"


def earlier_rounds(comparison: CohortComparison) -> list[EarlierRound]:
    """Where a figure comes from a round before the partnership's latest, which round and date,
    grouped per partnership and round (in the comparison's order)."""
    domains = comparison.domains
    earlier = domains.loc[domains["from_earlier_round"].astype(bool)]
    found = []
    for _, rows in earlier.groupby(["partnership_id", "workshop"], sort=False):
        first = rows.iloc[0]
        found.append(
            EarlierRound(
                partnership=str(first["name"]),
                titles=tuple(rows["title"].astype(str)),
                round=str(first["round"]),
                held_on=first["held_on"],
            )
        )
    return found


def heatmap(comparison: CohortComparison, *, scale_labels: Sequence[str], title: str) -> go.Figure:
    """``charts.cohort_heatmap`` of the comparison, with a cell no round asked labelled "not asked"
    rather than the chart's "withheld" (both are empty cells, neither a colour that reads as a
    level)."""
    from assessment.charts import cohort_heatmap

    domains, median = comparison.domains, comparison.cohort_median
    figure = cohort_heatmap(domains, median, scale_labels=scale_labels, title=title)
    unasked = domains.loc[domains["state"] == NOT_ASKED]
    if unasked.empty or not figure.data or figure.data[0].type != "heatmap":
        return figure
    # The chart's own rows (partnerships as first met, then the median) and columns (the median's
    # domains, or all when it has none).
    names = list(dict.fromkeys(domains["name"].astype(str)))
    order = list(dict.fromkeys(median["domain"].astype(str))) or list(
        dict.fromkeys(domains["domain"].astype(str))
    )
    trace = figure.data[0]
    text = [list(row) for row in trace.text]
    if len(text) != len(names) + 1 or any(len(row) != len(order) for row in text):
        return figure
    places = {(name, domain): (i, j) for i, name in enumerate(names) for j, domain in enumerate(order)}
    for name, domain in zip(unasked["name"].astype(str), unasked["domain"].astype(str), strict=True):
        if (name, domain) in places:
            i, j = places[(name, domain)]
            text[i][j] = NOT_ASKED
    trace.text = text
    return figure


def _state_beside(place: str, system: Any) -> str:
    if place == NOT_ASKED or system == NOT_ASKED:
        return NOT_ASKED
    return SHOWN if place == SHOWN and system == SHOWN else WITHHELD


def place_vs_system(comparison: CohortComparison, *, ics_partnership_id: int) -> pd.DataFrame:
    """Each place of the ICS against the ICS's own latest round, domain by domain.

    One row per place partnership (parent is the ICS) and domain: name, domain, title, place
    (its current), system (the ICS's current), difference = place - system (positive: the
    place rates itself higher) and state: "not asked" where either never asked the domain,
    "withheld" where either figure is withheld or the system has none, else "shown". The
    difference is NaN unless shown.
    """
    partnerships = comparison.partnerships
    is_place = (partnerships["kind"] == "place").to_numpy(dtype=bool) & partnerships["parent_id"].eq(
        ics_partnership_id
    ).fillna(False).to_numpy(dtype=bool)
    places = partnerships.loc[is_place, "partnership_id"]
    domains = comparison.domains
    rows = domains.loc[
        domains["partnership_id"].isin(places), ["name", "domain", "title", "current", "state"]
    ]
    system = domains.loc[domains["partnership_id"] == ics_partnership_id, ["domain", "current", "state"]]
    out = rows.rename(columns={"current": "place", "state": "_place"}).merge(
        system.rename(columns={"current": "system", "state": "_system"}), on="domain", how="left"
    )
    out["place"] = out["place"].astype(float)
    out["system"] = out["system"].astype(float)
    out["difference"] = out["place"] - out["system"]
    out["state"] = [
        _state_beside(place, system) for place, system in zip(out["_place"], out["_system"], strict=True)
    ]
    out["state"] = out["state"].astype(str)
    return out.loc[:, list(PLACE_COLUMNS)].reset_index(drop=True)
