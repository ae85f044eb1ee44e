"""The board PDF against the smaller holes of the adversarial review: a right-to-left override in
a workshop title reverses nothing after it, and a workshop where nobody knew, or where everyone
gave the same answers, still gets every chart drawn (in the real browser), never an error."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from assessment.answers import Answer
from assessment.chart_export import ChartExporter
from assessment.framework import AccountabilityItem, MaturityItem, SpectrumItem
from assessment.migrate import upgrade_database
from assessment.report import gather_workshop_report, summary_context, workshop_summary_pdf
from assessment.store import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    save_answer,
    store_bank_version,
    transaction,
)
from tests.corpus import hostile
from tests.storage.conftest import SHIPPED_BANK_TEXT


def flat_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


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
