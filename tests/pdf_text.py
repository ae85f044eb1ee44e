"""The text of a PDF as a reader's screen reader or search would find it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pypdf import PdfReader

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from assessment.chart_export import ChartRequest


def flat_text(pdf: bytes) -> str:
    """Every page's text with runs of whitespace (including line breaks in cells) as one space, and
    without the zero-width spaces that let a long run of letters break (templates/report.typ)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().replace("\u200b", "").split()) for page in reader.pages)


def small_document(title: str) -> str:
    """A whole document the typesetter can typeset: a cohort overview of a cohort with no rounds."""
    from assessment.report import typst_document

    context = {
        "document_title": title,
        "cohort": title,
        "made_on": "1 December 2026",
        "threshold": 3,
        "charts": {},
        "charts_problem": None,
        "partnerships": [],
        "titles": [],
        "grid": [],
        "not_asked": False,
        "earlier": [],
        "median": [],
        "quartiles_shown": False,
    }
    return typst_document("cohort overview", context)


@dataclass
class CollectingCharts:
    """Stands in for the chart browser: keeps what a PDF asks to draw, draws none of it."""

    problem: str | None = None
    requests: list[ChartRequest] = field(default_factory=list)

    def svgs(self, requests: list[ChartRequest]) -> list[str | None]:
        self.requests += requests
        return [None] * len(requests)

    def figures(self) -> list[go.Figure]:
        return [request.figure for request in self.requests]
