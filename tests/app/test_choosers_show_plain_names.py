"""Choosers show people's names as plain text: a right-to-left override typed into a name must not
reverse the rest of the line in a drop-down list on any facilitator page."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment.limits import BIDI_CONTROLS
from tests.app.conftest import make_workshop, open_as_facilitator

pytestmark = pytest.mark.app

OVERRIDE_NAME = "Northam \u202eICS\u202c place"
OVERRIDE_TITLE = "Spring \u202eround one"


@pytest.mark.parametrize(
    "page", ["views/workshops.py", "views/results.py", "views/trends.py", "views/cohorts.py"]
)
def test_no_chooser_on_a_facilitator_page_shows_a_bidirectional_control(
    app_db: Engine, facilitator: int, page: str
) -> None:
    make_workshop(app_db, status="closed", title=OVERRIDE_TITLE, name=OVERRIDE_NAME)
    at = open_as_facilitator(facilitator, page)
    options = [option for box in at.selectbox for option in box.options]
    assert any("Northam" in option for option in options), options  # the name is offered
    assert not [option for option in options if set(option) & set(BIDI_CONTROLS)], options
