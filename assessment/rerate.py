"""The re-rate round (the Delphi step done in the room): did the team converge when it rated again?

After the reveal the facilitator opens a re-rate on chosen questions; each participant sees their
own first answer beside the team's anonymous distribution and keeps or changes it. This module
turns the two rounds' answers into first-versus-re-rate figures, per question, domain and overall.
It is pure: no database, no Streamlit.

The rules, in words (the method note says the same, ``METHOD``):

- The re-rate round is made of the same people as the first: every counted (submitted) participant.
  Someone who does not re-rate a question keeps their first answer in the re-rate figures (carried
  forward, as Delphi studies do). Both rounds therefore rest on the same people, and no figure of
  one round minus the other's can single anyone out. A question someone answered "don't know" the
  first time stays so: only a rated first answer can be re-rated.
- Each round's figures are made and withheld exactly as scoring makes and withholds the results
  (``assessment.scoring.figures`` and ``withhold``): below the bank's anonymity threshold, for the
  team or for a question, a figure is withheld in each round alike.
- Per question: the median, the quartiles and interquartile range (IQR) of the current level, the
  share of ratings within one level of the median, and scoring's split flag. The team **converged**
  on a question when, in the re-rate, its IQR narrowed or its share within one level of the median
  rose, and the question is not split. It **diverged** when it did not converge and its IQR widened,
  its share within one level fell, or it became split. Otherwise it is **unchanged**.
- A domain, and the whole re-rate, converged when more of its shown re-rated questions converged
  than diverged; diverged when more diverged than converged; else unchanged.
- The facilitator's recorded consensus is a separate thing and is not touched here.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from assessment.framework import QuestionBank
from assessment.scoring import ITEM_FIGURES, Figures, empty_tier_answers, figures, withhold, withhold_domains

Outcome = Literal["converged", "diverged", "unchanged", "withheld"]
OUTCOMES: tuple[Outcome, ...] = ("converged", "diverged", "unchanged", "withheld")
RERATE_COLUMNS = ("participant", "item_id", "current", "target")
_TOLERANCE = 1e-9

METHOD = (
    "In the re-rate round each participant saw their own first answer beside the team's anonymous "
    "distribution and kept or changed it. First answers are kept: the results show both rounds side "
    "by side. Someone who did not re-rate a question keeps their first answer in the re-rate figures, "
    "so both rounds rest on the same people and no difference between them singles anyone out. The "
    "team converged on a question when its interquartile range narrowed or the share of ratings within "
    "one level of the median rose, and it was not split; it diverged when it did neither and its range "
    "widened, that share fell or it became split. Each round's figures are withheld below the anonymity "
    "threshold, as the results are. The facilitator's recorded consensus is separate."
)


def empty_rerates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant": pd.Series(dtype="object"),
            "item_id": pd.Series(dtype="object"),
            "current": pd.Series(dtype="float64"),
            "target": pd.Series(dtype="float64"),
        }
    )


@dataclass(frozen=True)
class RoundFigures:
    """One question's figures in one round; every figure None when withheld."""

    n: int  # ratings the figures rest on (don't-knows left out)
    median: float | None
    target: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    within_one: float | None  # share of ratings within one level of the median, 0..1
    split: bool | None
    withheld: bool


@dataclass(frozen=True)
class QuestionConvergence:
    item_id: str
    domain: str
    first: RoundFigures
    rerate: RoundFigures
    outcome: Outcome


@dataclass(frozen=True)
class Tally:
    """How many shown re-rated questions converged, diverged or stayed as they were, and the verdict."""

    questions: int  # re-rated questions shown (withheld ones never count)
    converged: int
    diverged: int
    unchanged: int
    outcome: Outcome


@dataclass(frozen=True)
class DomainConvergence:
    domain: str
    title: str
    # the domain's figure (as the results show it) in each round; None when withheld
    first_current: float | None
    rerate_current: float | None
    tally: Tally


@dataclass(frozen=True)
class Convergence:
    threshold: int
    respondents: int  # the counted participants both rounds rest on
    rerated: int  # of them, how many re-rated at least one question
    withheld: bool  # fewer than the threshold counted: no figure of either round is shown
    item_ids: tuple[str, ...]
    questions: tuple[QuestionConvergence, ...]
    domains: tuple[DomainConvergence, ...]
    first_overall: float | None
    rerate_overall: float | None
    overall: Tally
    # the reasons given, per shown re-rated question in the order chosen, each list alphabetical
    # (never in the order people answered, so no list links one person's reasons); none at all
    # when withheld
    reasons: tuple[tuple[str, tuple[str, ...]], ...] = ()


def second_round(first: pd.DataFrame, rerates: pd.DataFrame, item_ids: Iterable[str]) -> pd.DataFrame:
    """The re-rate round's answers: the first answers with each re-rate put in place of the rated
    first answer it re-rates, on the chosen questions only. Re-rates of anyone not among the first
    answers (not counted), of a question not chosen, or of a don't-know first answer are left out;
    everyone else keeps their first answer (carried forward). ``first`` is not changed."""
    chosen = set(item_ids)
    second = first.copy()
    if not len(rerates) or not len(second):
        return second
    wanted = rerates.loc[rerates["item_id"].isin(chosen), list(RERATE_COLUMNS)]
    key = list(zip(second["participant"], second["item_id"], strict=True))
    position = {k: i for i, k in enumerate(key)}
    rated = ~second["dont_know"].to_numpy(dtype=bool)
    current = second["current"].to_numpy(dtype=float).copy()
    target = second["target"].to_numpy(dtype=float).copy()
    for participant, item_id, now, goal in wanted.itertuples(index=False, name=None):
        at = position.get((participant, item_id))
        if at is not None and rated[at]:
            current[at], target[at] = float(now), float(goal)
    second["current"], second["target"] = current, target
    return second


def _within_one(answers: pd.DataFrame, medians: pd.Series) -> dict[str, float]:
    """Per question, the share of its ratings within one level of its median."""
    rated = answers.loc[~answers["dont_know"].to_numpy(dtype=bool) & answers["item_id"].isin(medians.index)]
    if not len(rated):
        return {}
    median = rated["item_id"].map(medians).to_numpy(dtype=float)
    near = np.abs(rated["current"].to_numpy(dtype=float) - median) <= 1 + _TOLERANCE
    shares = pd.Series(near, index=rated["item_id"].to_numpy()).groupby(level=0).mean()
    return {str(k): float(v) for k, v in shares.items()}


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def _round(
    answers: pd.DataFrame, bank: QuestionBank, tier_answers: pd.DataFrame, domains: list[str]
) -> tuple[Figures, pd.DataFrame, pd.DataFrame, bool, dict[str, float]]:
    """One round scored and withheld as ``score_workshop`` does: (figures, items, domains,
    everything withheld, share within one level per question)."""
    threshold = bank.anonymity_threshold
    scored = figures(answers, bank, tier_answers=tier_answers, domains=domains)
    respondents = int(scored.respondents["n"].iloc[0])
    everything = respondents < threshold
    items = scored.items.assign(_n=0) if everything else scored.items
    items = withhold(items, threshold, n_column="_n" if everything else "n", figures=(*ITEM_FIGURES, "split"))
    shown_domains = withhold_domains(scored.domains, too_few_people=everything)
    shown = items.loc[~items["withheld"].astype(bool)]
    medians = pd.Series(shown["current"].to_numpy(dtype=float), index=shown["item_id"].astype(str)).dropna()
    return scored, items, shown_domains, everything, _within_one(answers, medians)


def _figures_of(row: Mapping[Hashable, Any], within: dict[str, float]) -> RoundFigures:
    withheld = bool(row["withheld"])
    item_id = str(row["item_id"])
    return RoundFigures(
        n=int(row["n"]),
        median=None if withheld else _number(row["current"]),
        target=None if withheld else _number(row["target"]),
        q1=None if withheld else _number(row["q1"]),
        q3=None if withheld else _number(row["q3"]),
        iqr=None if withheld else _number(row["iqr"]),
        within_one=None if withheld else within.get(item_id),
        split=None if withheld or row["split"] is None else bool(row["split"]),
        withheld=withheld,
    )


def outcome(first: RoundFigures, rerate: RoundFigures) -> Outcome:
    """Converged, diverged or unchanged by the rule in the module's words; withheld when either
    round's figures are withheld (or the question had no ratings)."""
    if first.withheld or rerate.withheld or first.iqr is None or rerate.iqr is None:
        return "withheld"
    first_near, near = first.within_one or 0.0, rerate.within_one or 0.0
    narrowed = rerate.iqr < first.iqr - _TOLERANCE
    widened = rerate.iqr > first.iqr + _TOLERANCE
    closer, further = near > first_near + _TOLERANCE, near < first_near - _TOLERANCE
    if (narrowed or closer) and not rerate.split:
        return "converged"
    if widened or further or (bool(rerate.split) and not first.split):
        return "diverged"
    return "unchanged"


def tally(outcomes: Sequence[Outcome]) -> Tally:
    shown = [o for o in outcomes if o != "withheld"]
    converged, diverged = shown.count("converged"), shown.count("diverged")
    verdict: Outcome
    if not shown:
        verdict = "withheld"
    elif converged > diverged:
        verdict = "converged"
    elif diverged > converged:
        verdict = "diverged"
    else:
        verdict = "unchanged"
    return Tally(len(shown), converged, diverged, shown.count("unchanged"), verdict)


def convergence(
    first: pd.DataFrame,
    rerates: pd.DataFrame,
    bank: QuestionBank,
    *,
    item_ids: Sequence[str],
    domains: Sequence[str] | None = None,
    tier_answers: pd.DataFrame | None = None,
) -> Convergence:
    """First rating against re-rate for the chosen maturity questions, per question, domain and overall.

    ``first`` is the counted first answers in scoring's shape, ``rerates`` the counted re-rate
    answers (participant, item_id, current, target). See the module's words for every rule.
    """
    selected = [d.id for d in bank.domains] if domains is None else list(domains)
    tiers = empty_tier_answers() if tier_answers is None else tier_answers
    maturity = {item.id for _, item in bank.iter_items() if item.type == "maturity"}
    chosen = [i for i in dict.fromkeys(item_ids) if i in maturity]
    second = second_round(first, rerates, chosen)
    first_scored, first_items, first_domains, withheld, first_near = _round(first, bank, tiers, selected)
    _, second_items, second_domains, second_withheld, second_near = _round(second, bank, tiers, selected)
    first_rows = {str(r["item_id"]): r for r in first_items.to_dict("records")}
    second_rows = {str(r["item_id"]): r for r in second_items.to_dict("records")}
    questions = []
    for item_id in chosen:
        if item_id not in first_rows:
            continue  # a question of a domain the workshop did not ask
        before = _figures_of(first_rows[item_id], first_near)
        after = _figures_of(second_rows[item_id], second_near)
        questions.append(
            QuestionConvergence(
                item_id, str(first_rows[item_id]["domain"]), before, after, outcome(before, after)
            )
        )
    titles = {d.id: d.title for d in bank.domains}
    firsts = {str(r["domain"]): _number(r["current"]) for r in first_domains.to_dict("records")}
    seconds = {str(r["domain"]): _number(r["current"]) for r in second_domains.to_dict("records")}
    domain_rows = tuple(
        DomainConvergence(
            domain=d,
            title=titles[d],
            first_current=firsts.get(d),
            rerate_current=seconds.get(d),
            tally=tally([q.outcome for q in questions if q.domain == d]),
        )
        for d in selected
        if any(q.domain == d for q in questions)
    )

    def overall(domain_figures: pd.DataFrame, hidden: bool) -> float | None:
        values = domain_figures["current"].dropna()
        return None if hidden or not len(values) else float(values.mean())

    present = set(first["participant"]) if len(first) else set()
    rerated = {p for p in rerates["participant"] if p in present} if len(rerates) else set()
    hidden = withheld or second_withheld
    reasons: list[tuple[str, tuple[str, ...]]] = []
    if "reason" in rerates.columns and not hidden:
        given = rerates.loc[rerates["participant"].isin(present)]
        for q in questions:
            if q.outcome == "withheld":
                continue
            texts = {
                str(r).strip()
                for r in given.loc[given["item_id"] == q.item_id, "reason"]
                if isinstance(r, str) and r.strip()
            }
            if texts:
                reasons.append((q.item_id, tuple(sorted(texts, key=lambda t: (t.casefold(), t)))))
    return Convergence(
        threshold=bank.anonymity_threshold,
        respondents=int(first_scored.respondents["n"].iloc[0]),
        rerated=len(rerated),
        withheld=hidden,
        item_ids=tuple(q.item_id for q in questions),
        questions=tuple(questions),
        domains=domain_rows,
        first_overall=overall(first_domains, withheld),
        rerate_overall=overall(second_domains, second_withheld),
        overall=tally([q.outcome for q in questions]),
        reasons=tuple(reasons),
    )


def convergence_sentence(result: Convergence) -> str:
    """The whole re-rate in words: "The team converged on 5 of 8 questions re-rated (2 diverged)"."""
    if result.withheld:
        return (
            f"Withheld: fewer than {result.threshold} people submitted answers, so no figure of either "
            "round is shown."
        )
    t = result.overall
    if t.questions == 0:
        return (
            f"No re-rated question has figures to compare: each was rated by fewer than {result.threshold} "
            "people."
        )
    plural = "" if t.questions == 1 else "s"
    return (
        f"The team converged on {t.converged} of {t.questions} question{plural} re-rated, diverged on "
        f"{t.diverged} and was unchanged on {t.unchanged}."
    )


__all__ = [
    "METHOD",
    "OUTCOMES",
    "Convergence",
    "DomainConvergence",
    "Outcome",
    "QuestionConvergence",
    "RoundFigures",
    "Tally",
    "convergence",
    "convergence_sentence",
    "empty_rerates",
    "outcome",
    "second_round",
    "tally",
]
