"""Answers as files through their one door: only someone who may see the workshop takes its answers
out or puts answers in, every export and import is on the audit record, and a refused file leaves
the database as it was."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import create_partnership, create_workshop, store_bank_version, transaction
from assessment.db.tables import AuditEntry
from assessment.errors import Invalid, NotFound
from assessment.io import ImportRejected
from assessment.services import Actor
from assessment.services.answer_files import export_answers, import_answers
from tests.storage.conftest import SHIPPED_BANK_TEXT, add_round
from tests.storage.counts import table_counts as counts_in

PASSWORD = "a long enough test passphrase"


def table_counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return counts_in(session=session)


def _audit_actions(engine: Engine) -> list[tuple[str, str, str]]:
    with transaction(engine) as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)).all()
    return [(actor, action, target) for actor, action, target in rows if action.startswith("answers.")]


def _two_workshops(engine: Engine) -> tuple[int, int, int, int]:
    """(owner, stranger, a workshop with three people's answers, an empty one): the owner's cohort."""
    with transaction(engine) as session:
        owner = create_facilitator(session=session, email="owner@nhs.net", password=PASSWORD, actor="test")
        stranger = create_facilitator(session=session, email="other@nhs.net", password=PASSWORD, actor="test")
        cohort = create_own_cohort(session=session, facilitator_id=owner, name="Owner's cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Kestrel ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        empty = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Paper round",
            held_on=date(2026, 7, 1),
        ).id
    answered = add_round(
        engine,
        partnership=partnership,
        label="Round 1",
        held_on=date(2026, 6, 1),
        answers={"shared-purpose-stated": [(2, 4), (3, 4), (1, 3)]},
    )
    return owner, stranger, answered, empty


def test_a_facilitator_outside_the_cohort_can_neither_export_nor_import_and_leaves_no_trace(
    engine: Engine,
) -> None:
    owner, stranger, answered, empty = _two_workshops(engine)
    content = export_answers(engine=engine, actor=Actor.facilitator(owner), workshop_id=answered, fmt="csv")
    before = table_counts(engine)
    audit_before = _audit_actions(engine)

    with pytest.raises(NotFound):
        export_answers(engine=engine, actor=Actor.facilitator(stranger), workshop_id=answered, fmt="csv")
    with pytest.raises(NotFound):
        import_answers(
            engine=engine,
            actor=Actor.facilitator(stranger),
            workshop_id=empty,
            content=content,
            filename="answers.csv",
        )
    assert table_counts(engine) == before
    assert _audit_actions(engine) == audit_before


def test_every_export_and_import_is_audited_with_who_and_which_workshop(engine: Engine) -> None:
    owner, _, answered, empty = _two_workshops(engine)
    owner_actor = Actor.facilitator(owner)

    content = export_answers(engine=engine, actor=owner_actor, workshop_id=answered, fmt="csv")
    summary = import_answers(
        engine=engine, actor=Actor.operator(), workshop_id=empty, content=content, filename="answers.csv"
    )

    assert (summary.participants, summary.answers) == (3, 3)
    actions = [(actor, action) for actor, action, _ in _audit_actions(engine)]
    assert actions == [(f"facilitator:{owner}", "answers.exported"), ("cli", "answers.imported")]


def test_a_refused_file_changes_nothing_and_is_not_recorded_as_imported(engine: Engine) -> None:
    owner, _, _, empty = _two_workshops(engine)
    before = table_counts(engine)

    with pytest.raises(ImportRejected) as refused:
        import_answers(
            engine=engine,
            actor=Actor.facilitator(owner),
            workshop_id=empty,
            content=b"participant,item,current\nP1,no-such-item,9\n",
            filename="answers.csv",
        )

    assert isinstance(refused.value, Invalid)  # a refusal in words, not a fault
    assert table_counts(engine) == before
    assert _audit_actions(engine) == []
