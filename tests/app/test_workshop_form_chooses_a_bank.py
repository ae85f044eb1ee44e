"""The workshop creation form picks the question bank and version (issue 16, item 2): the shipped
bank by default, or a version of the facilitator's own bank, whose domains and answering time the
form then shows and whose exact text the new workshop stores."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment import bank_editing as be
from assessment.db import bank_for_version, list_workshops, transaction, workshop_info
from assessment.services import Actor, banks
from tests.app.conftest import make_workshop, open_as_facilitator

pytestmark = pytest.mark.app

ACCOUNTABILITY = "Accountability: where the buck stops"


def test_a_workshop_made_on_version_two_of_our_bank_asks_its_domains_and_stores_its_words(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    actor = Actor.facilitator(facilitator)
    bank = banks.create_bank(engine=app_db, actor=actor, name="Our own bank")
    start = banks.start_editing(engine=app_db, actor=actor, question_bank_id=bank)
    draft = be.remove_domain(start.draft, "accountability")
    draft = be.set_item_text(draft, "shared-purpose-stated", "text", "We have one purpose, signed by all.")
    banks.save_version(engine=app_db, actor=actor, question_bank_id=bank, draft=draft, based_on=1)

    at = open_as_facilitator(facilitator, "views/workshops.py")
    chooser = next(s for s in at.selectbox if s.label == "Question bank")
    labels = list(chooser.options)  # AppTest lists a selectbox's options as drawn
    assert labels[0] == "The shipped bank (read-only)"
    assert labels[1:] == ["Our own bank, version 2", "Our own bank, version 1"]
    domains = next(m for m in at.multiselect if m.label == "Domains to include")
    assert ACCOUNTABILITY in domains.options  # options as drawn: the domains' titles

    chooser.select_index(1).run()
    assert not at.exception, at.exception
    domains = next(m for m in at.multiselect if m.label == "Domains to include")
    assert ACCOUNTABILITY not in domains.options and "Shared purpose" in domains.options
    next(t for t in at.text_input if t.label == "Title").input("On our own bank")
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert not at.exception, at.exception

    with transaction(app_db) as session:
        [made] = [w for w in list_workshops(session=session) if w["title"] == "On our own bank"]
        info = workshop_info(session=session, join_code=made["join_code"])
        stored = bank_for_version(session=session, bank_version_id=info.bank_version_id)
    assert "accountability" not in info.domains
    assert stored.item("shared-purpose-stated").text == "We have one purpose, signed by all."
