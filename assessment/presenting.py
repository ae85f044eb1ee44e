"""One picture of a workshop's results, read by the screen and the PDF alike.

Built once per workshop from its scores (``results.ScoredWorkshop``), the bank, the current
consensus, the action plan and the recent rounds: every figure with its display text, withheld
figures said in words, labels, the ranked gaps and disagreements, the change since the last round,
the readings and the comments the team may read. The screen (``ui.results_view``) and the PDF
(``report.summary_context``) only lay it out, so they cannot disagree on a number or on what is
withheld. It carries only what scoring let through (``scoring.figures(..., suppress=True)``) and
``results.shown_comments``: a withheld figure has no number here to leak.

The frames the charts draw from ride along unchanged (the charts already read withheld-aware
frames); every *text* a person reads comes from ``figure_text``, ``change_text`` or the model.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from assessment import readings
from assessment.charts import level_counts
from assessment.framework import UNCLEAR_TIER, AccountabilityItem, QuestionBank, SpectrumItem
from assessment.outcomes import ActionRecord, ConsensusRecord, Evidence, is_web_link
from assessment.rerate import METHOD as RERATE_METHOD
from assessment.rerate import Convergence, RoundFigures, convergence_sentence
from assessment.results import Comment, ScoredWorkshop, number, questions_shown, shown_comments
from assessment.trends import NOT_ASKED, gap_narrowing_sentence, version_changes

WITHHELD = "withheld"
NO_CHANGE = "no change"
NO_FIGURE = "–"
EVERYONE_UNCLEAR = "no tier named: everyone answered Unclear"
TREND_ROUNDS_SHOWN = 6


# --- the two formatting rules ------------------------------------------------------------------------


def figure_text(value: Any) -> str:
    """A figure as a person reads it: two decimal places, or "withheld" when there is none."""
    shown = number(value)
    return WITHHELD if shown is None else f"{shown:.2f}"


def change_text(change: Any) -> str:
    """A change since the previous round, with an arrow a board member reads at a glance."""
    shown = number(change)
    if shown is None:
        return NO_FIGURE
    if round(shown, 2) == 0:
        return NO_CHANGE
    return f"{'▲' if shown > 0 else '▼'} {abs(shown):.2f}"


def figure_with_change(value: Any, change: Any) -> str:
    """A figure followed by its move since the previous round ("3.00 ▲ 1.00"); the figure alone
    when it did not move or there was no previous round; "withheld" when there is no figure."""
    shown = figure_text(value)
    if shown == WITHHELD:
        return WITHHELD
    moved = change_text(change)
    return shown if moved in (NO_FIGURE, NO_CHANGE) else f"{shown} {moved}"


def level_words(scale: Sequence[str], value: float) -> str:
    """A level with its name: "2 · Developing", or "2.5 · between Developing and Maturing"."""
    if value == int(value) and 1 <= value <= len(scale):
        return f"{value:g} · {scale[int(value) - 1]}"
    low, high = int(value), int(value) + 1
    if low >= 1 and high <= len(scale):
        return f"{value:g} · between {scale[low - 1]} and {scale[high - 1]}"
    return f"{value:g}"


def nearest_half_level(value: float | None, top: int) -> float:
    """The half-level step nearest a figure (the scale's middle when there is none): where a
    control that records an agreed level starts, so the room starts from its own picture."""
    if value is None:
        return (1 + top) / 2 // 0.5 * 0.5
    return min(max(round(value * 2) / 2, 1.0), float(top))


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def workshop_heading(title: str, round_label: str | None) -> str:
    """The workshop's title, with its round after it unless the title already says it: "Readiness
    workshop · Round 2", but "Readiness workshop, round 3" alone, not "…, round 3 · Round 3"."""
    if not round_label:
        return title
    said = re.escape(" ".join(round_label.split())).replace(r"\ ", r"\s+")
    if re.search(rf"(?<!\w){said}(?!\w)", title, flags=re.IGNORECASE):
        return title
    return f"{title} · {round_label}"


@dataclass(frozen=True)
class Figure:
    """A figure and the words shown for it; ``value`` is None exactly when it is withheld."""

    value: float | None
    text: str

    @property
    def withheld(self) -> bool:
        return self.value is None


def figure(value: Any) -> Figure:
    return Figure(number(value), figure_text(value))


# --- the parts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainRow:
    id: str
    title: str
    current: Figure
    target: Figure
    gap: Figure
    n: int
    rests_on: str  # "3 of 4 questions": withheld questions never count
    agreed: str  # the agreed level ("2.5"), or "" when none is recorded
    since_last_round: str  # "2 action(s) since last round; gap narrowed from 1.5 to 0.5", or ""


@dataclass(frozen=True)
class QuestionRow:
    id: str
    text: str
    current: Figure
    target: Figure
    gap: Figure


@dataclass(frozen=True)
class SplitQuestion:
    id: str
    text: str
    domain: str  # the domain's title
    median: Figure
    iqr: Figure
    far: str  # share of answers far from the median, "40%"
    counts: tuple[int, ...]  # how many chose each level, 1 upwards


@dataclass(frozen=True)
class LensSector:
    id: str
    label: str
    n: int
    withheld: bool


@dataclass(frozen=True)
class LensRow:
    domain: str
    title: str
    cells: tuple[str, ...]  # one per sector, in the order of ``Lens.sectors``


@dataclass(frozen=True)
class Lens:
    sectors: tuple[LensSector, ...]  # the columns: sectors, or the bank's sector groups
    rows: tuple[LensRow, ...]
    perception_gaps: tuple[tuple[str, Figure], ...]  # (domain title, gap), largest first as scored

    @property
    def anything_shown(self) -> bool:
        return any(cell != WITHHELD for row in self.rows for cell in row.cells)


@dataclass(frozen=True)
class SpectrumRow:
    id: str
    text: str
    poles: tuple[str, str]
    now: Figure
    preferred: Figure
    shift: str  # "+1.25", or "withheld"
    sentence: str  # "Now 2.0 → preferred 3.5 (shift +1.5)", or "withheld: too few answers"


@dataclass(frozen=True)
class AccountabilityRow:
    situation: str
    modal: str  # the most named tier; EVERYONE_UNCLEAR when none was named; "—" when withheld
    clarity: str  # "75%", or "withheld"
    unclear_share: str  # the share who answered Unclear, "67%", or "withheld"
    unclear: bool  # shown and under the bank's clarity flag
    n: int


@dataclass(frozen=True)
class EvidenceRow:
    """One item of evidence beside an agreed level, as every output shows it."""

    note: str
    link: str  # as typed, or "" for none
    web: bool  # the link is http(s): the only kind ever made live (a PDF annotation, a page link)

    @property
    def text(self) -> str:
        """The note with its link after it, for a table cell or a spreadsheet."""
        return f"{self.note} ({self.link})" if self.link else self.note


def evidence_rows(evidence: Sequence[Evidence]) -> tuple[EvidenceRow, ...]:
    return tuple(EvidenceRow(note=e.note, link=e.link, web=is_web_link(e.link)) for e in evidence)


def evidence_text(evidence: Sequence[EvidenceRow]) -> str:
    """A domain's evidence in one cell: each item on its own line."""
    return "\n".join(e.text for e in evidence)


@dataclass(frozen=True)
class ConsensusRow:
    domain_id: str
    item_id: str | None
    domain: str  # the domain's title
    about: str  # "Domain: question text" (or just the domain)
    level: str
    median: Figure  # the team's median for the domain
    rationale: str
    dissent: str
    by: str
    recorded_at: datetime
    # what the team would point a regulator to (a domain's record; none for a question's)
    evidence: tuple[EvidenceRow, ...] = ()


@dataclass(frozen=True)
class ChangeRow:
    title: str  # in full: a board member reads the domain's name, never "Identify and ma…"
    current: str
    change: str


@dataclass(frozen=True)
class PreviousRound:
    label: str
    held_on: str
    rows: tuple[ChangeRow, ...]
    respondents_then: int
    respondents_now: int
    # Said when the two rounds' teams differ a lot in size, or "" : a change may then be who
    # answered rather than what changed.
    caution: str


@dataclass(frozen=True)
class TrendRound:
    label: str
    held_on: str
    respondents: int


@dataclass(frozen=True)
class TrendRow:
    title: str
    cells: tuple[str, ...]
    change: str


@dataclass(frozen=True)
class TrendTable:
    rounds: tuple[TrendRound, ...]
    version_changes: tuple[str, ...]
    labels: tuple[str, ...]  # the latest few rounds, one column each
    rows: tuple[TrendRow, ...]


@dataclass(frozen=True)
class Readings:
    overall: str
    biggest_gap: str
    disagreement: str
    perception: str
    accountability: str


@dataclass(frozen=True)
class Charts:
    """The withheld-aware frames the charts draw from (the charts add no figure of their own)."""

    radar: pd.DataFrame  # domains with the spread band (mean q1, q3 of shown questions)
    level_counts: pd.DataFrame  # split questions: item_id, level, count, item_label
    consensus_levels: dict[str, float]  # agreed level per domain, for the radar


@dataclass(frozen=True)
class RerateQuestionRow:
    """One re-rated question, first rating beside re-rate; every figure "withheld" when it is."""

    id: str
    text: str
    domain: str  # the domain's title
    first_median: Figure
    rerate_median: Figure
    first_iqr: Figure
    rerate_iqr: Figure
    first_within: str  # "60%" of ratings within one level of the median, or "withheld"
    rerate_within: str
    first_agreement: str  # "agreement" or "split", or "withheld"
    rerate_agreement: str
    outcome: str  # "converged", "diverged", "unchanged" or "withheld"


@dataclass(frozen=True)
class RerateDomainRow:
    title: str
    first: Figure  # the domain's figure (the results' own) in the first round
    rerate: Figure
    questions: str  # "converged on 2 of 3 questions re-rated (1 diverged)"
    outcome: str


@dataclass(frozen=True)
class RerateView:
    """The re-rate round for the screen, the PDF and the CLI: both rounds side by side."""

    running: bool  # the re-rate is still open: its figures may still move
    status: str  # "The re-rate is open: ..." or "The re-rate has finished."
    sentence: str  # "The team converged on 5 of 8 questions re-rated, ..."
    rerated: str  # "4 of 7 respondents re-rated at least one question"
    withheld: bool
    first_overall: Figure
    rerate_overall: Figure
    overall_outcome: str
    questions: tuple[RerateQuestionRow, ...]
    domains: tuple[RerateDomainRow, ...]
    reasons: tuple[tuple[str, tuple[str, ...]], ...]  # (question text, reasons in alphabetical order)
    method: str


RETAINED_SENTENCE = (
    "This round's individual answers were deleted on {day}, under this app's data retention policy. "
    "Its figures per domain are kept, and shown on Trends and on the cohort comparison; its "
    "question-by-question figures, comments and charts went with the answers."
)


@dataclass(frozen=True)
class ResultsModel:
    scored: ScoredWorkshop
    threshold: int
    respondents: int  # the people who submitted: only their answers count
    joined: int  # everyone who joined, submitted or not
    counting: str  # who the figures come from, in words ("7 respondents: 7 submitted of 9 who joined")
    withheld: bool  # fewer than the threshold answered: every team figure is withheld
    withheld_sentence: str
    method_note: str
    overall: dict[str, Figure]  # current, target, gap
    # The words under each headline figure ("between Emerging and Developing", "levels to go"), and
    # the figure with them ("1.85 — between Emerging and Developing", "1.15 levels to go"); both
    # "withheld" when withheld.
    overall_levels: dict[str, str]
    overall_words: dict[str, str]
    opening: str  # the PDF's opening paragraph, in words made from the figures below
    overall_domains: int
    sectors: tuple[tuple[str, int], ...]  # (sector label, respondents)
    scale: tuple[str, ...]
    readings: Readings
    domains: tuple[DomainRow, ...]  # bank order
    ranked_domains: tuple[DomainRow, ...]  # largest gap first, withheld last
    biggest_gaps: tuple[str, ...]  # real gaps only, the three largest, as sentences
    ranked_questions: tuple[QuestionRow, ...]
    split_questions: tuple[SplitQuestion, ...]  # widest spread first
    biggest_disagreements: tuple[str, ...]
    lens: Lens
    group_lens: Lens | None  # by the bank's sector groups; None when the bank defines none
    spectrum: tuple[SpectrumRow, ...]
    spectrum_labels: dict[str, tuple[str, str, str]]
    accountability: tuple[AccountabilityRow, ...]
    function_labels: dict[str, str]
    tier_labels: dict[str, str]
    comments: tuple[tuple[str, tuple[Comment, ...]], ...]  # (question text, comments)
    consensus: tuple[ConsensusRow, ...]  # in the order they were recorded
    actions: tuple[ActionRecord, ...]
    previous: PreviousRound | None
    trend: TrendTable | None
    charts: Charts
    # the re-rate round's two rounds side by side; None when no re-rate was opened
    rerate: RerateView | None = None
    # the day retention deleted this round's individual answers; None while it holds them
    answers_deleted_on: date | None = None

    @property
    def answers_deleted_sentence(self) -> str:
        """Why a round after retention shows no figures here, and where they still are."""
        if self.answers_deleted_on is None:
            return ""
        return RETAINED_SENTENCE.format(day=f"{self.answers_deleted_on:%-d %B %Y}")

    @property
    def has_split(self) -> bool:
        return bool(self.split_questions)


def lens_empty_sentence(threshold: int, *, groups: bool) -> str:
    """Why a lens has nothing to show, in one sentence: said instead of drawing an empty chart."""
    if groups:
        return (
            f"Every sector group is withheld: each had fewer than {threshold} people answering, or "
            f"its shown sectors left out fewer than {threshold} of its people, whose answers the "
            "two views side by side would give away."
        )
    return (
        f"No sector had {threshold} or more people answering, so every sector's figures are "
        "withheld to keep answers anonymous."
    )


def group_reading(groups: Lens) -> str:
    """The sentence beside the lens by sector group."""
    if not groups.perception_gaps:
        return "Too few sector groups are shown to compare them."
    title, gap = groups.perception_gaps[0]
    return f"Sector groups see {title} most differently: {gap.text} levels apart."


# Who counts (assessment.db.frames.counted says why): stated on the results page, in the PDF's
# method note, and to the participant beside the Submit button.
COUNTING_RULE = (
    "Only the answers of people who pressed Submit count: answers left unfinished, or left behind "
    "by someone who joined a second time, are never counted as a person."
)


def withheld_sentence(threshold: int) -> str:
    return f"Fewer than {threshold} people submitted their answers: every team figure is withheld."


def counting_sentence(respondents: int, joined: int) -> str:
    """Who the figures come from: "7 respondents (7 submitted of 9 who joined)"."""
    people = f"{respondents} respondent{'' if respondents == 1 else 's'}"
    if joined <= respondents:
        return f"{people}: everyone who joined submitted."
    waiting = joined - respondents
    return (
        f"{people} ({respondents} submitted of {joined} who joined). "
        f"{waiting} {'person has' if waiting == 1 else 'people have'} not submitted, so "
        "their answers do not count."
    )


def method_note(threshold: int, overall_domains: int) -> str:
    return (
        f"{COUNTING_RULE} Any figure made from fewer than {threshold} people's answers is withheld "
        f"and shown as “{WITHHELD}”; a withheld figure never feeds a shown one, so each domain is the "
        f"mean of its shown questions and the overall figure the mean of the {overall_domains} "
        f"domain{'' if overall_domains == 1 else 's'} shown."
    )


# --- building it ------------------------------------------------------------------------------------


def _share(value: float | None) -> str:
    return WITHHELD if value is None else f"{value:.0%}"


def _agreement(figures: RoundFigures) -> str:
    if figures.withheld or figures.split is None:
        return WITHHELD
    return "split" if figures.split else "agreement"


def _tally_words(converged: int, diverged: int, questions: int) -> str:
    if questions == 0:
        return f"no question re-rated is shown ({WITHHELD})"
    plural = "" if questions == 1 else "s"
    return f"converged on {converged} of {questions} question{plural} re-rated ({diverged} diverged)"


def rerate_view(
    result: Convergence | None, *, running: bool, texts: Mapping[str, str], titles: Mapping[str, str]
) -> RerateView | None:
    """The re-rate round in words and figures, or None when there was none."""
    if result is None:
        return None
    plural = "" if result.respondents == 1 else "s"
    return RerateView(
        running=running,
        status=(
            "The re-rate is open: these figures move as people re-rate."
            if running
            else "The re-rate has finished."
        ),
        sentence=convergence_sentence(result),
        rerated=f"{result.rerated} of {result.respondents} respondent{plural} re-rated at least one "
        "question; everyone else's first answer is carried forward.",
        withheld=result.withheld,
        first_overall=figure(result.first_overall),
        rerate_overall=figure(result.rerate_overall),
        overall_outcome=result.overall.outcome,
        questions=tuple(
            RerateQuestionRow(
                id=q.item_id,
                text=texts.get(q.item_id, q.item_id),
                domain=titles.get(q.domain, q.domain),
                first_median=figure(q.first.median),
                rerate_median=figure(q.rerate.median),
                first_iqr=figure(q.first.iqr),
                rerate_iqr=figure(q.rerate.iqr),
                first_within=_share(q.first.within_one),
                rerate_within=_share(q.rerate.within_one),
                first_agreement=_agreement(q.first),
                rerate_agreement=_agreement(q.rerate),
                outcome=q.outcome,
            )
            for q in result.questions
        ),
        domains=tuple(
            RerateDomainRow(
                title=d.title,
                first=figure(d.first_current),
                rerate=figure(d.rerate_current),
                questions=_tally_words(d.tally.converged, d.tally.diverged, d.tally.questions),
                outcome=d.tally.outcome,
            )
            for d in result.domains
        ),
        reasons=tuple((texts.get(item_id, item_id), reasons) for item_id, reasons in result.reasons),
        method=RERATE_METHOD,
    )


def _most_named(row: Mapping[Hashable, Any], tier_labels: dict[str, str]) -> str:
    """The tier most often named, or, for a shown situation where nobody named one, the finding."""
    if number(row["clarity"]) is None:
        return "—"
    modal = row["modal_tier"]
    if not isinstance(modal, str) or not modal:  # None, or NaN once the frame has been through pandas
        return EVERYONE_UNCLEAR
    return tier_labels.get(modal, modal)


def _unclear_share(row: Mapping[Hashable, Any]) -> str:
    shares = row["shares"]
    if number(row["clarity"]) is None or not isinstance(shares, dict):
        return WITHHELD
    return f"{number(shares.get(UNCLEAR_TIER)) or 0.0:.0%}"


def _lens(
    counts: pd.DataFrame,
    cells_frame: pd.DataFrame,
    gaps: pd.DataFrame,
    names: dict[str, str],
    titles: dict[str, str],
    domain_ids: list[str],
) -> Lens:
    """One lens (sectors, or the bank's sector groups) with every cell in words."""
    columns = tuple(
        LensSector(
            str(r["sector"]), names.get(str(r["sector"]), str(r["sector"])), int(r["n"]), bool(r["withheld"])
        )
        for r in counts.to_dict("records")
    )
    cells = {
        (str(r["domain"]), str(r["sector"])): figure_text(r["current"])
        for r in cells_frame.to_dict("records")
    }
    return Lens(
        sectors=columns,
        rows=tuple(
            LensRow(d, titles.get(d, d), tuple(cells.get((d, c.id), WITHHELD) for c in columns))
            for d in domain_ids
        ),
        perception_gaps=tuple(
            (titles.get(str(r["domain"]), str(r["domain"])), figure(r["gap"]))
            for r in gaps.to_dict("records")
        ),
    )


def _by_gap(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("gap", ascending=False, na_position="last", kind="stable")


def _split(items: pd.DataFrame) -> pd.DataFrame:
    return items.loc[items["split"].eq(True)].sort_values("iqr", ascending=False, kind="stable")


# Two rounds' teams "differ a lot" when the smaller is under two thirds of the larger: a third of
# the room changed at least, enough for a move to be the people rather than the partnership.
COMPARABLE_TEAMS = 2 / 3


def teams_caution(label: str, then: int, now: int) -> str:
    """A warning when the previous round's team and this one differ a lot in size, or ""."""
    if min(then, now) >= COMPARABLE_TEAMS * max(then, now):
        return ""
    return (
        f"Caution: {then} answered in {label} and {now} in this round. With teams this different, "
        "a change may come from who answered rather than from the partnership."
    )


def _previous_round(trend: pd.DataFrame, workshop_id: int) -> PreviousRound | None:
    """The change of each domain since the round before this one, or None in a first round."""
    rounds = trend.drop_duplicates("workshop_id")
    if len(rounds) < 2 or int(rounds["workshop_id"].iloc[-1]) != workshop_id:
        return None
    before, latest = rounds.iloc[-2], rounds.iloc[-1]
    this = trend.loc[trend["workshop_id"] == workshop_id]
    rows = tuple(
        ChangeRow(
            _with_mark(str(r["title"]), r.get("wording", "")),
            figure_text(r["current"]),
            change_text(r["current_change"]),
        )
        for r in this.to_dict("records")
    )
    then, now = int(before["respondents"]), int(latest["respondents"])
    return PreviousRound(
        label=str(before["round"]),
        held_on=long_date(before["held_on"]),
        rows=rows,
        respondents_then=then,
        respondents_now=now,
        caution=teams_caution(str(before["round"]), then, now),
    )


def _headline_levels(overall: dict[str, Figure], scale: Sequence[str]) -> dict[str, str]:
    """The words under each headline figure: its level's name, or for the gap "levels to go"."""
    levels = {}
    for key in ("current", "target"):
        value = overall[key].value
        levels[key] = WITHHELD if value is None else readings.level_name(scale, value)
    gap = overall["gap"]
    levels["gap"] = WITHHELD if gap.value is None else f"level{'' if gap.text == '1.00' else 's'} to go"
    return levels


def opening_paragraph(
    *,
    respondents: int,
    overall_words: dict[str, str],
    ranked: Sequence[DomainRow],
    split: Sequence[SplitQuestion],
    previous: PreviousRound | None,
) -> str:
    """The PDF's first paragraph, in words made only from shown figures: where we are, the biggest
    gaps, where we disagree most, and what changed since the previous round."""
    parts = [
        f"{respondents} people submitted their answers. Together they put the partnership at "
        f"{overall_words['current']}, and want to reach {overall_words['target']}."
    ]
    gaps = [r for r in ranked if r.gap.value is not None and r.gap.value > 0][:2]
    if gaps:
        named = " and ".join(f"{r.title} ({r.gap.text})" for r in gaps)
        parts.append(f"The biggest {'gaps are' if len(gaps) > 1 else 'gap is'} in {named}.")
    else:
        parts.append("No domain shows a gap between where the team is and where it wants to be.")
    if split:
        parts.append(f"The team disagrees most on “{split[0].text}” ({split[0].domain}).")
    else:
        parts.append("No question splits the team.")
    if previous is not None:
        up = sum(r.change.startswith("▲") for r in previous.rows)
        down = sum(r.change.startswith("▼") for r in previous.rows)
        parts.append(
            f"Since {previous.label} ({previous.held_on}), {up} domain{'' if up == 1 else 's'} moved up "
            f"and {down} down."
        )
    return " ".join(parts)


def wording_mark(note: Any) -> str:
    """The short mark beside a figure whose round worded the domain's questions differently from
    the round it is compared with (``trends.wording_note``): "wording changed" when a question was
    reworded, "questions changed" when some are only absent from one version, else ""."""
    if not isinstance(note, str) or not note:
        return ""
    return "wording changed" if note.startswith("wording changed") else "questions changed"


def _with_mark(text: str, note: Any) -> str:
    mark = wording_mark(note)
    return f"{text} ({mark})" if mark else text


def _wording_notes(trend: pd.DataFrame) -> dict[tuple[str, Any], str]:
    """(domain, workshop_id) to the round's wording note, where it has one."""
    if "wording" not in trend.columns:
        return {}
    marked = trend.loc[trend["wording"].astype(str) != ""]
    return {
        (str(d), w): str(n)
        for d, w, n in zip(marked["domain"], marked["workshop_id"], marked["wording"], strict=True)
    }


def _trend_table(trend: pd.DataFrame) -> TrendTable | None:
    rounds = trend.drop_duplicates("workshop_id")
    if len(rounds) < 2:
        return None
    # A domain per row and a round per column (the latest few): a board reads across a row.
    shown_rounds = rounds.tail(TREND_ROUNDS_SHOWN)
    recent = trend.loc[trend["workshop_id"].isin(shown_rounds["workshop_id"])]
    levels = (
        recent.pivot_table(
            index="domain", columns="workshop_id", values="current", aggfunc="first", sort=False
        )
        .reindex(index=list(dict.fromkeys(trend["domain"].astype(str))))
        .reindex(columns=shown_rounds["workshop_id"].tolist())
    )
    titles = dict(zip(trend["domain"].astype(str), trend["title"].astype(str), strict=False))
    asked = set(zip(recent["domain"].astype(str), recent["workshop_id"], strict=True))
    notes = _wording_notes(recent)
    latest = trend.loc[trend["workshop_id"] == rounds["workshop_id"].iloc[-1]]
    changes = dict(zip(latest["domain"].astype(str), latest["current_change"], strict=True))
    return TrendTable(
        rounds=tuple(
            TrendRound(str(r["round"]), long_date(r["held_on"]), int(r["respondents"]))
            for r in rounds.to_dict("records")
        ),
        version_changes=tuple(version_changes(trend)),
        labels=tuple(shown_rounds["round"].astype(str)),
        rows=tuple(
            TrendRow(
                titles[str(domain)],
                tuple(
                    _with_mark(figure_text(v), notes.get((str(domain), w), ""))
                    if (domain, w) in asked
                    else NOT_ASKED
                    for w, v in row.items()
                ),
                change_text(changes.get(str(domain))),
            )
            for domain, row in levels.iterrows()
        ),
    )


def _since_last_round(
    domain_ids: tuple[str, ...], trend: pd.DataFrame, actions_since: dict[str, int]
) -> dict[str, str]:
    """Per domain, e.g. "2 action(s) since last round; gap narrowed from 1.5 to 0.5"."""
    # The trend split by domain once: a filter of the whole frame per domain cost more than the rest.
    rounds_of = {} if trend.empty else {str(d): rows for d, rows in trend.groupby("domain", sort=False)}
    notes = {}
    for domain_id in domain_ids:
        parts = []
        if actions_since.get(domain_id):
            parts.append(f"{actions_since[domain_id]} action(s) since last round")
        rows = rounds_of.get(domain_id)
        sentence = gap_narrowing_sentence(rows, domain_id) if rows is not None else None
        if sentence:
            parts.append(sentence)
        # Where this round worded the domain's questions differently from the round before.
        wording = rows["wording"] if rows is not None and "wording" in rows else None
        if wording is not None and len(wording) and isinstance(wording.iloc[-1], str) and wording.iloc[-1]:
            parts.append(wording.iloc[-1])
        notes[domain_id] = "; ".join(parts)
    return notes


def _labels(bank: QuestionBank) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    texts = {item.id: item.text for _, item in bank.iter_items()}
    titles = {d.id: d.title for d in bank.domains}
    functions = {
        f.id: f.label for _, i in bank.iter_items() if isinstance(i, AccountabilityItem) for f in i.functions
    }
    tiers = {
        t.id: t.label for _, i in bank.iter_items() if isinstance(i, AccountabilityItem) for t in i.tiers
    }
    return texts, titles, functions, tiers


def present(
    scored: ScoredWorkshop,
    *,
    consensus: dict[str, ConsensusRecord],
    actions: list[ActionRecord],
    trend: pd.DataFrame,
    actions_since: dict[str, int] | None = None,
) -> ResultsModel:
    """The results of one workshop, every figure with its words, built once for whoever reads it.

    ``trend`` is the partnership's rounds up to this one (``trends.trend_frame``): the last two
    give the change since the previous round, all of them the PDF's trend table.
    """
    workshop, bank, scores = scored.workshop, scored.bank, scored.scores
    texts, titles, function_labels, tier_labels = _labels(bank)
    sector_names = {s.id: s.label for s in bank.sectors}
    agreed = {k: r.level for k, r in consensus.items() if "/" not in k}
    domains_frame, items = scores.domains, scores.items
    medians = dict(zip(domains_frame["domain"].astype(str), domains_frame["current"], strict=True))
    notes = _since_last_round(workshop.domains, trend, actions_since or {})

    def domain_row(r: dict[Any, Any]) -> DomainRow:
        domain_id = str(r["domain"])
        return DomainRow(
            id=domain_id,
            title=str(r["title"]),
            current=figure(r["current"]),
            target=figure(r["target"]),
            gap=figure(r["gap"]),
            n=int(r["n"]),
            rests_on=questions_shown(bank, domain_id, r["items_shown"]),
            agreed=f"{agreed[domain_id]:g}" if domain_id in agreed else "",
            since_last_round=notes.get(domain_id, ""),
        )

    # The band is the average interquartile range of the domain's shown questions.
    spread = items.groupby("domain", observed=True)[["q1", "q3"]].mean()
    radar = domains_frame.merge(spread, left_on="domain", right_index=True, how="left")

    split = _split(items)
    split_ids = split["item_id"].astype(str).tolist()
    counts = level_counts(scored.answers, split_ids, levels=bank.max_level)
    counts["item_label"] = counts["item_id"].map(texts)
    by_item = {
        (str(i), int(level)): int(c)
        for i, level, c in zip(counts["item_id"], counts["level"], counts["count"], strict=True)
    }
    split_questions = tuple(
        SplitQuestion(
            id=str(r["item_id"]),
            text=texts.get(str(r["item_id"]), str(r["item_id"])),
            domain=titles.get(str(r["domain"]), str(r["domain"])),
            median=figure(r["current"]),
            iqr=figure(r["iqr"]),
            far=f"{r['split_share']:.0%}",
            counts=tuple(by_item.get((str(r["item_id"]), n), 0) for n in range(1, bank.max_level + 1)),
        )
        for r in split.to_dict("records")
    )
    rule = bank.split_rule
    biggest_disagreements = tuple(
        f"“{q.text}” ({q.domain}): {q.far} of answers more than {rule.distance:g} level from the "
        f"median of {q.median.text}."
        for q in split_questions[:3]
    )
    # Only real gaps: a domain already at its target is not one of the "biggest gaps".
    real_gaps = domains_frame.loc[domains_frame["gap"].gt(0)].sort_values(
        "gap", ascending=False, kind="stable"
    )
    biggest_gaps = tuple(
        f"{r['title']}: now {figure_text(r['current'])}, wanted {figure_text(r['target'])}, "
        f"a gap of {figure_text(r['gap'])}."
        for r in real_gaps.head(3).to_dict("records")
    )

    # The sector lens: a withheld sector is a column of the word "withheld", never numbers.
    domain_ids = domains_frame["domain"].astype(str).tolist()
    lens = _lens(scores.sectors_n, scores.sectors, scores.perception_gaps, sector_names, titles, domain_ids)
    group_names = {g.id: g.label for g in bank.sector_groups}
    group_lens = (
        _lens(scores.groups_n, scores.groups, scores.group_perception_gaps, group_names, titles, domain_ids)
        if group_names
        else None
    )

    spectrum_labels = {
        i.id: (i.text, i.poles[0], i.poles[1]) for _, i in bank.iter_items() if isinstance(i, SpectrumItem)
    }
    spectrum = tuple(
        SpectrumRow(
            id=str(r["item_id"]),
            text=spectrum_labels[str(r["item_id"])][0],
            poles=spectrum_labels[str(r["item_id"])][1:],
            now=figure(None if r["withheld"] else r["now"]),
            preferred=figure(None if r["withheld"] else r["preferred"]),
            shift=WITHHELD if r["withheld"] else f"{float(r['shift']):+.2f}",
            sentence=f"{WITHHELD}: too few answers"
            if r["withheld"]
            else f"Now {r['now']:.2f} → preferred {r['preferred']:.2f} (shift {r['shift']:+.2f})",
        )
        for r in scores.spectrum.to_dict("records")
        if str(r["item_id"]) in spectrum_labels
    )

    accountability = tuple(
        AccountabilityRow(
            situation=function_labels.get(str(r["function_id"]), str(r["function_id"])),
            modal=_most_named(r, tier_labels),
            clarity=WITHHELD if number(r["clarity"]) is None else f"{r['clarity']:.0%}",
            unclear_share=_unclear_share(r),
            unclear=number(r["clarity"]) is not None and float(r["clarity"]) < bank.clarity_flag,
            n=int(r["n"]),
        )
        for r in scores.accountability.to_dict("records")
    )

    consensus_rows = tuple(
        ConsensusRow(
            domain_id=r.domain_id,
            item_id=r.item_id,
            domain=titles.get(r.domain_id, r.domain_id),
            about=titles.get(r.domain_id, r.domain_id)
            + (f": {texts.get(r.item_id, r.item_id)}" if r.item_id else ""),
            level=level_words([lv.label for lv in bank.scale], r.level),
            median=figure(medians.get(r.domain_id)),
            rationale=r.rationale,
            dissent=r.dissent,
            by=r.recorded_by,
            recorded_at=r.recorded_at,
            evidence=evidence_rows(r.evidence),
        )
        for r in consensus.values()
    )

    ranked = _by_gap(domains_frame)
    ranked_domains = tuple(domain_row(r) for r in ranked.to_dict("records"))
    question_frame = _by_gap(items)
    scale = tuple(level.label for level in bank.scale)
    overall = {k: figure(scores.overall.get(k)) for k in ("current", "target", "gap")}
    overall_levels = _headline_levels(overall, scale)
    overall_words = {
        key: WITHHELD
        if overall[key].withheld
        else f"{overall[key].text}{' —' if key != 'gap' else ''} {overall_levels[key]}"
        for key in overall
    }
    previous = _previous_round(trend, workshop.id) if not trend.empty else None
    joined = scores.respondents if scored.joined is None else max(scored.joined, scores.respondents)
    return ResultsModel(
        scored=scored,
        threshold=scores.threshold,
        respondents=scores.respondents,
        joined=joined,
        counting=counting_sentence(scores.respondents, joined),
        withheld=scores.withheld,
        withheld_sentence=withheld_sentence(scores.threshold),
        method_note=method_note(scores.threshold, scores.overall_domains),
        overall=overall,
        overall_levels=overall_levels,
        overall_words=overall_words,
        opening=""
        if scores.withheld
        else opening_paragraph(
            respondents=scores.respondents,
            overall_words=overall_words,
            ranked=ranked_domains,
            split=split_questions,
            previous=previous,
        ),
        overall_domains=scores.overall_domains,
        sectors=tuple(
            (sector_names.get(str(r["sector"]), str(r["sector"])), int(r["n"]))
            for r in scores.sectors_n.to_dict("records")
        ),
        scale=scale,
        readings=Readings(
            overall=readings.overall(scores.overall, scores.respondents, scale=scale),
            biggest_gap=readings.biggest_gap(domains_frame),
            disagreement=readings.disagreement(items, texts),
            perception=readings.perception(scores.perception_gaps, titles),
            accountability=readings.accountability(
                scores.accountability, function_labels, flag=bank.clarity_flag
            ),
        ),
        domains=tuple(domain_row(r) for r in domains_frame.to_dict("records")),
        ranked_domains=ranked_domains,
        biggest_gaps=biggest_gaps,
        ranked_questions=tuple(
            QuestionRow(
                id=str(r["item_id"]),
                text=texts.get(str(r["item_id"]), str(r["item_id"])),
                current=figure(r["current"]),
                target=figure(r["target"]),
                gap=figure(r["gap"]),
            )
            for r in question_frame.to_dict("records")
        ),
        split_questions=split_questions,
        biggest_disagreements=biggest_disagreements,
        lens=lens,
        group_lens=group_lens,
        spectrum=spectrum,
        spectrum_labels=spectrum_labels,
        accountability=accountability,
        function_labels=function_labels,
        tier_labels=tier_labels,
        comments=tuple(
            (texts.get(item_id, item_id), tuple(notes)) for item_id, notes in shown_comments(scored)
        ),
        consensus=consensus_rows,
        actions=tuple(actions),
        previous=previous,
        trend=_trend_table(trend) if not trend.empty else None,
        charts=Charts(radar=radar, level_counts=counts, consensus_levels=agreed),
        rerate=rerate_view(
            scored.rerate,
            running=scored.rerate_round is not None and scored.rerate_round.closed_at is None,
            texts=texts,
            titles=titles,
        ),
    )


__all__ = [
    "WITHHELD",
    "EvidenceRow",
    "Figure",
    "RerateDomainRow",
    "RerateQuestionRow",
    "RerateView",
    "ResultsModel",
    "change_text",
    "evidence_rows",
    "evidence_text",
    "figure",
    "figure_text",
    "long_date",
    "present",
    "rerate_view",
]
