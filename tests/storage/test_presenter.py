"""The slide on show is held in the database, on SQLite and PostgreSQL: it outlives the engine
(a reload, a restart, another replica), steps from any device, and only ever names a slide the
workshop has now."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.cohort_admin import create_own_cohort
from assessment.db import (
    add_participant,
    bank_for_version,
    create_partnership,
    create_workshop,
    make_engine,
    save_answer,
    set_workshop_state,
    shown_slide,
    store_bank_version,
    submit_participant,
    transaction,
    workshop_info,
    workshop_people,
)
from assessment.db.admin import delete_partnership_rows
from assessment.errors import Invalid, NotFound
from assessment.services import Actor, presenter
from assessment.slides import DomainSlide, JoinSlide, OverallSlide
from tests.storage.conftest import SHIPPED_BANK_TEXT, add_round

OPERATOR = Actor.operator()


def reveal(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop_id, actor="t", status="closed")
        set_workshop_state(session=session, workshop_id=workshop_id, actor="t", revealed=True)


@pytest.fixture
def revealed(engine: Engine, workshop_id: int) -> int:
    reveal(engine, workshop_id)
    return workshop_id


def stored(engine: Engine, workshop_id: int) -> str | None:
    with transaction(engine) as session:
        found = shown_slide(session=session, workshop_id=workshop_id)
    return None if found is None else found.slide


def test_the_slide_on_show_is_held_and_survives_a_new_engine(engine: Engine, revealed: int) -> None:
    presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, step=1)
    presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, step=1)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    again = make_engine(url)  # a restarted server, or another replica
    try:
        deck = presenter.deck(engine=again, actor=OPERATOR, workshop_id=revealed)
        assert deck.on_show.key == "domain:dual-purpose-design" and deck.where == "Slide 3 of 18"
        assert stored(again, revealed) == "domain:dual-purpose-design"
    finally:
        again.dispose()


def test_two_devices_stepping_each_move_the_slide_on(engine: Engine, revealed: int) -> None:
    first = presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, step=1)
    second = presenter.move_slide(
        engine=engine, actor=Actor.operator("projector"), workshop_id=revealed, step=1
    )
    assert (first.at, second.at) == (1, 2)
    back = presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, step=-1)
    assert back.on_show.key == "domain:shared-purpose"


def test_a_slide_can_be_shown_by_name_and_a_name_that_is_not_one_of_its_slides_is_refused(
    engine: Engine, revealed: int
) -> None:
    deck = presenter.show_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, slide="spectrum")
    assert deck.on_show.title == "Spectrum positions"
    for wrong in ("domain:nowhere", "join", "", "x" * 500):
        with pytest.raises(Invalid, match="not one of this workshop's slides"):
            presenter.show_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, slide=wrong)
    with pytest.raises(Invalid):
        presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=revealed, step=2)
    assert stored(engine, revealed) == "spectrum"


def test_before_the_reveal_no_result_slide_can_be_put_on_show(engine: Engine, workshop_id: int) -> None:
    with pytest.raises(Invalid, match="not revealed yet"):
        presenter.show_slide(engine=engine, actor=OPERATOR, workshop_id=workshop_id, slide="overall")
    assert stored(engine, workshop_id) is None
    shown = presenter.projected(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    assert isinstance(shown.slide, JoinSlide) and shown.slide.join_code == ""  # a draft: no code yet


def test_the_projector_reads_the_slide_on_show_built_from_the_answers(engine: Engine) -> None:
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=_facilitator(engine), name="Mine")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="R1",
        held_on=date(2026, 3, 1),
        answers={"shared-purpose-stated": [(1, 3), (2, 3), (2, 4), (4, 4)]},
        domains=["shared-purpose"],
    )
    reveal(engine, workshop)
    first = presenter.projected(engine=engine, actor=OPERATOR, workshop_id=workshop)
    assert isinstance(first.slide, OverallSlide) and first.slide.respondents == 4
    presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=workshop, step=1)
    assert presenter.projector_stamp(engine=engine, actor=OPERATOR, workshop_id=workshop) != first.stamp
    shown = presenter.projected(engine=engine, actor=OPERATOR, workshop_id=workshop)
    assert isinstance(shown.slide, DomainSlide)
    stated = shown.slide.questions[0]
    assert [c.count for c in stated.now] == [1, 2, 0, 1] and [c.count for c in stated.target] == [0, 0, 2, 2]
    assert all(q.withheld for q in shown.slide.questions[1:])  # nobody rated the others


def _facilitator(engine: Engine, email: str = "owner@nhs.net") -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password="a long passphrase", actor="t")


def test_a_facilitator_who_cannot_see_the_workshop_is_told_it_does_not_exist_and_nothing_changes(
    engine: Engine,
) -> None:
    owner, stranger = _facilitator(engine), _facilitator(engine, "stranger@nhs.net")
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=owner, name="Private")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Hidden ICS", kind="ics")
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Hidden round",
            held_on=date(2026, 3, 1),
        ).id
    reveal(engine, workshop)
    actor = Actor.facilitator(stranger)
    for call in (
        lambda: presenter.deck(engine=engine, actor=actor, workshop_id=workshop),
        lambda: presenter.move_slide(engine=engine, actor=actor, workshop_id=workshop, step=1),
        lambda: presenter.show_slide(engine=engine, actor=actor, workshop_id=workshop, slide="spectrum"),
        lambda: presenter.projected(engine=engine, actor=actor, workshop_id=workshop),
        lambda: presenter.projector_stamp(engine=engine, actor=actor, workshop_id=workshop),
    ):
        with pytest.raises(NotFound):
            call()
    assert stored(engine, workshop) is None
    presenter.move_slide(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop, step=1)
    assert stored(engine, workshop) == "domain:shared-purpose"


def test_deleting_a_partnership_takes_its_workshops_slides_with_it(engine: Engine) -> None:
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=_facilitator(engine), name="Mine")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Gone ICS", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="R1",
        held_on=date(2026, 3, 1),
        answers={"shared-purpose-stated": [(1, 2)]},
    )
    reveal(engine, workshop)
    presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=workshop, step=1)
    with transaction(engine) as session:
        delete_partnership_rows(session=session, partnership_id=partnership, workshop_ids=[workshop])
    assert stored(engine, workshop) is None


def test_while_the_room_answers_the_projector_redraws_for_a_join_or_a_submission_not_every_answer(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=_facilitator(engine), name="Mine")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="R1",
        held_on=date(2026, 3, 1),
        answers={"shared-purpose-stated": [(1, 2)]},
    )

    def stamp() -> str:
        return presenter.projector_stamp(engine=engine, actor=OPERATOR, workshop_id=workshop)

    before = stamp()
    with transaction(engine) as session:
        bank = bank_for_version(
            session=session,
            bank_version_id=workshop_info(session=session, workshop_id=workshop).bank_version_id,
        )
        (person,) = [p.id for p in workshop_people(session=session, workshop_id=workshop)]
        save_answer(
            session=session,
            participant_id=person,
            bank=bank,
            answer=Answer(item_id="shared-purpose-why-before-how", current=2, target=3),
        )
    assert stamp() == before
    with transaction(engine) as session:
        newcomer = add_participant(session=session, workshop_id=workshop, sector="vcse").id
    joined = stamp()
    assert joined != before
    with transaction(engine) as session:  # add_round's people have submitted already; the newcomer now does
        submit_participant(session=session, participant_id=newcomer)
    assert stamp() != joined


def test_slides_built_while_answering_was_closed_are_built_again_when_it_reopens_and_answers_change(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        cohort = create_own_cohort(session=session, facilitator_id=_facilitator(engine), name="Mine")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside", kind="ics")
    workshop = add_round(
        engine,
        partnership=partnership,
        label="R1",
        held_on=date(2026, 3, 1),
        answers={"shared-purpose-stated": [(1, 3), (1, 3), (1, 3)]},
        domains=["shared-purpose"],
    )
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop, actor="t", status="closed")
    presenter.projected(engine=engine, actor=OPERATOR, workshop_id=workshop)  # builds the slides, kept
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop, actor="t", status="open")
        bank = bank_for_version(
            session=session,
            bank_version_id=workshop_info(session=session, workshop_id=workshop).bank_version_id,
        )
        first = workshop_people(session=session, workshop_id=workshop)[0].id
        save_answer(
            session=session,
            participant_id=first,
            bank=bank,
            answer=Answer(item_id="shared-purpose-stated", current=4, target=4),
        )
    reveal(engine, workshop)
    presenter.move_slide(engine=engine, actor=OPERATOR, workshop_id=workshop, step=1)
    shown = presenter.projected(engine=engine, actor=OPERATOR, workshop_id=workshop)
    assert isinstance(shown.slide, DomainSlide)
    assert [c.count for c in shown.slide.questions[0].now] == [2, 0, 0, 1]
