"""The Edit question banks page: start from the shipped bank, edit with messages as you type, save
version 2 with its change summary, and download a version that validates."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.framework import parse_bank
from assessment.services import Actor
from assessment.services import banks as service
from tests.app.conftest import open_as_facilitator
from tests.app.test_session_state_is_plain import kept
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app

PAGE = "views/bank_editor.py"
SHIPPED = parse_bank((PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8"))
FIRST = SHIPPED.domains[0]
ITEM = FIRST.items[0].id


def text_area(at: AppTest, label: str, *, containing: str = "") -> object:
    return next(t for t in at.text_area if t.label == label and containing in t.key)


def errors(at: AppTest) -> list[str]:
    """The error boxes' words, with markdown escapes removed."""
    return [e.value.replace("\\", "") for e in at.error]


def markdown(at: AppTest) -> str:
    return "\n".join(m.value.replace("\\", "") for m in at.markdown)


def start_and_edit(at: AppTest) -> AppTest:
    at.text_input(key="bank_new_name").input("Riverside bank")
    at.button(key="bank_new_start").click().run()
    assert "Started the bank" in at.success[0].value
    at.button(key="bank_edit_start").click().run()
    assert not at.exception, at.exception
    return at


def test_a_facilitator_starts_a_bank_from_the_shipped_one_and_edits_it(
    app_db: Engine, facilitator: int
) -> None:
    at = open_as_facilitator(facilitator, PAGE)
    assert at.title[0].value == "Edit question banks"
    start_and_edit(at)
    assert any("This draft is valid" in s.value for s in at.success)
    # A question emptied as it is typed: the loader's message, beside the field and in the list.
    text_area(at, "Question text", containing=f"q_{ITEM}_text").set_value("  ").run()
    assert at.error[0].value.startswith("This draft has 1 problem")
    assert "text: must not be empty, found the text '  '" in errors(at)
    assert at.button(key="bank_edit_save").disabled
    text_area(at, "Question text", containing=f"q_{ITEM}_text").set_value("Our own words").run()
    assert not at.error
    assert f"Questions reworded (1): {ITEM}" in markdown(at)
    at.button(key="bank_edit_save").click().run()
    assert not at.exception, at.exception
    saved = at.success[0].value.replace("\\", "")
    assert saved.startswith(f"Saved version 2. Questions reworded (1): {ITEM}")
    text = service.version_yaml(
        engine=app_db, actor=Actor.facilitator(facilitator), question_bank_id=1, number=2
    )
    assert parse_bank(text).item(ITEM).text == "Our own words"
    assert at.selectbox(key="bank_download_version").value == 2
    assert kept(at) == []  # the draft is kept as plain data, never a bank object


def test_the_draft_being_edited_is_kept_as_plain_data(app_db: Engine, facilitator: int) -> None:
    at = start_and_edit(open_as_facilitator(facilitator, PAGE))
    text_area(at, "Question text", containing=f"q_{ITEM}_text").set_value("Changed").run()
    assert kept(at) == []


def test_a_local_question_is_added_with_an_id_from_its_text_and_a_domain_removed(
    app_db: Engine, facilitator: int
) -> None:
    at = start_and_edit(open_as_facilitator(facilitator, PAGE))
    generation = "bank_e1_"
    at.text_area(key=generation + "new_text").set_value("Do we pool our budgets?")
    at.text_area(key=generation + "new_help").set_value("Pooling shows trust.")
    for level in SHIPPED.level_ids[:3]:
        at.text_area(key=f"{generation}new_level_{level}").set_value(f"Descriptor {level}")
    at.button(key=generation + "new_add").click().run()
    # The fourth level is missing: the message says so, beside the new question.
    assert f"levels.{SHIPPED.level_ids[3]}: must not be empty, found the text ''" in errors(at)
    last = SHIPPED.level_ids[3]
    at.text_area(key=f"{generation}q_do-we-pool-our-budgets_level_{last}").set_value(
        "Pooled everywhere"
    ).run()
    assert not at.error
    at.selectbox(key=generation + "domain").set_value(SHIPPED.domains[-1].id).run()
    at.button(key=f"{generation}d_{SHIPPED.domains[-1].id}_remove").click().run()
    changes = markdown(at)
    assert "Questions added (1): do-we-pool-our-budgets" in changes
    assert f"Domains removed (1): {SHIPPED.domains[-1].id}" in changes
    assert not at.exception, at.exception


def test_the_preview_draws_the_question_as_the_answer_page_does(app_db: Engine, facilitator: int) -> None:
    at = start_and_edit(open_as_facilitator(facilitator, PAGE))
    radios = [r for r in at.radio if r.label == "Where are we now?"]
    assert radios and radios[0].options == [f"{n}. {level.label}" for n, level in enumerate(SHIPPED.scale, 1)]


def test_a_file_that_breaks_a_rule_is_listed_and_no_bank_is_started(app_db: Engine, facilitator: int) -> None:
    at = open_as_facilitator(facilitator, PAGE)
    assert "You have no question banks yet" in at.info[0].value
    at.text_input(key="bank_new_name").input("")
    at.button(key="bank_new_start").click().run()
    assert at.error[0].value.startswith("Could not start the bank: a question bank's name must be 1 to 200")
    assert service.visible_banks(engine=app_db, actor=Actor.facilitator(facilitator)) == []


def test_the_question_bank_page_points_a_signed_in_facilitator_to_the_editor(
    app_db: Engine, facilitator: int
) -> None:
    at = open_as_facilitator(facilitator, "views/question_bank.py")
    assert [link.label for link in at.get("page_link")] == ["Edit the questions in a bank of your own"]


def test_choosing_another_bank_says_an_unsaved_draft_would_be_dropped_and_keeps_it_until_asked(
    app_db: Engine, facilitator: int
) -> None:
    at = open_as_facilitator(facilitator, PAGE)
    start_and_edit(at)
    text_area(at, "Question text", containing=f"q_{ITEM}_text").set_value("Words not saved yet").run()
    at.text_input(key="bank_new_name").input("Second bank")
    at.button(key="bank_new_start").click().run()  # the page now shows the new bank, chosen
    assert any("unsaved changes in a draft of another bank" in w.value for w in at.warning)
    assert at.button(key="bank_edit_start").label.startswith("Drop those changes")
    first = next(
        b
        for b in service.visible_banks(engine=app_db, actor=Actor.facilitator(facilitator))
        if b.name == "Riverside bank"
    )
    at.selectbox(key="bank_chosen").set_value(first.id).run()  # back to it: the draft is still there
    assert text_area(at, "Question text", containing=f"q_{ITEM}_text").value == "Words not saved yet"
