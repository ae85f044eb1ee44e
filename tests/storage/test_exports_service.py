"""The figures workbook and the consensus and actions files through their one door: only a
facilitator who may see the workshop takes them out, each is on the audit record, and the figures
are the stored workshop's own, withheld as the results page withholds them."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine, select

from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import create_partnership, transaction
from assessment.db.tables import AuditEntry
from assessment.errors import NotFound
from assessment.services import Actor
from assessment.services.exports import figures_workbook, outcomes_file
from assessment.services.outcomes import add_action, record_consensus
from tests.storage.conftest import add_round
from tests.storage.counts import table_counts

PASSWORD = "a long enough test passphrase"


def _workshop(engine: Engine) -> tuple[int, int, int]:
    """(owner, stranger, a round in the owner's cohort where one question has two raters)."""
    with transaction(engine) as session:
        owner = create_facilitator(session=session, email="owner@nhs.net", password=PASSWORD, actor="test")
        stranger = create_facilitator(session=session, email="other@nhs.net", password=PASSWORD, actor="test")
        cohort = create_own_cohort(session=session, facilitator_id=owner, name="Owner's cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Kestrel ICS", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="Round 2",
        held_on=date(2026, 6, 1),
        answers={
            "shared-purpose-stated": [(2, 4), (3, 4), (1, 3)],
            "shared-purpose-why-before-how": [(4, 4), (4, 4), None],  # two raters: withheld
        },
    )
    return owner, stranger, workshop


def _exports_audited(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.action)).all()
    return [(actor, action) for actor, action in rows if action.endswith(".exported")]


def test_a_facilitator_outside_the_cohort_gets_no_export_and_leaves_no_trace(engine: Engine) -> None:
    _, stranger, workshop = _workshop(engine)
    with transaction(engine) as session:
        before = table_counts(session=session)
    actor = Actor.facilitator(stranger)
    with pytest.raises(NotFound):
        figures_workbook(engine=engine, actor=actor, workshop_id=workshop)
    for fmt, table in (("xlsx", None), ("csv", "consensus"), ("csv", "actions")):
        with pytest.raises(NotFound):
            outcomes_file(engine=engine, actor=actor, workshop_id=workshop, fmt=fmt, table=table)
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_the_figures_are_the_stored_workshops_withheld_as_on_screen_and_the_export_is_audited(
    engine: Engine,
) -> None:
    owner, _, workshop = _workshop(engine)
    made = figures_workbook(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop)

    assert made.file_name == "kestrel-ics-round-2-2026-06-01-figures.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(made.content))
    rows = list(book["Questions"].iter_rows(values_only=True))
    headings = rows[0]
    by_question = {row[1]: dict(zip(headings, row, strict=True)) for row in rows[1:]}
    stated = next(
        r
        for q, r in by_question.items()
        if str(q).startswith("Our partnership has a written statement of purpose")
    )
    lived = [r for r in by_question.values() if r["Status"] == "withheld"]
    assert stated["Current level (team median)"] == 2.0 and stated["Status"] == "shown"
    assert lived and all(r["Current level (team median)"] is None for r in lived)
    assert _exports_audited(engine) == [(f"facilitator:{owner}", "figures.exported")]


def test_consensus_and_actions_come_as_one_workbook_or_a_csv_each_with_formulas_neutralised(
    engine: Engine,
) -> None:
    owner, _, workshop = _workshop(engine)
    actor = Actor.facilitator(owner)
    record_consensus(
        engine=engine,
        actor=actor,
        workshop_id=workshop,
        domain_id="shared-purpose",
        level=2.5,
        rationale='=HYPERLINK("http://evil.example")',
        dissent="-1 from finance",
    )
    add_action(
        engine=engine, actor=actor, workshop_id=workshop, domain_id="shared-purpose", title="@Write it down"
    )

    consensus = outcomes_file(engine=engine, actor=actor, workshop_id=workshop, fmt="csv", table="consensus")
    actions = outcomes_file(engine=engine, actor=actor, workshop_id=workshop, fmt="csv", table="actions")
    both = outcomes_file(engine=engine, actor=actor, workshop_id=workshop, fmt="xlsx")

    assert consensus.file_name == "kestrel-ics-round-2-2026-06-01-consensus.csv"
    assert actions.file_name == "kestrel-ics-round-2-2026-06-01-actions.csv"
    assert both.file_name == "kestrel-ics-round-2-2026-06-01-consensus-and-actions.xlsx"
    consensus_rows = list(csv.DictReader(io.StringIO(consensus.content.decode("utf-8-sig"))))
    assert consensus_rows[0]["Rationale"] == '\'=HYPERLINK("http://evil.example")'
    assert consensus_rows[0]["Dissent"] == "'-1 from finance"
    assert consensus_rows[0]["Agreed level"].startswith("2.5")
    action_rows = list(csv.DictReader(io.StringIO(actions.content.decode("utf-8-sig"))))
    assert action_rows[0]["Action"] == "'@Write it down"
    book = openpyxl.load_workbook(io.BytesIO(both.content))
    assert book.sheetnames == ["Consensus", "Actions"]
    assert book["Actions"]["C2"].value == "'@Write it down" and book["Actions"]["C2"].data_type == "s"
    assert [a for _, a in _exports_audited(engine)] == ["outcomes.exported"] * 3
