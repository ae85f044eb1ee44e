"""The lifecycle's one door: the page's service and the command line refuse the same steps, in
words, and change nothing when they do."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import (
    NotFound,
    create_partnership,
    create_workshop,
    store_bank_version,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry
from assessment.errors import Refused
from assessment.lifecycle import Step
from assessment.services import Actor
from assessment.services.workshops import take_step
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import SHIPPED_BANK_TEXT

PASSWORD = "a long enough test passphrase"


def _audits(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _private_workshop(engine: Engine) -> tuple[int, int, int]:
    """(owner, another facilitator, a draft workshop in the owner's private cohort)."""
    with transaction(engine) as session:
        owner = create_facilitator(session=session, email="owner@nhs.net", password=PASSWORD, actor="test")
        other = create_facilitator(session=session, email="other@nhs.net", password=PASSWORD, actor="test")
        cohort = create_own_cohort(session=session, facilitator_id=owner, name="Owner's cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Kestrel ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Kestrel round",
            held_on=date(2026, 6, 1),
        )
    return owner, other, workshop.id


def test_closing_a_draft_is_refused_in_words_by_the_service_and_the_cli_alike(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    owner, _, workshop_id = _private_workshop(engine)
    before = _audits(engine)
    refused = pytest.raises(Refused, match="only a workshop that is open for answers can be closed")
    with refused:
        take_step(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop_id, step="close")
    with transaction(engine) as session:
        code = workshop_info(session=session, workshop_id=workshop_id).join_code
    exit_code, _, err = run(capsys, "workshop", "close", code, "--db", url(engine))
    assert exit_code == 2 and "only a workshop that is open for answers can be closed" in err
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
    assert (info.status, info.revealed) == ("draft", False) and _audits(engine) == before


def test_a_facilitator_cannot_step_a_workshop_in_a_cohort_they_cannot_see(engine: Engine) -> None:
    _, other, workshop_id = _private_workshop(engine)
    refused = pytest.raises(NotFound, match="does not exist or has not been shared with you")
    with refused:
        take_step(engine=engine, actor=Actor.facilitator(other), workshop_id=workshop_id, step="open")
    with transaction(engine) as session:
        assert workshop_info(session=session, workshop_id=workshop_id).status == "draft"


def test_every_step_of_a_workshop_is_audited_with_its_actor(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    owner, _, workshop_id = _private_workshop(engine)
    steps: tuple[Step, ...] = ("open", "close", "reveal", "hide")
    for step in steps:
        take_step(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop_id, step=step)
    with transaction(engine) as session:
        code = workshop_info(session=session, workshop_id=workshop_id).join_code
    assert run(capsys, "workshop", "reveal", code, "--db", url(engine))[0] == 0
    assert run(capsys, "workshop", "hide", code, "--db", url(engine))[0] == 0
    with transaction(engine) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.action.like("workshop.%"))
            .order_by(AuditEntry.id)
        ).all()
    mine = f"facilitator:{owner}"
    assert [tuple(r) for r in rows] == [
        (mine, "workshop.open"),
        (mine, "workshop.closed"),
        (mine, "workshop.reveal"),
        (mine, "workshop.hide"),
        ("cli", "workshop.reveal"),
        ("cli", "workshop.hide"),
    ]
