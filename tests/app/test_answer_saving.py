"""The walkthrough's "Saved" is what the database holds: sessions that disagree with the database
follow it, a closed workshop takes no change and says so, and a page records what it last drew."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import (
    participant_answers,
    participant_by_token,
    participant_revision,
    set_workshop_state,
    transaction,
)
from tests.app.conftest import OpenWorkshop
from tests.app.conftest import open_page as page
from tests.app.test_participant_pages import ANSWER, join, texts

pytestmark = pytest.mark.app

ITEM = "shared-purpose-stated"


def stored(app_db: Engine, token: str) -> tuple[int | None, int | None] | None:
    with transaction(app_db) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None
        answer = participant_answers(session=session, participant_id=person.id).get(ITEM)
    return None if answer is None else (answer.current, answer.target)


def answered(app_db: Engine, code: str) -> tuple[str, AppTest]:
    token = join(app_db, code)
    at = page(ANSWER, token=token, step="1")
    at.radio(key=f"answer_q_{ITEM}_current").set_value(1).run()
    at.radio(key=f"answer_q_{ITEM}_target").set_value(2).run()
    assert stored(app_db, token) == (1, 2)
    return token, at


def test_a_change_after_answering_closed_is_refused_in_words_and_the_saved_answer_kept(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token, at = answered(app_db, open_workshop.join_code)
    with transaction(app_db) as session:
        set_workshop_state(
            session=session, workshop_id=open_workshop.id, actor="test", status="closed", revealed=True
        )
    at.radio(key=f"answer_q_{ITEM}_current").set_value(4).run()
    assert not at.exception
    assert "Answering has closed for this workshop. Your last change was not saved;" in texts(at)
    assert stored(app_db, token) == (1, 2)


def test_a_stale_session_changing_the_target_keeps_the_other_sessions_level_and_shows_it(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token, first = answered(app_db, open_workshop.join_code)
    second = page(ANSWER, token=token, step="1")  # the same person, another tab
    first.radio(key=f"answer_q_{ITEM}_current").set_value(3).run()
    second.radio(key=f"answer_q_{ITEM}_target").set_value(4).run()
    assert not second.exception
    assert stored(app_db, token) == (3, 4)
    # The stale tab now shows what is stored, and only then says Saved.
    assert second.radio(key=f"answer_q_{ITEM}_current").value == 3
    assert "Saved" in texts(second)


def test_a_comment_from_a_stale_session_keeps_the_levels_changed_elsewhere(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token, first = answered(app_db, open_workshop.join_code)
    second = page(ANSWER, token=token, step="1")
    first.radio(key=f"answer_q_{ITEM}_current").set_value(4).run()
    first.radio(key=f"answer_q_{ITEM}_target").set_value(4).run()
    second.text_area(key=f"answer_q_{ITEM}_comment").input("We say it, we do not yet live it").run()
    assert stored(app_db, token) == (4, 4)
    with transaction(app_db) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None
        assert participant_answers(session=session, participant_id=person.id)[ITEM].comment == (
            "We say it, we do not yet live it"
        )


def test_the_page_keeps_the_answer_revision_it_drew_in_its_address(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token, at = answered(app_db, open_workshop.join_code)
    with transaction(app_db) as session:
        person = participant_by_token(session=session, token=token)
        assert person is not None
        revision = participant_revision(session=session, participant_id=person.id)
    # One write: the current level alone was not complete, so only the target's save stored it.
    assert revision == 1
    assert at.query_params["seen"] == str(revision)
