"""Import and export of a workshop's responses as CSV, Excel (.xlsx) or JSON.

Export gives one row per participant and item, and one row per function for accountability
items, so a facilitator can read the file in a spreadsheet. Import takes the same columns back:
it is the paper fallback for a workshop with no wifi, where answers are typed into a sheet
afterwards. An import is all-or-nothing: every row is checked first, every problem is reported
as ``row N, column C: what is wrong`` (N being the row number a spreadsheet shows, the header
being row 1), and nothing is written unless the whole file is good. JSON files use the same row
numbers (the first object is row 2), so one export read in two formats points at the same rows.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO, StringIO
from pathlib import PurePath
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.answers import MAX_COMMENT_CHARS, Answer, answer_problems, quote
from assessment.db import (
    add_participant,
    bank_for_version,
    response_rows,
    save_answers,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.answers import workshop_people
from assessment.errors import Invalid
from assessment.framework import SPECTRUM_POSITIONS, AccountabilityItem, Item, QuestionBank

FORMATS = ("csv", "xlsx", "json")
EXPORT_COLUMNS = [
    "participant",
    "sector",
    "role",
    "item_id",
    "current",
    "target",
    "dont_know",
    "confidence",
    "comment",
    "function_id",
    "tier",
]
REQUIRED_COLUMNS = ("participant", "sector", "item_id")
# In an anonymous workshop a role, with the sector, often names the one person who holds it (the
# only director of public health in the room), so the export leaves it out there.
IDENTIFYING_COLUMNS = ("role",)
RAW_EXPORT_WARNING = (
    "This file holds every participant's individual answers, not the team's combined figures: "
    "keep it as you would the answers themselves and never share it with the team or beyond."
)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
# The export has 11 columns; a sheet may carry some empty ones. Tens of thousands take pandas
# seconds to read, for nothing.
MAX_IMPORT_COLUMNS = 1000
# An .xlsx is a zip archive: a few compressed megabytes can unpack into gigabytes.
MAX_XLSX_UNPACKED_BYTES = 20 * MAX_IMPORT_BYTES
# The widths of participants.label and participants.role: PostgreSQL refuses longer text with an
# error, so the import says so for the row instead.
MAX_LABEL_CHARS = 80
MAX_ROLE_CHARS = 200

# Excel and LibreOffice run a cell starting with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The BOM is what makes Excel open a CSV as UTF-8 rather than mangling accents and dashes.
CSV_ENCODING = "utf-8-sig"

_TEXT_COLUMNS = ("participant", "sector", "role", "item_id", "comment", "function_id", "tier")
_COLUMN_ORDER = {name: index for index, name in enumerate(EXPORT_COLUMNS)}
# openpyxl refuses control characters that XML 1.0 cannot carry, which would end an export.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 20  # more than any level or confidence could need, far below what int() refuses
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_MAX_PROBLEMS_IN_MESSAGE = 50
_MAX_COLUMNS_NAMED = 10


class ImportRejected(Invalid):
    """The file was refused; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:_MAX_PROBLEMS_IN_MESSAGE]
        more = len(self.problems) - len(shown)
        super().__init__("\n".join(shown) + (f"\n… and {more} more" if more else ""))


@dataclass(frozen=True)
class ImportSummary:
    participants: int  # participants created or matched
    answers: int  # answers written (one per participant and item)


# --- export ----------------------------------------------------------------------------------------


def export_columns(*, anonymous: bool) -> list[str]:
    """The export's columns: EXPORT_COLUMNS, without those that identify people when anonymous."""
    return [c for c in EXPORT_COLUMNS if not (anonymous and c in IDENTIFYING_COLUMNS)]


def export_frame(*, session: Session, workshop_id: int) -> pd.DataFrame:
    """The workshop's answers as a table with export_columns, in a stable, readable order."""
    records, columns = _export_records(session=session, workshop_id=workshop_id)
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.astype({"current": "Int64", "target": "Int64", "confidence": "Int64", "dont_know": "bool"})


def export_workshop(*, session: Session, workshop_id: int, fmt: str) -> bytes:
    """The workshop's answers as a file: CSV (UTF-8), an Excel workbook or a JSON list of rows.

    Every row is one person's answer: whoever offers the file shows RAW_EXPORT_WARNING beside it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"'{fmt}' is not an export format; expected one of {', '.join(FORMATS)}")
    if fmt == "json":
        # JSON is read by programs, not opened in a spreadsheet: the values stay exactly as stored.
        records, _ = _export_records(session=session, workshop_id=workshop_id)
        return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")
    frame = export_frame(session=session, workshop_id=workshop_id)
    if fmt == "csv":
        sheet = _neutralised(frame, clean=lambda text: text)
        sheet["dont_know"] = sheet["dont_know"].map({True: "true", False: "false"})
        # CRLF as RFC 4180 says; it also makes the writer quote a value holding a lone \r.
        return sheet.to_csv(index=False, lineterminator="\r\n").encode(CSV_ENCODING)
    sheet = _neutralised(frame, clean=lambda text: _XLSX_ILLEGAL.sub("", text))
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet.to_excel(writer, sheet_name="responses", index=False)
    return buffer.getvalue()


def _export_records(*, session: Session, workshop_id: int) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows, and the columns they have."""
    info = workshop_info(session=session, workshop_id=workshop_id)
    columns = export_columns(anonymous=info.anonymous)
    bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
    item_order = {item.id: index for index, (_, item) in enumerate(bank.iter_items())}
    function_order = {
        item.id: {function.id: index for index, function in enumerate(item.functions)}
        for _, item in bank.iter_items()
        if isinstance(item, AccountabilityItem)
    }
    keyed: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for answer in response_rows(session=session, workshop_id=workshop_id):
        participant_id, label, display_name, sector, role = (
            answer.participant,
            answer.label,
            answer.display_name,
            answer.sector,
            answer.role,
        )
        item_id, current, target, dont_know = answer.item_id, answer.current, answer.target, answer.dont_know
        confidence, comment, tiers = answer.confidence, answer.comment, answer.tiers
        shown = label if info.anonymous or not display_name else display_name
        base = {
            "participant": shown,
            "sector": sector,
            "role": role or "",
            "item_id": item_id,
            "current": current,
            "target": target,
            "dont_know": bool(dont_know),
            "confidence": confidence,
            "comment": comment or "",
            "function_id": "",
            "tier": "",
        }
        if info.anonymous:
            for column in IDENTIFYING_COLUMNS:
                del base[column]
        # Items a bank version no longer has still export (after the known ones), never vanish.
        item_key = (item_order.get(item_id, len(item_order)), item_id)
        person_key = (_natural_key(label), participant_id)
        if not tiers:
            keyed.append(((*person_key, *item_key, -1, ""), base))
            continue
        order = function_order.get(item_id, {})
        for function_id, tier in tiers.items():
            row = {**base, "current": None, "target": None, "function_id": function_id, "tier": tier}
            function_key = (order.get(function_id, len(order)), function_id)
            keyed.append(((*person_key, *item_key, *function_key), row))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed], columns


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort P2 before P10, as a person reading the labels would."""
    return tuple(
        (0, int(part)) if part.isascii() and part.isdigit() else (1, part)
        for part in re.split(r"([0-9]+)", text)
        if part
    )


def _neutralise(text: str) -> str:
    # Quotes already in front of a trigger get one more, so the import can take exactly one off
    # and a comment typed as "'=..." comes back as typed.
    return "'" + text if text.lstrip("'").startswith(FORMULA_TRIGGERS) else text


def spreadsheet_text(text: str, *, xlsx: bool) -> str:
    """Text for a spreadsheet cell that no spreadsheet runs as a formula, as the export writes it;
    for an Excel workbook also without the control characters its XML cannot carry."""
    return _neutralise(_XLSX_ILLEGAL.sub("", text) if xlsx else text)


def _neutralised(frame: pd.DataFrame, *, clean: Callable[[str], str]) -> pd.DataFrame:
    """A copy safe to open in a spreadsheet: no text cell can run as a formula."""
    sheet = frame.copy()
    for column in (c for c in _TEXT_COLUMNS if c in sheet.columns):
        sheet[column] = sheet[column].map(lambda value: _neutralise(clean(str(value))))
    return sheet


# --- import: reading the file ----------------------------------------------------------------------


@dataclass
class _Problems:
    """Problems found so far, reported in the order a person reads the sheet."""

    found: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        order = _COLUMN_ORDER.get(column, len(_COLUMN_ORDER))
        self.found.append((row, order, f"row {row}, column {column}: {message}"))

    def add_row(self, row: int, message: str) -> None:
        self.found.append((row, -1, f"row {row}: {message}"))

    def messages(self) -> list[str]:
        return [message for _, _, message in sorted(self.found, key=lambda f: (f[0], f[1]))]


@dataclass
class AnswersFile:
    """The file's cells as text, whatever its format; ``rows`` pairs each row with its number."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]
    problems: _Problems = field(default_factory=_Problems)
    # Spreadsheet formats carry the export's formula neutralising, to be undone; JSON never does.
    neutralised: bool = True


def _rejected(message: str) -> ImportRejected:
    return ImportRejected([f"file: {message}"])


def _read_table(*, content: bytes, filename: str) -> AnswersFile:
    if len(content) > MAX_IMPORT_BYTES:
        raise _rejected(
            f"the file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB ({len(content):,} bytes); "
            "split it into smaller files and import each one"
        )
    suffix = PurePath(filename).suffix.lower()
    readers: dict[str, Callable[[bytes], AnswersFile]] = {
        ".csv": _read_csv,
        ".xlsx": _read_xlsx,
        ".json": _read_json,
    }
    reader = readers.get(suffix)
    if reader is None:
        raise _rejected(
            f"'{PurePath(filename).name}' is not a .csv, .xlsx or .json file; "
            "save the sheet as CSV UTF-8 or as an Excel workbook (.xlsx)"
        )
    return reader(content)


def _read_csv(content: bytes) -> AnswersFile:
    if content.startswith(b"PK\x03\x04"):
        raise _rejected("this looks like an Excel workbook, not CSV; name it .xlsx or save it as CSV UTF-8")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _rejected("the file is not UTF-8 text; save it as CSV UTF-8") from None
    try:
        header = next(csv.reader(StringIO(text)), [])
    except csv.Error:
        header = []  # pandas below says what is wrong with it
    if len(header) > MAX_IMPORT_COLUMNS:
        raise _too_many_columns(len(header))
    with warnings.catch_warnings():
        # pandas only warns when the first row has more values than the header, and drops them.
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                StringIO(text),
                dtype=str,
                keep_default_na=False,
                index_col=False,
                skip_blank_lines=False,  # a skipped line would shift every later row number
                nrows=MAX_IMPORT_ROWS + 1,
            )
        except pd.errors.EmptyDataError:
            raise _rejected(
                "the file is empty; expected a header row (participant, sector, item_id, ...) "
                "and one row per answer"
            ) from None
        except pd.errors.ParserWarning:
            raise _rejected(
                "row 2 has more values than the header row has columns; "
                "check for stray commas or a missing heading"
            ) from None
        except (pd.errors.ParserError, ValueError) as exc:
            detail = str(exc).replace("Error tokenizing data. C error: ", "").strip()
            raise _rejected(
                f"the file could not be read as CSV ({detail}); "
                "check that every row has as many values as the header row"
            ) from None
    return _table_from_frame(frame)


def _read_xlsx(content: bytes) -> AnswersFile:
    damaged = (
        "the file could not be read as an Excel workbook (.xlsx): it may be damaged or another "
        "kind of file; open it in Excel and save it again as .xlsx, or as CSV UTF-8"
    )
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _rejected(damaged) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _rejected(
            f"the workbook unpacks to more than {MAX_XLSX_UNPACKED_BYTES // 1024 // 1024} MB; "
            "save only the answers sheet, or split it into smaller files"
        )
    declared_rows, declared_columns = _declared_size(content)
    if declared_rows is not None and declared_rows > MAX_IMPORT_ROWS + 1:  # the header is one of them
        # Refused from the size Excel writes into the sheet: reading 100,000 rows through openpyxl
        # first would take a quarter of a minute.
        raise _too_many_rows()
    if declared_columns is not None and declared_columns > MAX_IMPORT_COLUMNS:
        raise _too_many_columns(declared_columns)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; they do not matter here.
            warnings.simplefilter("ignore")
            frame = pd.read_excel(
                BytesIO(content),
                sheet_name=0,
                dtype=str,
                keep_default_na=False,
                engine="openpyxl",
                nrows=MAX_IMPORT_ROWS + 1,
            )
    # openpyxl raises many kinds of error on a damaged workbook; all of them mean the same here.
    except Exception:
        raise _rejected(damaged) from None
    return _table_from_frame(frame)


def _declared_size(content: bytes) -> tuple[int | None, int | None]:
    """The rows and columns the first sheet says it has (its <dimension>), without reading a cell."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                BytesIO(content), read_only=True, data_only=True, keep_links=False
            )
        try:
            sheet = workbook.worksheets[0]
            rows, columns = sheet.max_row, sheet.max_column
        finally:
            workbook.close()
    # Whatever is wrong with the workbook, the full read that follows reports it.
    except Exception:
        return None, None
    return (rows if isinstance(rows, int) else None), (columns if isinstance(columns, int) else None)


def _table_from_frame(frame: pd.DataFrame) -> AnswersFile:
    columns = [str(name) for name in frame.columns]
    rows: list[tuple[int, dict[str, str]]] = []
    for index, values in enumerate(frame.itertuples(index=False, name=None)):
        cells = {name: _cell_text(value) for name, value in zip(columns, values, strict=True)}
        rows.append((index + 2, cells))
    return AnswersFile(columns=columns, rows=rows)


def _cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    return str(value)


def _read_json(content: bytes) -> AnswersFile:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _rejected("the file is not UTF-8 text; save it as UTF-8") from None
    expected = "expected a JSON list of objects, one per row, with the column names as keys"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = exc.msg.removesuffix(" at")  # "Unterminated string starting at" names its place itself
        raise _rejected(
            f"the file is not valid JSON ({where} at line {exc.lineno}, column {exc.colno}); {expected}"
        ) from None
    except RecursionError:
        raise _rejected(f"the JSON is nested too deeply; {expected}") from None
    except ValueError:
        # json reads numbers with int(), which refuses one of over 4,300 digits.
        raise _rejected(f"the file holds a number thousands of digits long; {expected}") from None
    if not isinstance(data, list):
        raise _rejected(f"{expected}, found {_json_kind(data)}")
    if len(data) > MAX_IMPORT_ROWS:
        raise _too_many_rows()
    table = AnswersFile(columns=[], rows=[], neutralised=False)
    for index, entry in enumerate(data):
        number = index + 2
        cells: dict[str, str] = {}
        if not isinstance(entry, dict):
            table.problems.add_row(
                number, f"expected an object with the column names as keys, found {_json_kind(entry)}"
            )
        else:
            for key, value in entry.items():
                name = str(key).strip().lower()
                if name not in table.columns:
                    table.columns.append(name)
                if name in cells:
                    table.problems.add(number, name, "the key appears twice in this object; keep one")
                if isinstance(value, dict | list):
                    table.problems.add(
                        number,
                        name,
                        f"expected text, a number, true/false or null, found {_json_kind(value)}",
                    )
                    value = None
                cells[name] = _json_text(value)
        table.rows.append((number, cells))
    return table


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return f"the value {json.dumps(value)}"


def _too_many_columns(count: int) -> ImportRejected:
    return _rejected(
        f"row 1 has {count:,} columns; expected the export's columns ({', '.join(EXPORT_COLUMNS)}), "
        f"and at most {MAX_IMPORT_COLUMNS:,} in all"
    )


def _too_many_rows() -> ImportRejected:
    return _rejected(
        f"the file has more than {MAX_IMPORT_ROWS:,} rows; split it into smaller files and import each one"
    )


def _checked_columns(table: AnswersFile) -> AnswersFile:
    """The table with known column names only, or every problem with the header row."""
    problems: list[str] = []
    named: list[tuple[str, str]] = []  # (name in the file, normalised name)
    for raw in table.columns:
        name = raw.strip().lower()
        if name.startswith("unnamed: "):
            # pandas' name for a column without a heading: harmless when it is empty too.
            if all(not cells.get(raw, "").strip() for _, cells in table.rows):
                continue
            position = name.removeprefix("unnamed: ")
            problems.append(
                f"file: column {int(position) + 1 if position.isdigit() else '?'} has values but no "
                "heading in row 1; give it one of the export's column names or delete it"
            )
            continue
        named.append((raw, name))
    seen: set[str] = set()
    unknown: list[str] = []
    for raw, name in named:
        mangled = re.fullmatch(r"(.+)\.[0-9]+", name)  # pandas renames a repeated heading x to x.1
        if name in seen or (name not in _COLUMN_ORDER and mangled and mangled.group(1) in seen):
            original = mangled.group(1) if mangled and name not in _COLUMN_ORDER else name
            problems.append(f"file: the column {quote(original)} appears more than once in row 1; keep one")
        elif name not in _COLUMN_ORDER:
            unknown.append(raw.strip())
        seen.add(name)
    if unknown:
        hint = (
            "; the file seems to use ';' between values: save it as CSV UTF-8 (comma delimited)"
            if any(";" in name for name in unknown)
            else ""
        )
        listed = ", ".join(quote(name) for name in unknown[:_MAX_COLUMNS_NAMED])
        if len(unknown) > _MAX_COLUMNS_NAMED:
            listed += f" and {len(unknown) - _MAX_COLUMNS_NAMED:,} more"
        problems.append(
            f"file: unknown column{'s' if len(unknown) > 1 else ''} {listed}; expected only: "
            f"{', '.join(EXPORT_COLUMNS)}{hint}"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        problems.append(
            f"file: the required column{'s' if len(missing) > 1 else ''} {listed} "
            f"{'are' if len(missing) > 1 else 'is'} missing; row 1 must name the columns, "
            f"at least {', '.join(REQUIRED_COLUMNS)}"
        )
    if problems:
        raise ImportRejected(problems)
    renamed = dict(named)
    rows = [
        (number, {renamed[raw]: value for raw, value in cells.items() if raw in renamed})
        for number, cells in table.rows
    ]
    return AnswersFile(
        columns=[name for _, name in named], rows=rows, problems=table.problems, neutralised=table.neutralised
    )


# --- import: checking every row --------------------------------------------------------------------


@dataclass
class _Person:
    label: str
    sector: str
    role: str
    first_row: int


@dataclass
class _Combined:
    """One participant's rows for one accountability item, becoming one answer."""

    item_id: str
    first_row: int
    tiers: dict[str, str] = field(default_factory=dict)
    dont_know: bool = False
    confidence: tuple[int, int | None] | None = None  # (row, value) of the first row that gave one
    comment: tuple[int, str | None] | None = None


@dataclass
class _Existing:
    id: int
    sector: str


@dataclass
class _Plan:
    people: dict[str, _Person]
    answers: list[tuple[str, Answer]]


def _unquote(text: str) -> str:
    """Undo the export's formula neutralising, so a re-imported comment is what was typed."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS) else text


def _answer_problem_column(problem: str, answer: Answer) -> str:
    """Which column a message from answer_problems is about, so the person knows which cell to fix."""
    if problem.startswith("the comment"):
        return "comment"
    if "is not a function of" in problem:
        return "function_id"
    if "is not a tier of" in problem:
        return "tier"
    if "takes levels, not tiers" in problem:
        return "function_id" if answer.tiers and any(answer.tiers) else "tier"
    if "takes tiers, not levels" in problem:
        return "current" if answer.current is not None else "target"
    if "don't-know" in problem:
        return "dont_know"
    if "without a target" in problem or problem.startswith("target"):
        return "target"
    if "without a current" in problem or problem.startswith("current") or "give a current" in problem:
        return "current"
    return "item_id"


def _validation_message(name: str, error: Any, value: Any) -> str:
    if name == "confidence":
        return f"confidence must be 1, 2 or 3 (or empty), found {value}"
    if name == "comment":
        return (
            f"the comment is {len(str(value)):,} characters; at most {MAX_COMMENT_CHARS:,} "
            "are kept, so shorten it"
        )
    return str(error["msg"])


def _whole_number(
    text: str, *, row: int, column: str, expected: str, problems: _Problems
) -> tuple[int | None, bool]:
    """The cell as a whole number (None when empty), and whether it could be read."""
    if not text:
        return None, True
    if _WHOLE_NUMBER.fullmatch(text) is None:
        problems.add(row, column, f"{quote(text)} is not a whole number; expected {expected}")
        return None, False
    if len(text) > _MAX_DIGITS:
        # Python refuses to read an integer of over 4,300 digits (a guard against slow parsing).
        problems.add(row, column, f"the number has {len(text):,} digits; expected {expected}")
        return None, False
    return int(text), True


def _level_range(item: Item | None, bank: QuestionBank) -> str:
    if isinstance(item, AccountabilityItem):
        return "no level: an accountability item takes a function and a tier"
    top = SPECTRUM_POSITIONS if item is not None and item.type == "spectrum" else bank.max_level
    return f"a level from 1 to {top}"


def _check_rows(
    table: AnswersFile, *, bank: QuestionBank, domains: list[str], existing: dict[str, _Existing]
) -> _Plan:
    problems = table.problems
    domain_of = {item.id: domain.id for domain, item in bank.iter_items()}
    in_scope: dict[str, Item] = {item.id: item for domain, item in bank.iter_items() if domain.id in domains}
    people: dict[str, _Person] = {}
    seen: dict[tuple[str, str, str], int] = {}
    level_answers: dict[tuple[str, str], Answer] = {}
    combined: dict[tuple[str, str], _Combined] = {}
    order: list[tuple[str, str]] = []  # (label, item) in the order the file gives them
    filled_rows = 0

    for number, raw in table.rows:
        cells = {name: raw.get(name, "") for name in EXPORT_COLUMNS}
        if table.neutralised:
            cells = {name: _unquote(value) for name, value in cells.items()}
        if not any(value.strip() for value in cells.values()):
            continue  # an empty line in the sheet, often left at the end
        filled_rows += 1
        if any("\x00" in value for value in cells.values()):
            for name, value in cells.items():
                if "\x00" in value:
                    problems.add(number, name, "contains a NUL character, which cannot be stored; delete it")
            continue
        label = _check_who(
            number, cells=cells, bank=bank, people=people, existing=existing, problems=problems
        )
        item_id = cells["item_id"].strip()
        function_id = cells["function_id"].strip()
        tier = cells["tier"].strip()
        comment = cells["comment"] if cells["comment"].strip() else None
        item = in_scope.get(item_id)
        level_range = _level_range(item, bank)
        current, current_ok = _whole_number(
            cells["current"].strip(), row=number, column="current", expected=level_range, problems=problems
        )
        target, target_ok = _whole_number(
            cells["target"].strip(), row=number, column="target", expected=level_range, problems=problems
        )
        confidence, _ = _whole_number(
            cells["confidence"].strip(),
            row=number,
            column="confidence",
            expected="1, 2 or 3 (or leave it empty)",
            problems=problems,
        )
        dont_know_text = cells["dont_know"].strip().lower()
        dont_know = dont_know_text in _TRUE
        if dont_know_text not in _TRUE | _FALSE:
            problems.add(
                number,
                "dont_know",
                f"{quote(cells['dont_know'].strip())} is not true or false; use true/false, yes/no or 1/0 "
                "(empty means false)",
            )
        if not item_id:
            problems.add(number, "item_id", "the item id is empty; give the id of the question answered")
            continue
        if item is None:
            # Let the shared rules word it, as the walkthrough would.
            messages = answer_problems(bank, Answer(item_id=item_id), domains=domains)
            if not messages:
                where = "this workshop's domains" if item_id in domain_of else "the question bank"
                messages = [f"the item {quote(item_id)} is not in {where}"]
            for message in messages:
                problems.add(number, "item_id", message)
            continue

        accountability = isinstance(item, AccountabilityItem)
        if accountability:
            if function_id and not tier:
                problems.add(
                    number,
                    "tier",
                    f"give the tier that holds accountability for {quote(function_id)} (or 'unclear')",
                )
            elif tier and not function_id:
                problems.add(number, "function_id", f"give the function that the tier {quote(tier)} is for")
            tiers = {function_id: tier} if function_id and tier else None
        else:
            tiers = {function_id: tier} if function_id or tier else None

        if label:
            key = (label, item_id, function_id if accountability else "")
            first = seen.setdefault(key, number)
            if first != number:
                what = (
                    f"item '{item_id}' and function {quote(function_id)}"
                    if accountability
                    else f"item '{item_id}'"
                )
                problems.add(
                    number,
                    "function_id" if accountability else "item_id",
                    f"participant '{label}' already has a row for {what} (row {first}); keep one of them",
                )
                continue

        fields: dict[str, Any] = {
            "item_id": item_id,
            "current": current,
            "target": target,
            "dont_know": dont_know,
            "confidence": confidence,
            "comment": comment,
            "tiers": tiers,
        }
        answer = _answer(number, fields=fields, problems=problems)
        if answer is None:
            continue
        if current_ok and target_ok:
            for message in answer_problems(bank, answer, domains=domains):
                problems.add(number, _answer_problem_column(message, answer), message)
        if not label:
            continue
        if accountability:
            _combine(number, label=label, answer=answer, combined=combined, order=order, problems=problems)
        else:
            level_answers[(label, item_id)] = answer
            order.append((label, item_id))

    if problems.found:
        raise ImportRejected(problems.messages())
    if not filled_rows:
        raise _rejected("the file has a header row but no answers under it")
    answers = [
        (key[0], level_answers[key] if key in level_answers else _merged(combined[key])) for key in order
    ]
    return _Plan(people=people, answers=answers)


def _answer(number: int, *, fields: dict[str, Any], problems: _Problems) -> Answer | None:
    """The row as an Answer, whose own rules (confidence 1 to 3, comment length) are the walkthrough's."""
    try:
        return Answer(**fields)
    except ValidationError as exc:
        refused = set()
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "item_id"
            refused.add(name)
            column = "function_id" if name == "tiers" else name
            problems.add(number, column, _validation_message(name, error, fields.get(name)))
    # Without the refused values the other rules can still be checked, so all problems show at once.
    try:
        return Answer(**{**fields, **dict.fromkeys(refused, None)})
    except ValidationError:
        return None


def _check_who(
    number: int,
    *,
    cells: dict[str, str],
    bank: QuestionBank,
    people: dict[str, _Person],
    existing: dict[str, _Existing],
    problems: _Problems,
) -> str:
    """The row's participant label, or "" when it is unusable (the problem is then recorded).

    One label is one person: the same sector (and role) on every row, and as already stored.
    """
    label = cells["participant"].strip()
    sector = cells["sector"].strip()
    role = cells["role"].strip()
    sectors = [known.id for known in bank.sectors]
    if not label:
        problems.add(
            number, "participant", "the participant label is empty; give every row a label such as P07"
        )
    elif len(label) > MAX_LABEL_CHARS:
        problems.add(
            number, "participant", f"the label is {len(label):,} characters; at most {MAX_LABEL_CHARS}"
        )
        label = ""
    if not sector:
        problems.add(number, "sector", f"the sector is empty; expected one of {', '.join(sectors)}")
    elif sector not in sectors:
        problems.add(
            number, "sector", f"{quote(sector)} is not a sector; expected one of {', '.join(sectors)}"
        )
    if len(role) > MAX_ROLE_CHARS:
        problems.add(number, "role", f"the role is {len(role):,} characters; at most {MAX_ROLE_CHARS}")
        role = ""  # refused already; comparing it with other rows would only repeat it
    if not label:
        return ""
    person = people.get(label)
    if person is None:
        people[label] = _Person(label=label, sector=sector, role=role, first_row=number)
        stored = existing.get(label)
        if stored is not None and sector and stored.sector != sector:
            problems.add(
                number,
                "sector",
                f"participant '{label}' is already in this workshop with the sector '{stored.sector}'; "
                "use that sector, or another label for a different person",
            )
        return label
    if sector and person.sector and sector != person.sector:
        problems.add(
            number,
            "sector",
            f"participant '{label}' has the sector {quote(person.sector)} on row {person.first_row}; "
            "a participant has one sector",
        )
    if role and person.role and role != person.role:
        problems.add(
            number,
            "role",
            f"participant '{label}' has the role {quote(person.role)} on row {person.first_row}; "
            "a participant has one role (or leave it empty on the other rows)",
        )
    person.sector = person.sector or sector
    person.role = person.role or role
    return label


def _combine(
    number: int,
    *,
    label: str,
    answer: Answer,
    combined: dict[tuple[str, str], _Combined],
    order: list[tuple[str, str]],
    problems: _Problems,
) -> None:
    """Fold one function's row into the participant's answer for the accountability item."""
    key = (label, answer.item_id)
    entry = combined.get(key)
    if entry is None:
        entry = combined[key] = _Combined(item_id=answer.item_id, first_row=number)
        order.append(key)
    entry.tiers.update(answer.tiers or {})
    entry.dont_know = entry.dont_know or answer.dont_know
    # Confidence and comment belong to the whole item; the export repeats them on every function's
    # row, while a hand-typed sheet may give them once. Two different values cannot both be kept.
    for name, value in (("confidence", answer.confidence), ("comment", answer.comment)):
        if value is None:
            continue
        given: tuple[int, Any] | None = getattr(entry, name)
        if given is None:
            setattr(entry, name, (number, value))
        elif given[1] != value:
            problems.add(
                number,
                name,
                f"differs from the {name} on row {given[0]} for participant '{label}' and the same item; "
                f"an accountability answer has one {name}, so repeat it exactly or leave it empty",
            )


def _merged(entry: _Combined) -> Answer:
    return Answer(
        item_id=entry.item_id,
        dont_know=entry.dont_know,
        confidence=entry.confidence[1] if entry.confidence else None,
        comment=entry.comment[1] if entry.comment else None,
        tiers=dict(entry.tiers) or None,
    )


# --- import: writing --------------------------------------------------------------------------------


def import_workshop(*, engine: Engine, workshop_id: int, content: bytes, filename: str) -> ImportSummary:
    """Add a file of answers to the workshop, all of it or (with ImportRejected) none of it."""
    table = read_answers_file(content=content, filename=filename)
    with transaction(engine) as session:
        return import_into(session=session, workshop_id=workshop_id, table=table)


def read_answers_file(*, content: bytes, filename: str) -> AnswersFile:
    """The file's rows with their columns checked, read before any transaction opens, so a large
    file never holds the database while it is parsed."""
    table = _read_table(content=content, filename=filename)
    if len(table.rows) > MAX_IMPORT_ROWS:
        raise _too_many_rows()
    return _checked_columns(table)


def import_into(*, session: Session, workshop_id: int, table: AnswersFile) -> ImportSummary:
    """Write a read file's answers inside the caller's transaction (a service's, which checks who).

    Checking and writing share the transaction, so the participants checked against are the ones
    written to, and a refusal (or any failure) rolls back everything.
    """
    info = workshop_info(session=session, workshop_id=workshop_id)
    bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
    domains = list(info.domains)
    plan = _check_rows(
        table,
        bank=bank,
        domains=domains,
        existing=_participants(session=session, workshop_id=workshop_id),
    )
    return _write(session=session, workshop_id=workshop_id, bank=bank, domains=domains, plan=plan)


def _participants(*, session: Session, workshop_id: int) -> dict[str, _Existing]:
    return {
        p.label: _Existing(id=p.id, sector=p.sector)
        for p in workshop_people(session=session, workshop_id=workshop_id)
    }


def _write(
    *, session: Session, workshop_id: int, bank: QuestionBank, domains: list[str], plan: _Plan
) -> ImportSummary:
    existing = _participants(session=session, workshop_id=workshop_id)
    ids: dict[str, int] = {}
    for person in plan.people.values():
        stored = existing.get(person.label)
        if stored is not None:
            ids[person.label] = stored.id
        else:
            ids[person.label] = add_participant(
                session=session,
                workshop_id=workshop_id,
                sector=person.sector,
                role=person.role,
                label=person.label,
            ).id
    by_person: dict[str, list[Answer]] = {}
    for label, answer in plan.answers:
        by_person.setdefault(label, []).append(answer)
    for label, answers in by_person.items():
        save_answers(session=session, participant_id=ids[label], answers=answers, bank=bank, domains=domains)
    # A paper form handed in is a submitted one: only submitted answers count in the figures.
    for participant_id in ids.values():
        submit_participant(session=session, participant_id=participant_id)
    return ImportSummary(participants=len(ids), answers=len(plan.answers))
