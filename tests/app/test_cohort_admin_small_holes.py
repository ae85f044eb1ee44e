"""The cohort administration page against the smaller holes of the adversarial review: names with
a right-to-left override reverse nothing on the page, and a team-wide cohort offers no control
that would take it, or its partnerships, from the other facilitators."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment.cohort_admin import create_own_cohort
from assessment.db import create_cohort, create_partnership, transaction
from assessment.limits import BIDI_CONTROLS
from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app

OVERRIDE = "Spring \u202ecohort one"  # never closed: everything after it on the line would turn


def everything_shown(at: object) -> list[str]:
    kinds = ("title", "subheader", "markdown", "caption", "info", "success", "error")
    shown = [str(element.value) for kind in kinds for element in getattr(at, kind)]
    for box in at.selectbox:  # type: ignore[attr-defined]
        shown += [str(option) for option in box.options]
    return shown


def test_a_right_to_left_override_in_a_name_reverses_nothing_on_the_page(
    app_db: Engine, facilitator: int
) -> None:
    with transaction(app_db) as session:
        cohort = create_own_cohort(session=session, facilitator_id=facilitator, name=OVERRIDE)
        create_partnership(session=session, cohort_id=cohort, name="North \u202eplace", kind="ics")
    at = open_as_facilitator(facilitator, "views/cohort_admin.py")
    shown = everything_shown(at)
    assert not [text for text in shown if set(BIDI_CONTROLS) & set(text)], shown
    assert any("Spring cohort one" in text for text in at.selectbox[0].options)
    assert any("Spring cohort one" in str(h.value) for h in at.subheader)
    assert any("North place" in str(option) for box in at.selectbox for option in box.options)


def test_a_team_wide_cohort_offers_no_rename_share_archive_or_delete(
    app_db: Engine, facilitator: int
) -> None:
    with transaction(app_db) as session:
        team = create_cohort(session=session, name="Team cohort")
        create_partnership(session=session, cohort_id=team, name="Riverside ICS", kind="ics")
        create_own_cohort(session=session, facilitator_id=facilitator, name="Zed's own cohort")
    at = open_as_facilitator(facilitator, "views/cohort_admin.py")
    assert "(team-wide)" in at.selectbox[0].format_func(at.selectbox[0].value)
    labels = {b.label for b in at.button} | {t.label for t in at.text_input}
    assert not labels & {"Rename", "Share", "Archive this cohort", "Archive partnership", "Delete for good"}
    assert "only the operator" in at.info[0].value
    move = next(s for s in at.selectbox if s.label == "Move to cohort")
    assert list(move.options) == []  # the only other cohort is private: nowhere to move to
