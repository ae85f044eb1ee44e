"""The board PDF against the smaller holes of the adversarial review: a right-to-left override in
a workshop title reverses nothing after it, and a workshop where nobody knew, or where everyone
gave the same answers, still gets every chart drawn (in the real browser), never an error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from assessment import report as report_module
from assessment.answers import Answer
from assessment.chart_export import ChartExporter
from assessment.charts import NOTHING_TO_SHOW
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
)
from assessment.framework import AccountabilityItem, MaturityItem, SpectrumItem
from assessment.report import gather_workshop_report, summary_context, workshop_summary_pdf
from tests.corpus import hostile
from tests.pdf_text import flat_text
from tests.storage.conftest import SHIPPED_BANK_TEXT


def workshop(engine: Engine, *, title: str, answers: str = "levels", people: int = 4) -> int:
    """A workshop of ``people`` on three domains: ``answers`` is "levels" (varied), "dont-know"
    (every answer don't know) or "identical" (everyone gives the same answer to everything)."""
    domains = ["shared-purpose", "local-flexibility", "accountability"]
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=f"Cohort for {title}")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        bank = bank_for_version(session=session, bank_version_id=version)
        created = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 3, 1),
            domains=domains,
        )
        for index in range(people):
            person = add_participant(
                session=session, workshop_id=created.id, sector=("nhs-trust", "local-authority")[index % 2]
            )
            for domain in domains:
                for number, item in enumerate(bank.domain(domain).items):
                    if answers == "dont-know":
                        answer = Answer(item_id=item.id, dont_know=True)
                    elif isinstance(item, AccountabilityItem):
                        tier = item.tiers[0 if answers == "identical" else (index + number) % 2].id
                        answer = Answer(item_id=item.id, tiers={f.id: tier for f in item.functions})
                    elif isinstance(item, MaturityItem | SpectrumItem):
                        level = 2 if answers == "identical" else 1 + (index + number) % 3
                        answer = Answer(item_id=item.id, current=level, target=3)
                    save_answer(
                        session=session, participant_id=person.id, answer=answer, bank=bank, domains=domains
                    )
            submit_participant(session=session, participant_id=person.id)
    return created.id


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (hostile("right_to_left_override"), "Invoice gnp.exe from the board"),
        ("Spring \u202eround one", "Spring round one"),  # never closed: everything after would turn
    ],
)
def test_a_right_to_left_override_in_a_title_reverses_nothing_in_the_pdf(
    engine: Engine, title: str, shown: str
) -> None:
    with transaction(engine) as session:
        pdf = workshop_summary_pdf(session=session, workshop_id=workshop(engine, title=title), charts=False)
    text = flat_text(pdf.content)
    # The running header and the line under the heading, each in the order it was typed.
    assert f"Riverside ICS · {shown} · 1 March 2026" in text
    assert f"{shown} · held 1 March 2026" in text
    assert "exe.png" not in text and "eno dnuor" not in text


@pytest.fixture(scope="module")
def browser() -> Iterator[ChartExporter]:
    exporter = ChartExporter()
    yield exporter
    exporter.close()


def drawn_or_said_why(figure: Any) -> bool:
    """A figure has something to draw, or is the panel saying there is nothing: never empty axes."""
    said = any(NOTHING_TO_SHOW in str(note.text) for note in figure.layout.annotations or ())
    values = [
        v
        for trace in figure.data
        for name in ("x", "y", "r", "z")
        for v in np.ravel(np.asarray(getattr(trace, name, None) or (), dtype=object))
        if v is not None and not (isinstance(v, float) and np.isnan(v))
    ]
    return said != bool(values)  # one or the other, never both, never neither


@pytest.mark.parametrize("answers", ["dont-know", "identical"])
def test_every_chart_of_the_pdf_is_drawn_when_nobody_knew_or_everyone_agreed(
    engine: Engine, browser: ChartExporter, answers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: dict[str, Any] = {}
    add = report_module._Charts.add

    def recording(self: Any, name: str, build: Any, **kwargs: Any) -> None:
        figure = build()  # the report hands over how to build each figure, built only when drawn
        asked[name] = figure
        add(self, name, lambda: figure, **kwargs)

    monkeypatch.setattr(report_module._Charts, "add", recording)
    workshop_id = workshop(engine, title=f"Everyone {answers}", answers=answers)
    with transaction(engine) as session:
        made = gather_workshop_report(session=session, workshop_id=workshop_id)
    context = summary_context(made, browser)
    assert context["charts_problem"] is None, context["charts_problem"]
    assert asked and set(context["charts"]) == set(asked)  # every chart asked for was drawn
    for name, figure in asked.items():
        assert drawn_or_said_why(figure), name
    for chart in context["charts"].values():
        svg = chart["svg"]
        assert svg.startswith("<svg") and "went wrong" not in svg
    with transaction(engine) as session:
        pdf = workshop_summary_pdf(session=session, workshop_id=workshop_id, exporter=browser)
    assert pdf.charts_problem is None
    text = flat_text(pdf.content)
    assert "could not be drawn" not in text
    if answers == "dont-know":
        assert "Nothing to show here" in text
