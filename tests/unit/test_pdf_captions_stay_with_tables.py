"""A table's caption is never left alone at the foot of a page: it starts on the page where its
table's first row is. Typst lets a breakable figure leave its caption behind when the first row
only fits on the next page (seen in the sample summary: "Rounds and respondents" alone at the
bottom of a page, its table over the leaf)."""

from __future__ import annotations

import io

import typst
from pypdf import PdfReader

from assessment.report import TEMPLATES

CAPTION = "Rounds and respondents"
HEADER = "Respondents"
# A table pushed down the page by a gap of this many millimetres; the steps cover the table
# starting on the page, splitting across two, only its caption fitting, and all of it moved on.
GAPS_MM = range(226, 256, 2)


def document(gap_mm: int) -> bytes:
    source = f"""
#import "/report.typ": page-setup, data-table
#show: page-setup.with((document_title: "Captions"), "Captions")
#v({gap_mm}mm)
#data-table("{CAPTION}", ("Round", "Held", "{HEADER}"),
  (("Round 1", "4 November 2025", "15"), ("Round 2", "24 March 2026", "16")))
"""
    return typst.compile(source.encode(), root=str(TEMPLATES), format="pdf")


def pages_with(pdf: bytes, text: str) -> list[int]:
    return [n for n, page in enumerate(PdfReader(io.BytesIO(pdf)).pages) if text in page.extract_text()]


def test_a_tables_caption_is_on_the_page_where_its_table_begins() -> None:
    where = {
        gap: (pages_with(pdf, CAPTION), pages_with(pdf, HEADER)) for gap in GAPS_MM for pdf in [document(gap)]
    }
    # The gaps do reach every case: a table on one page, split over two, and moved to the next.
    assert {len(headers) for _, headers in where.values()} == {1, 2}
    assert any(headers == [1] for _, headers in where.values())
    orphaned = {gap: pages for gap, pages in where.items() if pages[0] != pages[1][:1]}
    assert orphaned == {}
