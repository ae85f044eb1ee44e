"""No page of the board summary is left mostly empty by a forced break: on the sample data's latest
round, every page but the last is at least a third full. The fill is read from WeasyPrint's own
layout (where the last line or picture of each page ends), with the charts drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from assessment import report
from assessment.chart_export import shared_exporter
from assessment.db import make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database

LEAST_FILL = 1 / 3
RAW = re.compile(r"(?<![\w-])(None|NaN|nan|NaT|<NA>)(?![\w-])")


def page_fill(html: str) -> list[float]:
    """How far down each page its content reaches, as a share of the page's content height."""
    document = HTML(string=html, url_fetcher=report._fetcher()).render(stylesheets=[report._stylesheet()])
    fills = []
    for page in document.pages:
        page_box = page._page_box
        top = page_box.content_box_y()
        bottom = top
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):  # the running header and the page number
                continue
            for box in child.descendants():
                if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)):
                    bottom = max(bottom, box.position_y + box.margin_height())
        fills.append((bottom - top) / page_box.height)
    return fills


def test_the_fill_check_sees_a_page_left_empty_by_a_forced_break() -> None:
    html = "<p>one line</p><p style='break-before: page'>another</p>"
    fills = page_fill(html)
    assert len(fills) == 2 and fills[0] < LEAST_FILL


@pytest.fixture(scope="module")
def summary_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('fill')) / 'demo.db'}")
    upgrade_database(engine)
    load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
        assert latest is not None
        gathered = report.gather_workshop_report(session=session, workshop_id=latest)
    context = report.summary_context(gathered, shared_exporter())
    assert context["charts_problem"] is None, context["charts_problem"]
    return report._environment.get_template("summary.html.j2").render(**context)


def test_no_page_but_the_last_is_left_two_thirds_empty(summary_html: str, artifacts_dir: Path) -> None:
    fills = page_fill(summary_html)
    assert len(fills) >= 3
    # Every page as a picture, for a person to look at after the run.
    pages = artifacts_dir / "pdf-summary"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("page-*.png"):
        old.unlink()
    pdf = pages / "summary.pdf"
    pdf.write_bytes(report.render_pdf(summary_html, title="sample summary"))
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make test` installs poppler-utils"
    subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf), str(pages / "page")], check=True)
    assert len(list(pages.glob("page-*.png"))) == len(fills)
    # and no raw value or cut word anywhere in it
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert RAW.findall(text) == []
    assert [line for line in text.splitlines() if line.rstrip().endswith(("…", "..."))] == []
    assert [f"page {n}: {fill:.0%}" for n, fill in enumerate(fills[:-1], 1) if fill < LEAST_FILL] == []
