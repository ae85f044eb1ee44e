"""The store is the one door for names and titles: whatever calls it (a page, the command line,
the sample data, a page not written yet), a name wider than its column or holding a NUL is
refused in words and nothing is written, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assessment.db import (
    create_cohort,
    create_partnership,
    create_workshop,
    store_bank_version,
    transaction,
)
from assessment.errors import Refused
from tests.storage.conftest import SHIPPED_BANK_TEXT
from tests.storage.counts import table_counts


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


@pytest.mark.parametrize("bad", ["x" * 5_000, "North\x00East"])
def test_a_name_too_wide_for_its_column_or_holding_a_nul_is_refused_by_the_store(
    engine: Engine, bad: str
) -> None:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Fine cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Fine ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
    before = _counts(engine)
    attempts = {
        "a cohort's name": lambda session: create_cohort(session=session, name=bad),
        "a partnership's name": lambda session: create_partnership(
            session=session, cohort_id=cohort, name=bad, kind="ics"
        ),
        "a workshop's title": lambda session: create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=bad,
            held_on=date(2026, 1, 1),
        ),
        "a round label": lambda session: create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Fine",
            held_on=date(2026, 1, 1),
            round_label=bad,
        ),
    }
    for what, attempt in attempts.items():
        with pytest.raises(Refused, match=what), transaction(engine) as session:
            attempt(session)
    assert _counts(engine) == before


def test_a_name_at_its_columns_width_is_kept_whole(engine: Engine) -> None:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="c" * 200)
        create_partnership(session=session, cohort_id=cohort, name="p" * 200, kind="ics")
    assert _counts(engine)["partnerships"] == 1
