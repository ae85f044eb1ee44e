"""The presenter's two pages: Run the room on the facilitator's device, and the projector tab.

Both are facilitator pages (signed-out visitors are refused by the security review's enumeration
too); here, what they show and that a step on one is what the other reads from the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    set_workshop_state,
    shown_slide,
    submit_participant,
    transaction,
    workshop_info,
)
from tests.app.conftest import OpenWorkshop, make_workshop, open_as_facilitator, sign_in_as
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app

PRESENT = "views/present.py"
ROOM = "views/run_the_room.py"
REFUSAL = "Sign in to continue."


def answered(engine: Engine, workshop: OpenWorkshop, people: int, *, reveal: bool) -> None:
    """``people`` answer the first question (levels 1..4 in turn) and submit; then answering closes
    and, if asked, the results are revealed."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for index in range(people):
            person = add_participant(session=session, workshop_id=workshop.id, sector="nhs-trust")
            submit_participant(session=session, participant_id=person.id)  # only submitted answers count
            answer = Answer(item_id="shared-purpose-stated", current=1 + index % 4, target=3)
            save_answer(session=session, participant_id=person.id, bank=bank, answer=answer)
            submit_participant(session=session, participant_id=person.id)
        set_workshop_state(session=session, workshop_id=workshop.id, actor="test", status="closed")
        if reveal:
            set_workshop_state(session=session, workshop_id=workshop.id, actor="test", revealed=True)


def html_of(at: AppTest) -> str:
    """Everything the page drew in its main area, markdown escapes removed."""
    return "\n".join(str(node.proto) for node in at.main if node.proto is not None).replace("\\", "")


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize("script", [PRESENT, ROOM])
def test_a_visitor_who_has_not_signed_in_sees_only_the_way_to_sign_in(app_db: Engine, script: str) -> None:
    make_workshop(app_db, title="Kestrel round")
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [REFUSAL]
    assert "Kestrel round" not in html_of(at) and not at.button


def test_before_the_reveal_the_projector_shows_the_join_slide_with_counts_and_no_result(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round")
    with transaction(app_db) as session:
        for _ in range(2):
            add_participant(session=session, workshop_id=workshop.id, sector="local-authority")
    at = open_as_facilitator(facilitator, PRESENT, workshop_code=workshop.join_code)
    shown = html_of(at)
    assert "Join the workshop" in shown and workshop.join_code in shown
    assert "joined" in shown and "Local authority" in shown
    assert "The overall picture" not in shown and "Median" not in shown


def test_after_the_reveal_run_the_room_steps_and_the_projector_shows_the_slide_it_stored(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round", domains=["shared-purpose"])
    answered(app_db, workshop, 4, reveal=True)
    room = open_as_facilitator(facilitator, ROOM, workshop_code=workshop.join_code)
    assert "On the projector: The overall picture" in html_of(room)
    button(room, "Next slide").click().run()
    assert not room.exception, room.exception
    assert "On the projector: 1. Shared purpose" in html_of(room)
    with transaction(app_db) as session:
        stored = shown_slide(session=session, workshop_id=workshop.id)
    assert stored is not None and stored.slide == "domain:shared-purpose"
    projector = open_as_facilitator(facilitator, PRESENT, workshop_code=workshop.join_code)
    shown = html_of(projector)
    assert "1. Shared purpose" in shown and "Median" in shown
    # four people rated the first question: its distribution is shown; nobody rated the others
    assert "Withheld: fewer than 3 people rated this question" in shown


def test_the_projectors_own_next_button_steps_the_slide_for_everyone(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round", domains=["shared-purpose"])
    answered(app_db, workshop, 4, reveal=True)
    projector = open_as_facilitator(facilitator, PRESENT, workshop_code=workshop.join_code)
    assert "The overall picture" in html_of(projector)
    button(projector, "Next slide").click().run()
    assert not projector.exception, projector.exception
    assert "1. Shared purpose" in html_of(projector)
    room = open_as_facilitator(facilitator, ROOM, workshop_code=workshop.join_code)
    assert "Shared purpose" in html_of(room)


def test_a_result_slide_is_never_on_show_once_the_results_are_hidden_again(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, title="Kestrel round", domains=["shared-purpose"])
    answered(app_db, workshop, 4, reveal=True)
    projector = open_as_facilitator(facilitator, PRESENT, workshop_code=workshop.join_code)
    button(projector, "Next slide").click().run()
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=workshop.id, actor="test", revealed=False)
    projector.run()
    shown = html_of(projector)
    assert "Join the workshop" in shown and "Median" not in shown and "Shared purpose" not in shown


def test_run_the_room_signed_in_says_so_when_there_is_no_workshop(app_db: Engine, facilitator: int) -> None:
    at = sign_in_as(AppTest.from_file(str(PROJECT_ROOT / ROOM), default_timeout=60), facilitator)
    at.run()
    assert not at.exception, at.exception
    assert any("No workshops yet" in i.value for i in at.info)
