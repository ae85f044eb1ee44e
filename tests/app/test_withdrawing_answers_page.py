"""The participant's page offers a quiet way to withdraw, folded away from Submit, after a tick that
says what it means; afterwards the page says it is done, and after the reveal it is not offered."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from assessment.db import set_workshop_state, transaction
from assessment.db.tables import Participant, Response
from assessment.services.participants import submit
from tests.app.conftest import OpenWorkshop
from tests.app.conftest import open_page as page
from tests.app.test_participant_pages import ANSWER, join, texts

pytestmark = pytest.mark.app

WITHDRAW = "answer_withdraw"


def people(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Participant)) or 0),
            int(session.scalar(select(func.count()).select_from(Response)) or 0),
        )


def test_withdrawing_needs_the_tick_then_deletes_and_the_page_says_so(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    assert at.expander[-1].label == "Withdraw from this workshop"
    button = at.button(key=WITHDRAW)
    assert button.disabled  # not one careless tap
    assert "answer_submit" not in [b.key for b in at.expander[-1].button]
    at.checkbox(key="answer_withdraw_sure").check().run()
    assert not at.button(key=WITHDRAW).disabled
    assert people(app_db) == (1, 0)
    at.button(key=WITHDRAW).click().run()
    assert not at.exception, at.exception
    assert people(app_db) == (0, 0)
    said = texts(at)
    assert "You have withdrawn from this workshop" in said
    assert "This link is not valid" not in said
    assert not [b for b in at.button if b.key == WITHDRAW]


def test_a_submitted_participant_waiting_for_the_reveal_can_withdraw(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    submit(engine=app_db, token=token)
    at = page(ANSWER, token=token)
    assert "Thank you: your answers are in." in texts(at)
    at.checkbox(key="answer_withdraw_sure").check().run()
    at.button(key=WITHDRAW).click().run()
    assert people(app_db) == (0, 0)
    assert "You have withdrawn from this workshop" in texts(at)


def test_after_the_reveal_withdrawing_is_not_offered(app_db: Engine, open_workshop: OpenWorkshop) -> None:
    token = join(app_db, open_workshop.join_code)
    with transaction(app_db) as session:
        set_workshop_state(
            session=session, workshop_id=open_workshop.id, actor="t", status="closed", revealed=True
        )
    at = page(ANSWER, token=token)
    assert not [b for b in at.button if b.key == WITHDRAW]
    assert "Withdraw from this workshop" not in [e.label for e in at.expander]


def test_a_reveal_between_drawing_and_pressing_is_refused_in_words(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=open_workshop.id, actor="t", status="closed")
    at = page(ANSWER, token=token)
    at.checkbox(key="answer_withdraw_sure").check().run()
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=open_workshop.id, actor="t", revealed=True)
    at.button(key=WITHDRAW).click().run()
    assert not at.exception, at.exception
    assert people(app_db)[0] == 1
    assert "can no longer be withdrawn" in "\n".join(str(e.value) for e in at.error)
