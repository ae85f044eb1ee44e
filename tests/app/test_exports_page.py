"""The Exports and import page: a facilitator takes a workshop's figures, consensus and actions and
its answers file out of the app, and brings a typed-up paper round in, without the command line.

Downloads are made when their button is pressed (Streamlit's deferred download), which AppTest
cannot press: the test keeps what each button would run, by file name, and runs it itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import Engine
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.cohort_admin import create_own_cohort
from assessment.db import (
    add_participant,
    bank_for_version,
    create_partnership,
    create_workshop,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.services import Actor
from assessment.services.answer_files import export_answers
from tests.app.conftest import OpenWorkshop, make_workshop, open_as_facilitator
from tests.app.conftest import open_page as page
from tests.app.test_security_review import rendered
from tests.storage.conftest import SHIPPED_BANK_TEXT
from tests.storage.counts import table_counts

pytestmark = pytest.mark.app

PAGE = "views/exports.py"
UNDERSTOOD = "I understand that this file holds every participant's individual answers"


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """What each download button on the page would make, by its file name."""
    made: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def keep(self: MediaFileManager, data: Any, mimetype: Any, coordinates: str, **kwargs: Any) -> str:
        made[str(kwargs.get("file_name"))] = data
        return original(self, data, mimetype, coordinates, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def answered(engine: Engine, *, anonymous: bool, title: str = "Spring round") -> OpenWorkshop:
    """A closed workshop where three people with roles answered the first question."""
    workshop = make_workshop(engine, status="closed", title=title, anonymous=anonymous, name=f"{title} ICS")
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for index, role in enumerate(("Director of public health", "Finance lead", "Chair")):
            person = add_participant(
                session=session,
                workshop_id=workshop.id,
                sector="nhs-trust",
                role=role,
                display_name=f"Person {index}",
            )
            answer = Answer(item_id="shared-purpose-stated", current=1 + index, target=4, comment="=1+1")
            save_answer(session=session, participant_id=person.id, bank=bank, answer=answer)
            submit_participant(session=session, participant_id=person.id)
    return workshop


def labels(at: AppTest) -> list[str]:
    return [str(e.proto.label) for e in at.get("download_button")]


def counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


def test_the_figures_and_the_outcomes_download_from_the_page_withheld_and_neutralised(
    app_db: Engine, facilitator: int, downloads: dict[str, Callable[[], Any]]
) -> None:
    workshop = answered(app_db, anonymous=True)
    at = open_as_facilitator(facilitator, PAGE, workshop_code=workshop.join_code)
    assert at.title[0].value == "Exports and import"
    assert "Download the figures (Excel)" in labels(at)
    figures = downloads["spring-round-ics-spring-round-2026-05-01-figures.xlsx"]()
    book = openpyxl.load_workbook(io.BytesIO(figures))
    questions = list(book["Questions"].iter_rows(values_only=True))
    heading = questions[0]
    rows = [dict(zip(heading, row, strict=True)) for row in questions[1:]]
    stated = next(r for r in rows if str(r["Question"]).startswith("Our partnership has a written"))
    assert (stated["Current level (team median)"], stated["Status"]) == (2.0, "shown")
    # every other question had no answers: an empty cell and the word, never a number
    others = [r for r in rows if r is not stated]
    assert others and all(
        r["Status"] == "withheld" and r["Current level (team median)"] is None for r in others
    )

    # Consensus and actions: one workbook, or a CSV each.
    assert "Download consensus and actions (Excel)" in labels(at)
    at.radio(key="exports_outcomes_format").set_value("CSV files (.csv)").run()
    assert {"Download consensus (CSV)", "Download actions (CSV)"} <= set(labels(at))
    consensus = downloads["spring-round-ics-spring-round-2026-05-01-consensus.csv"]()
    assert consensus.decode("utf-8-sig").startswith("Domain or question,Agreed level")


def test_the_answers_file_is_offered_only_once_the_warning_is_accepted_and_leaves_out_role_when_anonymous(
    app_db: Engine, facilitator: int, downloads: dict[str, Callable[[], Any]]
) -> None:
    for anonymous, title in ((True, "Anonymous round"), (False, "Named round")):
        workshop = answered(app_db, anonymous=anonymous, title=title)
        at = open_as_facilitator(facilitator, PAGE, workshop_code=workshop.join_code)
        assert "individual answers" in " ".join(w.value for w in at.warning)
        assert not [label for label in labels(at) if "answers" in label.lower()]
        at.checkbox[0].check().run()
        assert at.checkbox[0].label.startswith(UNDERSTOOD)
        assert "Download the answers file (CSV)" in labels(at)
        slug = title.lower().replace(" ", "-")
        content = downloads[f"{slug}-ics-{slug}-2026-05-01-answers.csv"]()
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        assert len(rows) == 3
        assert ("role" in rows[0]) is not anonymous, title
        if not anonymous:
            assert {r["role"] for r in rows} == {"Director of public health", "Finance lead", "Chair"}
        assert {r["comment"] for r in rows} == {"'=1+1"}  # neutralised, as from the command line


def test_an_answers_file_imported_from_the_page_adds_every_answer_and_says_how_many(
    app_db: Engine, facilitator: int
) -> None:
    source = answered(app_db, anonymous=True, title="Source round")
    content = export_answers(engine=app_db, actor=Actor.operator(), workshop_id=source.id, fmt="xlsx")
    target = make_workshop(app_db, status="closed", title="Paper round", name="Paper ICS")
    at = open_as_facilitator(facilitator, PAGE, workshop_code=target.join_code)
    at.file_uploader(key=f"exports_import_file_{target.id}").upload("paper.xlsx", content).run()
    at.button(key=f"exports_import_{target.id}").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Imported 3 answers from 3 participants into Paper round."]
    with transaction(app_db) as session:
        assert workshop_info(session=session, workshop_id=target.id).id == target.id
    after = counts(app_db)
    at.button(key=f"exports_import_{target.id}").click().run()  # the same file again adds no one
    assert counts(app_db)["participants"] == after["participants"]


def test_a_file_with_problems_is_refused_whole_each_named_by_row_and_column_and_nothing_changes(
    app_db: Engine, facilitator: int
) -> None:
    target = make_workshop(app_db, status="closed", title="Paper round", name="Paper ICS")
    sheet = (
        b"participant,sector,item_id,current,target\r\n"
        b"P1,nhs-trust,shared-purpose-stated,2,3\r\n"  # good, and still not written
        b"P2,no-such-sector,shared-purpose-stated,9,3\r\n"
        b"P3,vcse,no-such-question,2,3\r\n"
    )
    at = open_as_facilitator(facilitator, PAGE, workshop_code=target.join_code)
    before = counts(app_db)
    at.file_uploader(key=f"exports_import_file_{target.id}").upload("paper.csv", sheet).run()
    at.button(key=f"exports_import_{target.id}").click().run()
    assert not at.exception, at.exception
    assert counts(app_db) == before
    said = " ".join(e.value for e in at.error)
    assert "Nothing was imported" in said and "3 problems" in said
    shown = rendered(at)
    assert "row 3, column sector: 'no-such-sector' is not a sector" in shown
    assert "row 3, column current:" in shown
    assert "row 4, column item_id:" in shown
    assert not at.success


def test_a_participant_and_a_facilitator_without_access_are_refused_the_page(
    app_db: Engine, facilitator: int, downloads: dict[str, Callable[[], Any]]
) -> None:
    from assessment.auth import create_facilitator

    with transaction(app_db) as session:
        owner = create_facilitator(
            session=session, email="o@nhs.net", password="a long passphrase", actor="t"
        )
        cohort = create_own_cohort(session=session, facilitator_id=owner, name="Private cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Hidden ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        from datetime import date

        hidden = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Hidden round",
            held_on=date(2026, 5, 1),
        )
    # A participant (nobody signed in), even with the workshop's code in the session.
    at = page(PAGE)
    at.session_state["workshop_code"] = hidden.join_code
    at.run()
    assert [w.value for w in at.warning] == ["Sign in to continue."]
    assert not at.get("download_button") and not at.get("file_uploader")
    # Another facilitator, with the code forged into the session: nothing of it, nothing to take.
    at = open_as_facilitator(facilitator, PAGE, workshop_code=hidden.join_code)
    assert "No workshops yet" in rendered(at)
    assert "Hidden" not in rendered(at)
    assert not at.get("download_button") and not at.get("file_uploader")
    assert not downloads
    # The owner sees it: the names looked for above are on the page.
    assert "Hidden round" in rendered(open_as_facilitator(owner, PAGE, workshop_code=hidden.join_code))
