"""Consensus and actions on the results page, and the trends page, with demo data and edge cases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import list_partnerships, transaction, workshop_info
from assessment.demo import load_demo
from assessment.outcomes import current_consensus, list_actions
from tests.app.conftest import make_workshop, open_as_facilitator
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app


def texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.info, *at.warning, *at.success)]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_a_facilitator_records_a_consensus_and_sees_it_beside_the_median(
    app_db: Engine, facilitator: int
) -> None:
    summary = load_demo(engine=app_db)
    code = summary.join_codes[0]
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    form_domain = next(s for s in at.selectbox if s.label == "Domain")
    form_domain.set_value("mind-the-gaps").run()  # the level control follows the chosen domain
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
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
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
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=latest.join_code)
    team_table = next(d.value for d in at.dataframe if "Since last round" in d.value.columns)
    notes = " ".join(team_table["Since last round"])
    assert "gap " in notes and ("narrowed" in notes or "widened" in notes or "unchanged" in notes)


def test_the_trends_page_shows_rounds_with_movement_markers(app_db: Engine, facilitator: int) -> None:
    load_demo(engine=app_db)
    with transaction(app_db) as session:
        riverside = next(p["id"] for p in list_partnerships(session=session) if p["name"] == "Riverside ICS")
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=riverside)
    table = next(d.value for d in at.dataframe if "Round" in d.value.columns and "Now" in d.value.columns)
    assert table["Round"].nunique() == 3
    assert table["Now"].str.contains("▲|▼").any()
    participation = next(d.value for d in at.dataframe if "Respondents" in d.value.columns)
    assert len(participation) == 3


def test_a_single_round_says_plainly_that_there_is_no_trend_yet(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="Lonely place")
    with transaction(app_db) as session:
        partnership = workshop_info(session=session, workshop_id=workshop.id).partnership_id
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=partnership)
    assert "trends appear from the second round" in texts(at)


def test_the_trends_page_is_refused_without_sign_in(app_db: Engine) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "trends.py"), default_timeout=30)
    at.run()
    assert at.warning[0].value == "Sign in to continue."
    assert not at.title


def _answer_all(
    engine: Engine, workshop_id: int, people: int, plan: dict[str, tuple[int | None, int | None]]
) -> list[str]:
    from assessment.answers import Answer
    from assessment.db import add_participant, bank_for_version, save_answer, submit_participant

    tokens = []
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for index in range(people):
            person = add_participant(
                session=session, workshop_id=workshop_id, sector=("vcse", "nhs-trust")[index % 2]
            )
            submit_participant(session=session, participant_id=person.id)  # only submitted answers count
            tokens.append(person.resume_token)
            for item_id, (current, target) in plan.items():
                answer = (
                    Answer(item_id=item_id, dont_know=True)
                    if current is None
                    else Answer(item_id=item_id, current=current, target=target)
                )
                save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
    return tokens


def test_a_participant_sees_the_team_results_and_the_pdf_after_reveal_but_no_editing(
    app_db: Engine,
) -> None:
    from assessment.db import set_workshop_state

    workshop = make_workshop(app_db, name="Reveal place")
    tokens = _answer_all(
        app_db, workshop.id, 4, {"shared-purpose-stated": (2, 3), "shared-purpose-why-before-how": (1, 4)}
    )
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/answer.py")
    at.query_params["token"] = tokens[0]
    at.query_params["view"] = "results"
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=workshop.id, actor="t", status="closed")
    at.run()
    assert "appears here when your facilitator reveals it" in texts(at)
    pdf_buttons = [e for e in at.get("download_button") if e.proto.label == "Download PDF summary"]
    assert not pdf_buttons  # no PDF before the reveal either
    with transaction(app_db) as session:
        set_workshop_state(session=session, workshop_id=workshop.id, actor="t", revealed=True)
    at.run()
    assert not at.exception, at.exception
    assert "Biggest gap:" in texts(at)
    assert [e.proto.label for e in at.get("download_button")].count("Download PDF summary") == 1
    labels = [b.label for b in at.button]
    assert "Record consensus" not in labels and not any(label.startswith("Add an action") for label in labels)


def test_a_domain_answered_only_dont_know_is_withheld_in_words(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db, name="Unsure place", domains=["shared-purpose", "mind-the-gaps"])
    plan = {"shared-purpose-stated": (2, 3)} | {item: (None, None) for item in ("gaps-statutory-duties",)}
    _answer_all(app_db, workshop.id, 3, plan)
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=workshop.join_code)
    team = next(d.value for d in at.dataframe if "Since last round" in d.value.columns)
    row = team.loc[team["Domain"] == "Mind the gaps"].iloc[0]
    assert (row["Now"], row["Target"], row["Gap"]) == ("withheld", "withheld", "withheld")
    assert team.loc[team["Domain"] == "Shared purpose", "Now"].iloc[0] == "2.00"


def test_the_trends_page_marks_a_change_of_question_bank(app_db: Engine, facilitator: int) -> None:
    from datetime import date

    from assessment.db import create_workshop, set_workshop_state, store_bank_version

    first = make_workshop(app_db, name="Versioned place")
    _answer_all(app_db, first.id, 3, {"shared-purpose-stated": (2, 3)})
    edited = (
        (PROJECT_ROOT / "questions.yaml")
        .read_text(encoding="utf-8")
        .replace('version: "1.0.0"', 'version: "1.1.0"')
    )
    with transaction(app_db) as session:
        info = workshop_info(session=session, workshop_id=first.id)
        version = store_bank_version(session=session, yaml_text=edited)
        second = create_workshop(
            session=session,
            partnership_id=info.partnership_id,
            bank_version_id=version,
            title="Round two",
            held_on=date(2026, 11, 1),
            round_label="Round two",
        )
        set_workshop_state(session=session, workshop_id=second.id, actor="t", status="open")
    _answer_all(app_db, second.id, 3, {"shared-purpose-stated": (3, 4)})
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=info.partnership_id)
    assert "The question bank changed at Round two" in texts(at)
    table = next(d.value for d in at.dataframe if "Round" in d.value.columns and "Now" in d.value.columns)
    shared = table.loc[table["Domain"] == "Shared purpose", "Now"].tolist()
    assert shared == ["2.00", "3.00 ▲ 1.00"]
