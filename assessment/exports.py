"""The files a facilitator takes away from a workshop: its figures as an Excel workbook, and its
consensus and action plan as CSV or Excel.

Built only from the presentation model (``presenting.ResultsModel``), the one the screen and the
PDF read, so what the screen withholds is withheld here: a withheld figure is an empty cell and
its row's status says "withheld", never a number. Figures are written to the precision the screen
shows (two decimal places, shares in whole percent): the file carries nothing the page does not.
Every text cell goes through the answers file's neutraliser (``io.spreadsheet_text``), so no cell
can run as a formula when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO, StringIO

import openpyxl  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from assessment.db import WorkshopInfo
from assessment.io import CSV_ENCODING, spreadsheet_text
from assessment.presenting import WITHHELD, Figure, Lens, ResultsModel, evidence_text, long_date

SHOWN = "shown"
STATUS = "Status"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
OUTCOME_TABLES = ("consensus", "actions")
LEVEL = "0.00"  # as the screen shows a level: two decimal places
SHARE = "0%"  # and a share: a whole percent
_WIDEST_COLUMN = 60

Cell = str | float | int | date | None


@dataclass(frozen=True)
class Sheet:
    """One table: a sheet of the workbook, or one CSV file."""

    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    formats: dict[str, str] = field(default_factory=dict)  # number format by heading


# --- the cells -------------------------------------------------------------------------------------


def _level(figure: Figure) -> float | None:
    """A figure as the screen shows it (two places), or None when withheld."""
    return None if figure.withheld else float(figure.text)


def _share(text: str) -> float | None:
    """A share shown as "75%" as the number 0.75, or None when withheld."""
    return None if text == WITHHELD else float(text.rstrip("%")) / 100


def _status(withheld: bool) -> str:
    return WITHHELD if withheld else SHOWN


def _when(moment: datetime) -> str:
    """A moment in UTC, to the minute (a spreadsheet cannot hold a time zone)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M}"


def _withheld_row(cells: tuple[Cell, ...], figures: Sequence[int], withheld: bool) -> tuple[Cell, ...]:
    """The row with its figure cells emptied when it is withheld: no part of a withheld row leaks."""
    if not withheld:
        return cells
    return tuple(None if index in figures else cell for index, cell in enumerate(cells))


# --- the figures ------------------------------------------------------------------------------------


def about_sheet(model: ResultsModel) -> Sheet:
    workshop = model.scored.workshop
    rows: list[tuple[Cell, ...]] = [
        ("Partnership", workshop.partnership),
        ("Workshop", workshop.title),
        ("Round", workshop.round_label or "not named"),
        ("Held on", long_date(workshop.held_on)),
        ("Who the figures come from", model.counting),
        (
            "Anonymity",
            f"A figure made from fewer than {model.threshold} people's answers is withheld, as on the "
            "Team results page: its cells are empty and its row's status says withheld.",
        ),
        ("Method", model.method_note),
    ]
    if model.withheld:
        rows.append(("Withheld", model.withheld_sentence))
    return Sheet("About", ("About", "Detail"), tuple(rows))


def questions_sheet(model: ResultsModel) -> Sheet:
    bank = model.scored.bank
    by_id = {q.id: q for q in model.ranked_questions}
    split = {q.id for q in model.split_questions}
    rows = []
    for domain, item in bank.iter_items():  # the bank's order, as a participant met them
        question = by_id.get(item.id)
        if question is None:
            continue
        withheld = model.withheld or question.current.withheld
        cells: tuple[Cell, ...] = (
            domain.title,
            question.text,
            _level(question.current),
            _level(question.target),
            _level(question.gap),
            "yes" if question.id in split else "no",
            _status(withheld),
        )
        rows.append(_withheld_row(cells, (2, 3, 4, 5), withheld))
    headings = (
        "Domain",
        "Question",
        "Current level (team median)",
        "Target level (team median)",
        "Gap (target minus current)",
        "Views split (a quarter or more of answers over a level from the median)",
        STATUS,
    )
    return Sheet("Questions", headings, tuple(rows), dict.fromkeys(headings[2:5], LEVEL))


def domains_sheet(model: ResultsModel) -> Sheet:
    rows = []
    for domain in model.domains:
        withheld = model.withheld or domain.current.withheld
        cells: tuple[Cell, ...] = (
            domain.title,
            _level(domain.current),
            _level(domain.target),
            _level(domain.gap),
            domain.rests_on,
            float(domain.agreed) if domain.agreed else None,
            domain.since_last_round,
            _status(withheld),
        )
        rows.append(_withheld_row(cells, (1, 2, 3), withheld))
    headings = (
        "Domain",
        "Current level (mean of the shown questions' medians)",
        "Target level (mean of the shown questions' medians)",
        "Gap (target minus current)",
        "Rests on",
        "Level the team agreed",
        "Since the last round",
        STATUS,
    )
    formats = dict.fromkeys(headings[1:4], LEVEL) | {"Level the team agreed": "0.0"}
    return Sheet("Domains", headings, tuple(rows), formats)


def lens_sheet(model: ResultsModel, lens: Lens, *, title: str, column: str) -> Sheet:
    """The sector lens (or the lens by sector group), one row per sector and domain."""
    rows = []
    for index, sector in enumerate(lens.sectors):
        for row in lens.rows:
            text = row.cells[index]
            withheld = model.withheld or sector.withheld or text == WITHHELD
            cells: tuple[Cell, ...] = (
                sector.label,
                sector.n,
                row.title,
                None if text == WITHHELD else float(text),
                _status(withheld),
            )
            rows.append(_withheld_row(cells, (3,), withheld))
    headings = (
        column,
        "People answering",
        "Domain",
        "Current level (mean of the shown questions' medians)",
        STATUS,
    )
    return Sheet(title, headings, tuple(rows), {headings[3]: LEVEL})


def spectrum_sheet(model: ResultsModel) -> Sheet:
    rows = []
    for spectrum in model.spectrum:
        withheld = model.withheld or spectrum.now.withheld or spectrum.shift == WITHHELD
        cells: tuple[Cell, ...] = (
            spectrum.text,
            spectrum.poles[0],
            spectrum.poles[1],
            _level(spectrum.now),
            _level(spectrum.preferred),
            None if spectrum.shift == WITHHELD else float(spectrum.shift),
            _status(withheld),
        )
        rows.append(_withheld_row(cells, (3, 4, 5), withheld))
    headings = (
        "Question",
        "Position 1 means",
        "Position 5 means",
        "Now (median position, 1 to 5)",
        "Preferred (median position, 1 to 5)",
        "Shift (preferred minus now)",
        STATUS,
    )
    formats = {headings[3]: LEVEL, headings[4]: LEVEL, headings[5]: "+0.00;-0.00;0.00"}
    return Sheet("Spectrum", headings, tuple(rows), formats)


def accountability_sheet(model: ResultsModel) -> Sheet:
    rows = []
    for situation in model.accountability:
        withheld = model.withheld or situation.clarity == WITHHELD
        cells: tuple[Cell, ...] = (
            situation.situation,
            situation.modal,
            _share(situation.clarity),
            _share(situation.unclear_share),
            situation.n,
            "yes" if situation.unclear else "no",
            _status(withheld),
        )
        rows.append(_withheld_row(cells, (1, 2, 3, 5), withheld))
    headings = (
        "Situation",
        "Tier most often named",
        "Share naming that tier (agreement)",
        "Share answering Unclear",
        "Answers",
        "Flagged as unclear",
        STATUS,
    )
    return Sheet("Accountability", headings, tuple(rows), dict.fromkeys(headings[2:4], SHARE))


def figure_sheets(model: ResultsModel) -> list[Sheet]:
    sheets = [
        about_sheet(model),
        questions_sheet(model),
        domains_sheet(model),
        lens_sheet(model, model.lens, title="Sectors", column="Sector"),
    ]
    if model.group_lens is not None:
        sheets.append(lens_sheet(model, model.group_lens, title="Sector groups", column="Sector group"))
    return [*sheets, spectrum_sheet(model), accountability_sheet(model)]


# --- consensus and actions --------------------------------------------------------------------------


def consensus_sheet(model: ResultsModel) -> Sheet:
    rows = tuple(
        (
            record.about,
            record.level,
            None if model.withheld else _level(record.median),
            _status(model.withheld or record.median.withheld),
            record.rationale,
            record.dissent,
            evidence_text(record.evidence),
            _when(record.recorded_at),
        )
        for record in model.consensus
    )
    headings = (
        "Domain or question",
        "Agreed level",
        "Team's current level for the domain",
        "Status of the team's level",
        "Rationale",
        "Dissent",
        "Evidence (a note, and its link in brackets, one to a line)",
        "Recorded (UTC)",
    )
    return Sheet("Consensus", headings, rows, {headings[2]: LEVEL})


def actions_sheet(model: ResultsModel) -> Sheet:
    bank = model.scored.bank
    titles = {d.id: d.title for d in bank.domains}
    texts = {item.id: item.text for _, item in bank.iter_items()}
    rows = tuple(
        (
            titles.get(action.domain_id, action.domain_id),
            texts.get(action.item_id, action.item_id) if action.item_id else "",
            action.title,
            action.owner,
            action.due_on,
            action.status.replace("-", " ").capitalize(),
            action.round_label or "",
            action.notes,
            _when(action.updated_at),
        )
        for action in model.actions
    )
    headings = (
        "Domain",
        "Question",
        "Action",
        "Owner",
        "Due",
        "Status",
        "Round agreed",
        "Notes",
        "Last changed (UTC)",
    )
    return Sheet("Actions", headings, rows, {"Due": "yyyy-mm-dd"})


def outcome_sheets(model: ResultsModel) -> list[Sheet]:
    return [consensus_sheet(model), actions_sheet(model)]


# --- the files --------------------------------------------------------------------------------------


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one Excel workbook: headings in bold and frozen, every text neutralised."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.title)
        page.append([spreadsheet_text(h, xlsx=True) for h in sheet.headings])
        for row in sheet.rows:
            page.append([spreadsheet_text(c, xlsx=True) if isinstance(c, str) else c for c in row])
        page.freeze_panes = "A2"
        for index, heading in enumerate(sheet.headings, start=1):
            letter = get_column_letter(index)
            page[f"{letter}1"].font = Font(bold=True)
            page[f"{letter}1"].alignment = Alignment(wrap_text=True, vertical="top")
            widest = max([len(heading) // 2, *(len(str(r[index - 1] or "")) for r in sheet.rows)], default=10)
            page.column_dimensions[letter].width = min(max(widest + 2, 10), _WIDEST_COLUMN)
            number_format = sheet.formats.get(heading)
            if number_format:
                for (cell,) in page.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, str):
        return spreadsheet_text(cell, xlsx=False)
    return f"{cell:g}" if isinstance(cell, float) else str(cell)


def csv_file(sheet: Sheet) -> bytes:
    """One table as CSV, as the answers file is written: UTF-8 with a BOM, CRLF, neutralised."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in sheet.headings])
    writer.writerows([_csv_cell(c) for c in row] for row in sheet.rows)
    return buffer.getvalue().encode(CSV_ENCODING)


def figures_workbook(model: ResultsModel) -> bytes:
    """Questions, domains, the sector lens, spectrum and accountability, withheld as on screen."""
    return workbook(figure_sheets(model))


def outcomes_workbook(model: ResultsModel) -> bytes:
    """The consensus log and the partnership's action plan, a sheet each."""
    return workbook(outcome_sheets(model))


def outcomes_csv(model: ResultsModel, *, table: str) -> bytes:
    """The consensus log or the action plan (``OUTCOME_TABLES``) as one CSV file."""
    if table not in OUTCOME_TABLES:
        raise ValueError(f"'{table}' is not one of {', '.join(OUTCOME_TABLES)}")
    return csv_file(consensus_sheet(model) if table == "consensus" else actions_sheet(model))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60]


def file_name(workshop: WorkshopInfo, what: str, extension: str) -> str:
    """A download's name: partnership, round (or the workshop's title), date and what it holds,
    e.g. ``riverside-ics-round-2-2026-05-01-figures.xlsx``."""
    parts = (_slug(workshop.partnership), _slug(workshop.round_label or workshop.title))
    named = "-".join(part for part in parts if part) or "workshop"
    return f"{named}-{workshop.held_on.isoformat()}-{what}.{extension}"


__all__ = [
    "CSV_MIME",
    "OUTCOME_TABLES",
    "XLSX_MIME",
    "Sheet",
    "csv_file",
    "figure_sheets",
    "figures_workbook",
    "file_name",
    "outcome_sheets",
    "outcomes_csv",
    "outcomes_workbook",
    "workbook",
]
