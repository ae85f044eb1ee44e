"""Every table on the results, trends and cohort pages labels its rows and columns in words, not
with the program's own names ("title", "name", "Held_on")."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.demo import load_demo
from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app

# a lower-case identifier, or one with an underscore: how code names a column, not how people do
RAW = re.compile(r"^[a-z][a-z0-9]*$|_")


def raw_labels(at: AppTest) -> list[str]:
    """The labels people see: hidden columns (an editor's row id) are not shown, so not checked."""
    found = []
    for element in at.dataframe:
        config = json.loads(element.proto.columns or "{}")
        hidden = {name for name, column in config.items() if column.get("hidden")}
        frame = element.value
        labels = [*(str(c) for c in frame.columns if str(c) not in hidden), frame.columns.name]
        if "_index" not in hidden:
            labels.append(frame.index.name)
        found += [label for label in labels if isinstance(label, str) and RAW.search(label)]
    return found


def test_the_check_sees_a_programs_name_for_a_column() -> None:
    assert [
        label for label in ("title", "Held_on", "name", "Held on", "Q1", "Sector") if RAW.search(label)
    ] == [
        "title",
        "Held_on",
        "name",
    ]


@pytest.mark.parametrize("script", ["views/results.py", "views/trends.py", "views/cohorts.py"])
def test_the_sample_datas_tables_label_rows_and_columns_in_words(
    app_db: Engine, facilitator: int, script: str
) -> None:
    load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, script)
    assert at.dataframe, "the page shows tables"
    assert raw_labels(at) == []
