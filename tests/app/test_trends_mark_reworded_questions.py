"""The trends page, over rounds on two bank versions, marks the reworded questions and no others."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import create_cohort, create_partnership, transaction
from tests.app.conftest import open_as_facilitator
from tests.bank_versions import SECOND_VERSION, SHIPPED_BANK_TEXT, STATED_AFTER
from tests.storage.conftest import add_round

pytestmark = pytest.mark.app


def two_versions(engine: Engine) -> int:
    """A partnership with Round 1 on the shipped bank and Round 2 on its edited second version."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Versions cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
    answers = {"shared-purpose-stated": [(1, 3), (2, 4), (2, 4)], "trust-candid-relationships": [(1, 2)] * 3}
    for label, month, text in (("Round 1", 1, SHIPPED_BANK_TEXT), ("Round 2", 4, SECOND_VERSION)):
        held_on = date(2026, month, 10)
        add_round(
            engine, partnership=partnership, label=label, held_on=held_on, answers=answers, bank_text=text
        )
    return partnership


def table_with(at: AppTest, column: str) -> dict[str, list[str]]:
    frame = next(d.value for d in at.dataframe if column in d.value.columns)
    return {name: [str(v) for v in frame[name]] for name in frame.columns}


def test_the_trends_page_marks_where_the_wording_changed_and_what_is_absent(
    app_db: Engine, facilitator: int
) -> None:
    partnership = two_versions(app_db)
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=partnership)
    chooser = next(m for m in at.multiselect if m.label == "Domains")
    chooser.set_value(["shared-purpose", "trust-momentum"]).run()
    assert not at.exception, at.exception

    assert any("The question bank changed at Round 2" in w.value and "Wording" in w.value for w in at.warning)
    table = table_with(at, "Wording")
    marks = dict(zip(zip(table["Round"], table["Domain"], strict=True), table["Wording"], strict=True))
    assert marks[("Round 2", "Shared purpose")] == "wording changed"
    assert marks[("Round 2", "Build trust momentum")] == ""
    assert marks[("Round 1", "Shared purpose")] == ""

    questions = table_with(at, "What changed")
    said = list(zip(questions["Question"], questions["What changed"], strict=True))
    assert (STATED_AFTER, "wording changed in Round 2") in said
    # The community question's id changed: the new id is absent from Round 1, the old from Round 2.
    assert sorted(words for _, words in said) == [
        "absent from Round 2's version: asked in Round 1",
        "new in Round 2: absent from Round 1's version",
        "wording changed in Round 2",
        "wording changed in Round 2",
    ]
    every_cell = [cell for column in (*table.values(), *questions.values()) for cell in column]
    assert not any(cell in ("None", "nan", "NaN", "<NA>") for cell in every_cell)


def test_the_cohort_comparison_says_which_partnerships_answered_in_older_wording(
    app_db: Engine, facilitator: int
) -> None:
    with transaction(app_db) as session:
        cohort = create_cohort(session=session, name="Two versions")
        east = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
        west = create_partnership(session=session, cohort_id=cohort, name="Westmere ICS", kind="ics")
    answers = {"shared-purpose-stated": [(2, 4)] * 3}
    for partnership, text in ((east, SHIPPED_BANK_TEXT), (west, SECOND_VERSION)):
        add_round(
            app_db,
            partnership=partnership,
            label="R1",
            held_on=date(2026, 3, 1),
            answers=answers,
            bank_text=text,
        )
    at = open_as_facilitator(facilitator, "views/cohorts.py", cohorts_cohort=cohort)
    [note] = [w.value for w in at.warning if "word some questions differently" in w.value]
    said = note.replace("\\", "")  # markdown escapes
    assert (
        "- Eastvale ICS, Shared purpose: worded as in ics-readiness 1.0.0, unlike ics-readiness 2.0.0" in said
    )
    assert "Westmere ICS" not in note
