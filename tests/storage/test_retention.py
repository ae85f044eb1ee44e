"""`retention`: the individual answers of rounds closed long ago are deleted, and trends and cohort
comparisons show exactly the same figures afterwards, from the figures stored for each round."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, update

from assessment.cohorts import compare_cohort
from assessment.db import create_cohort, create_partnership, set_workshop_state, transaction, workshop_info
from assessment.db.rerate import RerateAnswer
from assessment.db.tables import AuditEntry, Participant, Response
from assessment.errors import Forbidden, Invalid
from assessment.services import Actor
from assessment.services.operations import apply_retention, months_before
from assessment.trends import trend_frame
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import add_round, audit_entries

OPERATOR = Actor.operator()
LATER = date(2030, 1, 1)  # every round closed in these tests is years old by then


def people(*levels: tuple[int, int] | None) -> list[tuple[int, int] | None]:
    return list(levels)


def closed(engine: Engine, workshop_id: int) -> int:
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop_id, actor="t", status="closed")
    return workshop_id


def cohort_with_rounds(engine: Engine) -> dict[str, int]:
    """Two partnerships in one cohort: closed rounds, one below the threshold, and one still open."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Retention cohort")
        east = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
        west = create_partnership(session=session, cohort_id=cohort, name="Westvale ICS", kind="ics")
    ids = {"cohort": cohort, "east": east, "west": west}
    ids["east-r1"] = closed(
        engine,
        add_round(
            engine,
            partnership=east,
            label="R1",
            held_on=date(2026, 1, 10),
            answers={
                "shared-purpose-stated": people((1, 3), (2, 4), (2, 4), None),
                "trust-candid-relationships": people((1, 2), (1, 3), (2, 2), (1, 2)),
            },
        ),
    )
    ids["east-r2"] = closed(
        engine,
        add_round(
            engine,
            partnership=east,
            label="R2",
            held_on=date(2026, 4, 10),
            answers={"shared-purpose-stated": people((2, 4), (3, 4), (3, 4))},
        ),
    )
    ids["east-r3"] = add_round(  # still a draft: its answers are in use
        engine,
        partnership=east,
        label="R3",
        held_on=date(2026, 7, 10),
        answers={"shared-purpose-stated": people((3, 4), (3, 4), (4, 4))},
    )
    ids["west-r1"] = closed(
        engine,
        add_round(
            engine,
            partnership=west,
            label="R1",
            held_on=date(2026, 2, 1),
            answers={"shared-purpose-stated": people((2, 3), (2, 3))},  # two people: withheld
        ),
    )
    ids["west-r2"] = closed(
        engine,
        add_round(
            engine,
            partnership=west,
            label="R2",
            held_on=date(2026, 5, 1),
            answers={
                "shared-purpose-stated": people((1, 4), (2, 4), (4, 4), (3, 3)),
                "trust-candid-relationships": people((2, 3), (2, 3), (3, 4), None),
            },
        ),
    )
    return ids


def figures_now(engine: Engine, ids: dict[str, int]) -> dict[str, pd.DataFrame]:
    with transaction(engine) as session:
        comparison = compare_cohort(session=session, cohort_id=ids["cohort"])
        shown = {
            f"trend {name}": trend_frame(session=session, partnership_id=ids[name])
            for name in ("east", "west")
        }
    for field in dataclasses.fields(comparison):
        value = getattr(comparison, field.name)
        if isinstance(value, pd.DataFrame):
            shown[f"cohort {field.name}"] = value
    return shown


def rows(engine: Engine, table: type[Participant] | type[Response] | type[RerateAnswer]) -> int:
    with transaction(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_trends_and_the_cohort_comparison_are_the_same_before_and_after_retention(engine: Engine) -> None:
    ids = cohort_with_rounds(engine)
    before = figures_now(engine, ids)
    assert rows(engine, Participant) == 4 + 3 + 3 + 2 + 4

    done = apply_retention(engine=engine, actor=OPERATOR, older_than_months=12, dry_run=False, today=LATER)

    assert sorted(r.workshop_id for r in done.rounds) == sorted(
        ids[k] for k in ("east-r1", "east-r2", "west-r1", "west-r2")
    )
    assert done.participants == 4 + 3 + 2 + 4
    assert rows(engine, Participant) == 3  # only the draft round's people are left
    assert rows(engine, Response) == 3
    after = figures_now(engine, ids)
    assert after.keys() == before.keys()
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    # the figures are really there, not all withheld
    east = before["trend east"]
    assert east["current"].notna().sum() >= 3 and east["withheld"].sum() >= 1
    [entry, *_] = audit_entries(engine, "answers.retention")
    assert set(entry.detail) == {"participants", "respondents", "cutoff"}


def test_a_dry_run_lists_the_rounds_and_deletes_nothing(engine: Engine) -> None:
    ids = cohort_with_rounds(engine)
    found = apply_retention(engine=engine, actor=OPERATOR, older_than_months=12, dry_run=True, today=LATER)
    assert len(found.rounds) == 4 and not found.deleted
    assert rows(engine, Participant) == 16
    assert audit_entries(engine, "answers.retention") == []
    # and a cut-off before they closed finds nothing
    assert apply_retention(engine=engine, actor=OPERATOR, older_than_months=12, dry_run=True).rounds == ()
    assert ids


def test_running_retention_twice_deletes_nothing_more_and_changes_no_figure(engine: Engine) -> None:
    ids = cohort_with_rounds(engine)
    apply_retention(engine=engine, actor=OPERATOR, older_than_months=12, dry_run=False, today=LATER)
    once = figures_now(engine, ids)
    again = apply_retention(engine=engine, actor=OPERATOR, older_than_months=12, dry_run=False, today=LATER)
    assert again.rounds == ()
    for name, frame in once.items():
        pd.testing.assert_frame_equal(figures_now(engine, ids)[name], frame, obj=name)


def test_retention_is_the_operators_and_needs_a_sensible_age(engine: Engine) -> None:
    with pytest.raises(Forbidden):
        apply_retention(engine=engine, actor=Actor.facilitator(1), older_than_months=12, dry_run=True)
    with pytest.raises(Invalid, match="1 or more"):
        apply_retention(engine=engine, actor=OPERATOR, older_than_months=0, dry_run=True)


def test_the_command_lists_then_deletes_rounds_closed_long_enough_ago(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = cohort_with_rounds(engine)
    with transaction(engine) as session:  # east's first round closed in 2024, the others in mid-2026
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.action == "workshop.closed")
            .values(at=datetime(2026, 6, 1, tzinfo=UTC))
        )
        code = workshop_info(session=session, workshop_id=ids["east-r1"]).join_code
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.action == "workshop.closed", AuditEntry.target == code)
            .values(at=datetime(2024, 1, 1, tzinfo=UTC))
        )
    months = (date.today().year - 2024) * 12 + date.today().month - 1 - 1  # the 2024 round only
    code_, out, err = run(
        capsys, "retention", "--older-than-months", str(months), "--dry-run", "--db", url(engine)
    )
    assert code_ == 0, err
    assert out.count("closed 2024-01-01") == 1 and "(dry run: nothing deleted)" in out, out
    assert rows(engine, Participant) == 16
    code_, out, err = run(capsys, "retention", "--older-than-months", str(months), "--db", url(engine))
    assert code_ == 0, err
    assert "their figures stay for trends and cohorts" in out
    assert rows(engine, Participant) == 16 - 4
    code_, out, _ = run(capsys, "retention", "--older-than-months", str(months), "--db", url(engine))
    assert "nothing to delete" in out
    # the round's own figures say where they went, rather than "0 respondents, withheld"
    code_, out, err = run(capsys, "scores", "--workshop", code, "--db", url(engine))
    assert code_ == 0, err
    assert f"deleted by retention on {date.today().isoformat()}" in out and "withheld" not in out
    assert ids


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), months=st.integers(1, 600))
def test_months_before_goes_back_whole_months_and_never_past_the_cutoff(day: date, months: int) -> None:
    earlier = months_before(day, months)
    assert (day.year - earlier.year) * 12 + day.month - earlier.month == months
    assert earlier.day <= day.day
    assert earlier < day
