"""The exports a facilitator takes away: the figures workbook, and consensus and actions as CSV or
Excel. Built from the presentation model, they withhold what the screen withholds (an empty cell
and the word "withheld", never a number), and no text cell can run as a formula in a spreadsheet.

The rooms are small and awkward on purpose (1-8 people, thresholds 1 to 6, sectors of one, don't
knows, skipped questions, spectrum and accountability answers), so withheld figures turn up
everywhere; labels, consensus and actions are often written to look like formulas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import openpyxl  # type: ignore[import-untyped]
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import exports
from assessment.db import WorkshopInfo
from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, SpectrumItem
from assessment.io import FORMULA_TRIGGERS, spreadsheet_text
from assessment.outcomes import ActionRecord, ConsensusRecord
from assessment.presenting import WITHHELD, ResultsModel, present
from assessment.results import ScoredWorkshop
from assessment.scoring import TIER_COLUMNS, score_workshop
from tests.banks import small_bank_data

ROOMS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECTORS = ("nhs-trust", "local-authority", "vcse")
# What a spreadsheet would run: a formula, a sum, a lookup, a command, and one quoted already.
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2-2",
    "@SUM(A1:A9)",
    "'=1+1",
    "=cmd|'/C calc'!A0",
)
hostile_text = st.builds(
    lambda start, rest: start + rest, st.sampled_from(HOSTILE), st.text("abc xyz", max_size=6)
)
plain_text = st.sampled_from(["Shared purpose", "Trust", "Money and risk", "Place"])
# Columns that count people or answers: numbers shown even beside a withheld figure, as on screen.
COUNT_HEADINGS = {"People answering", "Answers"}
STATUS = "Status"


@dataclass(frozen=True)
class Room:
    model: ResultsModel
    bank: QuestionBank
    answers: pd.DataFrame
    tier_answers: pd.DataFrame
    threshold: int
    labels: tuple[str, ...]  # texts every export shows whoever answered: titles, questions, outcomes


def workshop_info(bank: QuestionBank, *, anonymous: bool = True) -> WorkshopInfo:
    domains = tuple(d.id for d in bank.domains)
    return WorkshopInfo(
        1,
        "ABCDEFGH",
        "Spring round",
        date(2026, 5, 1),
        "Round 2",
        "closed",
        True,
        anonymous,
        domains,
        1,
        "Riverside ICS",
        "Test cohort",
        1,
    )


@st.composite
def rooms(draw: st.DrawFn) -> Room:
    threshold = draw(st.integers(1, 6))
    data = small_bank_data()
    data["anonymity_threshold"] = threshold
    words = st.one_of(plain_text, hostile_text)
    labels: list[str] = []

    count = iter(range(1, 1000))

    def label(*, always_shown: bool = True) -> str:
        # numbered, so no two labels are the same and a row can be found by its label
        text = f"{draw(words).strip()} {next(count)}"
        if always_shown:
            labels.append(text)
        return text

    # A sector, a group or a situation nobody answered for is not listed, so may not appear.
    for domain in data["domains"]:
        domain["title"] = label()
        for item in domain["items"]:
            item["text"] = label(always_shown=item["type"] != "accountability")
            if item["type"] == "spectrum":
                item["poles"] = [label(), label()]
            for function in item.get("functions", []):
                function["label"] = label(always_shown=False)
    for sector in data["sectors"]:
        sector["label"] = label(always_shown=False)
    if draw(st.booleans()):
        data["sector_groups"] = [
            {"id": "nhs", "label": label(always_shown=False), "sectors": ["nhs-trust"]},
            {
                "id": "councils-and-vcse",
                "label": label(always_shown=False),
                "sectors": ["local-authority", "vcse"],
            },
        ]
    bank = QuestionBank.model_validate(data)

    people = [(f"p{i}", draw(st.sampled_from(SECTORS))) for i in range(draw(st.integers(1, 8)))]
    rows, tier_rows = [], []
    for person, sector in people:
        for _, item in bank.iter_items():
            kind = draw(st.sampled_from(["skip", "dont_know", "rate", "rate", "rate"]))
            if kind == "skip":
                continue
            if isinstance(item, AccountabilityItem):
                tiers = [t.id for t in item.tiers]
                for function in item.functions:
                    tier = draw(st.sampled_from(tiers))
                    tier_rows.append((person, sector, item.id, function.id, tier))
                continue
            top = 5 if isinstance(item, SpectrumItem) else bank.max_level
            current = np.nan if kind == "dont_know" else float(draw(st.integers(1, top)))
            target = np.nan if kind == "dont_know" else float(draw(st.integers(1, top)))
            rows.append((person, sector, item.id, current, target, kind == "dont_know", None, None))
    columns = [
        "participant",
        "sector",
        "item_id",
        "current",
        "target",
        "dont_know",
        "comment",
        "display_name",
    ]
    answers = pd.DataFrame(rows, columns=columns).astype({"dont_know": bool})
    tier_answers = pd.DataFrame(tier_rows, columns=list(TIER_COLUMNS)).assign(
        comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object)
    )
    info = workshop_info(bank)
    scores = score_workshop(answers, bank, tier_answers=tier_answers, domains=list(info.domains))
    scored = ScoredWorkshop(info, bank, scores, answers, tier_answers)
    when = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)
    consensus = {
        "purpose": ConsensusRecord(1, 1, "purpose", None, 2.5, label(), label(), "facilitator:1", when)
    }
    actions = [
        ActionRecord(
            1,
            1,
            1,
            "Round 2",
            "trust",
            "trust-relationships",
            label(),
            label(),
            date(2026, 9, 1),
            "in-progress",
            label(),
            when,
            when,
        )
    ]
    model = present(scored, consensus=consensus, actions=actions, trend=pd.DataFrame())
    return Room(model, bank, answers, tier_answers, threshold, tuple(labels))


def sheets(content: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every sheet of a workbook as rows keyed by heading; and every cell checked not a formula."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    found = {}
    for sheet in book.worksheets:
        cells = list(sheet.iter_rows())
        for row in cells:
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
        headings = [str(c.value) for c in cells[0]]
        found[sheet.title] = [dict(zip(headings, [c.value for c in row], strict=True)) for row in cells[1:]]
    return found


def texts_in(book: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [
        value
        for rows in book.values()
        for row in rows
        for value in (*row.values(), *row.keys())
        if isinstance(value, str)
    ]


def raters(answers: pd.DataFrame, item_id: str) -> int:
    rated = answers.loc[answers["item_id"].eq(item_id) & ~answers["dont_know"]]
    return int(rated["participant"].nunique())


def respondents(room: Room) -> set[str]:
    return set(room.answers["participant"]) | set(room.tier_answers["participant"])


@ROOMS
@given(rooms())
def test_no_figure_the_model_withholds_appears_in_the_workbook_and_every_withheld_row_says_so(
    room: Room,
) -> None:
    book = sheets(exports.figures_workbook(room.model))
    assert {"About", "Questions", "Domains", "Sectors", "Spectrum", "Accountability"} <= set(book)
    everything_withheld = len(respondents(room)) < room.threshold
    assert room.model.withheld == everything_withheld
    for title, rows in book.items():
        if title == "About":
            continue
        for row in rows:
            assert row[STATUS] in ("shown", WITHHELD), (title, row)
            numbers = {
                k: v for k, v in row.items() if isinstance(v, (int, float)) and k not in COUNT_HEADINGS
            }
            if row[STATUS] == WITHHELD:
                # "Level the team agreed" is the room's own decision, not a figure of answers
                assert set(numbers) <= {"Level the team agreed"}, (title, row)
            elif title != "Domains":
                assert numbers, (title, row)
            if everything_withheld:
                assert row[STATUS] == WITHHELD, (title, row)

    # The questions, against the rule itself: a median of fewer raters than the threshold is withheld.
    texts = {item.id: item.text for _, item in room.bank.iter_items()}
    questions = {row["Question"]: row for row in book["Questions"]}
    model_rows = {spreadsheet_text(q.text, xlsx=True): q for q in room.model.ranked_questions}
    assert set(questions) == set(model_rows)
    for _, item in room.bank.iter_items():
        if not isinstance(item, MaturityItem):
            continue
        row = questions[spreadsheet_text(texts[item.id], xlsx=True)]
        few = raters(room.answers, item.id) < room.threshold or everything_withheld
        assert (row[STATUS] == WITHHELD) == few, (item.id, row)
        shown = model_rows[row["Question"]]
        for heading, figure in (
            ("Current level (team median)", shown.current),
            ("Target level (team median)", shown.target),
            ("Gap (target minus current)", shown.gap),
        ):
            assert row[heading] == (None if figure.withheld else float(figure.text)), (heading, row)

    # The domains: exactly the model's figures, to the two places the screen shows.
    for row, domain in zip(book["Domains"], room.model.domains, strict=True):
        assert row["Domain"] == spreadsheet_text(domain.title, xlsx=True)
        assert row[STATUS] == (WITHHELD if domain.current.withheld else "shown")
        assert row["Current level (mean of the shown questions' medians)"] == (
            None if domain.current.withheld else float(domain.current.text)
        )

    # The sector lens: a sector of fewer people than the threshold shows no figure at all.
    tier_people = room.tier_answers.groupby("sector")["participant"].apply(set).to_dict()
    for row in book["Sectors"]:
        sector = next(s for s in room.bank.sectors if spreadsheet_text(s.label, xlsx=True) == row["Sector"])
        everyone = set(
            room.answers.loc[room.answers["sector"] == sector.id, "participant"]
        ) | tier_people.get(sector.id, set())
        if len(everyone) < room.threshold:
            assert (
                row[STATUS] == WITHHELD
                and row["Current level (mean of the shown questions' medians)"] is None
            )

    for row, spectrum in zip(book["Spectrum"], room.model.spectrum, strict=True):
        assert (row[STATUS] == WITHHELD) == spectrum.now.withheld
    for row, situation in zip(book["Accountability"], room.model.accountability, strict=True):
        assert (row[STATUS] == WITHHELD) == (situation.clarity == WITHHELD)
        if row[STATUS] == "shown":
            assert row["Share naming that tier (agreement)"] == float(situation.clarity.rstrip("%")) / 100


@ROOMS
@given(rooms())
def test_no_text_cell_in_any_export_starts_with_a_formula_and_every_label_is_kept_in_words(
    room: Room,
) -> None:
    workbooks = [exports.figures_workbook(room.model), exports.outcomes_workbook(room.model)]
    found: list[str] = []
    for content in workbooks:
        found += texts_in(sheets(content))
    for table in exports.OUTCOME_TABLES:
        text = exports.outcomes_csv(room.model, table=table).decode("utf-8-sig")
        found += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    dangerous = [text for text in found if text.startswith(FORMULA_TRIGGERS)]
    assert dangerous == []
    # Neutralised, never dropped: every label given is there, with the mark the import takes off.
    kept = set(found)
    missing = [
        label
        for label in room.labels
        if spreadsheet_text(label, xlsx=True) not in kept and spreadsheet_text(label, xlsx=False) not in kept
    ]
    assert missing == []


def test_a_question_two_people_rated_is_an_empty_cell_marked_withheld_and_its_domain_rests_on_the_rest() -> (
    None
):
    data = small_bank_data()
    bank = QuestionBank.model_validate(data)
    rows = []
    for person, sector in (("p1", "nhs-trust"), ("p2", "vcse"), ("p3", "local-authority")):
        rows.append((person, sector, "purpose-stated", 2.0, 4.0, False, None, None))
        # only two of the three rate the second question
        if person != "p3":
            rows.append((person, sector, "purpose-lived", 1.0, 3.0, False, None, None))
    columns = [
        "participant",
        "sector",
        "item_id",
        "current",
        "target",
        "dont_know",
        "comment",
        "display_name",
    ]
    answers = pd.DataFrame(rows, columns=columns).astype({"dont_know": bool})
    tiers = pd.DataFrame(columns=[*TIER_COLUMNS, "comment", "display_name"])
    info = workshop_info(bank)
    scores = score_workshop(answers, bank, tier_answers=tiers, domains=list(info.domains))
    model = present(
        ScoredWorkshop(info, bank, scores, answers, tiers), consensus={}, actions=[], trend=pd.DataFrame()
    )
    book = sheets(exports.figures_workbook(model))

    lived = next(r for r in book["Questions"] if r["Question"] == "How far along is purpose-lived?")
    assert lived[STATUS] == WITHHELD
    assert [lived[h] for h in ("Current level (team median)", "Target level (team median)")] == [None, None]
    stated = next(r for r in book["Questions"] if r["Question"] == "How far along is purpose-stated?")
    assert (stated[STATUS], stated["Current level (team median)"], stated["Gap (target minus current)"]) == (
        "shown",
        2.0,
        2.0,
    )
    purpose = book["Domains"][0]
    assert purpose["Current level (mean of the shown questions' medians)"] == 2.0
    assert purpose["Rests on"] == "1 of 2 questions"
    # one person per sector: every sector's figure is withheld, its count still said
    assert {r[STATUS] for r in book["Sectors"]} == {WITHHELD}
    assert {r["People answering"] for r in book["Sectors"] if r["Sector"] == "VCSE"} == {1}
    about = {r["About"]: r["Detail"] for r in book["About"]}
    assert about["Partnership"] == "Riverside ICS" and about["Round"] == "Round 2"
    assert "fewer than 3" in about["Anonymity"]


def test_a_download_is_named_for_its_partnership_round_and_date() -> None:
    info = workshop_info(QuestionBank.model_validate(small_bank_data()))
    assert exports.file_name(info, "figures", "xlsx") == "riverside-ics-round-2-2026-05-01-figures.xlsx"
    unnamed = replace(info, round_label=None, partnership="Ærø / Place")
    assert exports.file_name(unnamed, "answers", "csv") == "r-place-spring-round-2026-05-01-answers.csv"
