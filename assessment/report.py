"""The board PDF: one workshop's summary, and a cohort pack of them with an overview.

The numbers come from the same scoring as the screen (`results.score_stored_workshop`, the
anonymity threshold applied there) and are formatted the same way (two decimal places); the
charts are the same plotly figures (`charts.py`), drawn as vector SVG by `chart_export`. The
layout is an HTML template (Jinja2, autoescaped, so user text is only ever text) typeset by
WeasyPrint as tagged PDF/UA with embedded fonts, page X of Y.

When no browser can draw the charts, the PDF is still made with every table and a note that says
what to install; callers get the same note in `SummaryPdf.charts_problem` to show on screen.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment import readings
from assessment.chart_export import ChartExporter, ChartRequest, shared_exporter
from assessment.charts import (
    accountability_bars,
    answer_distribution,
    cohort_heatmap,
    domain_radar_with_spread,
    gaps_ranked,
    level_counts,
    sector_lens,
    short_label,
    spectrum_dumbbells,
    trend_lines,
)
from assessment.cohorts import CohortComparison, compare_cohort
from assessment.framework import AccountabilityItem, QuestionBank, SpectrumItem
from assessment.limits import without_bidi_controls
from assessment.outcomes import ActionRecord, ConsensusRecord, current_consensus, list_actions
from assessment.results import ScoredWorkshop, questions_shown, score_stored_workshop, shown_comments
from assessment.store import Cohort, NotFound, Workshop, WorkshopInfo
from assessment.trends import trend_frame, version_changes

TEMPLATES = Path(__file__).with_name("templates")
PAGE_WIDTH_PX = 640  # the A4 text column (174 mm) at 96 px per inch, rounded down
HALF_WIDTH_PX = 360
LANGUAGE = "en-GB"
TREND_ROUNDS_SHOWN = 6


def _shown(value: Any) -> Any:
    """Every value the templates print, as the page shows it: bidirectional controls taken out,
    so a right-to-left override in a title cannot reverse the rest of a header line. Markup (a
    macro's output) is left alone: the values inside it passed through here already. The result
    is then autoescaped as before."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return without_bidi_controls(value)
    return value


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_shown,
)


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
        trend=trend_frame(session=session, partnership_id=workshop.partnership_id, until=workshop.held_on),
    )


# --- formatting: the screen's rules ------------------------------------------------------------------


def figure_text(value: Any) -> str:
    """A figure as the screen shows it: two decimal places, or "withheld"."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "withheld"
    return f"{float(value):.2f}"


def change_text(change: Any) -> str:
    """A change since the previous round with an arrow a board member reads at a glance."""
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "–"
    if round(float(change), 2) == 0:
        return "no change"
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {abs(float(change)):.2f}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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

    def add(self, name: str, figure: Any, *, alt: str, width: int = PAGE_WIDTH_PX, height: int = 420) -> None:
        self.requests[name] = ChartRequest(figure, width, int(figure.layout.height or height))
        self.alts[name] = alt

    def draw(self) -> tuple[dict[str, dict[str, str]], str | None]:
        """Name -> {"src": data URI, "alt": text}; a chart not drawn is simply absent."""
        if self.exporter is None:
            return {}, None
        names = list(self.requests)
        svgs = self.exporter.svgs([self.requests[n] for n in names])
        drawn = {}
        for name, svg in zip(names, svgs, strict=True):
            if svg is not None:
                data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
                drawn[name] = {"src": f"data:image/svg+xml;base64,{data}", "alt": self.alts[name]}
        problem = self.exporter.problem if len(drawn) < len(names) else None
        return drawn, problem


def _scale(bank: QuestionBank) -> list[str]:
    return [level.label for level in bank.scale]


# --- the workshop summary -----------------------------------------------------------------------------


def _sector_rows(report: WorkshopReport) -> list[dict[str, Any]]:
    scores, bank = report.scored.scores, report.scored.bank
    names = {s.id: s.label for s in bank.sectors}
    return [
        {"sector": names.get(str(row["sector"]), str(row["sector"])), "n": int(row["n"])}
        for row in scores.sectors_n.to_dict("records")
    ]


def _previous_round(report: WorkshopReport) -> dict[str, Any] | None:
    """The change of each domain since the round before this one, or None in a first round."""
    trend, workshop = report.trend, report.scored.workshop
    rounds = trend.drop_duplicates("workshop_id")
    if len(rounds) < 2 or int(rounds["workshop_id"].iloc[-1]) != workshop.id:
        return None
    before = rounds.iloc[-2]
    this = trend.loc[trend["workshop_id"] == workshop.id]
    rows = [
        {
            "short_title": short_label(str(r["title"]), 28),
            "current": figure_text(r["current"]),
            "current_change": change_text(r["current_change"]),
        }
        for r in this.to_dict("records")
    ]
    return {"label": str(before["round"]), "held_on": long_date(before["held_on"]), "rows": rows}


def _biggest_gaps(domains: pd.DataFrame) -> list[str]:
    # Only real gaps: a domain already at its target is not one of the "biggest gaps".
    shown = domains.loc[domains["gap"].gt(0)].sort_values("gap", ascending=False, kind="stable").head(3)
    return [
        f"{r['title']}: now {figure_text(r['current'])}, wanted {figure_text(r['target'])}, "
        f"a gap of {figure_text(r['gap'])}."
        for r in shown.to_dict("records")
    ]


def _biggest_disagreements(
    report: WorkshopReport, texts: dict[str, str], titles: dict[str, str]
) -> list[str]:
    items = report.scored.scores.items
    rule = report.scored.bank.split_rule
    split = items.loc[items["split"].eq(True)].sort_values("iqr", ascending=False, kind="stable").head(3)
    return [
        f"“{texts.get(str(r['item_id']), r['item_id'])}” ({titles.get(str(r['domain']), r['domain'])}): "
        f"{r['split_share']:.0%} of answers more than {rule.distance:g} level from the median of "
        f"{figure_text(r['current'])}."
        for r in split.to_dict("records")
    ]


def _comments(report: WorkshopReport, texts: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "question": texts.get(item_id, item_id),
            "comments": [{"who": comment.who, "text": comment.text} for comment in comments],
        }
        for item_id, comments in shown_comments(report.scored)
    ]


def summary_context(report: WorkshopReport, exporter: ChartExporter | None) -> dict[str, Any]:
    """Everything the template prints, already formatted; the template adds no numbers of its own."""
    scored = report.scored
    workshop, bank, scores = scored.workshop, scored.bank, scored.scores
    texts = {item.id: item.text for _, item in bank.iter_items()}
    titles = {d.id: d.title for d in bank.domains}
    sector_names = {s.id: s.label for s in bank.sectors}
    scale = _scale(bank)
    charts = _Charts(exporter)
    context: dict[str, Any] = {
        "lang": LANGUAGE,
        "document_title": (
            f"{workshop.partnership}: readiness summary, {workshop.round_label or workshop.title}"
        ),
        "partnership": workshop.partnership,
        "cohort": workshop.cohort,
        "workshop_title": workshop.title,
        "round": workshop.round_label,
        "held_on": long_date(workshop.held_on),
        "made_on": long_date(report.made_on),
        "respondents": scores.respondents,
        "sectors": _sector_rows(report),
        "threshold": scores.threshold,
        "withheld": scores.withheld,
        "overall": {k: figure_text(scores.overall.get(k)) for k in ("current", "target", "gap")},
        "overall_domains": scores.overall_domains,
        "bank": {"id": bank.id, "version": bank.version, "title": bank.title},
        "scale": [{"level": n, "label": level.label} for n, level in enumerate(bank.scale, start=1)],
        "split_rule": {"share": f"{bank.split_rule.share:.0%}", "distance": f"{bank.split_rule.distance:g}"},
        "anonymous": workshop.anonymous,
    }
    if scores.withheld:
        context.update(charts={}, charts_problem=None)
        return context

    domains = scores.domains
    consensus_levels = {k: r.level for k, r in report.consensus.items() if "/" not in k}
    spread = scores.items.groupby("domain", observed=True)[["q1", "q3"]].mean()
    with_spread = domains.merge(spread, left_on="domain", right_index=True, how="left")
    charts.add(
        "radar",
        domain_radar_with_spread(
            with_spread,
            scale_labels=scale,
            title="Where the team sees the partnership",
            consensus=consensus_levels or None,
        ),
        alt="Radar chart of the team's current and target level per domain; the figures are in the table "
        "of gaps on page 2.",
        width=HALF_WIDTH_PX + 40,
        height=360,
    )
    context["biggest_gaps"] = _biggest_gaps(domains)
    context["biggest_disagreements"] = _biggest_disagreements(report, texts, titles)
    context["no_split"] = (
        readings.disagreement(scores.items, texts) if not context["biggest_disagreements"] else None
    )
    context["previous"] = _previous_round(report)

    ranked = domains.sort_values("gap", ascending=False, na_position="last", kind="stable")
    context["domains"] = [
        {
            "title": str(r["title"]),
            "current": figure_text(r["current"]),
            "target": figure_text(r["target"]),
            "gap": figure_text(r["gap"]),
            "agreed": f"{consensus_levels[str(r['domain'])]:g}"
            if str(r["domain"]) in consensus_levels
            else "",
            "n": int(r["n"]),
            "questions": questions_shown(bank, str(r["domain"]), r["items_shown"]),
        }
        for r in ranked.to_dict("records")
    ]
    charts.add(
        "gaps",
        gaps_ranked(domains, label_column="title", title="Gap per domain"),
        alt="Bar chart of the gap between target and current level per domain, largest first; the table "
        "below gives the figures.",
        height=max(300, 110 + 22 * len(domains)),
    )

    # Where we disagree: split questions and how their answers spread over the scale.
    items = scores.items
    split = items.loc[items["split"].eq(True)].sort_values("iqr", ascending=False, kind="stable")
    split_ids = split["item_id"].astype(str).tolist()
    context["split_items"] = []
    if split_ids:
        counts = level_counts(scored.answers, split_ids, levels=bank.max_level)
        counts["item_label"] = counts["item_id"].map(texts)
        charts.add(
            "distribution",
            answer_distribution(counts, scale_labels=scale, title="How the answers spread"),
            alt="Stacked bar chart of how many people chose each level on the split questions; the table "
            "below gives the counts.",
            height=max(300, 110 + 40 * len(split_ids)),
        )
        by_item = {
            (str(i), int(level)): int(c)
            for i, level, c in zip(counts["item_id"], counts["level"], counts["count"], strict=True)
        }
        context["split_items"] = [
            {
                "text": texts.get(str(r["item_id"]), str(r["item_id"])),
                "domain": titles.get(str(r["domain"]), str(r["domain"])),
                "median": figure_text(r["current"]),
                "iqr": figure_text(r["iqr"]),
                "far": f"{r['split_share']:.0%}",
                "counts": [by_item.get((str(r["item_id"]), n), 0) for n in range(1, bank.max_level + 1)],
            }
            for r in split.to_dict("records")
        ]

    # The sector lens: withheld sectors are columns of the word "withheld", never numbers.
    sector_ids = scores.sectors_n["sector"].astype(str).tolist()
    withheld_sectors = set(
        scores.sectors_n.loc[scores.sectors_n["withheld"].astype(bool), "sector"].astype(str)
    )
    lens = scores.sectors
    cells = {(str(r["domain"]), str(r["sector"])): figure_text(r["current"]) for r in lens.to_dict("records")}
    context["lens"] = {
        "sectors": [{"label": sector_names.get(s, s), "withheld": s in withheld_sectors} for s in sector_ids],
        "rows": [
            {"title": titles.get(d, d), "cells": [cells.get((d, s), "withheld") for s in sector_ids]}
            for d in domains["domain"].astype(str)
        ],
        "gaps": [
            {"title": titles.get(str(r["domain"]), str(r["domain"])), "gap": figure_text(r["gap"])}
            for r in scores.perception_gaps.to_dict("records")
        ],
        "reading": readings.perception(scores.perception_gaps, titles),
    }
    if len(sector_ids) > len(withheld_sectors):
        charts.add(
            "lens",
            sector_lens(
                lens,
                sector_labels=sector_names,
                scale_labels=scale,
                title="Each sector's view, domain by domain",
            ),
            alt="Chart of each sector's current level per domain; withheld sectors are left out. The table "
            "below gives the figures.",
            height=max(360, 120 + 28 * len(domains)),
        )

    # Spectrum and accountability.
    spectrum_labels = {
        i.id: (i.text, i.poles[0], i.poles[1]) for _, i in bank.iter_items() if isinstance(i, SpectrumItem)
    }
    context["spectrum"] = [
        {
            "text": spectrum_labels[str(r["item_id"])][0],
            "poles": spectrum_labels[str(r["item_id"])][1:],
            "now": figure_text(r["now"]),
            "preferred": figure_text(r["preferred"]),
            "shift": "withheld" if r["withheld"] else f"{float(r['shift']):+.2f}",
        }
        for r in scores.spectrum.to_dict("records")
        if str(r["item_id"]) in spectrum_labels
    ]
    if not scores.spectrum.empty and not scores.spectrum["withheld"].all():
        charts.add(
            "spectrum",
            spectrum_dumbbells(scores.spectrum, labels=spectrum_labels, title="Now and preferred"),
            alt="Dumbbell chart of where the team places the partnership now and where it would prefer to be "
            "on each spectrum question; the table gives the figures.",
            height=max(280, 110 + 60 * len(scores.spectrum)),
        )
    function_labels = {
        f.id: f.label for _, i in bank.iter_items() if isinstance(i, AccountabilityItem) for f in i.functions
    }
    tier_labels = {
        t.id: t.label for _, i in bank.iter_items() if isinstance(i, AccountabilityItem) for t in i.tiers
    }
    accountability = scores.accountability
    context["accountability"] = [
        {
            "situation": function_labels.get(str(r["function_id"]), str(r["function_id"])),
            "modal": tier_labels.get(r["modal_tier"], "—") if r["modal_tier"] else "—",
            "clarity": "withheld" if pd.isna(r["clarity"]) else f"{r['clarity']:.0%}",
            "unclear": (not pd.isna(r["clarity"])) and r["clarity"] < bank.clarity_flag,
            "n": int(r["n"]),
        }
        for r in accountability.to_dict("records")
    ]
    context["accountability_reading"] = readings.accountability(
        accountability, function_labels, flag=bank.clarity_flag
    )
    if not accountability.empty and accountability["clarity"].notna().any():
        charts.add(
            "accountability",
            accountability_bars(
                accountability,
                function_labels=function_labels,
                tier_labels=tier_labels,
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
            "about": titles.get(r.domain_id, r.domain_id)
            + (f": {texts.get(r.item_id, r.item_id)}" if r.item_id else ""),
            "level": f"{r.level:g}",
            "rationale": r.rationale,
            "dissent": r.dissent,
            "by": r.recorded_by,
            "on": long_date(r.recorded_at.date()),
        }
        for r in sorted(report.consensus.values(), key=lambda c: (c.domain_id, c.item_id or ""))
    ]
    context["actions"] = [
        {
            "title": a.title,
            "domain": titles.get(a.domain_id, a.domain_id),
            "owner": a.owner,
            "due": long_date(a.due_on) if a.due_on else "",
            "status": a.status,
            "round": a.round_label or "",
        }
        for a in report.actions
    ]

    # The trend, when there are earlier rounds.
    trend = report.trend
    rounds = trend.drop_duplicates("workshop_id")
    context["trend"] = None
    if len(rounds) > 1:
        # A domain per row and a round per column (the latest few): a board reads across a row.
        shown_rounds = rounds.tail(TREND_ROUNDS_SHOWN)
        round_labels = shown_rounds["round"].astype(str).tolist()
        recent = trend.loc[trend["workshop_id"].isin(shown_rounds["workshop_id"])]
        levels = (
            recent.pivot_table(
                index="domain", columns="workshop_id", values="current", aggfunc="first", sort=False
            )
            .reindex(index=list(dict.fromkeys(trend["domain"].astype(str))))
            .reindex(columns=shown_rounds["workshop_id"].tolist())
        )
        trend_titles = dict(zip(trend["domain"].astype(str), trend["title"].astype(str), strict=False))
        latest = trend.loc[trend["workshop_id"] == rounds["workshop_id"].iloc[-1]]
        changes = dict(zip(latest["domain"].astype(str), latest["current_change"], strict=True))
        context["trend"] = {
            "rounds": [
                {
                    "label": str(r["round"]),
                    "held_on": long_date(r["held_on"]),
                    "respondents": int(r["respondents"]),
                }
                for r in rounds.to_dict("records")
            ],
            "version_changes": version_changes(trend),
            "labels": round_labels,
            "rows": [
                {
                    "title": trend_titles[str(domain)],
                    "cells": [figure_text(v) for v in row],
                    "change": change_text(changes.get(str(domain))),
                }
                for domain, row in levels.iterrows()
            ],
        }
        charts.add(
            "trend",
            trend_lines(
                trend,
                scale_labels=scale,
                title="Team's current level, round by round",
                version_changes=version_changes(trend),
            ),
            alt="Line chart of each domain's current level round by round; the table gives the figures.",
            height=460,
        )

    context["comments"] = _comments(report, texts)
    drawn, problem = charts.draw()
    context.update(charts=drawn, charts_problem=problem)
    return context


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    # Only the data: URIs the report itself made are read; nothing from disk or the network.
    return URLFetcher(allowed_protocols={"data"})


@functools.cache
def _stylesheet() -> Any:
    """The parsed stylesheet, kept: parsing it again for every PDF cost about a tenth of the time."""
    from weasyprint import CSS

    return CSS(string=(TEMPLATES / "report.css").read_text(encoding="utf-8"), url_fetcher=_fetcher())


def render_pdf(html: str, *, title: str) -> bytes:
    """Typeset HTML as tagged PDF/UA-1 (structure tags, language, title), fonts embedded."""
    from weasyprint import HTML  # imported here: slow to import, and only a PDF needs it

    stylesheet = _stylesheet()
    fetcher = _fetcher()
    document = HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(
        stylesheets=[stylesheet], pdf_variant="pdf/ua-1", pdf_identifier=title.encode("utf-8")
    )
    return pdf


def summary_filename(workshop: WorkshopInfo) -> str:
    return f"{safe_filename(workshop.partnership)}-{workshop.held_on.isoformat()}-summary.pdf"


def summary_pdf(report: WorkshopReport, *, exporter: ChartExporter | None = None) -> SummaryPdf:
    return typeset_summary(report, summary_context(report, exporter))


def typeset_summary(report: WorkshopReport, context: dict[str, Any]) -> SummaryPdf:
    html = _environment.get_template("summary.html.j2").render(**context)
    workshop = report.scored.workshop
    return SummaryPdf(
        content=render_pdf(html, title=context["document_title"]),
        filename=summary_filename(workshop),
        charts_problem=context["charts_problem"],
    )


def workshop_summary_pdf(
    *, session: Session, workshop_id: int, exporter: ChartExporter | None = None, charts: bool = True
) -> SummaryPdf:
    """The board summary of one workshop; charts drawn by the process's shared browser by default."""
    report = gather_workshop_report(session=session, workshop_id=workshop_id)
    return summary_pdf(report, exporter=(exporter or shared_exporter()) if charts else None)


# --- the cohort pack ----------------------------------------------------------------------------------


def cohort_overview_pdf(
    comparison: CohortComparison,
    *,
    scale_labels: Sequence[str],
    exporter: ChartExporter | None,
    made_on: date | None = None,
) -> SummaryPdf:
    """One page (or two) for the cohort: every partnership's latest round side by side."""
    scale = list(scale_labels)
    domains = comparison.domains
    partnerships = comparison.partnerships
    titles = list(dict.fromkeys(domains["title"].astype(str))) if not domains.empty else []
    grid: dict[tuple[str, str], str] = {
        (str(r["name"]), str(r["title"])): figure_text(r["current"]) for r in domains.to_dict("records")
    }
    charts = _Charts(exporter)
    if not domains.empty and domains["current"].notna().any():
        charts.add(
            "heatmap",
            cohort_heatmap(
                domains, comparison.cohort_median, scale_labels=scale, title="Latest round, by domain"
            ),
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
            {"name": str(name), "cells": [grid.get((str(name), t), "withheld") for t in titles]}
            for name in partnerships["name"]
        ],
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
    html = _environment.get_template("cohort_overview.html.j2").render(**context)
    return SummaryPdf(
        content=render_pdf(html, title=title),
        filename="cohort-overview.pdf",
        charts_problem=problem,
    )


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
    rows = session.execute(select(Workshop.id, Workshop.join_code).where(Workshop.join_code.in_(codes))).all()
    by_code = {code: wid for wid, code in rows}
    return [by_code[c] for c in codes if c in by_code]


def cohort_pack(
    *,
    session: Session,
    cohort_id: int,
    exporter: ChartExporter | None = None,
    charts: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[PackFile]:
    """One summary per partnership's latest round, then the cohort overview, made one at a time.

    ``progress(done, total, what)`` is called before each file and once at the end, so a bar
    can move as they are made.
    """
    if session.get(Cohort, cohort_id) is None:
        raise NotFound("no such cohort")
    drawer = (exporter or shared_exporter()) if charts else None
    workshop_ids = latest_workshops(session=session, cohort_id=cohort_id)
    total = len(workshop_ids) + 1
    used: set[str] = set()
    scale: list[str] = []
    # A pipeline of two: while this PDF is typeset (Python, on this thread), the browser draws
    # the next one's charts (another process, waited on by the worker thread). Database reads
    # stay on this thread, which owns the session.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-charts") as charts_ahead:
        pending: tuple[WorkshopReport, Future[dict[str, Any]]] | None = None
        for done, workshop_id in enumerate([*workshop_ids, None]):
            following = None
            if workshop_id is not None:
                report = gather_workshop_report(session=session, workshop_id=workshop_id)
                scale = scale or _scale(report.scored.bank)
                following = (report, charts_ahead.submit(summary_context, report, drawer))
            if pending is not None:
                made, context = pending
                if progress:
                    progress(done - 1, total, made.scored.workshop.partnership)
                pdf = typeset_summary(made, context.result())
                name, copy = pdf.filename, 1
                while name in used:  # two partnerships whose names make the same file name
                    copy += 1
                    name = pdf.filename.replace(".pdf", f"-{copy}.pdf")
                used.add(name)
                yield PackFile(name, pdf.content)
            pending = following
    if progress:
        progress(total - 1, total, "cohort overview")
    comparison = compare_cohort(session=session, cohort_id=cohort_id)
    overview = cohort_overview_pdf(comparison, scale_labels=scale, exporter=drawer)
    yield PackFile(overview.filename, overview.content)
    if progress:
        progress(total, total, "done")


def zip_pack(files: Iterable[PackFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.writestr(file.filename, file.content)
    return buffer.getvalue()
