"""The board PDF read back as a board member's PDF reader would: text, pages, fonts, tags.

One two-round workshop is built and its summary made once (with charts, in the real browser) for
most checks; a second backend, a missing browser, a withheld workshop and the cohort pack each
make their own. Page 1 is rendered to PNG under artifacts/ for a person to look at.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment.answers import Answer
from assessment.chart_export import ChartExporter, shared_exporter
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
)
from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, parse_bank
from assessment.migrate import upgrade_database
from assessment.outcomes import create_action, record_consensus
from assessment.report import cohort_pack, workshop_summary_pdf, zip_pack
from assessment.results import score_stored_workshop, scores_document
from tests.conftest import PROJECT_ROOT
from tests.pdf_text import flat_text
from tests.storage.conftest import SHIPPED_BANK_TEXT, add_round

ARTIFACTS = PROJECT_ROOT / "artifacts" / "report"
DOMAINS = ["shared-purpose", "local-flexibility", "accountability"]
PARTNERSHIP = 'Riverside <b>ICS</b> & "Partners"'
SCRIPT_COMMENT = "<script>alert('board')</script> please read"
FORMULA_COMMENT = '=HYPERLINK("http://evil.example","click")'
RATIONALE = "Agreed after a long debate <i>not italic</i>"


@dataclass(frozen=True)
class Built:
    engine: Engine
    cohort_id: int
    partnership_id: int
    workshop_id: int


def _answer_all(session: Any, bank: QuestionBank, workshop: Any, person: int, level: tuple[int, int]) -> None:
    for domain_id in DOMAINS:
        for item in bank.domain(domain_id).items:
            if isinstance(item, AccountabilityItem):
                continue  # who holds accountability is not a level
            answer = Answer(item_id=item.id, current=level[0], target=level[1])
            save_answer(session=session, participant_id=person, answer=answer, bank=bank, domains=DOMAINS)
    submit_participant(session=session, participant_id=person)


def build(engine: Engine) -> Built:
    """Two rounds of one partnership; the second has three NHS trust and three council people
    answering levels 1-2 and one VCSE person (below the threshold of 3) answering 3-4, so any
    3.xx or 4.xx figure in the PDF could only have come from the withheld sector."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name=PARTNERSHIP, kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        bank = bank_for_version(session=session, bank_version_id=version)
        first = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Readiness workshop",
            held_on=date(2026, 3, 1),
            round_label="Round 1",
            domains=DOMAINS,
        )
        for index in range(3):
            person = add_participant(session=session, workshop_id=first.id, sector="nhs-trust")
            _answer_all(session, bank, first, person.id, (1, 2) if index else (2, 2))
        second = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Readiness workshop",
            held_on=date(2026, 9, 1),
            round_label="Round 2",
            domains=DOMAINS,
        )
        levels = [(1, 2), (2, 2), (2, 2), (1, 2), (2, 2), (1, 2)]
        for index, level in enumerate(levels):
            sector = "nhs-trust" if index < 3 else "local-authority"
            person = add_participant(session=session, workshop_id=second.id, sector=sector)
            _answer_all(session, bank, second, person.id, level)
        lone = add_participant(session=session, workshop_id=second.id, sector="vcse")
        for domain_id in DOMAINS:
            for n, item in enumerate(bank.domain(domain_id).items):
                if isinstance(item, MaturityItem):
                    answer = Answer(item_id=item.id, current=4 if n % 2 else 3, target=4)
                    save_answer(
                        session=session, participant_id=lone.id, answer=answer, bank=bank, domains=DOMAINS
                    )
        submit_participant(session=session, participant_id=lone.id)
        commenter = add_participant(session=session, workshop_id=second.id, sector="nhs-trust")
        item_ids = [i.id for i in bank.domain("shared-purpose").items]
        save_answer(
            session=session,
            participant_id=commenter.id,
            answer=Answer(item_id=item_ids[0], current=2, target=2, comment=SCRIPT_COMMENT),
            bank=bank,
            domains=DOMAINS,
        )
        save_answer(
            session=session,
            participant_id=commenter.id,
            answer=Answer(item_id=item_ids[1], current=1, target=2, comment=FORMULA_COMMENT),
            bank=bank,
            domains=DOMAINS,
        )
        submit_participant(session=session, participant_id=commenter.id)
        record_consensus(
            session=session,
            workshop_id=second.id,
            domain_id="shared-purpose",
            level=2,
            rationale=RATIONALE,
            dissent="Council colleagues wanted 1",
            actor="facilitator@example.org",
        )
        create_action(
            session=session,
            partnership_id=partnership,
            workshop_id=second.id,
            domain_id="shared-purpose",
            title="Write the shared purpose down",
            owner="Chief executive",
            due_on=date(2026, 12, 1),
            actor="facilitator@example.org",
        )
    return Built(engine, cohort, partnership, second.id)


def figure(value: float | None) -> str:
    return "withheld" if value is None else f"{value:.2f}"


def gaps_row(domain: dict[str, Any]) -> str:
    """A row of the gaps table as text: domain, now, target, gap."""
    return f"{domain['title']} {figure(domain['current'])} {figure(domain['target'])} {figure(domain['gap'])}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('report') / 'report.db'}")
    upgrade_database(engine)
    yield build(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def summary(built: Built) -> bytes:
    with transaction(built.engine) as session:
        pdf = workshop_summary_pdf(session=session, workshop_id=built.workshop_id)
    assert pdf.charts_problem is None, pdf.charts_problem
    return pdf.content


@pytest.fixture(scope="module")
def document(built: Built) -> dict[str, Any]:
    with transaction(built.engine) as session:
        return scores_document(score_stored_workshop(session=session, workshop_id=built.workshop_id))


def test_the_summary_names_the_partnership_and_every_domain_it_asked_about(
    summary: bytes, document: dict[str, Any]
) -> None:
    text = flat_text(summary)
    assert PARTNERSHIP in text  # the angle brackets and quotes as typed, not markup
    assert "Round 2" in text and "1 September 2026" in text
    for domain in document["domains"]:
        assert domain["title"] in text


def test_the_summary_says_the_same_numbers_as_scores_json(summary: bytes, document: dict[str, Any]) -> None:
    text = flat_text(summary)
    overall = document["overall"]
    assert f"Now (levels 1–4) {figure(overall['current'])}" in text
    assert f"Target (levels 1–4) {figure(overall['target'])}" in text
    assert f"Gap {figure(overall['gap'])}" in text
    assert f"Respondents {document['respondents']}" in text
    shown = [d for d in document["domains"] if d["current"] is not None]
    assert shown, "the workshop must have domain figures to compare"
    for domain in shown:
        assert gaps_row(domain) in text


def test_a_withheld_sector_is_marked_and_never_shown_as_numbers(
    summary: bytes, document: dict[str, Any]
) -> None:
    text = flat_text(summary)
    vcse = next(s for s in document["sectors"] if s["sector"] == "vcse")
    assert vcse["withheld"] and vcse["n"] == 1
    assert "VCSE (withheld)" in text
    # Only the lone VCSE respondent rated anything at 3 or 4 in this round.
    assert not re.search(r"\b[34]\.\d\d\b", text), re.findall(r".{40}\b[34]\.\d\d\b.{10}", text)


def test_hostile_text_in_comments_and_names_appears_as_plain_text(summary: bytes) -> None:
    text = flat_text(summary)
    assert SCRIPT_COMMENT in text
    assert FORMULA_COMMENT in text
    # a narrow table cell may wrap the text anywhere, so compare without the spaces
    assert RATIONALE.replace(" ", "") in text.replace(" ", "")


def test_the_summary_has_the_board_page_and_the_sections_after_it(summary: bytes) -> None:
    text = flat_text(summary)
    first_page = " ".join(PdfReader(io.BytesIO(summary)).pages[0].extract_text().split())
    for heading in ("Three biggest gaps", "Three biggest disagreements", "Since the previous round"):
        assert heading in first_page
    for heading in (
        "Gaps, largest first",
        "Where we disagree",
        "The sector lens",
        "Spectrum and accountability",
        "What we agreed",
        "Action plan",
        "Round by round",
        "Comments",
        "How these figures are made",
    ):
        assert heading in text
    assert "Write the shared purpose down" in text and "Chief executive" in text
    assert "fewer than 3 people's answers is withheld" in text


def test_the_page_count_stays_within_what_a_board_pack_can_take(summary: bytes) -> None:
    pages = len(PdfReader(io.BytesIO(summary)).pages)
    assert 3 <= pages <= 12
    assert f"Page {pages} of {pages}" in flat_text(summary)


def _fonts(reader: PdfReader) -> Iterator[tuple[str, Any]]:
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            yield font["/BaseFont"], (descendants[0].get_object() if descendants else font)


def test_every_font_is_embedded(summary: bytes) -> None:
    fonts = list(_fonts(PdfReader(io.BytesIO(summary))))
    assert fonts
    for name, font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"


def test_the_document_is_tagged_with_its_title_and_language(summary: bytes) -> None:
    reader = PdfReader(io.BytesIO(summary))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == f"{PARTNERSHIP}: readiness summary, Round 2"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_the_charts_are_vector_drawings_not_pictures(summary: bytes) -> None:
    reader = PdfReader(io.BytesIO(summary))
    assert all(not page.images for page in reader.pages)
    # chart labels are real text: the radar's title and the gap chart's axis
    text = flat_text(summary)
    assert "Where the team sees the partnership" in text and "Gap (levels)" in text


def test_page_one_is_rendered_to_png_for_a_person_to_look_at(summary: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / "summary.pdf"
    pdf_path.write_bytes(summary)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make test` installs poppler-utils"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(ARTIFACTS / "page1"),
        ],
        check=True,
        timeout=60,
    )
    png = (ARTIFACTS / "page1.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait


def test_without_a_browser_the_pdf_keeps_every_table_and_says_what_to_install(
    built: Built, document: dict[str, Any]
) -> None:
    with transaction(built.engine) as session:
        pdf = workshop_summary_pdf(
            session=session,
            workshop_id=built.workshop_id,
            exporter=ChartExporter(browser_path="/nonexistent/chromium"),
        )
    assert pdf.charts_problem is not None and "apt-get install chromium" in pdf.charts_problem
    text = flat_text(pdf.content)
    assert "Charts not drawn." in text and "apt-get install chromium" in text
    domain = next(d for d in document["domains"] if d["current"] is not None)
    assert f"{domain['title']} {figure(domain['current'])} {figure(domain['target'])}" in text
    assert "Where the team sees the partnership" not in text  # no chart drawn


def test_a_workshop_below_the_threshold_shows_no_figure_at_all(engine: Engine) -> None:
    bank = parse_bank(SHIPPED_BANK_TEXT)
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Small cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Tiny place", kind="place")
    two_people: list[tuple[int, int] | None] = [(1, 3), (2, 4)]
    levels = {
        item.id: two_people
        for domain_id in DOMAINS
        for item in bank.domain(domain_id).items
        if not isinstance(item, AccountabilityItem)
    }
    small = date(2026, 5, 5)
    workshop_id = add_round(
        engine, partnership=partnership, label="Small", held_on=small, answers=levels, domains=DOMAINS
    )
    with transaction(engine) as session:
        pdf = workshop_summary_pdf(session=session, workshop_id=workshop_id, charts=False)
    text = flat_text(pdf.content)
    assert "Tiny place" in text and "every team figure is withheld" in text
    assert not re.search(r"\b\d\.\d\d\b", text)
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) <= 2


def test_the_cohort_pack_holds_a_summary_per_partnership_and_the_overview(built: Built) -> None:
    seen: list[tuple[int, int, str]] = []
    with transaction(built.engine) as session:
        files = list(
            cohort_pack(
                session=session,
                cohort_id=built.cohort_id,
                exporter=shared_exporter(),
                progress=lambda done, total, what: seen.append((done, total, what)),
            )
        )
    names = [f.filename for f in files]
    assert names == ["riverside-b-ics-b-partners-2026-09-01-summary.pdf", "cohort-overview.pdf"]
    assert seen[0] == (0, 2, PARTNERSHIP) and seen[-1] == (2, 2, "done")
    overview = flat_text(files[-1].content)
    assert "North cohort" in overview and PARTNERSHIP in overview
    with zipfile.ZipFile(io.BytesIO(zip_pack(files))) as archive:
        assert archive.namelist() == names
        assert archive.read(names[0]).startswith(b"%PDF-")


def test_the_summary_says_the_same_numbers_on_sqlite_and_postgresql(engine: Engine) -> None:
    made = build(engine)
    with transaction(engine) as session:
        document = scores_document(score_stored_workshop(session=session, workshop_id=made.workshop_id))
        pdf = workshop_summary_pdf(session=session, workshop_id=made.workshop_id, charts=False)
    text = flat_text(pdf.content)
    for domain in document["domains"]:
        assert gaps_row(domain) in text


def run_cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m assessment ARGV` in its own process, so its chart browser is its own too."""
    return subprocess.run(
        [sys.executable, "-m", "assessment", *argv],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


def test_the_report_command_writes_a_pdf_and_says_when_charts_could_not_be_drawn(
    built: Built, tmp_path: Path
) -> None:
    with transaction(built.engine) as session:
        code = score_stored_workshop(session=session, workshop_id=built.workshop_id).workshop.join_code
    out = tmp_path / "summary.pdf"
    done = run_cli(
        "report",
        "--db",
        str(built.engine.url),
        "--workshop",
        code,
        "--out",
        str(out),
        env={"ICS_CHART_BROWSER": "/nonexistent/chromium"},
    )
    assert done.returncode == 0, done.stderr
    assert "no Chrome or Chromium browser was found" in done.stderr
    assert "apt-get install chromium" in done.stderr
    assert "Charts not drawn" in flat_text(out.read_bytes())


def test_the_report_command_refuses_a_wrong_code_and_writes_nothing(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "summary.pdf"
    done = run_cli("report", "--db", str(built.engine.url), "--workshop", "NOSUCHCD", "--out", str(out))
    assert done.returncode == 2
    assert "no workshop with the code 'NOSUCHCD'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_the_report_command_makes_a_cohort_pack_and_counts_its_progress(built: Built, tmp_path: Path) -> None:
    done = run_cli(
        "report",
        "--db",
        str(built.engine.url),
        "--cohort",
        "North cohort",
        "--out-dir",
        str(tmp_path),
        "--no-charts",
    )
    assert done.returncode == 0, done.stderr
    assert "1/2 " in done.stderr and "2/2 cohort overview" in done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "cohort-overview.pdf",
        "riverside-b-ics-b-partners-2026-09-01-summary.pdf",
    ]
