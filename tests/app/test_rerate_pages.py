"""The re-rate round on its pages: the facilitator opens it from the Workshops page as the one next
step after the reveal; a participant reaches it from their answers, sees their first answer beside
the team's distribution, keeps or changes it (saved at once, shown as saved), and the results
compare both rounds."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    rerate_answers,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry
from assessment.services import Actor
from assessment.services.rerate import finish_rerate, open_rerate, save_rerate
from tests.app.conftest import make_workshop, open_as_facilitator, open_page

pytestmark = pytest.mark.app

CURRENTS = [1, 2, 2, 4, 4]


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.info, *at.success, *at.caption)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def revealed_workshop(engine: Engine) -> tuple[int, str, list[str]]:
    """Five people answered the first question (1, 2, 2, 4, 4 now) and submitted; the results are
    revealed. (workshop id, the question, their resume tokens)."""
    made = make_workshop(engine, status="open")
    tokens = []
    with transaction(engine) as session:
        workshop = workshop_info(session=session, workshop_id=made.id)
        bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
        item = bank.domain(workshop.domains[0]).items[0].id
        for current in CURRENTS:
            person = add_participant(session=session, workshop_id=made.id, sector="vcse")
            save_answer(
                session=session,
                participant_id=person.id,
                answer=Answer(item_id=item, current=current, target=4),
                bank=bank,
                domains=list(workshop.domains),
            )
            submit_participant(session=session, participant_id=person.id)
            tokens.append(person.resume_token)
        set_workshop_state(session=session, workshop_id=made.id, actor="test", status="closed", revealed=True)
    return made.id, item, tokens


def test_after_the_reveal_opening_the_re_rate_is_the_one_primary_step_and_is_audited(
    app_db: Engine, facilitator: int
) -> None:
    workshop_id, item, _ = revealed_workshop(app_db)
    at = open_as_facilitator(facilitator, "views/workshops.py")
    primary = [b.label for b in at.button if b.proto.type == "primary"]
    assert primary == ["Create workshop", "Open the re-rate"]
    # nothing chosen: refused in words, nothing opened
    next(b for b in at.button if b.label == "Open the re-rate").click().run()
    assert "Choose at least one domain or question" in texts(at)
    at.multiselect(key=f"workshops_rerate_items_{workshop_id}").set_value([item])
    next(b for b in at.button if b.label == "Open the re-rate").click().run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button if b.proto.type == "primary"] == [
        "Create workshop",
        "Finish the re-rate",
    ]
    assert "The re-rate of 1 question is open: 0 of 5 respondents have re-rated" in texts(at)
    next(b for b in at.button if b.label == "Finish the re-rate").click().run()
    assert "has finished" in texts(at)
    with transaction(app_db) as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == f"facilitator:{facilitator}")
        ).all()
    assert actions == ["rerate.open", "rerate.finish"]


def test_a_participant_sees_their_first_answer_beside_the_team_and_keeps_or_changes_it(
    app_db: Engine,
) -> None:
    workshop_id, item, tokens = revealed_workshop(app_db)
    # before a re-rate is open, the page says so and takes nothing
    at = open_page("views/rerate.py", token=tokens[3])
    assert "No re-rate is open" in texts(at)

    open_rerate(engine=app_db, actor=Actor.operator("test"), workshop_id=workshop_id, item_ids=[item])
    answers = open_page("views/answer.py", token=tokens[3])
    assert "Re-rate the chosen questions" in [b.label for b in answers.button if b.proto.type == "primary"]

    at = open_page("views/rerate.py", token=tokens[3])
    said = texts(at)
    assert "Your first answer: **Thriving (4)** now, **Thriving (4)** in a year" in said
    assert "0 of 1 question re-rated" in next(p.proto.text for p in at.get("progress"))
    # the team's distribution with words beside numbers, their own level marked
    assert "| Developing (2) | 2 people | |" in said and "| Thriving (4) | 2 people | ← yours |" in said

    at.button(key=f"rerate_keep_{item}").click().run()
    with transaction(app_db) as session:
        kept = rerate_answers(session=session, workshop_id=workshop_id)
    assert kept[["current", "target"]].values.tolist() == [[4.0, 4.0]]
    assert "Saved: you kept your answer" in texts(at)

    at.radio(key=f"rerate_now_{item}").set_value(3).run()
    at.text_area(key=f"rerate_reason_{item}").set_value("<b>Heard</b> the others").run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        changed = rerate_answers(session=session, workshop_id=workshop_id)
    assert changed[["current", "reason"]].values.tolist() == [[3.0, "<b>Heard</b> the others"]]
    said = texts(at)
    assert "Saved: you changed it to" in said and "<b>Heard</b> the others" in said  # shown as typed, escaped

    finish_rerate(engine=app_db, actor=Actor.operator("test"), workshop_id=workshop_id)
    at = open_page("views/rerate.py", token=tokens[3])
    assert "No re-rate is open" in texts(at)


def test_the_results_compare_both_rounds_in_a_re_rate_tab_only_once_a_re_rate_was_opened(
    app_db: Engine, facilitator: int
) -> None:
    workshop_id, item, tokens = revealed_workshop(app_db)
    at = open_as_facilitator(facilitator, "views/results.py")
    assert "Re-rate" not in [t.label for t in at.tabs]

    open_rerate(engine=app_db, actor=Actor.operator("test"), workshop_id=workshop_id, item_ids=[item])
    for token, level in ((tokens[3], 2), (tokens[4], 3)):  # two move towards the team
        save_rerate(engine=app_db, token=token, item_id=item, current=level, target=4, reason="heard it")
    at = open_as_facilitator(facilitator, "views/results.py")
    tab = next(t for t in at.tabs if t.label == "Re-rate")
    said = "\n".join(str(e.value) for e in (*tab.markdown, *tab.caption, *tab.info)).replace("\\", "")
    assert "The re-rate is open" in said
    assert "The team converged on 1 of 1 question re-rated" in said
    assert "2 of 5 respondents re-rated at least one question" in said
    questions = next(d.value for d in tab.dataframe if "Spread (IQR), first" in d.value.columns)
    row = questions.iloc[0]
    assert (row["Spread (IQR), first"], row["Spread (IQR), re-rate"]) == ("2.00", "0.00")
    assert (row["Within one level, first"], row["Within one level, re-rate"]) == ("60%", "100%")
    assert (row["First"], row["Re-rate"], row["Outcome"]) == ("split", "agreement", "converged")
    domains = next(d.value for d in tab.dataframe if "Now, re-rate" in d.value.columns)
    assert domains.iloc[0]["Outcome"] == "converged"


def test_a_tampered_link_on_the_re_rate_page_shows_nothing_of_anyone(app_db: Engine) -> None:
    workshop_id, item, tokens = revealed_workshop(app_db)
    open_rerate(engine=app_db, actor=Actor.operator("test"), workshop_id=workshop_id, item_ids=[item])
    at = open_page("views/rerate.py", token=tokens[0][:-2] + "xx")
    assert "This link is not valid" in texts(at)
    assert not at.radio and not at.button and "people" not in texts(at)
