"""The bad-input corpus: hostile question banks, import files and free text, and what every test of
them needs (the files, generators for the big ones, a snapshot of the database).

Small cases are files beside this module, so a person can open one and see exactly what was fed
in. Big ones (a 10 MB bank, 200,000 import rows, binary junk, a zip bomb) are written at test time
into the test's own tmp_path by the functions here: megabytes of generated junk never belong in
the repository.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from assessment.db import make_engine
from assessment.db.tables import Base
from assessment.migrate import upgrade_database

CORPUS = Path(__file__).resolve().parent
BANKS = CORPUS / "banks"
IMPORTS = CORPUS / "imports"
TEXT = CORPUS / "text"

# A maturity item and a sector of the shipped bank (questions.yaml), for import rows.
ITEM = "shared-purpose-stated"
SECTOR = "vcse"


def bank_file(name: str) -> Path:
    path = BANKS / name
    assert path.is_file(), f"no such corpus bank: {path}"
    return path


def import_file(name: str) -> Path:
    path = IMPORTS / name
    assert path.is_file(), f"no such corpus import: {path}"
    return path


@cache
def hostile_strings() -> dict[str, str]:
    """Hostile free text by name. Kept as JSON so NUL, right-to-left and zero-width characters
    survive editors and diffs as visible escapes."""
    loaded: dict[str, str] = json.loads((TEXT / "hostile_strings.json").read_text(encoding="utf-8"))
    return loaded


def hostile(name: str) -> str:
    return hostile_strings()[name]


# Text that shows as typed only when markdown treats none of it as markup.
MARKUP_KINDS = (
    "html_script",
    "html_image",
    "markdown_link",
    "markdown_image",
    "markdown_formatting",
    "right_to_left_override",
    "zero_width",
)


# --- generated at test time ------------------------------------------------------------------------


def write_big_bank(path: Path, size: int) -> Path:
    """A bank file of ``size`` bytes: valid YAML (a real bank head, then comment lines), so only
    its size can be what is refused."""
    head = 'id: big-bank\nversion: "1"\ntitle: A bank padded to a huge size\n'
    line = "# " + "padding " * 12 + "\n"
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        written = len(head)
        while written + len(line) <= size:
            out.write(line)
            written += len(line)
        out.write("#" * (size - written - 1) + "\n")
    assert path.stat().st_size == size
    return path


def binary_junk(path: Path, size: int, *, seed: int = 8) -> Path:
    """Random bytes (seeded, so a failure can be reproduced), starting with bytes no text has."""
    rng = random.Random(seed)
    path.write_bytes(b"\xff\xfe\x00\x81" + rng.randbytes(size - 4))
    return path


def many_rows_csv(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` good-looking answers in the fewest bytes (so the row limit, not the size
    limit, is what it meets): one participant per row, all on the same item."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("participant,sector,item_id,current,target\n")
        line = f",{SECTOR},{ITEM},2,3\n"
        out.writelines(f"P{index}{line}" for index in range(rows))
    return path


def many_rows_xlsx(path: Path, rows: int) -> Path:
    """An .xlsx of ``rows`` answers, written as raw sheet XML (openpyxl would take a minute).

    Like every workbook Excel saves, it declares its size in a <dimension> element.
    """
    header = ["participant", "sector", "item_id", "current", "target"]
    columns = "ABCDE"

    def row_xml(number: int, values: list[str]) -> str:
        cells = "".join(
            f'<c r="{column}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
            for column, value in zip(columns, values, strict=True)
        )
        return f'<row r="{number}">{cells}</row>'

    body = [row_xml(1, header)]
    body.extend(row_xml(index + 2, [f"P{index}", SECTOR, ITEM, "2", "3"]) for index in range(rows))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:E{rows + 1}"/><sheetData>' + "".join(body) + "</sheetData></worksheet>"
    )
    path.write_bytes(_workbook({"xl/worksheets/sheet1.xml": sheet}))
    return path


def zip_bomb_xlsx(path: Path, unpacked: int) -> Path:
    """A small .xlsx whose one sheet unpacks to ``unpacked`` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(chunk)):
                sheet.write(chunk)
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    path.write_bytes(buffer.getvalue())
    return path


def huge_field_csv(path: Path, column: str, size: int) -> Path:
    """One answer row whose ``column`` holds ``size`` characters."""
    cells = {"participant": "P1", "sector": SECTOR, "item_id": ITEM, "current": "2", "target": "3"}
    cells[column] = "x" * size
    path.write_text(",".join(cells) + "\n" + ",".join(cells.values()) + "\n", encoding="utf-8")
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)


def _workbook(parts: dict[str, str]) -> bytes:
    files = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet"/></Relationships>'
        ),
        **parts,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


# --- the database, before and after ---------------------------------------------------------------


def shared_database(backend: str, folder: Path) -> Iterator[Engine]:
    """A database at the current schema for a whole test module, on ``backend``.

    Creating and migrating a PostgreSQL database per test costs a second or two; the corpus tests
    only add rows they read back by id, or compare the whole database around a refusal, so one
    database per module serves them all.
    """
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'corpus.db'}")
        upgrade_database(engine)
        yield engine
        engine.dispose()
        return
    from tests.storage.conftest import _fresh_postgres

    for engine in _fresh_postgres():
        upgrade_database(engine)
        yield engine


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing was written."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(row) for row in connection.execute(select(table)).all()),
                key=repr,
            )
            for table in Base.metadata.sorted_tables
        }


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
