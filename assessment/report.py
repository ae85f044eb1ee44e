"""The board PDF: one workshop's summary, and a cohort pack of them with an overview.

The numbers come from the same scoring as the screen (`results.score_stored_workshop`, the
anonymity threshold applied there) and are formatted the same way (two decimal places); the
charts are the same plotly figures (`charts.py`), drawn as vector SVG by `chart_export`. The
layout is a Typst template (templates/*.typ) handed the document's figures and words as JSON, so
user text is only ever data, never markup; Typst typesets it as tagged PDF/UA-1 with embedded
fonts, page X of Y.

When no browser can draw the charts, the PDF is still made with every table and a note that says
what to install; callers get the same note in `SummaryPdf.charts_problem` to show on screen.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import re
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from cachetools import LRUCache, cached
from sqlalchemy.orm import Session

from assessment import presenting
from assessment.chart_export import ChartExporter, ChartRequest, shared_exporter
from assessment.charts import (
    accountability_bars,
    answer_distribution,
    domain_radar_with_spread,
    gaps_ranked,
    sector_lens,
    spectrum_dumbbells,
    trend_lines,
)
from assessment.cohorts import CohortComparison, compare_cohort, earlier_rounds
from assessment.cohorts import heatmap as comparison_heatmap
from assessment.db import WorkshopInfo, cohort_exists, workshop_ids_by_code
from assessment.errors import NotFound
from assessment.framework import QuestionBank
from assessment.limits import without_bidi_controls
from assessment.outcomes import ActionRecord, ConsensusRecord, current_consensus, list_actions
from assessment.presenting import (
    COUNTING_RULE,
    NO_CHANGE,
    ChangeRow,
    group_reading,
    lens_empty_sentence,
    present,
    workshop_heading,
)
from assessment.results import ScoredWorkshop, score_stored_workshop
from assessment.trends import NOT_ASKED, WITHHELD, trend_frame
from assessment.typesetter import TypesettingPool

TEMPLATES = Path(__file__).with_name("templates")
PAGE_WIDTH_PX = 640  # the A4 text column (174 mm) at 96 px per inch, rounded down
HALF_WIDTH_PX = 360
LANGUAGE = "en-GB"


def as_data(value: Any) -> Any:
    """A template's value as JSON: dataclasses and mappings as objects, tuples as arrays, dates
    as ISO text, and every string as the page shows it, bidirectional controls taken out, so a
    right-to-left override in a title cannot reverse the rest of a header line."""
    if isinstance(value, str):
        return without_bidi_controls(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): as_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_data(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return without_bidi_controls(str(value))


def typst_document(template: str, context: dict[str, Any]) -> str:
    """What Typst typesets: the template's name and its context, as one JSON text. User text is
    in it as data (templates/main.typ reads it with ``json``), never as markup, so it cannot
    become a command, a link or a heading, whatever it holds."""
    return json.dumps({"template": template, **as_data(context)}, ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class SummaryPdf:
    content: bytes
    filename: str
    # None when every chart was drawn; otherwise what went wrong and what to install.
    charts_problem: str | None


@dataclass(frozen=True)
class WorkshopReport:
    """Everything one summary shows, read from the database in one go."""

    scored: ScoredWorkshop
    consensus: dict[str, ConsensusRecord]
    actions: list[ActionRecord]
    trend: pd.DataFrame  # this round and every earlier one of the partnership
    made_on: date = field(default_factory=date.today)


def gather_workshop_report(*, session: Session, workshop_id: int) -> WorkshopReport:
    scored = score_stored_workshop(session=session, workshop_id=workshop_id)
    workshop = scored.workshop
    return WorkshopReport(
        scored=scored,
        consensus=current_consensus(session=session, workshop_id=workshop_id),
        actions=list_actions(session=session, partnership_id=workshop.partnership_id),
        trend=trend_frame(
            session=session,
            partnership_id=workshop.partnership_id,
            until=workshop.held_on,
            scored=scored.as_trend_round,
        ),
    )


# --- formatting: the screen's rules, from the one presentation model -----------------------------------

figure_text = presenting.figure_text
change_text = presenting.change_text
long_date = presenting.long_date


def safe_filename(text: str) -> str:
    """A file name from user text: letters, digits and dashes only, never empty, never a path."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]
    return slug or "partnership"


# --- the charts -------------------------------------------------------------------------------------


@dataclass
class _Charts:
    """Figures asked for by name, drawn together in one call to the browser."""

    exporter: ChartExporter | None
    requests: dict[str, ChartRequest] = field(default_factory=dict)
    alts: dict[str, str] = field(default_factory=dict)

    def add(
        self, name: str, build: Callable[[], Any], *, alt: str, width: int = PAGE_WIDTH_PX, height: int = 420
    ) -> None:
        """``build`` makes the figure, called only when there is a browser to draw it."""
        if self.exporter is None:
            return
        figure = build()
        self.requests[name] = ChartRequest(figure, width, int(figure.layout.height or height))
        self.alts[name] = alt

    def draw(self) -> tuple[dict[str, dict[str, str]], str | None]:
        """Name -> {"svg": the drawing, "alt": text}; a chart not drawn is simply absent."""
        if self.exporter is None:
            return {}, None
        names = list(self.requests)
        svgs = self.exporter.svgs([self.requests[n] for n in names])
        drawn = {}
        for name, svg in zip(names, svgs, strict=True):
            if svg is not None:
                drawn[name] = {"svg": svg, "alt": self.alts[name]}
        problem = self.exporter.problem if len(drawn) < len(names) else None
        return drawn, problem


def _scale(bank: QuestionBank) -> list[str]:
    return [level.label for level in bank.scale]


# --- the workshop summary -----------------------------------------------------------------------------


def _move_of(change: str) -> str:
    if change.startswith("▲"):
        return "Up"
    if change.startswith("▼"):
        return "Down"
    return "No change" if change == NO_CHANGE else "No figure in one of the two rounds"


def _moves(rows: Sequence[ChangeRow]) -> list[tuple[str, list[ChangeRow]]]:
    """The change since the previous round grouped as a board reads it: what rose, what fell,
    what held. A paragraph per group keeps the whole list on the board page, every name in full."""
    groups: dict[str, list[ChangeRow]] = {
        "Up": [],
        "Down": [],
        "No change": [],
        "No figure in one of the two rounds": [],
    }
    for row in rows:
        groups[_move_of(row.change)].append(row)
    return [(heading, found) for heading, found in groups.items() if found]


def _members(bank: QuestionBank, group_id: str) -> list[str]:
    names = {s.id: s.label for s in bank.sectors}
    group = next(g for g in bank.sector_groups if g.id == group_id)
    return [names.get(s, s) for s in group.sectors]


def summary_context(report: WorkshopReport, exporter: ChartExporter | None) -> dict[str, Any]:
    """Everything the template prints, read from the presentation model the screen reads too;
    the template adds no numbers of its own, and neither does this."""
    scored = report.scored
    workshop, bank = scored.workshop, scored.bank
    model = present(scored, consensus=report.consensus, actions=report.actions, trend=report.trend)
    scale = list(model.scale)
    charts = _Charts(exporter)
    context: dict[str, Any] = {
        "lang": LANGUAGE,
        "document_title": (
            f"{workshop.partnership}: readiness summary, {workshop.round_label or workshop.title}"
        ),
        "partnership": workshop.partnership,
        "cohort": workshop.cohort,
        "workshop_title": workshop.title,
        "workshop_heading": workshop_heading(workshop.title, workshop.round_label),
        "round": workshop.round_label,
        "held_on": long_date(workshop.held_on),
        "made_on": long_date(report.made_on),
        "respondents": model.respondents,
        "joined": model.joined,
        "counting": model.counting,
        "counting_rule": COUNTING_RULE,
        "sectors": [{"sector": label, "n": n} for label, n in model.sectors],
        "threshold": model.threshold,
        "withheld": model.withheld,
        "overall": {k: f.text for k, f in model.overall.items()},
        "overall_levels": model.overall_levels,
        "opening": model.opening,
        "overall_domains": model.overall_domains,
        "bank": {"id": bank.id, "version": bank.version, "title": bank.title},
        "scale": [{"level": n, "label": label} for n, label in enumerate(scale, start=1)],
        "split_rule": {"share": f"{bank.split_rule.share:.0%}", "distance": f"{bank.split_rule.distance:g}"},
        "anonymous": workshop.anonymous,
        "rerate": None,
    }
    if model.withheld:
        context.update(charts={}, charts_problem=None)
        return context

    scores = scored.scores
    domains = scores.domains
    charts.add(
        "radar",
        lambda: domain_radar_with_spread(
            model.charts.radar,
            scale_labels=scale,
            title="Where the team sees the partnership",
            consensus=model.charts.consensus_levels or None,
        ),
        alt="Radar chart of the team's current and target level per domain; the figures are in the table "
        "of gaps on page 2.",
        width=HALF_WIDTH_PX + 40,
        height=320,
    )
    # The re-rate round, when one ran: first rating beside re-rate, right after the board page.
    rerate = model.rerate
    if rerate is not None:
        context["rerate"] = {
            "status": rerate.status,
            "sentence": rerate.sentence,
            "rerated": rerate.rerated,
            "withheld": rerate.withheld,
            "first_overall": rerate.first_overall.text,
            "rerate_overall": rerate.rerate_overall.text,
            "overall_outcome": rerate.overall_outcome,
            "questions": [
                {
                    "text": q.text,
                    "domain": q.domain,
                    "median": (q.first_median.text, q.rerate_median.text),
                    "iqr": (q.first_iqr.text, q.rerate_iqr.text),
                    "within": (q.first_within, q.rerate_within),
                    "agreement": (q.first_agreement, q.rerate_agreement),
                    "outcome": q.outcome,
                }
                for q in rerate.questions
            ],
            "domains": [
                {
                    "title": d.title,
                    "first": d.first.text,
                    "rerate": d.rerate.text,
                    "questions": d.questions,
                    "outcome": d.outcome,
                }
                for d in rerate.domains
            ],
            "reasons": [{"question": q, "reasons": list(r)} for q, r in rerate.reasons],
            "method": rerate.method,
        }
    context["biggest_gaps"] = list(model.biggest_gaps)
    context["biggest_disagreements"] = list(model.biggest_disagreements)
    context["no_split"] = model.readings.disagreement if not model.biggest_disagreements else None
    previous = model.previous
    context["previous"] = (
        None
        if previous is None
        else {
            "label": previous.label,
            "held_on": previous.held_on,
            "respondents_then": previous.respondents_then,
            "respondents_now": previous.respondents_now,
            "caution": previous.caution,
            "rows": [
                {"title": r.title, "current": r.current, "current_change": r.change} for r in previous.rows
            ],
            "moves": _moves(previous.rows),
        }
    )
    context["domains"] = [
        {
            "title": r.title,
            "current": r.current.text,
            "target": r.target.text,
            "gap": r.gap.text,
            "agreed": r.agreed,
            "n": r.n,
            "questions": r.rests_on,
        }
        for r in model.ranked_domains
    ]
    charts.add(
        "gaps",
        lambda: gaps_ranked(domains, label_column="title", title="Gap per domain"),
        alt="Bar chart of the gap between target and current level per domain, largest first; the table "
        "below gives the figures.",
        height=max(300, 110 + 22 * len(domains)),
    )

    # Where we disagree: split questions and how their answers spread over the scale.
    context["split_items"] = [
        {
            "text": q.text,
            "domain": q.domain,
            "median": q.median.text,
            "iqr": q.iqr.text,
            "far": q.far,
            "counts": list(q.counts),
        }
        for q in model.split_questions
    ]
    if model.split_questions:
        charts.add(
            "distribution",
            lambda: answer_distribution(
                model.charts.level_counts, scale_labels=scale, title="How the answers spread"
            ),
            alt="Stacked bar chart of how many people chose each level on the split questions; the table "
            "below gives the counts.",
            height=max(300, 110 + 40 * len(model.split_questions)),
        )

    # The sector lens: withheld sectors are columns of the word "withheld", never numbers.
    lens = scores.sectors
    context["lens"] = {
        "sectors": [{"label": s.label, "withheld": s.withheld} for s in model.lens.sectors],
        "rows": [{"title": r.title, "cells": list(r.cells)} for r in model.lens.rows],
    }
    context["lens"]["gaps"] = [{"title": title, "gap": gap.text} for title, gap in model.lens.perception_gaps]
    context["lens"]["reading"] = model.readings.perception
    context["lens"]["empty"] = (
        None if model.lens.anything_shown else lens_empty_sentence(model.threshold, groups=False)
    )
    if model.lens.anything_shown:
        charts.add(
            "lens",
            lambda: sector_lens(
                lens,
                sector_labels={s.id: s.label for s in bank.sectors},
                scale_labels=scale,
                title="Each sector's view, domain by domain",
            ),
            alt="Chart of each sector's current level per domain; withheld sectors are left out. The table "
            "below gives the figures.",
            height=max(360, 120 + 28 * len(domains)),
        )
    # The lens by the bank's sector groups, when it shows anything: a board of one to three
    # people per sector sees the partners apart there.
    groups = model.group_lens
    context["group_lens"] = (
        None
        if groups is None or not groups.anything_shown
        else {
            "groups": [
                {"label": g.label, "withheld": g.withheld, "sectors": ", ".join(_members(bank, g.id))}
                for g in groups.sectors
            ],
            "rows": [{"title": r.title, "cells": list(r.cells)} for r in groups.rows],
            "reading": group_reading(groups),
        }
    )
    if context["group_lens"] is not None and not model.lens.anything_shown:
        charts.add(
            "group_lens",
            lambda: sector_lens(
                scores.groups,
                sector_labels={g.id: g.label for g in bank.sector_groups},
                scale_labels=scale,
                title="Each sector group's view, domain by domain",
            ),
            alt="Chart of each sector group's current level per domain; withheld groups are left out. The "
            "table below gives the figures.",
            height=max(360, 120 + 28 * len(domains)),
        )

    # Spectrum and accountability.
    context["spectrum"] = [
        {"text": r.text, "poles": r.poles, "now": r.now.text, "preferred": r.preferred.text, "shift": r.shift}
        for r in model.spectrum
    ]
    if not scores.spectrum.empty and not scores.spectrum["withheld"].all():
        charts.add(
            "spectrum",
            lambda: spectrum_dumbbells(
                scores.spectrum, labels=model.spectrum_labels, title="Now and preferred"
            ),
            alt="Dumbbell chart of where the team places the partnership now and where it would prefer to be "
            "on each spectrum question; the table gives the figures.",
            height=max(280, 110 + 60 * len(scores.spectrum)),
        )
    accountability = scores.accountability
    context["accountability"] = [
        {
            "situation": r.situation,
            "modal": r.modal,
            "unclear_share": r.unclear_share,
            "clarity": r.clarity,
            "unclear": r.unclear,
            "n": r.n,
        }
        for r in model.accountability
    ]
    context["accountability_reading"] = model.readings.accountability
    if not accountability.empty and accountability["clarity"].notna().any():
        charts.add(
            "accountability",
            lambda: accountability_bars(
                accountability,
                function_labels=model.function_labels,
                tier_labels=model.tier_labels,
                title="Who holds it today",
                clarity_flag=bank.clarity_flag,
            ),
            alt="Stacked bar chart of which tier the team names as accountable in each situation; the table "
            "gives the most named tier and how many agree.",
            height=max(320, 120 + 34 * len(accountability)),
        )

    # Consensus log and action plan.
    context["consensus"] = [
        {
            "about": r.about,
            "level": r.level,
            "rationale": r.rationale,
            "dissent": r.dissent,
            "by": r.by,
            "on": long_date(r.recorded_at.date()),
            "evidence": r.evidence,
        }
        for r in sorted(model.consensus, key=lambda c: (c.domain_id, c.item_id or ""))
    ]
    titles = {d.id: d.title for d in bank.domains}
    context["actions"] = [
        {
            "title": a.title,
            "domain": titles.get(a.domain_id, a.domain_id),
            "owner": a.owner,
            "due": long_date(a.due_on) if a.due_on else "",
            "status": a.status,
            "round": a.round_label or "",
        }
        for a in model.actions
    ]

    # The trend, when there are earlier rounds.
    trend = model.trend
    context["trend"] = None
    if trend is not None:
        context["trend"] = {
            "rounds": [
                {"label": r.label, "held_on": r.held_on, "respondents": r.respondents} for r in trend.rounds
            ],
            "version_changes": list(trend.version_changes),
            "labels": list(trend.labels),
            "rows": [{"title": r.title, "cells": list(r.cells), "change": r.change} for r in trend.rows],
        }
        charts.add(
            "trend",
            lambda: trend_lines(
                report.trend,
                scale_labels=scale,
                title="Team's current level, round by round",
                version_changes=list(trend.version_changes),
            ),
            alt="Line chart of each domain's current level round by round; the table gives the figures.",
            height=460,
        )

    context["comments"] = [
        {"question": question, "comments": [{"who": c.who, "text": c.text} for c in comments]}
        for question, comments in model.comments
    ]
    drawn, problem = charts.draw()
    context.update(charts=drawn, charts_problem=problem)
    return context


def _typeset_key(document: str, *, title: str) -> tuple[bytes, str]:
    return hashlib.sha256(document.encode("utf-8")).digest(), title


# PDFs typeset in this process, by their document's digest and title, up to this many bytes in
# all. At the reveal the facilitator and many participants' phones press Download together: the
# same summary is typeset once, and the others wait for it rather than each typesetting it too.
TYPESET_KEPT_BYTES = 32 * 1024 * 1024
_typeset_lock = threading.Lock()
_typeset: LRUCache[tuple[bytes, str], bytes] = LRUCache(maxsize=TYPESET_KEPT_BYTES, getsizeof=len)


@cached(_typeset, key=_typeset_key, lock=_typeset_lock, condition=threading.Condition(_typeset_lock))
def render_pdf(document: str, *, title: str) -> bytes:
    """`typeset_pdf`, once for the same document and title: the same bytes again from memory, and
    a caller asking while it is being typeset waits for it instead of typesetting it too."""
    return typeset_pdf(document, title=title)


def typeset_before(document: str, *, title: str) -> bytes | None:
    """The PDF of this document and title if this process has typeset it already."""
    with _typeset_lock:
        return _typeset.get(_typeset_key(document, title=title))


MAIN_TEMPLATE = TEMPLATES / "main.typ"
# One compiler a process, kept: it finds the fonts once (about 0.1 s) and Typst keeps what did not
# change between documents. It typesets one document at a time (a second caller meanwhile is
# refused by it), so callers take turns; a summary takes about a tenth of a second.
_compiler_lock = threading.Lock()


@functools.cache
def _compiler() -> Any:
    import typst  # imported here: only a PDF needs it

    return typst.Compiler(MAIN_TEMPLATE, root=str(TEMPLATES))


def typeset_pdf(document: str, *, title: str) -> bytes:
    """Typeset a `typst_document` as tagged PDF/UA-1 (structure tags, language, title), fonts
    embedded. ``title`` is the document's own title, which the document carries too."""
    with _compiler_lock:
        pdf: bytes = _compiler().compile(
            MAIN_TEMPLATE, format="pdf", sys_inputs={"data": document}, pdf_standards="ua-1"
        )
    return pdf


def summary_filename(workshop: WorkshopInfo) -> str:
    return f"{safe_filename(workshop.partnership)}-{workshop.held_on.isoformat()}-summary.pdf"


def summary_pdf(report: WorkshopReport, *, exporter: ChartExporter | None = None) -> SummaryPdf:
    return typeset_summary(report, summary_context(report, exporter))


def typeset_summary(report: WorkshopReport, context: dict[str, Any]) -> SummaryPdf:
    workshop = report.scored.workshop
    return SummaryPdf(
        content=render_pdf(typst_document("summary", context), title=context["document_title"]),
        filename=summary_filename(workshop),
        charts_problem=context["charts_problem"],
    )


def workshop_summary_pdf(
    *, session: Session, workshop_id: int, exporter: ChartExporter | None = None, charts: bool = True
) -> SummaryPdf:
    """The board summary of one workshop; charts drawn by the process's shared browser by default.

    The first in a process does not wait for the browser before its own work: the browser starts
    on a thread while this one loads the typesetter and reads the database (about two of a cold
    summary's six seconds), and the charts are drawn once it is up.
    """
    drawer = (exporter or shared_exporter()) if charts else None
    starting = None
    if drawer is not None and not drawer.running:
        starting = threading.Thread(target=drawer.start, name="chart-browser-start", daemon=True)
        starting.start()
        prepare_typesetter()
    report = gather_workshop_report(session=session, workshop_id=workshop_id)
    pdf = summary_pdf(report, exporter=drawer)
    if starting is not None:
        starting.join()
    return pdf


# --- the cohort pack ----------------------------------------------------------------------------------


def _overview_cell(row: dict[Any, Any]) -> str:
    """A grid cell: the figure ("2.50", "2.50*" when from an earlier round), "–" when withheld,
    or "not asked"."""
    if row["state"] == NOT_ASKED:
        return NOT_ASKED
    if row["state"] == WITHHELD:
        return "–"
    return figure_text(row["current"]) + ("*" if row["from_earlier_round"] else "")


def cohort_overview_pdf(
    comparison: CohortComparison,
    *,
    scale_labels: Sequence[str],
    exporter: ChartExporter | None,
    made_on: date | None = None,
) -> SummaryPdf:
    """One page (or two) for the cohort: every partnership's latest round side by side."""
    document, title, problem = _overview_document(
        comparison, scale_labels=scale_labels, exporter=exporter, made_on=made_on
    )
    return SummaryPdf(
        content=render_pdf(document, title=title), filename=OVERVIEW_FILENAME, charts_problem=problem
    )


def _overview_document(
    comparison: CohortComparison,
    *,
    scale_labels: Sequence[str],
    exporter: ChartExporter | None,
    made_on: date | None = None,
) -> tuple[str, str, str | None]:
    """The overview's `typst_document`, its title and what went wrong drawing its chart (None if
    nothing)."""
    scale = list(scale_labels)
    domains = comparison.domains
    partnerships = comparison.partnerships
    titles = list(dict.fromkeys(domains["title"].astype(str))) if not domains.empty else []
    grid: dict[tuple[str, str], str] = {
        (str(r["name"]), str(r["title"])): _overview_cell(r) for r in domains.to_dict("records")
    }
    charts = _Charts(exporter)
    if not domains.empty and domains["current"].notna().any():
        charts.add(
            "heatmap",
            lambda: comparison_heatmap(comparison, scale_labels=scale, title="Latest round, by domain"),
            alt="Heatmap of each partnership's current level per domain; the table gives the figures.",
            height=max(360, 160 + 26 * len(partnerships)),
        )
    drawn, problem = charts.draw()
    median = comparison.cohort_median.merge(comparison.quartiles, on="domain", how="left")
    title = f"{comparison.cohort}: cohort overview"
    context = {
        "lang": LANGUAGE,
        "document_title": title,
        "cohort": comparison.cohort,
        "made_on": long_date(made_on or date.today()),
        "threshold": comparison.threshold,
        "charts": drawn,
        "charts_problem": problem,
        "partnerships": [
            {
                "name": str(r["name"]),
                "kind": str(r["kind"]),
                "round": "" if r["round"] is None or pd.isna(r["round"]) else str(r["round"]),
                "held_on": "" if r["held_on"] is None or pd.isna(r["held_on"]) else long_date(r["held_on"]),
                "respondents": int(r["respondents"]),
                "withheld": bool(r["withheld"]),
            }
            for r in partnerships.to_dict("records")
        ],
        "titles": titles,
        "grid": [
            {"name": str(name), "cells": [grid.get((str(name), t), "–") for t in titles]}
            for name in partnerships["name"]
        ],
        "not_asked": bool((domains["state"] == NOT_ASKED).any()),
        "earlier": [found.words() for found in earlier_rounds(comparison)],
        "median": [
            {
                "title": str(r["title"]),
                "current": figure_text(r["current"]),
                "target": figure_text(r["target"]),
                "gap": figure_text(r["gap"]),
                "q1": figure_text(r.get("q1")),
                "q3": figure_text(r.get("q3")),
            }
            for r in median.to_dict("records")
        ],
        "quartiles_shown": not comparison.quartiles.empty,
    }
    return typst_document("cohort overview", context), title, problem


OVERVIEW_FILENAME = "cohort-overview.pdf"


@dataclass(frozen=True)
class PackFile:
    filename: str
    content: bytes


def latest_workshops(*, session: Session, cohort_id: int) -> list[int]:
    """The latest round of each unarchived partnership of the cohort (the same rounds it compares)."""
    comparison = compare_cohort(session=session, cohort_id=cohort_id)
    codes = [c for c in comparison.partnerships["latest_workshop"] if c is not None and not pd.isna(c)]
    if not codes:
        return []
    by_code = workshop_ids_by_code(session=session, join_codes=codes)
    return [by_code[c] for c in codes if c in by_code]


def pack_workers(asked: int | None, *, files: int) -> int:
    """One (the pack typeset in this process) unless more are asked for, never more than files.
    Typst typesets a summary in about a tenth of a second: a pool's processes cost more than they
    save (bench/report.py, 42 partnerships on 2 cores: 28.8 s in one process, 34.3 s with a pool
    of 2), so only a caller that asks gets one."""
    return 1 if asked is None else max(1, min(asked, files))


def prepare_typesetter() -> None:
    """Load the typesetter and find the fonts: a pool's worker does it once, as it starts, and a
    first summary while the chart browser starts."""
    _compiler()


@dataclass
class _Typesetting:
    """A PDF on its way: made in a worker, or already made here."""

    what: str
    filename: str
    content: Future[bytes] | bytes

    def result(self) -> bytes:
        return self.content if isinstance(self.content, bytes) else self.content.result()


def cohort_pack(
    *,
    session: Session,
    cohort_id: int,
    exporter: ChartExporter | None = None,
    charts: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
) -> Iterator[PackFile]:
    """One summary per partnership's latest round, then the cohort overview, yielded in that order.

    This process reads the database and has the charts drawn (by the one chart browser, each
    chart once); a pool of ``workers`` processes (one per core by default) typesets the PDFs
    meanwhile. ``progress(done, total, what)`` is called before each file is handed over and
    once at the end, so a bar moves as they are made.
    """
    if not cohort_exists(session=session, cohort_id=cohort_id):
        raise NotFound("no such cohort")
    drawer = (exporter or shared_exporter()) if charts else None
    workshop_ids = latest_workshops(session=session, cohort_id=cohort_id)
    total = len(workshop_ids) + 1
    size = pack_workers(workers, files=total)
    # Workers are processes of their own started by name (`assessment.typesetter`): they never
    # run this process's ``__main__`` again, which may be a Streamlit page or a script's file.
    pool = TypesettingPool(size) if size > 1 else None

    def typeset(document: str, title: str) -> Future[bytes] | bytes:
        if pool is None:
            return render_pdf(document, title=title)
        # A summary downloaded since the round closed is not typeset again.
        return typeset_before(document, title=title) or pool.submit(document, title)

    used: set[str] = set()
    queue: deque[_Typesetting] = deque()
    done = 0

    def hand_over() -> Iterator[PackFile]:
        nonlocal done
        made = queue.popleft()
        if progress:
            progress(done, total, made.what)
        content = made.result()
        name, copy = made.filename, 1
        while name in used:  # two partnerships whose names make the same file name
            copy += 1
            name = made.filename.replace(".pdf", f"-{copy}.pdf")
        used.add(name)
        done += 1
        yield PackFile(name, content)

    scale: list[str] = []
    try:
        # While the charts of one summary are drawn (on a thread, waiting on the browser), this
        # thread reads the next from the database and hands the one before to a worker.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-charts") as charts_ahead:
            ahead: tuple[WorkshopReport, Future[dict[str, Any]]] | None = None
            for workshop_id in [*workshop_ids, None]:
                following = None
                if workshop_id is not None:
                    report = gather_workshop_report(session=session, workshop_id=workshop_id)
                    scale = scale or _scale(report.scored.bank)
                    following = (report, charts_ahead.submit(summary_context, report, drawer))
                if ahead is not None:
                    made, context = ahead[0], ahead[1].result()
                    workshop = made.scored.workshop
                    queue.append(
                        _Typesetting(
                            workshop.partnership,
                            summary_filename(workshop),
                            typeset(typst_document("summary", context), context["document_title"]),
                        )
                    )
                # Hand over what is ready; never keep more than two PDFs a worker waiting.
                while queue and (len(queue) > 2 * size or _ready(queue[0])):
                    yield from hand_over()
                ahead = following
        comparison = compare_cohort(session=session, cohort_id=cohort_id)
        document, title, _problem = _overview_document(comparison, scale_labels=scale, exporter=drawer)
        queue.append(_Typesetting("cohort overview", OVERVIEW_FILENAME, typeset(document, title)))
        while queue:
            yield from hand_over()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if progress:
        progress(total, total, "done")


def _ready(made: _Typesetting) -> bool:
    return isinstance(made.content, bytes) or made.content.done()


def zip_pack(files: Iterable[PackFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.filename, file.content)
    return buffer.getvalue()
