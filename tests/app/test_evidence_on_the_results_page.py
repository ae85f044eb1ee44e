"""The facilitator adds, edits and removes a domain's evidence beside its agreed level on the results
page; a refused save says why and keeps every typed word; people's text is shown escaped."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from assessment.db import transaction
from assessment.db.tables import AuditEntry
from assessment.outcomes import Evidence, current_consensus, record_consensus
from tests.app.conftest import OpenWorkshop, make_workshop, open_as_facilitator
from tests.app.test_trends_and_outcomes import _answer_all

pytestmark = pytest.mark.app

DOMAIN = "shared-purpose"


def stored(engine: Engine, workshop: OpenWorkshop) -> tuple[Evidence, ...]:
    with transaction(engine) as session:
        return current_consensus(session=session, workshop_id=workshop.id)[DOMAIN].evidence


def agreed_page(engine: Engine, facilitator: int) -> tuple[OpenWorkshop, AppTest]:
    workshop = make_workshop(engine, name="Evidence place")
    _answer_all(engine, workshop.id, 3, {"shared-purpose-stated": (2, 3)})
    with transaction(engine) as session:
        record_consensus(
            session=session,
            workshop_id=workshop.id,
            domain_id=DOMAIN,
            level=2.5,
            rationale="",
            dissent="",
            actor="t",
        )
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=workshop.join_code)
    at.selectbox(key="results_consensus_domain").set_value(DOMAIN).run()
    return workshop, at


def typed_in_the_table(at: AppTest) -> dict[str, Any]:
    """The evidence table's own state: what the browser still holds typed into it (AppTest's
    ``value`` is the table as drawn, before edits)."""
    [editor] = [e for e in at.data_editor if str(e.key).startswith("results_evidence_")]
    state = at.session_state[str(editor.key)]
    return {"key": editor.key, "added_rows": list(state["added_rows"]), "drawn": editor.value}


def save(at: AppTest, edits: dict[str, Any]) -> AppTest:
    """What the browser sends when the evidence table is changed and Save evidence is pressed."""
    [editor] = [e for e in at.data_editor if str(e.key).startswith("results_evidence_")]
    at.session_state[str(editor.key)] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    next(b for b in at.button if b.label == "Save evidence").click().run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def test_evidence_is_added_edited_and_removed_beside_the_agreed_level(
    app_db: Engine, facilitator: int
) -> None:
    workshop, at = agreed_page(app_db, facilitator)
    assert "Agreed level: 2" in shown(at)

    save(
        at,
        {
            "added_rows": [
                {"Note": "Board minutes, March", "Link": "https://example.org/minutes"},
                {"Note": "Staff survey 2025", "Link": None},
            ]
        },
    )
    assert stored(app_db, workshop) == (
        Evidence("Board minutes, March", "https://example.org/minutes"),
        Evidence("Staff survey 2025", ""),
    )
    assert "Saved the evidence for" in shown(at) and "not saved yet" not in shown(at)
    assert "(https://example.org/minutes)" in shown(at)  # a live link, as it is a web address

    save(at, {"edited_rows": {1: {"Note": "Staff survey 2025, question 4"}}})
    assert stored(app_db, workshop)[1] == Evidence("Staff survey 2025, question 4", "")

    save(at, {"deleted_rows": [0]})
    assert stored(app_db, workshop) == (Evidence("Staff survey 2025, question 4", ""),)
    with transaction(app_db) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("consensus.evidence_changed") == 3


def test_a_refused_link_says_why_and_keeps_the_typed_text_until_discarded(
    app_db: Engine, facilitator: int
) -> None:
    workshop, at = agreed_page(app_db, facilitator)
    typed = {"Note": "A clever script", "Link": "javascript:alert(document.cookie)"}
    save(at, {"added_rows": [typed]})
    assert stored(app_db, workshop) == ()
    [error] = at.error
    assert "Not saved" in error.value and "http" in error.value and "still in the table" in error.value
    assert typed_in_the_table(at)["added_rows"] == [typed]
    at.run()  # any later rerun (another control pressed) keeps it, and says it is not saved
    assert typed_in_the_table(at)["added_rows"] == [typed]
    assert "not saved yet" in shown(at)
    # The script is never a live link anywhere on the page.
    assert "](javascript" not in shown(at)

    # The same typed text, corrected, saves.
    save(at, {"added_rows": [{**typed, "Link": "https://example.org/policy"}]})
    assert stored(app_db, workshop) == (Evidence("A clever script", "https://example.org/policy"),)


def test_evidence_someone_else_saved_first_is_not_overwritten_and_the_typed_text_stays(
    app_db: Engine, facilitator: int
) -> None:
    from assessment.outcomes import set_evidence

    workshop, at = agreed_page(app_db, facilitator)
    with transaction(app_db) as session:  # a co-facilitator saves while this page is open
        set_evidence(
            session=session,
            workshop_id=workshop.id,
            domain_id=DOMAIN,
            items=[Evidence("Theirs", "")],
            actor="co",
        )
    save(at, {"added_rows": [{"Note": "Mine", "Link": ""}]})
    assert stored(app_db, workshop) == (Evidence("Theirs", ""),)
    assert "someone else changed" in at.error[0].value
    before = typed_in_the_table(at)
    assert list(before["drawn"]["Note"]) == ["Mine"]  # their text stays, as the table's own rows
    assert "Theirs" in shown(at)  # what is stored now is shown above the table, to compare
    assert "not saved yet" in shown(at)
    next(b for b in at.button if b.label == "Discard my unsaved evidence").click().run()
    after = typed_in_the_table(at)
    assert after["key"] != before["key"] and list(after["drawn"]["Note"]) == ["Theirs"]


def test_after_someone_else_saved_first_saving_again_keeps_the_typed_text_knowingly(
    app_db: Engine, facilitator: int
) -> None:
    """The refusal asks them to compare and save again: that second save must be possible (it
    was refused for ever while it was still checked against the table's first drawing)."""
    from assessment.outcomes import set_evidence

    workshop, at = agreed_page(app_db, facilitator)
    with transaction(app_db) as session:
        set_evidence(
            session=session,
            workshop_id=workshop.id,
            domain_id=DOMAIN,
            items=[Evidence("Theirs", "")],
            actor="co",
        )
    save(at, {"added_rows": [{"Note": "Mine", "Link": ""}]})
    assert stored(app_db, workshop) == (Evidence("Theirs", ""),)
    save(at, {})  # compared, and saved again as it stands
    assert stored(app_db, workshop) == (Evidence("Mine", ""),)
    assert "Saved the evidence" in shown(at) and "not saved yet" not in shown(at)


def test_notes_show_escaped_never_as_markdown_or_html(app_db: Engine, facilitator: int) -> None:
    workshop, at = agreed_page(app_db, facilitator)
    note = "**bold** [click](javascript:alert(1)) <script>x</script>"
    save(at, {"added_rows": [{"Note": note, "Link": "https://example.org/a b(c)"}]})
    # a space in the link is refused; without it, saved
    save(at, {"added_rows": [{"Note": note, "Link": "https://example.org/a(c)"}]})
    assert stored(app_db, workshop) == (Evidence(note, "https://example.org/a(c)"),)
    line = next(str(m.value) for m in at.markdown if "bold" in str(m.value))
    assert "\\*\\*bold\\*\\*" in line and "\\[click\\]\\(javascript" in line and "\\<script\\>" in line
    assert "(https://example.org/a%28c%29)" in line  # the bracket cannot end the link early


def test_evidence_waits_for_the_agreed_level(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="No level yet")
    _answer_all(app_db, workshop.id, 3, {"shared-purpose-stated": (2, 3)})
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=workshop.join_code)
    at.selectbox(key="results_consensus_domain").set_value(DOMAIN).run()
    assert "Record the level the team agrees on for this domain first" in shown(at)
    assert not [b for b in at.button if b.label == "Save evidence"]


def test_the_trends_page_shows_each_rounds_evidence_beside_its_agreed_level(
    app_db: Engine, facilitator: int
) -> None:
    from assessment.db import workshop_info
    from assessment.outcomes import set_evidence

    workshop, _ = agreed_page(app_db, facilitator)
    with transaction(app_db) as session:
        set_evidence(
            session=session,
            workshop_id=workshop.id,
            domain_id=DOMAIN,
            items=[Evidence("Board minutes, March", "https://example.org/m"), Evidence("=SUM(A1)", "")],
            actor="t",
        )
        partnership = workshop_info(session=session, workshop_id=workshop.id).partnership_id
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=partnership)
    table = next(d.value for d in at.dataframe if "Agreed" in d.value.columns)
    columns = list(table.columns)
    assert columns.index("Evidence") == columns.index("Agreed") + 1
    row = table.loc[table["Agreed"] != ""].iloc[0]
    assert row["Agreed"] == "2.5"
    assert row["Evidence"] == "Board minutes, March (https://example.org/m); =SUM(A1)"
    assert set(table.loc[table["Agreed"] == "", "Evidence"]) <= {""}
