"""The action plan on the results page: one action however often its button is pressed, every edit
saved as it is made (a refused one stays on screen, marked "Not saved"), and a delete that asks
first and then says what it did."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from assessment.db import transaction, workshop_info
from assessment.db.tables import AuditEntry
from assessment.outcomes import ActionRecord, create_action, list_actions
from tests.app.conftest import OpenWorkshop, make_workshop, open_as_facilitator
from tests.app.test_trends_and_outcomes import _answer_all

pytestmark = pytest.mark.app


def actions(engine: Engine, workshop: OpenWorkshop) -> list[ActionRecord]:
    with transaction(engine) as session:
        partnership = workshop_info(session=session, workshop_id=workshop.id).partnership_id
        return list_actions(session=session, partnership_id=partnership)


def audit_actions(engine: Engine, action: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def seed_actions(engine: Engine, workshop: OpenWorkshop, *titles: str) -> list[int]:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        return [
            create_action(
                session=session,
                partnership_id=info.partnership_id,
                workshop_id=workshop.id,
                domain_id=info.domains[0],
                title=title,
                actor="t",
            )
            for title in titles
        ]


def results(engine: Engine, facilitator: int, workshop: OpenWorkshop) -> AppTest:
    """The workshop's results page, with enough answers for its figures to be shown."""
    _answer_all(engine, workshop.id, 3, {"shared-purpose-stated": (2, 3)})
    return open_as_facilitator(facilitator, "views/results.py", workshop_code=workshop.join_code)


def edit(at: AppTest, edited_rows: dict[int, dict[str, Any]]) -> AppTest:
    """What the browser sends when cells of the plan are changed: the edit, and a rerun."""
    [editor] = at.data_editor
    assert editor.key
    at.session_state[editor.key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)).replace("\\", "")


def test_pressing_add_an_action_twice_adds_one_action(app_db: Engine, facilitator: int) -> None:
    from assessment.demo import load_demo

    code = load_demo(engine=app_db).join_codes[0]
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    with transaction(app_db) as session:
        info = workshop_info(session=session, join_code=code)
        before = len(list_actions(session=session, partnership_id=info.partnership_id))
    label = next(b.label for b in at.button if b.label.startswith("Add an action for "))
    for _ in range(2):  # a double click: two reruns, each with the button pressed
        next(b for b in at.button if b.label == label).click().run()
        assert not at.exception, at.exception
    with transaction(app_db) as session:
        after = list_actions(session=session, partnership_id=info.partnership_id)
    assert len(after) == before + 1


def test_an_edit_in_the_plan_is_saved_as_it_is_made_with_no_button_to_press(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, name="Editing place")
    first, second = seed_actions(app_db, workshop, "Joint away day", "Visible wins note")
    at = results(app_db, facilitator, workshop)
    assert not [b for b in at.button if "Save" in b.label]  # nothing left to forget to press
    plan = {a.id: a for a in actions(app_db, workshop)}
    rows = list(at.data_editor[0].value["Title"])
    row = rows.index("Visible wins note")
    edit(at, {row: {"Owner": "ICB chief executive", "Due": "2026-06-30", "Status": "In progress"}})
    saved = {a.id: a for a in actions(app_db, workshop)}
    assert (saved[second].owner, saved[second].due_on, saved[second].status) == (
        "ICB chief executive",
        date(2026, 6, 30),
        "in-progress",
    )
    assert saved[first] == plan[first]
    [entry] = audit_actions(app_db, "action.updated")
    assert entry.detail["action"] == second and entry.actor == f"facilitator:{facilitator}"
    assert "Saved" in shown(at) and "Not saved" not in shown(at)
    # The table now shows what is stored, and a further edit is saved in its turn.
    assert at.data_editor[0].value.loc[row, "Owner"] == "ICB chief executive"
    edit(at, {row: {"Owner": None}})
    assert {a.id: a for a in actions(app_db, workshop)}[second].owner == ""


def test_a_refused_edit_stays_on_screen_marked_not_saved_until_it_is_corrected(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, name="Refusing place")
    [action] = seed_actions(app_db, workshop, "Joint away day")
    at = results(app_db, facilitator, workshop)
    edit(at, {0: {"Title": "x" * 301}})
    assert "Not saved" in shown(at) and "300" in shown(at)
    assert actions(app_db, workshop)[0].title == "Joint away day"
    at.run()  # any later rerun (another control pressed) keeps the edit and the warning
    assert not at.exception, at.exception
    assert "Not saved" in shown(at)
    edit(at, {0: {"Title": "A shorter title"}})
    assert actions(app_db, workshop)[0].title == "A shorter title"
    assert "Not saved" not in shown(at)
    assert [e.detail["action"] for e in audit_actions(app_db, "action.updated")] == [action]


def test_a_refused_edit_can_be_discarded_and_the_table_shows_what_is_stored(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, name="Discarding place")
    seed_actions(app_db, workshop, "Joint away day")
    at = results(app_db, facilitator, workshop)
    edit(at, {0: {"Title": None}})
    assert "Not saved: an action needs a title" in shown(at)
    next(b for b in at.button if b.label == "Discard the unsaved change").click().run()
    assert not at.exception, at.exception
    assert "Not saved" not in shown(at)
    assert list(at.data_editor[0].value["Title"]) == ["Joint away day"]
    assert actions(app_db, workshop)[0].title == "Joint away day"


def test_deleting_an_action_asks_first_then_says_it_is_gone(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="Deleting place")
    kept, doomed = seed_actions(app_db, workshop, "Keep this one", "Drop <this> one")
    at = results(app_db, facilitator, workshop)
    chooser = next(s for s in at.selectbox if s.label == "Action to delete")
    chooser.set_value(doomed).run()
    delete = next(b for b in at.button if b.label == "Delete this action")
    assert delete.disabled  # not until the facilitator says yes
    confirm = next(c for c in at.checkbox if c.label.startswith("Yes, delete"))
    assert "Drop" in confirm.label
    confirm.check().run()
    next(b for b in at.button if b.label == "Delete this action").click().run()
    assert not at.exception, at.exception
    assert [a.id for a in actions(app_db, workshop)] == [kept]
    assert "Deleted the action “Drop <this> one”" in shown(at)
    [entry] = audit_actions(app_db, "action.deleted")
    assert entry.detail["title"] == "Drop <this> one"
    assert list(at.data_editor[0].value["Title"]) == ["Keep this one"]


def test_the_last_action_deleted_leaves_the_plan_saying_it_is_empty(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="Emptying place")
    seed_actions(app_db, workshop, "Only one")
    at = results(app_db, facilitator, workshop)
    next(c for c in at.checkbox if c.label.startswith("Yes, delete")).check().run()
    next(b for b in at.button if b.label == "Delete this action").click().run()
    assert not at.exception, at.exception
    assert actions(app_db, workshop) == []
    assert "Deleted the action “Only one”" in shown(at)
    assert "No actions yet" in shown(at)
