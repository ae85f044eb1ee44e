"""Evidence beside an agreed level reaches every output through the one presentation model: the PDF
(a section per domain, text escaped, a link annotation only for a web address) and the consensus
export (neutralised, so a note that starts like a formula is never run as one)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment.db import create_cohort, create_partnership, transaction
from assessment.outcomes import Evidence
from assessment.report import workshop_summary_pdf
from assessment.services import Actor
from assessment.services.exports import outcomes_file
from assessment.services.outcomes import record_consensus, set_evidence
from assessment.services.results import workshop_results
from tests.conftest import PROJECT_ROOT
from tests.pdf_text import flat_text
from tests.storage.conftest import add_round

OPERATOR = Actor.operator("facilitator@example.org")
SCRIPT_NOTE = "<script>alert('regulator')</script> board paper 12"
FORMULA_NOTE = '=HYPERLINK("http://evil.example","click")'
MARKDOWN_NOTE = "**Risk register** [see](javascript:alert(1)) entry 4"
WEB_LINK = "https://example.org/minutes/2026-03?item=4&a=(b)"
EVIDENCE = (
    Evidence(SCRIPT_NOTE, WEB_LINK),
    Evidence(FORMULA_NOTE, ""),
    Evidence(MARKDOWN_NOTE, "http://example.org/register"),
)


def _workshop_with_evidence(engine: Engine) -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Kestrel ICS", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="Round 1",
        held_on=date(2026, 3, 1),
        answers={"shared-purpose-stated": [(2, 4), (3, 4), (1, 3)]},
    )
    record_consensus(
        engine=engine,
        actor=OPERATOR,
        workshop_id=workshop,
        domain_id="shared-purpose",
        level=2.5,
        rationale="Agreed after debate",
        dissent="",
    )
    set_evidence(
        engine=engine, actor=OPERATOR, workshop_id=workshop, domain_id="shared-purpose", items=EVIDENCE
    )
    return workshop


def test_the_model_carries_each_domains_evidence_with_which_links_may_be_live(engine: Engine) -> None:
    workshop = _workshop_with_evidence(engine)
    model = workshop_results(engine=engine, actor=OPERATOR, workshop_id=workshop)
    [row] = [c for c in model.consensus if c.domain_id == "shared-purpose"]
    assert [(e.note, e.link, e.web) for e in row.evidence] == [
        (SCRIPT_NOTE, WEB_LINK, True),
        (FORMULA_NOTE, "", False),
        (MARKDOWN_NOTE, "http://example.org/register", True),
    ]


def test_the_pdf_has_an_evidence_section_with_the_text_escaped_and_web_links_annotated(
    engine: Engine,
) -> None:
    workshop = _workshop_with_evidence(engine)
    with transaction(engine) as session:
        pdf = workshop_summary_pdf(session=session, workshop_id=workshop, charts=False)
    reader = PdfReader(io.BytesIO(pdf.content))
    text = flat_text(pdf.content)
    assert "Evidence for Shared purpose" in text
    # The script came through as text, so it was never markup.
    assert "<script>alert('regulator')</script> board paper 12" in text
    assert FORMULA_NOTE in text and "**Risk register** [see](javascript:alert(1)) entry 4" in text
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Link"
        and "/URI" in annotation.get_object().get("/A", {})
    ]
    assert WEB_LINK in links and "http://example.org/register" in links
    assert not [link for link in links if not str(link).startswith(("http://", "https://"))]
    _keep_a_picture(pdf.content, reader, text)


def _keep_a_picture(content: bytes, reader: PdfReader, text: str) -> None:
    """The page with the evidence, as PNG under artifacts/, for a person to look at."""
    renderer = shutil.which("pdftoppm")
    if renderer is None or os.environ.get("CI"):
        return
    page = next(
        n for n, p in enumerate(reader.pages, start=1) if "Evidence for" in " ".join(p.extract_text().split())
    )
    out = PROJECT_ROOT / "artifacts" / "report"
    out.mkdir(parents=True, exist_ok=True)
    pdf_path = Path(out / "evidence.pdf")
    pdf_path.write_bytes(content)
    subprocess.run(
        [
            renderer,
            "-png",
            "-r",
            "80",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf_path),
            str(out / "evidence-page"),
        ],
        check=True,
    )


def test_the_consensus_export_carries_the_evidence_neutralised(engine: Engine) -> None:
    workshop = _workshop_with_evidence(engine)
    made = outcomes_file(engine=engine, actor=OPERATOR, workshop_id=workshop, fmt="csv", table="consensus")
    [row] = list(csv.DictReader(io.StringIO(made.content.decode("utf-8-sig"))))
    cell = next(v for k, v in row.items() if k.startswith("Evidence"))
    lines = cell.split("\n")
    assert lines[0] == f"{SCRIPT_NOTE} ({WEB_LINK})"
    assert lines[1] == FORMULA_NOTE  # inside the cell: only the cell's start could run
    book = openpyxl.load_workbook(
        io.BytesIO(outcomes_file(engine=engine, actor=OPERATOR, workshop_id=workshop, fmt="xlsx").content)
    )
    sheet = book["Consensus"]
    headings = [c.value for c in sheet[1]]
    evidence = sheet.cell(
        row=2, column=headings.index(next(h for h in headings if str(h).startswith("Evidence"))) + 1
    )
    assert evidence.data_type == "s" and str(evidence.value).startswith("<script>")


def test_a_single_note_that_starts_like_a_formula_is_neutralised_in_the_export(engine: Engine) -> None:
    workshop = _workshop_with_evidence(engine)
    set_evidence(
        engine=engine,
        actor=OPERATOR,
        workshop_id=workshop,
        domain_id="shared-purpose",
        items=[Evidence(FORMULA_NOTE, "")],
    )
    made = outcomes_file(engine=engine, actor=OPERATOR, workshop_id=workshop, fmt="csv", table="consensus")
    [row] = list(csv.DictReader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert next(v for k, v in row.items() if k.startswith("Evidence")) == "'" + FORMULA_NOTE
