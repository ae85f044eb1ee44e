"""Consensus and actions on the results page, and the trends page, with demo data and edge cases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.auth import create_facilitator
from assessment.demo import load_demo
from assessment.outcomes import current_consensus, list_actions
from assessment.store import list_partnerships, transaction, workshop_info
from tests.app.conftest import make_workshop
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app


@pytest.fixture
def facilitator(app_db: Engine) -> int:
    with transaction(app_db) as session:
        return create_facilitator(
            session=session, email="f@riverside.nhs.uk", password="a long passphrase here", actor="t"
        )


def open_page(facilitator_id: int, page: str, **state: object) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.session_state["facilitator_id"] = facilitator_id
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.info, *at.warning, *at.success)]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_a_facilitator_records_a_consensus_and_sees_it_beside_the_median(
    app_db: Engine, facilitator: int
) -> None:
    summary = load_demo(engine=app_db)
    code = summary.join_codes[0]
    at = open_page(facilitator, "views/results.py", workshop_code=code)
    form_domain = next(s for s in at.selectbox if s.label == "Domain")
    form_domain.set_value("mind-the-gaps")
    next(s for s in at.select_slider if s.label == "Agreed level").set_value(2.5)
    next(t for t in at.text_area if t.label == "Why (the rationale)").input("Councils see the gaps first")
    next(b for b in at.button if b.label == "Record consensus").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        workshop = workshop_info(session=session, join_code=code)
        records = current_consensus(session=session, workshop_id=workshop.id)
    assert records["mind-the-gaps"].level == 2.5
    assert records["mind-the-gaps"].rationale == "Councils see the gaps first"
    team_table = next(
        d.value for d in at.dataframe if "Agreed" in d.value.columns and "Since last round" in d.value.columns
    )
    row = team_table.loc[team_table["Domain"] == "Mind the gaps"].iloc[0]
    assert row["Agreed"] == "2.5" and row["Now"] != "withheld"


def test_one_click_on_a_gap_adds_an_action_for_that_domain(app_db: Engine, facilitator: int) -> None:
    summary = load_demo(engine=app_db)
    code = summary.join_codes[0]
    at = open_page(facilitator, "views/results.py", workshop_code=code)
    button = next(b for b in at.button if b.label.startswith("Add an action for "))
    domain_title = button.label.removeprefix("Add an action for ")
    with transaction(app_db) as session:
        workshop = workshop_info(session=session, join_code=code)
        before = len(list_actions(session=session, partnership_id=workshop.partnership_id))
    button.click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        after = list_actions(session=session, partnership_id=workshop.partnership_id)
    assert len(after) == before + 1
    assert any(a.title == f"Close the gap on {domain_title}" for a in after)


def test_later_rounds_say_what_moved_since_the_last_round(app_db: Engine, facilitator: int) -> None:
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        latest = max(
            (workshop_info(session=session, join_code=c) for c in summary.join_codes), key=lambda w: w.held_on
        )
    at = open_page(facilitator, "views/results.py", workshop_code=latest.join_code)
    team_table = next(d.value for d in at.dataframe if "Since last round" in d.value.columns)
    notes = " ".join(team_table["Since last round"])
    assert "gap " in notes and ("narrowed" in notes or "widened" in notes or "unchanged" in notes)


def test_the_trends_page_shows_rounds_with_movement_markers(app_db: Engine, facilitator: int) -> None:
    load_demo(engine=app_db)
    with transaction(app_db) as session:
        riverside = next(p["id"] for p in list_partnerships(session=session) if p["name"] == "Riverside ICS")
    at = open_page(facilitator, "views/trends.py", trend_partnership=riverside)
    table = next(d.value for d in at.dataframe if "Round" in d.value.columns and "Now" in d.value.columns)
    assert table["Round"].nunique() == 3
    assert table["Now"].str.contains("▲|▼").any()
    participation = next(d.value for d in at.dataframe if "Respondents" in d.value.columns)
    assert len(participation) == 3


def test_a_single_round_says_plainly_that_there_is_no_trend_yet(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="Lonely place")
    with transaction(app_db) as session:
        partnership = workshop_info(session=session, workshop_id=workshop.id).partnership_id
    at = open_page(facilitator, "views/trends.py", trend_partnership=partnership)
    assert "trends appear from the second round" in texts(at)


def test_the_trends_page_is_refused_without_sign_in(app_db: Engine) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "trends.py"), default_timeout=30)
    at.run()
    assert at.warning[0].value == "Facilitator pages need you to sign in."
    assert not at.title
