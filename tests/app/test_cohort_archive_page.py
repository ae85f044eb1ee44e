"""Archiving a cohort on the Cohorts and partnerships page: it asks first, then shows the cohort
as archived with nothing left to change but the way back; an archived cohort stays reachable
("Show archived cohorts"), and a team-wide one says the operator brings it back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from assessment.cohort_admin import archive_cohort, create_own_cohort, operator_archive_cohort
from assessment.db import create_cohort, create_partnership, transaction
from assessment.db.tables import AuditEntry, Cohort
from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app

PAGE = "views/cohort_admin.py"
LIVE_CONTROLS = {
    "Rename",
    "Share",
    "Archive this cohort",
    "Add partnership",
    "Rename partnership",
    "Move",
    "Archive partnership",
    "Delete for good",
}


def archived(engine: Engine, cohort: int) -> bool:
    with transaction(engine) as session:
        return bool(session.scalar(select(Cohort.archived).where(Cohort.id == cohort)))


def buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def shown(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind)).replace("\\", "")


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def spring(app_db: Engine, facilitator: int) -> int:
    """The facilitator's own cohort with one partnership."""
    with transaction(app_db) as session:
        cohort = create_own_cohort(session=session, facilitator_id=facilitator, name="Spring cohort")
        create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
    return cohort


def test_archiving_asks_first_then_shows_the_cohort_archived_with_only_the_way_back(
    app_db: Engine, facilitator: int, spring: int
) -> None:
    at = open_as_facilitator(facilitator, PAGE)
    press(at, "Archive this cohort")
    assert not archived(app_db, spring)  # one click asks; it does not archive
    assert "Archive Spring cohort?" in shown(at)
    press(at, "Yes, archive Spring cohort")
    assert archived(app_db, spring)
    assert "Spring cohort is archived" in shown(at)
    assert not buttons(at) & LIVE_CONTROLS
    assert not [t for t in at.text_input if t.label != "New cohort"]
    assert "Unarchive this cohort" in buttons(at)
    chooser = next(s for s in at.selectbox if s.label == "Cohort to manage")
    assert chooser.format_func(chooser.value) == "Spring cohort (archived)"
    press(at, "Unarchive this cohort")
    assert not archived(app_db, spring)
    assert "Spring cohort is back on the pages" in shown(at)
    assert {"Rename", "Share", "Archive this cohort"} <= buttons(at)
    with transaction(app_db) as session:
        done = session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == "Spring cohort").order_by(AuditEntry.id)
        ).all()
    assert list(done) == ["cohort.created", "cohort.archived", "cohort.unarchived"]


def test_cancelling_the_archive_leaves_the_cohort_as_it_was(
    app_db: Engine, facilitator: int, spring: int
) -> None:
    at = open_as_facilitator(facilitator, PAGE)
    press(at, "Archive this cohort")
    press(at, "Cancel")
    assert not archived(app_db, spring)
    assert "Yes, archive Spring cohort" not in buttons(at)
    assert "Archive this cohort" in buttons(at)


def test_an_archived_cohort_is_reached_by_showing_archived_cohorts_and_brought_back(
    app_db: Engine, facilitator: int, spring: int
) -> None:
    with transaction(app_db) as session:
        create_own_cohort(session=session, facilitator_id=facilitator, name="Autumn cohort")
        archive_cohort(session=session, facilitator_id=facilitator, cohort_id=spring)
    at = open_as_facilitator(facilitator, PAGE)
    chooser = next(s for s in at.selectbox if s.label == "Cohort to manage")
    assert spring not in chooser.options and str(spring) not in chooser.options
    next(c for c in at.checkbox if c.label == "Show archived cohorts").check().run()
    chooser = next(s for s in at.selectbox if s.label == "Cohort to manage")
    chooser.set_value(spring).run()
    assert "Spring cohort is archived" in shown(at)
    press(at, "Unarchive this cohort")
    assert not archived(app_db, spring)


def test_a_facilitator_whose_only_cohort_is_archived_can_still_bring_it_back(
    app_db: Engine, facilitator: int, spring: int
) -> None:
    with transaction(app_db) as session:
        archive_cohort(session=session, facilitator_id=facilitator, cohort_id=spring)
    at = open_as_facilitator(facilitator, PAGE)
    next(c for c in at.checkbox if c.label == "Show archived cohorts").check().run()
    assert not at.exception, at.exception
    press(at, "Unarchive this cohort")
    assert not archived(app_db, spring)


def test_an_archived_team_wide_cohort_says_the_operator_brings_it_back(
    app_db: Engine, facilitator: int
) -> None:
    with transaction(app_db) as session:
        team = create_cohort(session=session, name="Team cohort")
        operator_archive_cohort(session=session, cohort_id=team, actor="cli")
    at = open_as_facilitator(facilitator, PAGE)
    next(c for c in at.checkbox if c.label == "Show archived cohorts").check().run()
    assert not at.exception, at.exception
    assert "Team cohort is archived" in shown(at)
    assert "only the operator" in shown(at) and "cohort unarchive" in shown(at)
    assert "Unarchive this cohort" not in buttons(at)
    assert not buttons(at) & LIVE_CONTROLS
    assert archived(app_db, team)
