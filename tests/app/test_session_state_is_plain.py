"""What a session keeps between runs is ids and plain values: never a closure, a question bank, an
engine or a data frame. Such objects outlive the request that made them (a closure holding a bank
replays an old bank's rules after the bank changed) and cannot be inspected or cleared by key."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.demo import load_demo
from tests.app.conftest import OpenWorkshop, open_as_facilitator
from tests.app.conftest import open_page as page
from tests.app.test_participant_pages import ANSWER, join

pytestmark = pytest.mark.app

PLAIN_LEAVES = (str, int, float, bool, bytes, type(None))
FACILITATOR_PAGES = [
    "views/workshops.py",
    "views/results.py",
    "views/exports.py",
    "views/trends.py",
    "views/cohorts.py",
    "views/cohort_admin.py",
    "views/sign_in.py",
    "views/run_the_room.py",
    "views/present.py",
]


def not_plain(value: Any, where: str) -> list[str]:
    """Where, inside ``value``, something other than plain data is kept."""
    if isinstance(value, PLAIN_LEAVES):
        return []
    if isinstance(value, (list, tuple)):
        return [bad for i, item in enumerate(value) for bad in not_plain(item, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [bad for key, item in value.items() for bad in not_plain(item, f"{where}[{key!r}]")]
    if type(value).__module__ == "datetime":
        return []
    return [f"{where}: {type(value).__module__}.{type(value).__qualname__}"]


def kept(at: AppTest) -> list[str]:
    return [bad for key in at.session_state for bad in not_plain(at.session_state[key], key)]


def test_the_check_sees_a_closure_or_a_frame_kept_in_the_session() -> None:
    assert not_plain({"a": [1, "x", None]}, "ok") == []
    assert not_plain({"later": [lambda: None]}, "s") == ["s['later'][0]: builtins.function"]
    assert not_plain((pd.DataFrame(),), "t") == ["t[0]: pandas.DataFrame"]


def test_answering_keeps_only_plain_values_in_the_session(
    app_db: Engine, open_workshop: OpenWorkshop
) -> None:
    token = join(app_db, open_workshop.join_code)
    at = page(ANSWER, token=token, step="1")
    radios = [r for r in at.radio if r.key and r.key.endswith("_current")]
    assert radios, "the first step shows a question to answer"
    radios[0].set_value(radios[0].options[1]).run()
    at.text_area[0].input("We say it, we do not yet live it").run()
    assert not at.exception, at.exception
    assert kept(at) == []


@pytest.mark.parametrize("script", FACILITATOR_PAGES)
def test_every_facilitator_page_keeps_only_plain_values_in_the_session(
    app_db: Engine, facilitator: int, script: str
) -> None:
    load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, script)
    assert kept(at) == []
