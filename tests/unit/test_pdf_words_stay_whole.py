"""No word in the PDF is broken across lines ("Responde / nts", "circumstance / s"): the columns
are wide enough for the words they hold, on the sample data's latest round, charts drawn.

Every word the summary prints (its data's text, and the template's own words) is looked for in
the PDF's text broken at each of its letters by a line break, with or without a hyphen."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from assessment import report
from assessment.chart_export import shared_exporter
from assessment.db import make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database

# words of three letters or more, and figures such as "-1.00": either broken reads wrongly
LONG_WORD = re.compile(r"[A-Za-z]{3,}|[+-]?\d+\.\d+")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key != "charts" for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def printed_words(document: str) -> set[str]:
    """The long words of a `typst_document`'s text and of the templates' own words."""
    own = [
        text
        for template in sorted(report.TEMPLATES.glob("*.typ"))
        for text in re.findall(r'"([^"\n]*)"|\[([^\]#\n]*)\]', template.read_text(encoding="utf-8"))
        for text in text
    ]
    return {word for text in [*_strings(json.loads(document)), *own] for word in LONG_WORD.findall(text)}


def broken_words(words: set[str], pdf_text: str) -> list[str]:
    """The words the PDF's text holds broken across two lines somewhere."""
    return sorted(
        word
        for word in words
        if any(
            re.search(
                rf"(?<![\w.+-]){re.escape(word[:cut])}-?\n\s*{re.escape(word[cut:])}(?![\w.])", pdf_text
            )
            for cut in range(1, len(word))
        )
    )


def test_the_check_sees_a_word_broken_across_lines() -> None:
    text = "Responde\nnts circumstances No\nw -1.0\n0 circum-\nstance"
    assert broken_words({"Respondents", "circumstances", "Now", "-1.00", "circumstance"}, text) == [
        "-1.00",
        "Now",
        "Respondents",
        "circumstance",
    ]


@pytest.fixture(scope="module")
def demo_summary(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('pdf')) / 'demo.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
        assert latest is not None
        gathered = report.gather_workshop_report(session=session, workshop_id=latest)
    context = report.summary_context(gathered, shared_exporter())
    pdf = report.typeset_summary(gathered, context)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    return printed_words(report.typst_document("summary", context)), text


def test_no_word_in_the_summary_is_broken_across_lines(demo_summary: tuple[set[str], str]) -> None:
    words, text = demo_summary
    assert {"Respondents", "Shared", "purpose", "withheld"} <= words  # the template's and the data's
    assert broken_words(words, text) == []
