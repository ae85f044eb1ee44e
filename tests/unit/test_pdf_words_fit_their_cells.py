"""A word wider than its table cell stays inside it, hyphenated, instead of running into the next
column; a word that fits is never hyphenated. Typst breaks lines only between words, so a sector
called "Neighbourhoods" in the sector lens's narrow columns (seven sectors at 7.5 pt) ran into
"Commissioners" beside it. Read from where the PDF draws each word."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import typst

from assessment.report import TEMPLATES

MM = 72 / 25.4  # points in a millimetre
LEFT_MARGIN_MM, CONTENT_MM = 18, 210 - 2 * 18  # templates/report.typ's A4 page
LONG = ["Neighbourhoods", "Commissioners", "Representatives", "Accountabilities", "Safeguarding"]
FITTING = ["Local authority", "ICS NHS body", "Other (withheld)"]
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def lens_like_table(labels: list[str], folder: Path, templates: Path = TEMPLATES) -> Path:
    """A table shaped as the summary's sector lens (templates/summary.typ): a 19% first column,
    one equal column a sector, 7.5 pt."""
    cells = ", ".join(json.dumps(label) for label in labels)
    figures = ", ".join('"2.50"' for _ in labels)
    source = f"""
#import "/report.typ": page-setup, data-table
#show: page-setup.with((document_title: "Lens"), "Lens")
#data-table("Lens", ("Domain", {cells}), (("Shared purpose", {figures}),),
  columns: (19%,) + (1fr,) * {len(labels)}, size: 7.5pt)
"""
    pdf = folder / "lens.pdf"
    pdf.write_bytes(typst.compile(source.encode(), root=str(templates), format="pdf"))
    return pdf


def drawn_words(pdf: Path) -> list[tuple[float, float, str]]:
    """Each word on the first page with where it starts and ends, left to right, in points."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext missing: `make test` installs poppler-utils"
    page = subprocess.run(
        [pdftotext, "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [(float(x0), float(x1), text) for x0, x1, text in WORD.findall(page)]


def columns_of(labels: list[str]) -> list[tuple[float, float]]:
    left, width = LEFT_MARGIN_MM * MM, CONTENT_MM * MM
    first = 0.19 * width
    each = (width - first) / len(labels)
    bounds = [(left, left + first)]
    return bounds + [(left + first + n * each, left + first + (n + 1) * each) for n in range(len(labels))]


def words_across_columns(labels: list[str], folder: Path, templates: Path = TEMPLATES) -> list[str]:
    columns = columns_of(labels)
    return [
        text
        for x0, x1, text in drawn_words(lens_like_table(labels, folder, templates))
        if not any(start - 0.5 <= x0 and x1 <= end + 0.5 for start, end in columns)
    ]


def test_a_word_wider_than_its_column_is_hyphenated_inside_it(tmp_path: Path) -> None:
    labels = [*LONG, *FITTING]
    assert words_across_columns(labels, tmp_path) == []
    printed = [text for _, _, text in drawn_words(tmp_path / "lens.pdf")]
    assert any(text.endswith(("-", "\xad")) for text in printed)  # broken with a hyphen, not anywhere
    for label in FITTING:  # words that fit are left whole
        assert all(word in printed for word in label.split())


def test_the_check_sees_a_word_running_into_the_next_column(tmp_path: Path) -> None:
    """Without hyphenation the same words run past their columns: the check above can fail."""
    labels = [*LONG, *FITTING]
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    report_typ = templates / "report.typ"
    unfitted = report_typ.read_text(encoding="utf-8").replace(
        "text(hyphenate: true, word)", "text(hyphenate: false, word)"
    )
    assert unfitted != report_typ.read_text(encoding="utf-8")
    report_typ.write_text(unfitted, encoding="utf-8")
    assert words_across_columns(labels, tmp_path, templates) != []
