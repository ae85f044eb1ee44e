"""Import and export of a workshop's responses, on SQLite and PostgreSQL.

Every refused import is checked twice: for the exact words that point the person at the cell to
fix, and for an unchanged database, because a half-imported file would be worse than none.
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date
from io import BytesIO, StringIO

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from assessment.answers import MAX_COMMENT_CHARS, Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_workshop,
    save_answer,
    transaction,
    workshop_info,
)
from assessment.db.tables import Participant
from assessment.framework import QuestionBank
from assessment.io import (
    EXPORT_COLUMNS,
    FORMATS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportRejected,
    ImportSummary,
    export_frame,
    export_workshop,
    import_workshop,
)
from tests.storage.counts import response_count, table_counts

MATURITY = "shared-purpose-stated"
SPECTRUM = "poo-stance"
ACCOUNTABILITY = "accountability-where-buck-stops"
SECTORS = "ics-nhs-body, nhs-trust, primary-care, local-authority, vcse, healthwatch, other"


# --- helpers ---------------------------------------------------------------------------------------


def row(**cells: object) -> dict[str, object]:
    """A good row for P01; a test changes the one cell it is about."""
    return {"participant": "P01", "sector": "vcse", "item_id": MATURITY, "current": 2, "target": 3, **cells}


def tier_row(function_id: str, tier: str, **cells: object) -> dict[str, object]:
    return {**row(item_id=ACCOUNTABILITY, current="", target="", function_id=function_id, tier=tier), **cells}


def csv_file(*rows: Mapping[str, object], columns: Sequence[str] = EXPORT_COLUMNS) -> bytes:
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_file(*rows: Sequence[object], columns: Sequence[str] = EXPORT_COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(columns))
    for values in rows:
        sheet.append(list(values))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


def refused(engine: Engine, workshop_id: int, content: bytes, filename: str = "answers.csv") -> list[str]:
    """The problems an import is refused with, having checked it wrote nothing at all."""
    before = counts(engine)
    with pytest.raises(ImportRejected) as caught:
        import_workshop(engine=engine, workshop_id=workshop_id, content=content, filename=filename)
    assert counts(engine) == before
    return caught.value.problems


def imported(
    engine: Engine, workshop_id: int, content: bytes, filename: str = "answers.csv"
) -> ImportSummary:
    return import_workshop(engine=engine, workshop_id=workshop_id, content=content, filename=filename)


def new_workshop(
    engine: Engine, like: int, *, anonymous: bool = True, domains: list[str] | None = None
) -> int:
    """Another workshop of the same partnership, on the same bank version."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=like)
        return create_workshop(
            session=session,
            partnership_id=info.partnership_id,
            bank_version_id=info.bank_version_id,
            title="Round two",
            held_on=date(2026, 6, 1),
            anonymous=anonymous,
            domains=domains,
        ).id


def give_answers(
    engine: Engine,
    workshop_id: int,
    answers: Sequence[Answer],
    *,
    sector: str = "vcse",
    role: str = "",
    display_name: str | None = None,
) -> None:
    """One new participant of the workshop, who gives these answers."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(
            session=session, workshop_id=workshop_id, sector=sector, role=role, display_name=display_name
        )
        for answer in answers:
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)


def seed_a_workshop(engine: Engine, workshop_id: int) -> None:
    """Three people covering every kind of answer, and comments a spreadsheet could mangle."""
    give_answers(
        engine,
        workshop_id,
        [
            Answer(item_id=MATURITY, current=2, target=4, confidence=3, comment='Agreed, "mostly" – see é'),
            Answer(
                item_id="gaps-statutory-duties", dont_know=True, comment="- not discussed\nneeds a session"
            ),
            Answer(item_id=SPECTRUM, current=1, target=4),
            Answer(
                item_id=ACCOUNTABILITY,
                tiers={"place-budget-overspend": "unclear", "trust-quality-failure": "ics-nhs-body"},
                confidence=2,
                comment="=nobody knows",
            ),
        ],
        role="Chief officer, Riverside CVS",
        display_name="Ada Example",
    )
    give_answers(
        engine,
        workshop_id,
        [
            Answer(item_id=MATURITY, current=1, target=3),
            Answer(item_id="easy-digital", current=4, target=4, confidence=1, comment="'=typed as text"),
            Answer(item_id="collab-place-balance", current=5, target=3, comment="@place leads"),
        ],
        sector="nhs-trust",
        role="Medical director",
    )
    give_answers(
        engine,
        workshop_id,
        [
            Answer(item_id="delegation-who-decides", tiers={"pcn-investment": "neighbourhood-pcn"}),
            Answer(item_id=MATURITY, dont_know=True),
            # A don't-know on an accountability item names no function: one row with none.
            Answer(item_id=ACCOUNTABILITY, dont_know=True, comment="new in post"),
        ],
        sector="local-authority",
    )


def frame_of(engine: Engine, workshop_id: int) -> pd.DataFrame:
    with transaction(engine) as session:
        return export_frame(session=session, workshop_id=workshop_id)


def exported(engine: Engine, workshop_id: int, fmt: str) -> bytes:
    with transaction(engine) as session:
        return export_workshop(session=session, workshop_id=workshop_id, fmt=fmt)


def xlsx_rows(content: bytes) -> list[dict[str, openpyxl.cell.cell.Cell]]:
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    assert sheet is not None
    header, *body = list(sheet.iter_rows())
    return [{str(h.value): cell for h, cell in zip(header, cells, strict=True)} for cells in body]


# --- export ----------------------------------------------------------------------------------------


def test_the_export_has_one_row_per_participant_and_item_and_per_function_for_accountability(
    engine: Engine, workshop_id: int
) -> None:
    seed_a_workshop(engine, workshop_id)
    frame = frame_of(engine, workshop_id)
    # An anonymous workshop: no role column, which with the sector would identify people.
    assert list(frame.columns) == [column for column in EXPORT_COLUMNS if column != "role"]
    assert frame[["participant", "item_id", "function_id"]].to_numpy().tolist() == [
        ["P01", MATURITY, ""],
        ["P01", "gaps-statutory-duties", ""],
        ["P01", SPECTRUM, ""],
        ["P01", ACCOUNTABILITY, "trust-quality-failure"],  # the bank's order, not the answer's
        ["P01", ACCOUNTABILITY, "place-budget-overspend"],
        ["P02", MATURITY, ""],
        ["P02", "easy-digital", ""],
        ["P02", "collab-place-balance", ""],
        ["P03", MATURITY, ""],
        ["P03", ACCOUNTABILITY, ""],
        ["P03", "delegation-who-decides", "pcn-investment"],
    ]
    accountability = frame[frame["item_id"].isin([ACCOUNTABILITY, "delegation-who-decides"])]
    assert accountability["current"].isna().all() and accountability["target"].isna().all()
    assert frame.loc[0, ["current", "target", "confidence"]].tolist() == [2, 4, 3]
    assert frame.loc[1, "dont_know"] and pd.isna(frame.loc[1, "current"])


def test_participants_are_sorted_as_people_read_labels(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for label in ("P10", "P2", "P1"):
            person = add_participant(session=session, workshop_id=workshop_id, sector="vcse", label=label)
            answer = Answer(item_id=MATURITY, current=1, target=2)
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
    assert frame_of(engine, workshop_id)["participant"].tolist() == ["P1", "P2", "P10"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_into_a_fresh_workshop_round_trips_every_answer(
    engine: Engine, workshop_id: int, fmt: str
) -> None:
    seed_a_workshop(engine, workshop_id)
    fresh = new_workshop(engine, workshop_id)
    summary = imported(engine, fresh, exported(engine, workshop_id, fmt), filename=f"round-one.{fmt}")
    assert summary == ImportSummary(participants=3, answers=10)
    pd.testing.assert_frame_equal(frame_of(engine, fresh), frame_of(engine, workshop_id))


def test_importing_the_same_file_twice_leaves_one_answer_per_participant_and_item(
    engine: Engine, workshop_id: int
) -> None:
    seed_a_workshop(engine, workshop_id)
    fresh = new_workshop(engine, workshop_id)
    content = exported(engine, workshop_id, "csv")
    imported(engine, fresh, content)
    after_first = counts(engine)
    assert imported(engine, fresh, content) == ImportSummary(participants=3, answers=10)
    assert counts(engine) == after_first
    with transaction(engine) as session:
        assert response_count(session=session, workshop_id=fresh) == 10


def test_an_import_reuses_a_participant_of_the_workshop_with_the_same_label(
    engine: Engine, workshop_id: int
) -> None:
    give_answers(engine, workshop_id, [Answer(item_id=MATURITY, current=1, target=2)])
    summary = imported(engine, workshop_id, csv_file(row(item_id="easy-digital"), row(current=3, target=4)))
    assert summary == ImportSummary(participants=1, answers=2)
    frame = frame_of(engine, workshop_id)
    assert frame[["participant", "item_id", "current"]].to_numpy().tolist() == [
        ["P01", MATURITY, 3],
        ["P01", "easy-digital", 2],
    ]


DANGEROUS = [
    '=HYPERLINK("http://example.com/steal","click me")',
    "+44 20 7946 0000",
    "-1 for this",
    "@SUM(A1:A9)",
    "\tcmd",
    "\rcmd",
]
MATURITY_ITEMS = [MATURITY, "shared-purpose-why-before-how", "shared-purpose-community-voice"]
MATURITY_ITEMS += ["shared-purpose-decision-test", "dual-purpose-timescales", "gaps-finance-regimes"]


def seed_dangerous_comments(engine: Engine, workshop_id: int) -> None:
    answers = [
        Answer(item_id=item, current=2, target=3, confidence=1, comment=text)
        for item, text in zip(MATURITY_ITEMS, DANGEROUS, strict=True)
    ]
    give_answers(engine, workshop_id, answers, role="=cmd|' /C calc'!A0")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_csv(
    engine: Engine, workshop_id: int
) -> None:
    named = new_workshop(engine, workshop_id, anonymous=False)  # a named workshop's export has roles
    seed_dangerous_comments(engine, named)
    content = exported(engine, named, "csv")
    assert content.startswith(b"\xef\xbb\xbfparticipant,")  # the BOM makes Excel read UTF-8
    sheet = pd.read_csv(BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert sheet["comment"].tolist() == ["'" + text for text in DANGEROUS]
    assert set(sheet["role"]) == {"'=cmd|' /C calc'!A0"}
    assert sheet[["current", "target", "confidence"]].drop_duplicates().to_numpy().tolist() == [
        ["2", "3", "1"]
    ]


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_xlsx(
    engine: Engine, workshop_id: int
) -> None:
    named = new_workshop(engine, workshop_id, anonymous=False)  # a named workshop's export has roles
    seed_dangerous_comments(engine, named)
    rows = xlsx_rows(exported(engine, named, "xlsx"))
    assert len(rows) == len(DANGEROUS)
    for cells in rows:
        assert str(cells["comment"].value).startswith("'")
        assert cells["comment"].data_type == "s"  # text, never a formula
        assert str(cells["role"].value).startswith("'=")
        # Numbers stay numbers, so the sheet can still sum and sort them.
        assert (cells["current"].value, cells["target"].value, cells["confidence"].value) == (2, 3, 1)
    assert str(rows[0]["comment"].value) == "'" + DANGEROUS[0]


def test_json_exports_keep_comments_exactly_as_given(engine: Engine, workshop_id: int) -> None:
    seed_dangerous_comments(engine, workshop_id)
    records = json.loads(exported(engine, workshop_id, "json"))
    assert [record["comment"] for record in records] == DANGEROUS
    assert {(record["current"], record["confidence"], record["dont_know"]) for record in records} == {
        (2, 1, False)
    }


def test_an_anonymous_workshop_exports_labels_and_never_display_names(
    engine: Engine, workshop_id: int
) -> None:
    give_answers(
        engine, workshop_id, [Answer(item_id=MATURITY, current=1, target=2)], display_name="Ada Lovelace"
    )
    assert frame_of(engine, workshop_id)["participant"].tolist() == ["P01"]
    for fmt in ("csv", "json"):
        assert b"Lovelace" not in exported(engine, workshop_id, fmt)
    cells = [cell.value for cell in xlsx_rows(exported(engine, workshop_id, "xlsx"))[0].values()]
    assert "P01" in cells and not any("Lovelace" in str(value) for value in cells)


def test_a_named_workshop_exports_display_names_where_they_are_given(
    engine: Engine, workshop_id: int
) -> None:
    named = new_workshop(engine, workshop_id, anonymous=False)
    give_answers(engine, named, [Answer(item_id=MATURITY, current=1, target=2)], display_name="Ada Lovelace")
    give_answers(engine, named, [Answer(item_id=MATURITY, current=3, target=3)])
    assert sorted(frame_of(engine, named)["participant"]) == ["Ada Lovelace", "P02"]


def test_an_unknown_export_format_is_refused(engine: Engine, workshop_id: int) -> None:
    with pytest.raises(ValueError, match="expected one of csv, xlsx, json"):
        exported(engine, workshop_id, "pdf")


# --- import: accepted variations --------------------------------------------------------------------


def test_dont_know_accepts_true_false_yes_no_one_and_zero_in_any_case(
    engine: Engine, workshop_id: int
) -> None:
    items = [
        "shared-purpose-why-before-how",
        "shared-purpose-community-voice",
        "shared-purpose-decision-test",
    ]
    content = csv_file(
        row(current="", target="", dont_know="TRUE"),
        row(item_id=items[0], current="", target="", dont_know="Yes"),
        row(item_id=items[1], current="", target="", dont_know="1"),
        row(item_id=items[2], dont_know="no"),
        row(item_id="easy-digital", dont_know="False"),
        row(item_id="easy-governance", dont_know="0"),
        row(item_id="easy-data-sharing", dont_know=""),
    )
    assert imported(engine, workshop_id, content).answers == 7
    assert frame_of(engine, workshop_id)["dont_know"].tolist() == [True] * 3 + [False] * 4


def test_only_the_required_columns_are_needed_and_a_bom_is_accepted(engine: Engine, workshop_id: int) -> None:
    content = "\ufeffparticipant,sector,item_id,dont_know\nP01,vcse,shared-purpose-stated,yes\n".encode()
    assert imported(engine, workshop_id, content) == ImportSummary(participants=1, answers=1)


def test_an_xlsx_typed_by_hand_with_numbers_and_booleans_is_imported(
    engine: Engine, workshop_id: int
) -> None:
    content = xlsx_file(
        ["P01", "vcse", "Director", MATURITY, 2, 4, False, 3, "typed at the table"],
        ["P01", "vcse", "Director", "easy-digital", None, None, True],
        [
            "P02",
            "healthwatch",
            None,
            ACCOUNTABILITY,
            None,
            None,
            None,
            None,
            None,
            "data-sharing-breach",
            "unclear",
        ],
    )
    assert imported(engine, workshop_id, content, filename="paper.XLSX") == ImportSummary(2, 3)
    frame = frame_of(engine, workshop_id)
    assert frame.loc[0, ["current", "target", "confidence", "comment"]].tolist() == [
        2,
        4,
        3,
        "typed at the table",
    ]
    assert frame["dont_know"].tolist() == [False, True, False]


def test_accountability_rows_with_confidence_and_comment_given_once_become_one_answer(
    engine: Engine, workshop_id: int
) -> None:
    content = csv_file(
        tier_row("trust-quality-failure", "ics-nhs-body", confidence=2, comment="hard to say"),
        tier_row("place-budget-overspend", "place-partnership"),
    )
    assert imported(engine, workshop_id, content) == ImportSummary(participants=1, answers=1)
    frame = frame_of(engine, workshop_id)
    assert frame["confidence"].tolist() == [2, 2] and frame["comment"].tolist() == ["hard to say"] * 2


def test_empty_lines_are_skipped_without_shifting_row_numbers(engine: Engine, workshop_id: int) -> None:
    content = csv_file(row(), row(item_id="easy-digital", current="x"))
    lines = content.decode().split("\n")
    content = "\n".join([lines[0], lines[1], "", ",,,,,,,,,,", lines[2], ""]).encode()
    assert refused(engine, workshop_id, content) == [
        "row 5, column current: 'x' is not a whole number; expected a level from 1 to 4"
    ]


# --- import: every kind of refusal ----------------------------------------------------------------


def test_an_unknown_item_id_is_refused(engine: Engine, workshop_id: int, shipped_bank: QuestionBank) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(item_id="shared-purpose-typo")))
    assert problems == [
        "row 3, column item_id: there is no item 'shared-purpose-typo' in the question bank "
        f"{shipped_bank.id} {shipped_bank.version}"
    ]


def test_an_item_outside_the_workshops_domains_is_refused(engine: Engine, workshop_id: int) -> None:
    narrow = new_workshop(engine, workshop_id, domains=["shared-purpose"])
    problems = refused(engine, narrow, csv_file(row(), row(item_id="easy-digital")))
    assert problems == ["row 3, column item_id: the item 'easy-digital' is not in this workshop's domains"]


def test_a_level_that_is_not_a_whole_number_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(
        engine, workshop_id, csv_file(row(), row(item_id=SPECTRUM, current="2.5", target="three"))
    )
    assert problems == [
        "row 3, column current: '2.5' is not a whole number; expected a level from 1 to 5",
        "row 3, column target: 'three' is not a whole number; expected a level from 1 to 5",
    ]


def test_a_level_outside_the_scale_is_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(
        row(), row(item_id="easy-digital", target=5), row(item_id=SPECTRUM, current=0, target=6)
    )
    assert refused(engine, workshop_id, content) == [
        "row 3, column target: target level 5 is outside the scale 1 to 4",
        "row 4, column current: current level 0 is outside the scale 1 to 5",
        "row 4, column target: target level 6 is outside the scale 1 to 5",
    ]


def test_a_current_level_without_a_target_or_a_target_without_a_current_is_refused(
    engine: Engine, workshop_id: int
) -> None:
    content = csv_file(row(), row(item_id="easy-digital", target=""), row(item_id=SPECTRUM, current=""))
    assert refused(engine, workshop_id, content) == [
        "row 3, column target: a current level was given without a target",
        "row 4, column current: a target was given without a current level",
    ]


def test_a_row_with_no_levels_and_no_dont_know_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(
        engine, workshop_id, csv_file(row(), row(item_id="easy-digital", current="", target=""))
    )
    assert problems == ["row 3, column current: give a current and a target level, or mark don't know"]


def test_a_dont_know_that_is_not_true_or_false_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(item_id="easy-digital", dont_know="maybe")))
    assert problems == [
        "row 3, column dont_know: 'maybe' is not true or false; "
        "use true/false, yes/no or 1/0 (empty means false)"
    ]


def test_a_dont_know_with_levels_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(item_id="easy-digital", dont_know="yes")))
    assert problems == ["row 3, column dont_know: a don't-know answer has no current or target level"]


def test_a_confidence_outside_one_to_three_is_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(
        row(), row(item_id="easy-digital", confidence=4), row(item_id="easy-governance", confidence="high")
    )
    assert refused(engine, workshop_id, content) == [
        "row 3, column confidence: confidence must be 1, 2 or 3 (or empty), found 4",
        "row 4, column confidence: 'high' is not a whole number; expected 1, 2 or 3 (or leave it empty)",
    ]


def test_a_comment_over_2000_characters_is_refused_and_one_of_2000_is_kept(
    engine: Engine, workshop_id: int
) -> None:
    too_long = csv_file(row(), row(item_id="easy-digital", comment="x" * (MAX_COMMENT_CHARS + 1)))
    assert refused(engine, workshop_id, too_long) == [
        "row 3, column comment: the comment is 2,001 characters; at most 2,000 are kept, so shorten it"
    ]
    assert imported(engine, workshop_id, csv_file(row(comment="x" * MAX_COMMENT_CHARS))).answers == 1


def test_an_unknown_or_empty_sector_is_refused_with_the_list_of_sectors(
    engine: Engine, workshop_id: int
) -> None:
    content = csv_file(row(), row(participant="P02", sector="pharma"), row(participant="P03", sector=""))
    assert refused(engine, workshop_id, content) == [
        f"row 3, column sector: 'pharma' is not a sector; expected one of {SECTORS}",
        f"row 4, column sector: the sector is empty; expected one of {SECTORS}",
    ]


def test_one_participant_label_with_two_sectors_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(item_id="easy-digital", sector="nhs-trust")))
    assert problems == [
        "row 3, column sector: participant 'P01' has the sector 'vcse' on row 2; a participant has one sector"
    ]


def test_a_label_already_in_the_workshop_with_another_sector_is_refused(
    engine: Engine, workshop_id: int
) -> None:
    give_answers(engine, workshop_id, [Answer(item_id=MATURITY, current=1, target=2)], sector="healthwatch")
    problems = refused(engine, workshop_id, csv_file(row(participant="P02"), row(item_id="easy-digital")))
    assert problems == [
        "row 3, column sector: participant 'P01' is already in this workshop with the sector 'healthwatch'; "
        "use that sector, or another label for a different person"
    ]


def test_one_participant_label_with_two_roles_is_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(row(role="Director"), row(item_id="easy-digital", role="Chair"), row(item_id=SPECTRUM))
    assert refused(engine, workshop_id, content) == [
        "row 3, column role: participant 'P01' has the role 'Director' on row 2; "
        "a participant has one role (or leave it empty on the other rows)"
    ]


def test_a_second_row_for_the_same_participant_and_item_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(current=4, target=4)))
    assert problems == [
        f"row 3, column item_id: participant 'P01' already has a row for item '{MATURITY}' (row 2); "
        "keep one of them"
    ]


def test_a_second_accountability_row_for_the_same_function_is_refused(
    engine: Engine, workshop_id: int
) -> None:
    content = csv_file(
        tier_row("trust-quality-failure", "ics-nhs-body"),
        tier_row("place-budget-overspend", "unclear"),
        tier_row("trust-quality-failure", "unclear"),
    )
    assert refused(engine, workshop_id, content) == [
        f"row 4, column function_id: participant 'P01' already has a row for item '{ACCOUNTABILITY}' and "
        "function 'trust-quality-failure' (row 2); keep one of them"
    ]


def test_a_function_and_tier_on_a_maturity_item_are_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(
        row(), row(item_id="easy-digital", function_id="trust-quality-failure", tier="unclear")
    )
    assert refused(engine, workshop_id, content) == [
        "row 3, column function_id: 'easy-digital' is a maturity item: it takes levels, not tiers"
    ]


def test_a_level_on_an_accountability_item_is_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(row(), tier_row("trust-quality-failure", "unclear", current=2, target=3))
    assert refused(engine, workshop_id, content) == [
        f"row 3, column current: '{ACCOUNTABILITY}' is an accountability item: it takes tiers, not levels"
    ]


def test_unknown_function_and_tier_ids_are_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file(tier_row("no-such-function", "unclear"), tier_row("trust-quality-failure", "the-king"))
    problems = refused(engine, workshop_id, content)
    assert (
        problems[0]
        == f"row 2, column function_id: 'no-such-function' is not a function of '{ACCOUNTABILITY}'"
    )
    assert problems[1].startswith(
        f"row 3, column tier: 'the-king' is not a tier of '{ACCOUNTABILITY}' (expected one of "
    )
    assert len(problems) == 2


def test_a_function_without_a_tier_or_a_tier_without_a_function_is_refused(
    engine: Engine, workshop_id: int
) -> None:
    content = csv_file(tier_row("trust-quality-failure", ""), tier_row("", "unclear"))
    assert refused(engine, workshop_id, content) == [
        "row 2, column tier: give the tier that holds accountability for 'trust-quality-failure' "
        "(or 'unclear')",
        "row 3, column function_id: give the function that the tier 'unclear' is for",
    ]


def test_an_empty_participant_label_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(participant="  ", item_id="easy-digital")))
    assert problems == [
        "row 3, column participant: the participant label is empty; give every row a label such as P07"
    ]


def test_a_label_longer_than_the_database_keeps_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(
        engine, workshop_id, csv_file(row(), row(participant="P" * 81, item_id="easy-digital"))
    )
    assert problems == ["row 3, column participant: the label is 81 characters; at most 80"]


def test_a_nul_character_is_refused_because_it_cannot_be_stored(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row(), row(item_id="easy-digital", comment="a\x00b")))
    assert problems == ["row 3, column comment: contains a NUL character, which cannot be stored; delete it"]


def test_an_xlsx_problem_names_the_row_excel_shows(engine: Engine, workshop_id: int) -> None:
    content = xlsx_file(["P01", "vcse", "", MATURITY, 2, 3], ["P01", "vcse", "", "easy-digital", 2, 9])
    assert refused(engine, workshop_id, content, filename="paper.xlsx") == [
        "row 3, column target: target level 9 is outside the scale 1 to 4"
    ]


def test_a_json_problem_uses_the_same_row_numbers_as_the_sheet(engine: Engine, workshop_id: int) -> None:
    content = json.dumps([row(), row(item_id="easy-digital", confidence=7), ["not", "an", "object"]]).encode()
    assert refused(engine, workshop_id, content, filename="answers.json") == [
        "row 3, column confidence: confidence must be 1, 2 or 3 (or empty), found 7",
        "row 4: expected an object with the column names as keys, found a list",
    ]


def test_a_file_with_several_problems_reports_all_of_them(engine: Engine, workshop_id: int) -> None:
    content = csv_file(
        row(),
        row(participant="", item_id="easy-digital", current=7),
        row(item_id="no-such-item", dont_know="perhaps"),
        row(participant="P02", sector="pharma", item_id=SPECTRUM, confidence=9, comment="y" * 2001),
        tier_row("trust-quality-failure", "nowhere", sector="nhs-trust"),
        row(),
    )
    problems = refused(engine, workshop_id, content)
    assert [problem.split(":")[0] for problem in problems] == [
        "row 3, column participant",
        "row 3, column current",
        "row 4, column item_id",
        "row 4, column dont_know",
        "row 5, column sector",
        "row 5, column confidence",
        "row 5, column comment",
        "row 6, column sector",
        "row 6, column tier",
        "row 7, column item_id",
    ]


# --- import: whole-file refusals --------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_refused(engine: Engine, workshop_id: int) -> None:
    content = "participant,sector,item_id,comment\nP01,vcse,easy-digital,café\n".encode("cp1252")
    assert refused(engine, workshop_id, content) == ["file: the file is not UTF-8 text; save it as CSV UTF-8"]


def test_an_unknown_file_extension_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, csv_file(row()), filename="answers.txt")
    assert problems == [
        "file: 'answers.txt' is not a .csv, .xlsx or .json file; "
        "save the sheet as CSV UTF-8 or as an Excel workbook (.xlsx)"
    ]


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,
        b"PK\x03\x04" + b"\x00" * 200,
        xlsx_file(["P01", "vcse", "", MATURITY, 2, 3])[:1500],
    ],
    ids=["binary-junk", "broken-zip", "truncated-workbook"],
)
def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused_without_a_traceback(
    engine: Engine, workshop_id: int, content: bytes
) -> None:
    problems = refused(engine, workshop_id, content, filename="answers.xlsx")
    assert len(problems) == 1
    assert problems[0].startswith("file: the file could not be read as an Excel workbook (.xlsx)")


def test_a_zip_that_is_not_a_workbook_is_refused(engine: Engine, workshop_id: int) -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    problems = refused(engine, workshop_id, buffer.getvalue(), filename="answers.xlsx")
    assert len(problems) == 1
    assert problems[0].startswith("file: the file could not be read as an Excel workbook (.xlsx)")


def test_binary_junk_named_csv_is_refused(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert problems == ["file: the file is not UTF-8 text; save it as CSV UTF-8"]


def test_a_workbook_named_csv_is_refused_with_a_hint(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, xlsx_file(["P01", "vcse", "", MATURITY, 2, 3]))
    assert problems == [
        "file: this looks like an Excel workbook, not CSV; name it .xlsx or save it as CSV UTF-8"
    ]


def test_a_csv_whose_rows_do_not_match_the_header_is_refused(engine: Engine, workshop_id: int) -> None:
    content = b"participant,sector,item_id\nP01,vcse,easy-digital\nP01,vcse,easy-governance,2,3\n"
    problems = refused(engine, workshop_id, content)
    assert problems == [
        "file: the file could not be read as CSV (Expected 3 fields in line 3, saw 5); "
        "check that every row has as many values as the header row"
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'[{"participant": ', "file: the file is not valid JSON (Expecting value at line 1, column 18)"),
        (b'{"participant": "P01"}', "file: expected a JSON list of objects, one per row, with the column"),
        (b"[" * 100_000, "file: the JSON is nested too deeply; expected a JSON list of objects"),
    ],
    ids=["truncated", "an-object", "too-deep"],
)
def test_a_json_file_that_is_not_a_list_of_objects_is_refused(
    engine: Engine, workshop_id: int, content: bytes, problem: str
) -> None:
    problems = refused(engine, workshop_id, content, filename="answers.json")
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_an_empty_file_or_a_header_alone_is_refused(engine: Engine, workshop_id: int) -> None:
    assert refused(engine, workshop_id, b"")[0].startswith("file: the file is empty")
    assert refused(engine, workshop_id, csv_file()) == [
        "file: the file has a header row but no answers under it"
    ]


def test_missing_required_columns_are_refused(engine: Engine, workshop_id: int) -> None:
    content = csv_file({"participant": "P01", "current": 2}, columns=["participant", "current"])
    assert refused(engine, workshop_id, content) == [
        "file: the required columns 'sector', 'item_id' are missing; row 1 must name the columns, "
        "at least participant, sector, item_id"
    ]


def test_unknown_columns_are_refused_naming_them(engine: Engine, workshop_id: int) -> None:
    content = csv_file(row(Notes="x", score=3), columns=[*EXPORT_COLUMNS, "Notes", "score"])
    assert refused(engine, workshop_id, content) == [
        f"file: unknown columns 'Notes', 'score'; expected only: {', '.join(EXPORT_COLUMNS)}"
    ]


def test_a_repeated_column_is_refused(engine: Engine, workshop_id: int) -> None:
    content = b"participant,sector,item_id,comment,comment\nP01,vcse,easy-digital,a,b\n"
    assert refused(engine, workshop_id, content) == [
        "file: the column 'comment' appears more than once in row 1; keep one"
    ]


def test_a_semicolon_separated_file_gets_a_hint(engine: Engine, workshop_id: int) -> None:
    content = b"participant;sector;item_id\nP01;vcse;easy-digital\n"
    problems = refused(engine, workshop_id, content)
    assert "the file seems to use ';' between values: save it as CSV UTF-8 (comma delimited)" in problems[0]


# --- import: size limits ----------------------------------------------------------------------------


def test_a_file_over_10_mb_is_refused_before_it_is_read(engine: Engine, workshop_id: int) -> None:
    problems = refused(engine, workshop_id, b"x" * (MAX_IMPORT_BYTES + 1))
    assert problems == [
        "file: the file is larger than 10 MB (10,485,761 bytes); "
        "split it into smaller files and import each one"
    ]


def test_a_file_of_exactly_10_mb_is_read_and_judged_on_its_rows(engine: Engine, workshop_id: int) -> None:
    head = csv_file(
        row(comment=""), columns=["participant", "sector", "item_id", "current", "target", "comment"]
    )
    content = head.rstrip(b"\n") + b"x" * (MAX_IMPORT_BYTES - len(head)) + b"\n"
    assert len(content) == MAX_IMPORT_BYTES
    problems = refused(engine, workshop_id, content)
    assert len(problems) == 1 and problems[0].startswith("row 2, column comment: the comment is 10,")


def test_a_file_over_100000_rows_is_refused(engine: Engine, workshop_id: int) -> None:
    body = b"P01,vcse,easy-digital,2,3\n" * (MAX_IMPORT_ROWS + 1)
    content = b"participant,sector,item_id,current,target\n" + body
    assert len(content) < MAX_IMPORT_BYTES  # the rows, not the size, are what is refused
    assert refused(engine, workshop_id, content) == [
        "file: the file has more than 100,000 rows; split it into smaller files and import each one"
    ]


def test_a_json_file_over_100000_rows_is_refused(engine: Engine, workshop_id: int) -> None:
    content = b"[" + b",".join([b"{}"] * (MAX_IMPORT_ROWS + 1)) + b"]"
    problems = refused(engine, workshop_id, content, filename="answers.json")
    assert problems == [
        "file: the file has more than 100,000 rows; split it into smaller files and import each one"
    ]


def test_a_file_of_exactly_100000_rows_is_accepted(engine: Engine, workshop_id: int) -> None:
    content = b"participant,sector,item_id,current,target\nP01,vcse,easy-digital,2,3\n"
    content += b",,,,\n" * (MAX_IMPORT_ROWS - 1)  # empty rows count towards the limit but hold nothing
    assert imported(engine, workshop_id, content) == ImportSummary(participants=1, answers=1)
    with transaction(engine) as session:
        labels = session.scalars(
            select(Participant.label).where(Participant.workshop_id == workshop_id)
        ).all()
    assert labels == ["P01"]
