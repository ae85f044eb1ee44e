"""A facilitator with nothing set up yet is told what is missing and given a link to the page that
makes it, never told to go to the command line for what the app can do itself."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app

EMPTY_PAGES = ("views/trends.py", "views/cohorts.py", "views/workshops.py")


@pytest.mark.parametrize("script", EMPTY_PAGES)
def test_an_empty_page_links_to_cohorts_and_partnerships_and_never_to_the_command_line(
    app_db: Engine, facilitator: int, script: str
) -> None:
    at = open_as_facilitator(facilitator, script)
    assert not at.exception, at.exception
    said = " ".join(str(i.value) for i in at.info)
    assert "Cohorts and partnerships page" in said
    assert "command line" not in said
    links = [(e.proto.label, e.proto.page) for e in at.get("page_link")]
    assert ("Create a cohort and its partnerships", "cohort_admin") in links, links
