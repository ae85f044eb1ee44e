"""The cohort comparison page: the demo cohort, a 42-partnership cohort, small cohorts, refusals."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    cohort_id,
    create_cohort,
    create_partnership,
    create_workshop,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
)
from assessment.demo import load_demo
from assessment.framework import MaturityItem
from tests.app.conftest import open_as_facilitator
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app


def open_cohort(facilitator_id: int, cohort: int) -> AppTest:
    return open_as_facilitator(facilitator_id, "views/cohorts.py", cohorts_cohort=cohort)


def texts(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in (*at.markdown, *at.info, *at.caption)).replace("\\", "")


def synthetic_cohort(
    engine: Engine, *, partnerships: int, respondents: int, name: str = "National cohort"
) -> int:
    rng = np.random.default_rng(11)
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=name)
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        bank = bank_for_version(session=session, bank_version_id=version)
        items = [i.id for _, i in bank.iter_items() if isinstance(i, MaturityItem)][:12]
        domains = sorted({d.id for d, i in bank.iter_items() if i.id in items})
        for number in range(partnerships):
            partnership = create_partnership(
                session=session, cohort_id=cohort, name=f"Partnership {number:02d}", kind="place"
            )
            workshop = create_workshop(
                session=session,
                partnership_id=partnership,
                bank_version_id=version,
                title="Round 1",
                held_on=date(2026, 6, 1),
                domains=domains,
            )
            for _ in range(respondents):
                who = add_participant(session=session, workshop_id=workshop.id, sector="nhs-trust")
                submit_participant(session=session, participant_id=who.id)  # only submitted answers count
                for item in items:
                    now = int(rng.integers(1, 5))
                    save_answer(
                        session=session,
                        participant_id=who.id,
                        bank=bank,
                        answer=Answer(item_id=item, current=now, target=min(4, now + 1)),
                    )
    return cohort


def test_the_demo_cohort_compares_three_partnerships_with_quartiles(app_db: Engine, facilitator: int) -> None:
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        cohort = cohort_id(session=session, name=summary.cohort)
    at = open_cohort(facilitator, cohort)
    assert "3 of 3 partnerships compared on their latest round." in texts(at)
    assert "without quartiles" not in texts(at)
    heat_table = next(d.value for d in at.dataframe if "Mind the gaps" in d.value.columns)
    assert sorted(heat_table.index) == ["Northam place", "Riverside ICS", "Southbridge place"]
    summary_table = next(d.value for d in at.dataframe if "Lower quartile" in d.value.columns)
    assert len(summary_table) == 14


def test_places_are_compared_with_their_system(app_db: Engine, facilitator: int) -> None:
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        cohort = cohort_id(session=session, name=summary.cohort)
    at = open_cohort(facilitator, cohort)
    differences = next(
        d.value for d in at.dataframe if set(d.value.index) == {"Northam place", "Southbridge place"}
    )
    assert differences.to_numpy().ravel()[0][0] in "+-"


def test_a_cohort_of_42_partnerships_is_compared_at_a_glance(app_db: Engine, facilitator: int) -> None:
    cohort = synthetic_cohort(app_db, partnerships=42, respondents=3)
    at = open_cohort(facilitator, cohort)
    assert "42 of 42 partnerships compared" in texts(at)
    heat_table = next(d.value for d in at.dataframe if len(d.value) == 42)
    assert "withheld" not in heat_table.to_numpy().ravel().tolist()


def test_a_partnership_under_the_threshold_is_withheld_and_two_left_show_no_quartiles(
    app_db: Engine, facilitator: int
) -> None:
    cohort = synthetic_cohort(app_db, partnerships=2, respondents=3, name="Small cohort")
    with transaction(app_db) as session:
        lonely = create_partnership(session=session, cohort_id=cohort, name="Lonely place", kind="place")
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        bank = bank_for_version(session=session, bank_version_id=version)
        workshop = create_workshop(
            session=session,
            partnership_id=lonely,
            bank_version_id=version,
            title="R1",
            held_on=date(2026, 6, 1),
        )
        for _ in range(2):
            who = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
            submit_participant(session=session, participant_id=who.id)  # only submitted answers count
            save_answer(
                session=session,
                participant_id=who.id,
                bank=bank,
                answer=Answer(item_id="shared-purpose-stated", current=1, target=2),
            )
    at = open_cohort(facilitator, cohort)
    assert "2 of 3 partnerships compared" in texts(at) and "1 withheld" in texts(at)
    assert "shown without quartiles" in texts(at)
    heat_table = next(d.value for d in at.dataframe if "Lonely place" in d.value.index)
    assert set(heat_table.loc["Lonely place"]) == {"withheld"}


def test_the_cohort_page_is_refused_without_sign_in(app_db: Engine) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "cohorts.py"), default_timeout=30)
    at.run()
    assert at.warning[0].value == "Sign in to continue."
    assert not at.title


def test_a_facilitator_cannot_open_another_facilitators_cohort(app_db: Engine, facilitator: int) -> None:
    from assessment.auth import create_facilitator
    from assessment.cohort_admin import create_own_cohort

    with transaction(app_db) as session:
        other = create_facilitator(
            session=session, email="other@nhs.net", password="another passphrase", actor="t"
        )
        theirs = create_own_cohort(session=session, facilitator_id=other, name="Someone else's cohort")
    synthetic_cohort(app_db, partnerships=1, respondents=3, name="Team cohort")
    at = open_cohort(facilitator, theirs)  # a forged id in the session
    assert "Someone else's cohort" not in [str(o) for o in at.selectbox[0].options]
    assert at.selectbox[0].value != theirs
    assert "Team cohort" in at.selectbox[0].options[0]


def test_the_admin_page_creates_a_cohort_and_a_partnership(app_db: Engine, facilitator: int) -> None:
    from assessment.cohort_admin import visible_cohorts
    from assessment.db import list_partnerships
    from tests.app.conftest import open_as_facilitator

    at = open_as_facilitator(facilitator, "views/cohort_admin.py")
    next(t for t in at.text_input if t.label == "New cohort").input("My cohort")
    next(b for b in at.button if b.label == "Create cohort").click().run()
    next(t for t in at.text_input if t.label == "New partnership").input("Riverside ICS")
    next(b for b in at.button if b.label == "Add partnership").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        owned = [c for c in visible_cohorts(session=session, facilitator_id=facilitator) if c["owned"]]
        partnerships = list_partnerships(session=session)
    assert [c["name"] for c in owned] == ["My cohort"]
    assert [(p["name"], p["cohort"], p["kind"]) for p in partnerships] == [
        ("Riverside ICS", "My cohort", "ics")
    ]
