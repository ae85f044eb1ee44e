"""Joining and answering, page by page, with every refusal a participant can meet."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import participant_answers, participant_submitted, response_rows, transaction
from assessment.framework import AccountabilityItem, load_bank
from tests.app.conftest import OpenWorkshop, make_workshop
from tests.app.conftest import open_page as page
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")
JOIN = "views/join.py"
ANSWER = "views/answer.py"


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def join(app_db: Engine, code: str, sector: str = "vcse") -> str:
    """Join through the page and return the resume token the page created."""
    at = page(JOIN, code=code)
    at.selectbox[0].set_value(sector)
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        from assessment.db.tables import Participant

        token = session.query(Participant.resume_token).order_by(Participant.id.desc()).limit(1).scalar()
    assert token
    return str(token)


def test_a_wrong_code_gets_a_plain_message(app_db: Engine) -> None:
    at = page(JOIN, code="ABCDEFGH")
    assert "There is no workshop with the code ABCDEFGH" in texts(at)


def test_repeated_wrong_codes_from_one_session_are_slowed_down(app_db: Engine) -> None:
    at = page(JOIN, code="ABCDEFGH")
    for attempt in ("ABCDEFGJ", "ABCDEFGK"):
        at.text_input(key="join_code").set_value(attempt).run()
    started = time.monotonic()
    at.text_input(key="join_code").set_value("ABCDEFGM").run()
    # The fourth wrong code's answer is held back a second; the right code never is.
    assert time.monotonic() - started >= 1
    assert "the answer to each new wrong one comes more slowly" in texts(at)


def test_a_draft_workshop_is_not_open_yet_and_the_page_never_asks_for_a_reload(app_db: Engine) -> None:
    draft = make_workshop(app_db, status="draft")
    said = texts(page(JOIN, code=draft.join_code))
    assert "has not opened yet" in said
    assert "moves on by itself" in said
    assert "reload" not in said.lower()


def test_a_closed_workshop_refuses_new_participants(app_db: Engine) -> None:
    closed = make_workshop(app_db, status="closed")
    assert "closed for answers" in texts(page(JOIN, code=closed.join_code))


def test_a_code_typed_in_lower_case_with_spaces_still_joins(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    messy = " ".join([open_workshop.join_code[:4].lower(), open_workshop.join_code[4:].lower()])
    at = page(JOIN, code=messy)
    assert "Which part of the system do you work in?" in [s.label for s in at.selectbox]


def test_starting_without_a_sector_says_what_to_do(app_db: Engine, open_workshop: OpenWorkshop) -> None:
    at = page(JOIN, code=open_workshop.join_code)
    next(b for b in at.button if b.label == "Start").click().run()
    assert "Choose your sector, then press Start." in texts(at)


def test_joining_creates_a_participant_with_a_resume_token(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code, sector="local-authority")
    assert len(token) >= 32


def test_a_tampered_resume_token_is_refused(app_db: Engine, open_workshop: OpenWorkshop) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token[:-2] + "xx")
    assert "This link is not valid" in texts(at)
    assert not at.radio


def test_an_answer_is_saved_the_moment_both_levels_are_chosen(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    assert "1. Shared purpose" in next(h.value for h in at.header).replace("\\", "")
    at.radio(key="answer_q_shared-purpose-stated_current").set_value(2).run()
    assert "Choose where we should be to save this answer." in texts(at)
    at.radio(key="answer_q_shared-purpose-stated_target").set_value(4).run()
    assert not at.exception
    assert "Saved" in texts(at)
    with transaction(app_db) as session:
        # every stored answer, counted or not: this participant has not submitted
        stored = response_rows(session=session, workshop_id=open_workshop.id)
    assert [(r.item_id, r.current, r.target) for r in stored] == [("shared-purpose-stated", 2, 4)]


def test_a_reload_shows_every_saved_answer_again(app_db: Engine, open_workshop: OpenWorkshop) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    at.checkbox(key="answer_q_shared-purpose-stated_dk").check().run()
    at.text_area(key="answer_q_shared-purpose-stated_comment").input(
        "<b>We argue</b> about [this](http://x)"
    ).run()
    fresh = page(ANSWER, token=token, step="1")  # a new session, as after a reload or restart
    assert fresh.checkbox(key="answer_q_shared-purpose-stated_dk").value is True
    assert (
        fresh.text_area(key="answer_q_shared-purpose-stated_comment").value
        == "<b>We argue</b> about [this](http://x)"
    )


def test_accountability_choices_are_saved_per_function(app_db: Engine) -> None:
    workshop = make_workshop(app_db, domains=["accountability"], name="Tier test")
    token = join(app_db, workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    box = at.selectbox(key="answer_q_accountability-where-buck-stops_fn_trust-quality-failure")
    box.set_value("ics-nhs-body").run()
    with transaction(app_db) as session:
        (participant_id,) = {r.participant for r in response_rows(session=session, workshop_id=workshop.id)}
        saved = participant_answers(session=session, participant_id=participant_id)
    assert saved["accountability-where-buck-stops"].tiers == {"trust-quality-failure": "ics-nhs-body"}


def test_a_grid_with_one_situation_left_counts_as_six_of_seven_not_as_answered(app_db: Engine) -> None:
    workshop = make_workshop(app_db, domains=["accountability"], name="Grid test")
    token = join(app_db, workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    bank = load_bank(PROJECT_ROOT / "questions.yaml")
    item = bank.item("accountability-where-buck-stops")
    assert isinstance(item, AccountabilityItem) and len(item.functions) == 7
    total = len(bank.domain("accountability").items)
    for function in item.functions[:-1]:
        at.selectbox(key=f"answer_q_{item.id}_fn_{function.id}").set_value("place-partnership").run()
    assert "6 of 7 answered, saved so far" in texts(at)
    assert "Saved" not in [c.value.split(": ")[-1] for c in at.caption]
    assert f"0 of {total} questions answered" in at.get("progress")[0].proto.text
    assert any(f"(0 of {total} answered)" in b.label for b in at.sidebar.button)
    at.selectbox(key=f"answer_q_{item.id}_fn_{item.functions[-1].id}").set_value("unclear").run()
    assert "Saved" in [c.value.split(": ")[-1] for c in at.caption]
    assert f"1 of {total} questions answered" in at.get("progress")[0].proto.text
    assert any(f"(1 of {total} answered)" in b.label for b in at.sidebar.button)


def test_the_review_shows_every_answer_given_in_words_and_leads_back_to_its_step(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    at.radio(key="answer_q_shared-purpose-stated_current").set_value(2).run()
    at.radio(key="answer_q_shared-purpose-stated_target").set_value(4).run()
    at.radio(key="answer_q_shared-purpose-stated_confidence").set_value(3).run()
    at.checkbox(key="answer_q_shared-purpose-why-before-how_dk").check().run()
    review = page(ANSWER, token=token, step="99")
    said = texts(review)
    assert "Now: 2. Developing  \nIn a year: 4. Thriving  \nHow sure: High" in said
    assert "I don't know" in said
    assert (
        "Your answers count in the team's figures once you submit. You can still change them afterwards "
        "while the workshop is open."
    ) in said
    assert not re.search(r"\b(None|nan)\b", said)
    review.button(key="answer_jump-shared-purpose-why-before-how").click().run()
    assert review.query_params["step"] == "1"
    assert "1. Shared purpose" in next(h.value for h in review.header).replace("\\", "")
    assert review.checkbox(key="answer_q_shared-purpose-why-before-how_dk").value is True


def test_the_review_lists_unanswered_questions_and_submitting_marks_the_participant(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="99")  # clamped to the last step: the review
    assert "Review and submit" in [h.value for h in at.header]
    total = sum(len(d.items) for d in load_bank(PROJECT_ROOT / "questions.yaml").domains)
    assert f"{total} of {total} questions are not answered yet" in texts(at)
    assert texts(at).count("No answer yet") == total
    next(b for b in at.button if b.label == "Submit my answers").click().run()
    assert "Thank you: your answers are in." in texts(at)
    with transaction(app_db) as session:
        from assessment.db import participant_by_token

        person = participant_by_token(session=session, token=token)
        assert person is not None and participant_submitted(session=session, participant_id=person.id)


def test_another_workshops_token_shows_only_that_participants_own_workshop(app_db: Engine) -> None:
    mine = make_workshop(app_db, title="Mine", name="Alpha")
    theirs = make_workshop(app_db, title="Theirs", name="Beta")
    token = join(app_db, mine.join_code)
    at = page(ANSWER, token=token, workshop=str(theirs.id), code=theirs.join_code)
    assert at.title[0].value == "Mine"
    assert "Theirs" not in texts(at) and "Beta" not in texts(at)


def stored(app_db: Engine, token: str, item_id: str) -> tuple[int | None, int | None]:
    with transaction(app_db) as session:
        from assessment.db import participant_by_token

        person = participant_by_token(session=session, token=token)
        assert person is not None
        answer = participant_answers(session=session, participant_id=person.id)[item_id]
    return answer.current, answer.target


def test_an_older_tab_does_not_overwrite_an_answer_changed_in_a_newer_one(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    old = page(ANSWER, token=token, step="1")
    old.radio(key="answer_q_shared-purpose-stated_current").set_value(2).run()
    old.radio(key="answer_q_shared-purpose-stated_target").set_value(3).run()
    new = page(ANSWER, token=token, step="1")  # the same person, on another device
    new.radio(key="answer_q_shared-purpose-stated_target").set_value(4).run()
    assert stored(app_db, token, "shared-purpose-stated") == (2, 4)
    # The old tab reruns (any other change) with its widgets still showing 3.
    old.run()
    assert not old.exception
    assert stored(app_db, token, "shared-purpose-stated") == (2, 4)
