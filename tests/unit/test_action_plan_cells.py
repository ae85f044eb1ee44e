"""What the browser sends for an edited cell of the action plan becomes the action's fields: a due
date in any form the editor sends is that day, a cleared cell is no text (never None or NaN), and
a status label is the stored status."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.errors import Invalid
from assessment.outcomes import ACTION_STATUSES
from ui.outcomes import STATUS_LABELS, _fields

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(DAYS)
def test_a_due_date_sent_as_text_a_timestamp_or_a_date_is_that_day(day: date) -> None:
    for sent in (day.isoformat(), f"{day.isoformat()}T00:00:00", pd.Timestamp(day), day):
        assert _fields({"Due": sent}) == {"due_on": day}


@pytest.mark.parametrize("cleared", [None, float("nan"), pd.NaT])
def test_a_cleared_due_date_is_no_date(cleared: object) -> None:
    assert _fields({"Due": cleared}) == {"due_on": None}


@given(st.sampled_from(["Title", "Owner", "Notes"]), st.one_of(st.none(), st.just(math.nan), st.text()))
def test_a_text_cell_is_always_text_and_a_cleared_one_is_empty(column: str, sent: object) -> None:
    [value] = _fields({column: sent}).values()
    assert isinstance(value, str)
    assert value == (sent if isinstance(sent, str) else "")


def test_every_status_label_is_its_stored_status() -> None:
    assert [_fields({"Status": STATUS_LABELS[s]})["status"] for s in ACTION_STATUSES] == list(ACTION_STATUSES)


def test_a_due_date_that_is_not_a_date_is_refused_in_words() -> None:
    with pytest.raises(Invalid, match="is not a date"):
        _fields({"Due": "next Tuesday-ish"})
    assert _fields({}) == {}
    assert _fields({"Due": datetime(2026, 6, 30, 0, 0)}) == {"due_on": date(2026, 6, 30)}
