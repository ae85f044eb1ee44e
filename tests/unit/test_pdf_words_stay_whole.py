"""No word in the PDF's tables is broken across lines ("Responde / nts", "circumstance / s"): the
columns are wide enough for the words they hold, on the sample data's latest round."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from assessment import report
from assessment.db import make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database

# words of three letters or more, and figures such as "-1.00": either broken reads wrongly
LONG_WORD = re.compile(r"[A-Za-z]{3,}|[+-]?\d+\.\d+")


class _Text(HTMLParser):
    """The text a reader sees (not the stylesheet), and that of the table cells apart."""

    def __init__(self) -> None:
        super().__init__()
        self.cell_depth = 0
        self.hidden_depth = 0
        self.seen: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("th", "td"):
            self.cell_depth += 1
            self.cells.append("")
        if tag in ("style", "script", "title"):
            self.hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self.cell_depth -= 1
        if tag in ("style", "script", "title"):
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        self.seen.append(data)
        if self.cell_depth:
            self.cells[-1] += data


def broken_words(html: str, pdf_text: str) -> list[str]:
    """Long words of the tables that the PDF holds whole fewer times than the page it was made
    from: a word broken across lines comes out of the PDF as two."""
    parser = _Text()
    parser.feed(html)
    seen = " ".join(parser.seen)
    words = {word for cell in parser.cells for word in LONG_WORD.findall(cell)}

    def count(word: str, text: str) -> int:  # any case: a stylesheet may set a heading in capitals
        return len(re.findall(rf"(?<![\w.+-]){re.escape(word)}(?![\w.])", text, flags=re.IGNORECASE))

    return sorted(word for word in words if count(word, pdf_text) < count(word, seen))


def test_the_check_sees_a_word_broken_across_lines() -> None:
    html = "<table><tr><th>Respondents</th><td>circumstances</td><th>Now</th><td>-1.00</td></tr></table>"
    assert broken_words(html, "Responde\nnts circumstances No\nw -1.0\n0") == ["-1.00", "Now", "Respondents"]


@pytest.fixture(scope="module")
def demo_summary(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('pdf')) / 'demo.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
        assert latest is not None
        gathered = report.gather_workshop_report(session=session, workshop_id=latest)
    context = report.summary_context(gathered, None)
    html = report._environment.get_template("summary.html.j2").render(**context)
    pdf = report.typeset_summary(gathered, context)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    return html, text


def test_no_word_in_the_summarys_tables_is_broken_across_lines(demo_summary: tuple[str, str]) -> None:
    html, text = demo_summary
    assert broken_words(html, text) == []
