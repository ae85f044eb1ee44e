"""The PDF's trend, over rounds on two bank versions, marks the domain whose wording changed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from assessment import report as report_module
from assessment.db import create_cohort, create_partnership, transaction
from assessment.report import gather_workshop_report, summary_context
from tests.bank_versions import SECOND_VERSION
from tests.pdf_text import flat_text
from tests.storage.conftest import add_round


def test_the_pdf_trend_and_change_since_the_previous_round_mark_the_reworded_domain_only(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Versions cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
    answers = {"shared-purpose-stated": [(1, 3), (2, 4), (3, 4)], "trust-candid-relationships": [(1, 2)] * 3}
    add_round(engine, partnership=partnership, label="R1", held_on=date(2026, 1, 10), answers=answers)
    second = add_round(
        engine,
        partnership=partnership,
        label="R2",
        held_on=date(2026, 4, 10),
        answers=answers,
        bank_text=SECOND_VERSION,
    )
    with transaction(engine) as session:
        made = gather_workshop_report(session=session, workshop_id=second)
    context = summary_context(made, None)

    rows = {r["title"]: r["cells"] for r in context["trend"]["rows"]}
    assert rows["Shared purpose"][-1].endswith(" (wording changed)")
    assert "wording changed" not in rows["Shared purpose"][0]
    assert not any(
        "changed" in cell for title, cells in rows.items() if title != "Shared purpose" for cell in cells
    )
    titles = [r["title"] for r in context["previous"]["rows"]]
    assert "Shared purpose (wording changed)" in titles and "Build trust momentum" in titles

    text = flat_text(report_module.typeset_summary(made, context).content)
    assert "The question bank changed at R2" in text and "“Wording changed” beside a figure" in text
