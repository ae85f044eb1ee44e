"""A participant withdraws their answers by their resume link, until the team picture is revealed:
everything they gave goes, the audit log keeps who it was and never what they answered, and a
reveal at the same moment either comes first (refused) or shows the team without them."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select

from assessment.answers import Answer, AnswerChange
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    set_workshop_state,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry, Participant, Response
from assessment.errors import Invalid, NotFound, Refused
from assessment.results import score_stored_workshop
from assessment.services import Actor
from assessment.services.participants import participant_session, submit, withdraw
from assessment.services.participants import save_answer as save_by_token
from assessment.services.workshops import take_step
from tests.storage.conftest import Facilitators, audit_entries

ITEMS = ["shared-purpose-stated", "shared-purpose-why-before-how"]
OPERATOR = Actor.operator()


def joined(
    engine: Engine, workshop_id: int, *, submitted: bool = True, name: str | None = None, sector: str = "vcse"
) -> str:
    """A participant with two answers (one with a comment); their resume token."""
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(
            session=session, workshop_id=workshop_id, sector=sector, role="Ward sister", display_name=name
        )
        for item_id in ITEMS:
            answer = Answer(item_id=item_id, current=2, target=3, comment="something only I would say")
            save_answer(session=session, participant_id=person.id, answer=answer, bank=bank)
        if submitted:
            submit_participant(session=session, participant_id=person.id)
    return person.resume_token


def counts(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Participant)) or 0),
            int(session.scalar(select(func.count()).select_from(Response)) or 0),
        )


def set_state(engine: Engine, workshop_id: int, *, status: str, revealed: bool | None = None) -> None:
    with transaction(engine) as session:
        set_workshop_state(
            session=session, workshop_id=workshop_id, actor="t", status=status, revealed=revealed
        )


def test_a_submitted_participant_withdraws_and_everything_they_gave_is_gone(
    engine: Engine, workshop_id: int
) -> None:
    set_state(engine, workshop_id, status="open")
    kept = joined(engine, workshop_id)
    leaving = joined(engine, workshop_id, name="Ada Lovelace", sector="nhs-trust")
    assert counts(engine) == (2, 4)
    person = withdraw(engine=engine, token=leaving)
    assert (person.label, person.sector, person.answered, person.submitted) == ("P02", "nhs-trust", 2, True)
    assert counts(engine) == (1, 2)
    participant_session(engine=engine, token=kept)  # the other participant is untouched
    with pytest.raises(NotFound):
        participant_session(engine=engine, token=leaving)
    with pytest.raises(Refused):
        save_by_token(
            engine=engine, token=leaving, change=AnswerChange(item_id=ITEMS[0], parts={"current": 1}, stamp=1)
        )
    [entry] = audit_entries(engine, "participant.withdrew")
    assert entry.detail == {"label": "P02", "sector": "nhs-trust", "answered": 2, "submitted": True}
    with transaction(engine) as session:
        logged = " ".join(str(e.detail) for e in session.scalars(select(AuditEntry)))
    assert "something only I would say" not in logged and "Ada Lovelace" not in logged
    assert "Ward sister" not in logged


def test_withdrawing_is_allowed_after_answering_closes_until_the_reveal(
    engine: Engine, workshop_id: int
) -> None:
    set_state(engine, workshop_id, status="open")
    tokens = [joined(engine, workshop_id) for _ in range(4)]
    set_state(engine, workshop_id, status="closed")
    withdraw(engine=engine, token=tokens[0])
    with transaction(engine) as session:
        scored = score_stored_workshop(session=session, workshop_id=workshop_id)
    assert scored.answers["participant"].nunique() == 3


def test_after_the_reveal_withdrawing_is_refused_and_nothing_changes(
    engine: Engine, workshop_id: int
) -> None:
    set_state(engine, workshop_id, status="open")
    token = joined(engine, workshop_id, submitted=False)
    set_state(engine, workshop_id, status="closed")
    take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="reveal")
    with pytest.raises(Invalid, match="can no longer be withdrawn"):
        withdraw(engine=engine, token=token)
    # hidden again: the room has still seen the picture with them in it
    take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="hide")
    with pytest.raises(Invalid, match="can no longer be withdrawn"):
        withdraw(engine=engine, token=token)
    assert counts(engine) == (1, 2)
    assert audit_entries(engine, "participant.withdrew") == []


def test_a_link_that_names_nobody_withdraws_nothing(engine: Engine, workshop_id: int) -> None:
    set_state(engine, workshop_id, status="open")
    token = joined(engine, workshop_id)
    withdraw(engine=engine, token=token)
    for wrong in (token, "not-a-token", "x" * 200):
        with pytest.raises(NotFound):
            withdraw(engine=engine, token=wrong)


def test_a_withdrawal_racing_the_reveal_is_either_refused_or_left_out_of_the_picture(
    engine: Engine, facilitators: Facilitators
) -> None:
    """Withdraw and reveal pressed at the same moment, many times: either the withdrawal is refused
    and the person is in the revealed figures, or they are gone before the reveal was recorded."""
    owner = facilitators.account("owner@riverside.nhs.uk")
    for attempt in range(8):
        workshop_id = facilitators.workshop(owner, cohort=f"Race {attempt}", partnership=f"Place {attempt}")
        set_state(engine, workshop_id, status="open")
        token = joined(engine, workshop_id)
        set_state(engine, workshop_id, status="closed")
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def leave(
            token: str = token, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            try:
                withdraw(engine=engine, token=token)
                outcome["withdrawn"] = True
            except Invalid:
                outcome["withdrawn"] = False

        def reveal(
            workshop_id: int = workshop_id,
            start: threading.Barrier = start,
            outcome: dict[str, object] = outcome,
        ) -> None:
            start.wait()
            take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="reveal")
            # what the room sees at once after the reveal
            with transaction(engine) as session:
                outcome["revealed"] = score_stored_workshop(session=session, workshop_id=workshop_id).joined

        threads = [threading.Thread(target=leave), threading.Thread(target=reveal)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert set(outcome) == {"withdrawn", "revealed"}, "a thread raised something unexpected"
        with transaction(engine) as session:
            still_there = session.scalar(
                select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
            )
        # withdrawn: gone before the room saw the picture; refused: in the picture, and kept
        assert still_there == (0 if outcome["withdrawn"] else 1)
        assert outcome["revealed"] == still_there


def test_a_reveal_pressed_while_a_withdrawal_is_being_made_waits_for_it(
    engine: Engine, workshop_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The withdrawal has checked the rule and is slow to delete; the reveal comes meanwhile. It
    must wait for the withdrawal to finish, so the room never sees a picture that then changes."""
    import assessment.services.participants as participants

    set_state(engine, workshop_id, status="open")
    tokens = [joined(engine, workshop_id) for _ in range(4)]
    set_state(engine, workshop_id, status="closed")
    checked = threading.Event()
    deleting = participants.delete_participant

    def slow_delete(**kwargs: object) -> object:
        checked.set()
        time.sleep(0.5)
        return deleting(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(participants, "delete_participant", slow_delete)
    seen: dict[str, int | None] = {}

    def reveal() -> None:
        checked.wait(10)
        take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="reveal")
        with transaction(engine) as session:
            seen["joined"] = score_stored_workshop(session=session, workshop_id=workshop_id).joined

    revealing = threading.Thread(target=reveal)
    revealing.start()
    withdraw(engine=engine, token=tokens[0])
    revealing.join(30)
    assert seen == {"joined": 3}
    with pytest.raises(Invalid, match="can no longer be withdrawn"):
        withdraw(engine=engine, token=tokens[1])


def test_a_save_from_a_tab_that_looked_the_person_up_before_they_withdrew_is_refused_and_leaves_nothing(
    engine: Engine, workshop_id: int
) -> None:
    """The answering page keeps who its token names between saves; a second tab withdraws. The first
    tab's next save must not bring a withdrawn person's answer back as an orphan row."""
    set_state(engine, workshop_id, status="open")
    token = joined(engine, workshop_id, submitted=False)
    change = AnswerChange(item_id=ITEMS[0], parts={"current": 4, "target": 4}, stamp=time.time_ns())
    save_by_token(engine=engine, token=token, change=change)  # the page has looked the person up
    withdraw(engine=engine, token=token)
    later = AnswerChange(item_id=ITEMS[1], parts={"current": 1, "target": 1}, stamp=time.time_ns())
    with pytest.raises(Refused):
        save_by_token(engine=engine, token=token, change=later)
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize("rival", ["save", "submit"])
def test_a_withdrawal_racing_a_save_or_a_submit_leaves_nothing_of_the_person_and_no_error_unexplained(
    engine: Engine, facilitators: Facilitators, rival: str
) -> None:
    """Withdraw in one tab, save or submit in another, at the same moment, many times: the rival
    either lands before the withdrawal (and goes with it) or is refused in words; never a
    database error, and never a row of the person left behind."""
    owner = facilitators.account("owner@riverside.nhs.uk")
    for attempt in range(8):
        workshop_id = facilitators.workshop(owner, cohort=f"Race {attempt}", partnership=f"Place {attempt}")
        set_state(engine, workshop_id, status="open")
        token = joined(engine, workshop_id, submitted=False)
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def leave(
            token: str = token, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            withdraw(engine=engine, token=token)
            outcome["withdrawn"] = True

        def act(
            token: str = token, start: threading.Barrier = start, outcome: dict[str, object] = outcome
        ) -> None:
            start.wait()
            try:
                if rival == "save":
                    change = AnswerChange(item_id=ITEMS[1], parts={"current": 1}, stamp=time.time_ns())
                    save_by_token(engine=engine, token=token, change=change)
                else:
                    submit(engine=engine, token=token)
                outcome["rival"] = "landed"
            except Refused as refused:
                assert str(refused), "a refusal must say why"
                outcome["rival"] = "refused"

        threads = [threading.Thread(target=leave), threading.Thread(target=act)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert outcome.get("withdrawn") is True and outcome.get("rival") in {"landed", "refused"}, outcome
        with transaction(engine) as session:
            left = session.scalar(
                select(func.count())
                .select_from(Response)
                .join(Participant, Participant.id == Response.participant_id, isouter=True)
                .where((Participant.workshop_id == workshop_id) | Participant.id.is_(None))
            )
            people = session.scalar(
                select(func.count()).select_from(Participant).where(Participant.workshop_id == workshop_id)
            )
        assert (people, left) == (0, 0)
