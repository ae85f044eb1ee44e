"""One person, one participant: a device that joined before is offered to continue, the facilitator
sees who joined and has not submitted and can remove a join left behind (audited), and the results
say how many submitted of how many joined."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry, Participant
from tests.app.conftest import TEST_DEVICE_KEY, OpenWorkshop, make_workshop, open_as_facilitator
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app

ITEM = "shared-purpose-stated"


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def person(engine: Engine, workshop: OpenWorkshop, *, level: int | None = 2, submitted: bool = False) -> str:
    """A participant of the workshop, answering ITEM (or nothing); returns their resume token."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        joined = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
        if level is not None:
            answer = Answer(item_id=ITEM, current=level, target=4)
            save_answer(session=session, participant_id=joined.id, answer=answer, bank=bank)
        if submitted:
            submit_participant(session=session, participant_id=joined.id)
    return joined.resume_token


def joined_count(engine: Engine, workshop: OpenWorkshop) -> int:
    with transaction(engine) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop.id)
            )
            or 0
        )


def join_page(code: str, kept: dict[str, str] | None = None) -> AppTest:
    """The join page with the code, in a browser that kept these resume links (join code -> token)."""
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    if kept is not None:
        at.session_state[TEST_DEVICE_KEY] = kept
    at.run()
    at.switch_page("views/join.py")
    at.query_params["code"] = code
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_device_that_joined_before_is_offered_to_continue_and_makes_no_second_participant(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = person(app_db, open_workshop)
    at = join_page(open_workshop.join_code, {open_workshop.join_code: token})
    assert "This device joined as P01 (VCSE)" in texts(at) and "answered 1 of" in texts(at)
    continuing = next(b for b in at.button if b.label == "Continue where you left off")
    assert continuing.proto.type == "primary"
    assert next(b for b in at.button if b.label == "Start").proto.type == "secondary"
    continuing.click().run()
    assert not at.exception, at.exception
    assert at.query_params["token"] == token
    assert joined_count(app_db, open_workshop) == 1


def test_someone_else_on_the_same_device_can_still_join_as_a_new_participant(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = person(app_db, open_workshop)
    at = join_page(open_workshop.join_code, {open_workshop.join_code: token})
    assert any(e.label.startswith("Someone else on this device") for e in at.expander)
    at.selectbox[0].set_value("nhs-trust")
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception, at.exception
    assert joined_count(app_db, open_workshop) == 2


def test_a_kept_link_of_another_workshop_or_of_a_removed_participant_offers_nothing(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    other = make_workshop(app_db, name="Eastvale ICS")
    elsewhere = person(app_db, other)
    at = join_page(open_workshop.join_code, {open_workshop.join_code: elsewhere})
    assert not any(b.label == "Continue where you left off" for b in at.button)
    assert "This device joined" not in texts(at)
    at = join_page(open_workshop.join_code, {open_workshop.join_code: "x" * 32})
    assert not any(b.label == "Continue where you left off" for b in at.button)


def test_a_closed_workshop_offers_a_device_that_joined_its_own_answers(app_db: Engine) -> None:
    closed = make_workshop(app_db, status="open", name="Closed ICS")
    token = person(app_db, closed, submitted=True)
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=closed.id, actor="test", status="closed")
    at = join_page(closed.join_code, {closed.join_code: token})
    assert "closed for answers" in texts(at)
    next(b for b in at.button if b.label == "See your answers").click().run()
    assert at.query_params["token"] == token


def remove_form(at: AppTest) -> tuple[object, object]:
    chooser = next(s for s in at.selectbox if s.label == "Participant to remove")
    sure = next(c for c in at.checkbox if c.label.startswith("Remove them and every answer"))
    return chooser, sure


def test_the_facilitator_sees_who_joined_and_has_not_submitted_and_removes_one_after_confirming(
    app_db: Engine, facilitator: int, open_workshop: OpenWorkshop
) -> None:
    for level in (1, 2, 3):
        person(app_db, open_workshop, level=level, submitted=True)
    person(app_db, open_workshop, level=None)  # an abandoned join: no answer at all
    at = open_as_facilitator(facilitator, "views/workshops.py", workshop_code=open_workshop.join_code)
    assert not at.exception, at.exception
    assert any(e.label == "Joined but not submitted (1)" for e in at.expander)
    assert "1 person has joined and not submitted" in texts(at)
    chooser, _ = remove_form(at)
    assert [o.startswith("P04 (") and "0 of 56 questions answered" in o for o in chooser.options] == [True]  # type: ignore[attr-defined]
    chooser.set_value(_id_of(app_db, "P04"))  # type: ignore[attr-defined]
    next(b for b in at.button if b.label == "Remove participant").click().run()
    assert "tick the box to confirm" in texts(at)
    assert joined_count(app_db, open_workshop) == 4
    chooser, sure = remove_form(at)
    chooser.set_value(_id_of(app_db, "P04"))  # type: ignore[attr-defined]
    sure.check()  # type: ignore[attr-defined]
    next(b for b in at.button if b.label == "Remove participant").click().run()
    assert not at.exception, at.exception
    assert "Removed P04 and their answers." in texts(at)
    assert joined_count(app_db, open_workshop) == 3
    with transaction(app_db) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "participant.removed")).one()
    assert entry.detail == {"label": "P04", "sector": "vcse", "answered": 0}
    assert not any(e.label.startswith("Joined but not submitted") for e in at.expander)


def _id_of(engine: Engine, label: str) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(Participant.id).where(Participant.label == label)) or 0)


def test_after_the_reveal_nobody_can_be_removed_and_the_page_says_so(
    app_db: Engine, facilitator: int, open_workshop: OpenWorkshop
) -> None:
    for level in (1, 2, 3):
        person(app_db, open_workshop, level=level, submitted=True)
    person(app_db, open_workshop, level=2)
    with transaction(app_db) as session:
        set_workshop_state(
            session=session, workshop_id=open_workshop.id, actor="t", status="closed", revealed=True
        )
    at = open_as_facilitator(facilitator, "views/workshops.py", workshop_code=open_workshop.join_code)
    assert "nobody can be removed now" in texts(at)
    assert not any(s.label == "Participant to remove" for s in at.selectbox)


def test_the_results_page_says_how_many_submitted_of_how_many_joined(
    app_db: Engine, facilitator: int, open_workshop: OpenWorkshop
) -> None:
    for level in (1, 2, 3):
        person(app_db, open_workshop, level=level, submitted=True)
    person(app_db, open_workshop, level=4)  # joined, answered, never submitted: does not count
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=open_workshop.join_code)
    assert not at.exception, at.exception
    said = texts(at)
    assert "3 respondents (3 submitted of 4 who joined). 1 person has not submitted" in said
    assert "Only the answers of people who pressed Submit count" in said
    assert next(m for m in at.metric if m.label == "Respondents").value == "3"
