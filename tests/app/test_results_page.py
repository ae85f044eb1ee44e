"""The team results page with the demo data and with edge cases, anonymity applied everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.demo import load_demo
from tests.app.conftest import make_workshop, open_as_facilitator
from ui.text import escape_markdown

pytestmark = pytest.mark.app


def results_page(facilitator_id: int, code: str) -> AppTest:
    return open_as_facilitator(facilitator_id, "views/results.py", workshop_code=code)


def everything(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.warning, *at.info, *at.caption)]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for table in at.table:
        parts.append(table.value.to_string())
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_the_demo_workshop_shows_every_view_with_a_reading_beside_each(
    app_db: Engine, facilitator: int
) -> None:
    summary = load_demo(engine=app_db)
    at = results_page(facilitator, summary.join_codes[0])
    text = everything(at)
    assert "Biggest gap:" in text
    assert "split the team" in text or "splits the team" in text
    assert "Sectors see" in text
    assert "situations lack a clear answer" in text or "most of the team agree" in text
    assert {m.label for m in at.metric} >= {"Respondents", "Now", "Target", "Gap"}
    # Healthwatch always sends one person in the demo: its sector figures are withheld, in words
    tables = [t.value.rename(columns=lambda c: str(c).replace("\\", "")) for t in at.table]
    lens = next(t for t in tables if "Healthwatch (1)" in t.columns)
    assert set(lens["Healthwatch (1)"]) == {"withheld"}


def test_a_workshop_with_one_respondent_withholds_everything(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db)
    with transaction(app_db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
        submit_participant(session=session, participant_id=person.id)  # only submitted answers count
        save_answer(
            session=session,
            participant_id=person.id,
            bank=bank,
            answer=Answer(item_id="shared-purpose-stated", current=1, target=4, comment="only me"),
        )
    at = results_page(facilitator, workshop.join_code)
    assert "every team figure is withheld" in at.warning[0].value
    assert {m.label: m.value for m in at.metric}["Now"] == "withheld"
    assert "only me" not in everything(at)  # the tabs with comments are never drawn


def test_comments_are_shown_as_text_without_names_in_an_anonymous_workshop(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db)
    hostile = "<script>alert(1)</script> [click](http://evil.example)"
    with transaction(app_db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for index in range(3):
            person = add_participant(
                session=session, workshop_id=workshop.id, sector="vcse", display_name=f"Person {index}"
            )
            submit_participant(session=session, participant_id=person.id)  # only submitted answers count
            save_answer(
                session=session,
                participant_id=person.id,
                bank=bank,
                answer=Answer(
                    item_id="shared-purpose-stated",
                    current=2,
                    target=3,
                    comment=hostile if index == 0 else None,
                ),
            )
    at = results_page(facilitator, workshop.join_code)
    comment_table = next(t.value for t in at.table if "Comment" in t.value.columns)
    assert list(comment_table.columns) == ["Comment"]
    assert comment_table["Comment"].iloc[0] == escape_markdown(hostile)  # shown as typed, never as markup
    assert "[click](" not in comment_table["Comment"].iloc[0]
    assert "Person 0" not in everything(at)


def test_a_round_whose_answers_retention_deleted_says_so_instead_of_showing_every_figure_withheld(
    app_db: Engine, facilitator: int
) -> None:
    from datetime import UTC, date, datetime

    from assessment.services import Actor
    from assessment.services.operations import apply_retention

    summary = load_demo(engine=app_db)
    code = summary.join_codes[0]
    before = results_page(facilitator, code)
    assert "deleted" not in everything(before)
    done = apply_retention(
        engine=app_db, actor=Actor.operator(), older_than_months=1, dry_run=False, today=date(2099, 1, 1)
    )
    assert done.rounds
    at = results_page(facilitator, code)
    assert not at.exception
    text = everything(at)
    assert f"individual answers were deleted on {datetime.now(UTC):%-d %B %Y}" in text
    assert "shown on Trends" in text
    assert "withheld" not in text.lower()
    assert not at.metric  # no "0 respondents" headline
