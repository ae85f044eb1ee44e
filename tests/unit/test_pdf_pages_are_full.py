"""No page of the board summary is left mostly empty by a forced break: on the sample data's latest
round, every page but the last is at least a third full. The fill is read from the pages as a
reader sees them (each turned into a picture: how far down its content box anything is drawn),
with the charts drawn."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import typst
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from assessment import report
from assessment.chart_export import shared_exporter
from assessment.db import make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import load_demo
from assessment.migrate import upgrade_database

LEAST_FILL = 1 / 3
RAW = re.compile(r"(?<![\w-])(None|NaN|nan|NaT|<NA>)(?![\w-])")
# The page's content box in millimetres (templates/report.typ): the running header sits above it
# and the page number below it, so neither counts as content.
PAGE_HEIGHT, TOP, BOTTOM = 297, 18, 20
DPI = 40


def page_fill(pdf: bytes, folder: Path) -> list[float]:
    """How far down each page its content reaches, as a share of the page's content height."""
    for old in folder.glob("fill-*.png"):
        old.unlink()
    source = folder / "fill.pdf"
    source.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make test` installs poppler-utils"
    subprocess.run([pdftoppm, "-png", "-gray", "-r", str(DPI), str(source), str(folder / "fill")], check=True)
    fills = []
    for picture in sorted(folder.glob("fill-*.png")):
        page = Image.open(picture)
        per_mm = page.height / PAGE_HEIGHT
        top, bottom = round(TOP * per_mm), round((PAGE_HEIGHT - BOTTOM) * per_mm)
        content = page.crop((0, top, page.width, bottom)).point(lambda shade: 255 if shade < 250 else 0)
        drawn = content.getbbox()  # the box around every pixel that is not white
        fills.append(0.0 if drawn is None else drawn[3] / (bottom - top))
    return fills


def test_the_fill_check_sees_a_page_left_empty_by_a_forced_break(tmp_path: Path) -> None:
    page = '#set page(paper: "a4", margin: (x: 18mm, top: 18mm, bottom: 20mm), footer: [Page 1])\n'
    pdf = typst.compile((page + "one line\n#pagebreak()\nanother\n#v(200mm)\nlow").encode(), format="pdf")
    fills = page_fill(pdf, tmp_path)
    assert len(fills) == 2 and fills[0] < 0.05 and fills[1] > 0.75


@pytest.fixture(scope="module")
def summary_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('fill')) / 'demo.db'}")
    upgrade_database(engine)
    load_demo(engine=engine)
    with transaction(engine) as session:
        latest = session.scalar(select(Workshop.id).order_by(Workshop.held_on.desc()).limit(1))
        assert latest is not None
        gathered = report.gather_workshop_report(session=session, workshop_id=latest)
    context = report.summary_context(gathered, shared_exporter())
    assert context["charts_problem"] is None, context["charts_problem"]
    return report.render_pdf(report.typst_document("summary", context), title="sample summary")


def test_no_page_but_the_last_is_left_two_thirds_empty(summary_pdf: bytes, artifacts_dir: Path) -> None:
    # Every page as a picture, for a person to look at after the run.
    pages = artifacts_dir / "pdf-summary"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("page-*.png"):
        old.unlink()
    pdf = pages / "summary.pdf"
    pdf.write_bytes(summary_pdf)
    fills = page_fill(summary_pdf, pages)
    assert len(fills) >= 3
    subprocess.run(
        [str(shutil.which("pdftoppm")), "-png", "-r", "60", str(pdf), str(pages / "page")], check=True
    )
    assert len(list(pages.glob("page-*.png"))) == len(fills)
    # and no raw value or cut word anywhere in it
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(summary_pdf)).pages)
    assert RAW.findall(text) == []
    assert [line for line in text.splitlines() if line.rstrip().endswith(("…", "..."))] == []
    assert [f"page {n}: {fill:.0%}" for n, fill in enumerate(fills[:-1], 1) if fill < LEAST_FILL] == []
