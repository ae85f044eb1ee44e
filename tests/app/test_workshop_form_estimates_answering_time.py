"""The workshop creation form says how long the chosen questions take to answer, as domains are ticked."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import list_workshops, transaction, workshop_info
from assessment.estimates import answering_time
from assessment.framework import DEFAULT_BANK_PATH, load_bank
from tests.app.conftest import make_workshop, open_as_facilitator

pytestmark = pytest.mark.app


def estimate_shown(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Answering time: "))


def test_the_estimate_follows_the_domains_ticked_and_the_workshop_asks_them(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    at = open_as_facilitator(facilitator, "views/workshops.py")
    bank = load_bank(DEFAULT_BANK_PATH)
    whole = answering_time(bank, [d.id for d in bank.domains])
    said = f"Answering time: 56 questions: about {whole.low} to {whole.high} minutes to answer."
    assert estimate_shown(at) == said

    chooser = next(m for m in at.multiselect if m.label == "Domains to include")
    chooser.set_value(["shared-purpose", "accountability"]).run()
    assert not at.exception, at.exception
    two = answering_time(bank, ["shared-purpose", "accountability"])
    said = f"Answering time: 9 questions: about {two.low} to {two.high} minutes to answer."
    assert estimate_shown(at) == said
    assert two.high < whole.low

    next(m for m in at.multiselect if m.label == "Domains to include").set_value([]).run()
    assert estimate_shown(at) == "Answering time: No domains chosen: there are no questions to answer."

    next(m for m in at.multiselect if m.label == "Domains to include").set_value(["accountability"]).run()
    next(t for t in at.text_input if t.label == "Title").input("Accountability only")
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        made = [w for w in list_workshops(session=session) if w["title"] == "Accountability only"]
    assert len(made) == 1
    with transaction(app_db) as session:
        asked = workshop_info(session=session, join_code=made[0]["join_code"]).domains
    assert list(asked) == ["accountability"]
