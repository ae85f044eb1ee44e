"""The text of a PDF as a reader's screen reader or search would find it."""

from __future__ import annotations

import io

from pypdf import PdfReader


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
