"""A partnership's figures round after round: the same scoring as one workshop, side by side.

Each round is scored from its stored answers exactly as its own results are (so the anonymity
threshold withholds the same figures), and domains are matched across rounds by id, even when
the rounds used different versions of the bank.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from assessment.db import WorkshopInfo, bank_for_version, scoring_frames, workshop_info
from assessment.db.retention import retained_figures
from assessment.db.workshops import partnership_exists, partnership_workshop_ids
from assessment.errors import NotFound
from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank
from assessment.outcomes import current_consensus
from assessment.readings import two_places
from assessment.scoring import changes_since_previous, team_domain_figures

__all__ = [
    "ADDED",
    "NOT_ASKED",
    "REMOVED",
    "REWORDED",
    "SHOWN",
    "TREND_COLUMNS",
    "WITHHELD",
    "QuestionChange",
    "Worded",
    "every_round_and_domain",
    "gap_narrowing_sentence",
    "participation",
    "partnership_rounds",
    "question_changes",
    "questions_counted",
    "trend_frame",
    "trend_question_changes",
    "version_changes",
    "worded_questions",
    "wording_note",
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
    "wording",
)

# How a question of a round's bank version differs from the version of the round it is compared
# with (the previous round that asked its domain). Questions are matched by id.
REWORDED = "reworded"  # in both, its text or the words of its answers differ
ADDED = "added"  # only in this round's version
REMOVED = "removed"  # only in the earlier round's version


@dataclass(frozen=True)
class Worded:
    """A question as a participant reads it: its text and the words of its answers (the level
    descriptors of a maturity question, the poles of a spectrum, the situations and tiers of an
    accountability question). Two versions word a question alike when these are equal."""

    domain: str
    id: str
    text: str
    wording: tuple[str, ...]


def worded_questions(bank: QuestionBank) -> list[Worded]:
    """Every question of the bank, in bank order, with its wording."""
    found = []
    for domain, item in bank.iter_items():
        answers: tuple[str, ...]
        if isinstance(item, MaturityItem):
            answers = tuple(f"{level}: {words}" for level, words in item.levels.items())
        elif isinstance(item, AccountabilityItem):
            answers = (
                *(f"situation {f.id}: {f.label}" for f in item.functions),
                *(f"tier {t.id}: {t.label}" for t in item.tiers),
            )
        else:
            answers = tuple(item.poles)
        found.append(Worded(domain=domain.id, id=item.id, text=item.text, wording=(item.text, *answers)))
    return found


@dataclass(frozen=True)
class QuestionChange:
    """A question that differs between the bank versions of two rounds compared: ``round`` and the
    ``earlier`` round before it that asked the ``domain``; ``text`` is the question as ``round``
    asked it (as ``earlier`` did, when removed)."""

    round: str
    earlier: str
    domain: str
    question: str
    text: str
    change: str

    def words(self) -> str:
        """'wording changed in Round 2', or where the question is absent, in which version."""
        if self.change == REWORDED:
            return f"wording changed in {self.round}"
        if self.change == ADDED:
            return f"new in {self.round}: absent from {self.earlier}'s version"
        return f"absent from {self.round}'s version: asked in {self.earlier}"


def question_changes(
    before: Sequence[Worded], after: Sequence[Worded], domains: Collection[str]
) -> list[tuple[str, str, str, str]]:
    """(domain, question id, text, change) for the ``domains``' questions that differ between two
    bank versions, matched by id wherever they sit: reworded, added (only in ``after``) or removed
    (only in ``before``). A question moved to another domain is matched all the same. In
    ``after``'s order, then the removed ones in ``before``'s."""
    earlier = {q.id: q for q in before}
    later = {q.id: q for q in after}
    changed: list[tuple[str, str, str, str]] = []
    for question in after:
        if question.domain not in domains:
            continue
        was = earlier.get(question.id)
        if was is None:
            changed.append((question.domain, question.id, question.text, ADDED))
        elif was.wording != question.wording:
            changed.append((question.domain, question.id, question.text, REWORDED))
    for question in before:
        if question.domain in domains and question.id not in later:
            changed.append((question.domain, question.id, question.text, REMOVED))
    return changed


def questions_counted(count: int) -> str:
    """A count of questions in words ("1 question", "2 questions"), as the trends' and the cohorts'
    wording notes give it."""
    return f"{count} {'question' if count == 1 else 'questions'}"


def wording_note(changes: Sequence[QuestionChange]) -> str:
    """One domain's changes in a round, in words: "wording changed in Round 2 (1 question); 1
    question new in Round 2, absent from Round 1's version". Empty when nothing changed."""
    if not changes:
        return ""
    first = changes[0]
    counts = {kind: sum(c.change == kind for c in changes) for kind in (REWORDED, ADDED, REMOVED)}
    parts = []
    if counts[REWORDED]:
        parts.append(f"wording changed in {first.round} ({questions_counted(counts[REWORDED])})")
    if counts[ADDED]:
        parts.append(
            f"{questions_counted(counts[ADDED])} new in {first.round}, absent from {first.earlier}'s version"
        )
    if counts[REMOVED]:
        parts.append(
            f"{questions_counted(counts[REMOVED])} of {first.earlier} absent from {first.round}'s version"
        )
    return "; ".join(parts)


def _round_changes(
    rounds: Sequence[WorkshopInfo], banks: Sequence[QuestionBank], asked: Sequence[Collection[str]]
) -> list[tuple[int, QuestionChange]]:
    """Each round's questions against the round before it that asked the same domain, where the
    two used different bank versions (the comparison a trend's change makes)."""
    worded: dict[int, list[Worded]] = {}
    changes: list[tuple[int, QuestionChange]] = []
    for index, workshop in enumerate(rounds):
        by_earlier: dict[int, list[str]] = {}
        for domain in asked[index]:
            earlier = next((i for i in range(index - 1, -1, -1) if domain in asked[i]), None)
            if earlier is not None and rounds[earlier].bank_version_id != workshop.bank_version_id:
                by_earlier.setdefault(earlier, []).append(domain)
        for earlier, domains in by_earlier.items():
            for i in (earlier, index):
                if rounds[i].bank_version_id not in worded:
                    worded[rounds[i].bank_version_id] = worded_questions(banks[i])
            found = question_changes(
                worded[rounds[earlier].bank_version_id], worded[workshop.bank_version_id], set(domains)
            )
            changes += [
                (
                    index,
                    QuestionChange(
                        round=_label(workshop),
                        earlier=_label(rounds[earlier]),
                        domain=domain,
                        question=question,
                        text=text,
                        change=change,
                    ),
                )
                for domain, question, text, change in found
            ]
    return changes


def _label(workshop: WorkshopInfo) -> str:
    return workshop.round_label or workshop.title


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


def _chosen_rounds(
    *, session: Session, partnership_id: int, until: date | None, last: int | None
) -> list[WorkshopInfo]:
    rounds = partnership_rounds(session=session, partnership_id=partnership_id)
    if until is not None:
        rounds = [w for w in rounds if w.held_on <= until]
    if last is not None:
        rounds = rounds[-last:]
    return rounds


def trend_question_changes(
    *, session: Session, partnership_id: int, until: date | None = None, last: int | None = None
) -> list[QuestionChange]:
    """The questions that differ between the bank versions of the rounds a ``trend_frame`` (with
    the same arguments) compares: round by round, each against the previous round that asked its
    domain. Nothing where both rounds used the same version."""
    rounds = _chosen_rounds(session=session, partnership_id=partnership_id, until=until, last=last)
    banks = [bank_for_version(session=session, bank_version_id=w.bank_version_id) for w in rounds]
    asked = [_asked(w, b) for w, b in zip(rounds, banks, strict=True)]
    return [change for _, change in _round_changes(rounds, banks, asked)]


def _asked(workshop: WorkshopInfo, bank: QuestionBank) -> list[str]:
    """The domains a round asked, in its bank's order."""
    chosen = set(workshop.domains) if workshop.domains else {d.id for d in bank.domains}
    return [d.id for d in bank.domains if d.id in chosen]


def trend_frame(
    *,
    session: Session,
    partnership_id: int,
    until: date | None = None,
    last: int | None = None,
    scored: Mapping[int, tuple[pd.DataFrame, int]] | None = None,
) -> pd.DataFrame:
    """One row per round and domain: figures, head counts, agreed level and change since last round,
    and ``wording``: where the round's bank version words the domain's questions differently from
    the round it is compared with, ``wording_note``'s words ("" where nothing changed).

    A withheld figure is NaN, and so is its change (and the next round's change from it). The
    first round a domain appears in has no change. Rows run round by round, domains in bank order.
    ``until`` keeps rounds held on or before a date and ``last`` only the latest few of those
    (a results page needs the previous round, not the whole history). ``scored`` gives rounds the
    caller has scored already, by workshop id: their domain figures (as `score_workshop` gives
    them) and respondent count, used as they are instead of reading and scoring the round again: a
    results page has scored its own round (the two withhold alike: tests/unit/test_trend_reuse.py).
    """
    rounds = _chosen_rounds(session=session, partnership_id=partnership_id, until=until, last=last)
    # A round whose answers retention deleted has its figures stored instead.
    kept = {**(scored or {}), **retained_figures(session=session, workshop_ids=[w.id for w in rounds])}
    all_answers, all_tiers = scoring_frames(
        session=session, workshop_ids=[w.id for w in rounds if w.id not in kept]
    )
    answers_by_round = dict(tuple(all_answers.groupby("workshop", sort=False)))
    tiers_by_round = dict(tuple(all_tiers.groupby("workshop", sort=False)))
    frames = []
    banks = [bank_for_version(session=session, bank_version_id=w.bank_version_id) for w in rounds]
    for round_index, workshop in enumerate(rounds):
        bank = banks[round_index]
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
    asked = [frame.loc[frame["_round"] == i, "domain"].astype(str).tolist() for i in range(len(rounds))]
    by_place: dict[tuple[int, str], list[QuestionChange]] = {}
    for index, change in _round_changes(rounds, banks, asked):
        by_place.setdefault((index, change.domain), []).append(change)
    frame["wording"] = [
        wording_note(by_place.get((int(i), str(d)), []))
        for i, d in zip(frame["_round"], frame["domain"], strict=True)
    ]
    return frame.loc[:, list(TREND_COLUMNS)]


_ROUND_COLUMNS = ("workshop_id", "join_code", "round", "held_on", "bank_version", "respondents")


def every_round_and_domain(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``trend_frame`` with a row for every round and every domain any of its rounds asked, and
    a ``state`` column: "shown", "withheld", or "not asked" where the round did not ask the domain.

    A not-asked row has the round's own columns and the domain's title (its latest), no figures,
    changes or agreed level (NaN), n = 0, no wording note ("") and is not withheld. The changes of
    the rows a round asked are ``trend_frame``'s: since the previous round that asked the domain.
    Rows run round by round, domains in the order first met.
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
    wording = out["wording"].astype(object)
    out["wording"] = wording.where(~unasked & wording.notna(), "")
    out = out.sort_values(["_round", "_domain"], kind="stable").reset_index(drop=True)
    return out.loc[:, [*TREND_COLUMNS, "state"]].astype(
        {"n": "int64", "withheld": bool, "title": str, "domain": str, "state": str, "wording": str}
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
