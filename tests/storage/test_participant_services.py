"""The participant's services, on SQLite and PostgreSQL: whichever door calls them, joining, saving
and submitting keep the rules the pages show, and a token reaches only its own workshop."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from streamlit.testing.v1 import AppTest

from assessment.answers import AnswerChange
from assessment.db import (
    change_stamp,
    create_cohort,
    create_partnership,
    create_workshop,
    participant_answers,
    set_workshop_state,
    store_bank_version,
    transaction,
    workshop_info,
)
from assessment.errors import Invalid, NotFound, Refused
from assessment.services.participants import (
    SHARED_FREE_TRIES,
    SHARED_HOLD_SECONDS,
    AnsweringClosed,
    StoredAnswer,
    WrongCode,
    join_workshop,
    participant_session,
    results_revealed,
    save_answer,
    submit,
    team_picture,
    workshop_to_join,
)
from tests.conftest import PROJECT_ROOT
from tests.storage.conftest import SHIPPED_BANK_TEXT
from tests.storage.counts import table_counts

ITEM = "shared-purpose-stated"
ADDRESS = "192.0.2.7"


def a_workshop(
    engine: Engine, *, name: str = "Riverside ICS", anonymous: bool = True, status: str = "open"
) -> str:
    """A workshop of its own partnership, in ``status``; returns its join code."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=f"{name} cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name=name, kind="ics")
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT),
            title=f"{name} round",
            held_on=date(2026, 5, 1),
            anonymous=anonymous,
        )
        if status != "draft":
            set_workshop_state(session=session, workshop_id=workshop.id, actor="test", status=status)
    return workshop.join_code


def set_status(engine: Engine, code: str, status: str, *, revealed: bool | None = None) -> None:
    with transaction(engine) as session:
        workshop_id = workshop_info(session=session, join_code=code).id
        set_workshop_state(
            session=session, workshop_id=workshop_id, actor="test", status=status, revealed=revealed
        )


def joined(engine: Engine, code: str, *, role: str = "", display_name: str | None = None) -> str:
    return join_workshop(
        engine=engine, join_code=code, sector="vcse", role=role, display_name=display_name, address=ADDRESS
    )


def levels(current: int, target: int) -> AnswerChange:
    return AnswerChange(item_id=ITEM, parts={"current": current, "target": target}, stamp=change_stamp())


def stored_levels(engine: Engine, token: str) -> tuple[int | None, int | None] | None:
    me = participant_session(engine=engine, token=token)
    with transaction(engine) as session:
        answer = participant_answers(session=session, participant_id=me.participant_id).get(ITEM)
    return None if answer is None else (answer.current, answer.target)


def test_joining_a_workshop_that_records_names_without_a_name_is_refused_and_adds_nothing(
    engine: Engine,
) -> None:
    code = a_workshop(engine, anonymous=False)
    before = table_counts_now(engine)
    for blank in (None, "", "   "):
        with pytest.raises(Invalid, match="this workshop records names"):
            joined(engine, code, display_name=blank)
    assert table_counts_now(engine) == before
    assert participant_session(engine=engine, token=joined(engine, code, display_name=" Ada ")).label == "P01"


def test_a_nul_in_the_role_is_refused_and_adds_nothing(engine: Engine) -> None:
    code = a_workshop(engine)
    before = table_counts_now(engine)
    with pytest.raises(Invalid, match="NUL"):
        joined(engine, code, role="Director\x00of care")
    assert table_counts_now(engine) == before


def test_a_role_longer_than_its_column_is_refused_in_words(engine: Engine) -> None:
    code = a_workshop(engine)
    with pytest.raises(Invalid, match="200 characters"):
        joined(engine, code, role="R" * 201)


def test_a_wrong_code_is_refused_and_only_counted_against_the_address(engine: Engine) -> None:
    a_workshop(engine)
    before = table_counts_now(engine)
    with pytest.raises(WrongCode) as wrong:
        workshop_to_join(engine=engine, join_code="abcd-efgh", address=ADDRESS)
    assert wrong.value.code == "ABCDEFGH" and wrong.value.counted and wrong.value.hold_seconds == 0
    with pytest.raises(WrongCode):
        joined(engine, "ABCDEFGJ")
    after = table_counts_now(engine)
    assert after["participants"] == before["participants"]
    assert after["audit_log"] == before["audit_log"] + 2


def test_a_malformed_code_is_refused_without_touching_the_database(engine: Engine) -> None:
    a_workshop(engine)
    before = table_counts_now(engine)
    for code in ("", "ABC", "A" * 10_000, "ABCDEFG\x00", "ABCDEFGI"):  # I is not in the alphabet
        with pytest.raises(WrongCode) as wrong:
            workshop_to_join(engine=engine, join_code=code, address=ADDRESS)
        assert not wrong.value.counted
    assert table_counts_now(engine) == before


def test_an_address_that_sent_many_wrong_codes_has_each_new_one_held_but_never_the_right_one(
    engine: Engine,
) -> None:
    code = a_workshop(engine)
    for _ in range(SHARED_FREE_TRIES):
        with pytest.raises(WrongCode):
            workshop_to_join(engine=engine, join_code="ABCDEFGH", address=ADDRESS)
    with pytest.raises(WrongCode) as wrong:
        workshop_to_join(engine=engine, join_code="ABCDEFGH", address=ADDRESS)
    assert wrong.value.hold_seconds == SHARED_HOLD_SECONDS
    with pytest.raises(WrongCode) as elsewhere:
        workshop_to_join(engine=engine, join_code="ABCDEFGH", address="198.51.100.1")
    assert elsewhere.value.hold_seconds == 0
    assert workshop_to_join(engine=engine, join_code=code, address=ADDRESS).join_code == code


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_workshop_not_open_takes_no_new_participant(engine: Engine, status: str) -> None:
    code = a_workshop(engine, status=status)
    assert workshop_to_join(engine=engine, join_code=code, address=ADDRESS).status == status
    before = table_counts_now(engine)
    with pytest.raises(Invalid):
        joined(engine, code)
    assert table_counts_now(engine) == before


def test_saving_to_a_closed_workshop_is_refused_and_the_stored_answer_is_unchanged(engine: Engine) -> None:
    code = a_workshop(engine)
    token = joined(engine, code)
    save_answer(engine=engine, token=token, change=levels(1, 2))
    set_status(engine, code, "closed")
    with pytest.raises(AnsweringClosed):
        save_answer(engine=engine, token=token, change=levels(4, 4))
    assert stored_levels(engine, token) == (1, 2)


def test_a_participant_may_change_answers_after_submitting_while_the_workshop_is_open_and_not_after(
    engine: Engine,
) -> None:
    code = a_workshop(engine)
    token = joined(engine, code)
    save_answer(engine=engine, token=token, change=levels(1, 2))
    submit(engine=engine, token=token)
    assert participant_session(engine=engine, token=token).submitted
    save_answer(engine=engine, token=token, change=levels(3, 4))
    submit(engine=engine, token=token)  # again: harmless
    assert stored_levels(engine, token) == (3, 4)
    set_status(engine, code, "closed")
    with pytest.raises(AnsweringClosed):
        save_answer(engine=engine, token=token, change=levels(1, 1))
    with pytest.raises(AnsweringClosed):
        submit(engine=engine, token=token)
    me = participant_session(engine=engine, token=token)
    assert me.submitted and not me.answering
    assert stored_levels(engine, token) == (3, 4)


def test_a_token_of_another_workshop_never_reaches_this_one(engine: Engine) -> None:
    mine, theirs = a_workshop(engine, name="Alpha"), a_workshop(engine, name="Beta")
    my_token, their_token = joined(engine, mine), joined(engine, theirs)
    save_answer(engine=engine, token=their_token, change=levels(4, 4))
    me = participant_session(engine=engine, token=my_token)
    assert me.title == "Alpha round" and me.partnership == "Alpha"
    assert me.stored == {} and me.label == "P01"
    assert stored_levels(engine, their_token) == (4, 4)
    assert participant_session(engine=engine, token=their_token).workshop_id != me.workshop_id


@pytest.mark.parametrize("token", ["", "x", "a" * 10_000, "abc\x00def", "<script>", "../../etc/passwd"])
def test_a_token_we_never_made_names_nobody(engine: Engine, token: str) -> None:
    code = a_workshop(engine)
    real = joined(engine, code)
    for service in (participant_session, results_revealed, team_picture, submit):
        with pytest.raises(NotFound):
            service(engine=engine, token=token)
    with pytest.raises(NotFound):
        save_answer(engine=engine, token=token, change=levels(1, 2))
    with pytest.raises(NotFound):
        save_answer(engine=engine, token=real[:-2] + "xx", change=levels(1, 2))


def test_the_team_picture_is_refused_until_it_is_revealed(engine: Engine) -> None:
    code = a_workshop(engine)
    token = joined(engine, code)
    assert not results_revealed(engine=engine, token=token)
    with pytest.raises(Refused):
        team_picture(engine=engine, token=token)
    set_status(engine, code, "closed", revealed=True)
    assert results_revealed(engine=engine, token=token)
    assert team_picture(engine=engine, token=token).scored.workshop.join_code == code


def table_counts_now(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


def test_an_answer_the_database_could_not_take_is_kept_as_plain_values_and_saved_once_it_can(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assessment.services.participants as service

    token = joined(engine, a_workshop(engine))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/answer.py")
    at.query_params["token"] = token
    at.query_params["step"] = "1"
    at.run()
    saves = service.save_answer_change

    def away(**_: object) -> StoredAnswer:
        raise OperationalError("UPDATE participants", {}, Exception("could not connect to server"))

    monkeypatch.setattr(service, "save_answer_change", away)
    at.radio(key=f"answer_q_{ITEM}_current").set_value(1)
    at.radio(key=f"answer_q_{ITEM}_target").set_value(2).run()
    assert not at.exception, at.exception
    kept = at.session_state["unsaved_writes"]
    assert kept and json.loads(json.dumps(kept)) == kept  # ids, text and numbers: nothing else
    assert any("Not saved, retrying" in w.value for w in at.warning)
    assert stored_levels(engine, token) is None

    monkeypatch.setattr(service, "save_answer_change", saves)  # the database is back
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["unsaved_writes"] == {}
    assert stored_levels(engine, token) == (1, 2)


def test_the_answer_page_reads_a_participant_in_two_statements_with_the_same_figures(engine: Engine) -> None:
    # Every rerun of the answer page calls participant_session: under a busy room each statement
    # is a round trip that queues (issue 18). The bank is cached after its first read.
    from sqlalchemy import event

    code = a_workshop(engine)
    token = joined(engine, code)
    participant_session(engine=engine, token=token)  # the bank parsed and cached
    save_answer(engine=engine, token=token, change=levels(2, 3))
    submit(engine=engine, token=token)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        me = participant_session(engine=engine, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2, statements
    with transaction(engine) as session:
        info = workshop_info(session=session, join_code=code)
    assert (me.workshop_id, me.title, me.partnership, me.status, me.domains) == (
        info.id,
        info.title,
        info.partnership,
        info.status,
        info.domains,
    )
    assert me.submitted and me.revision == 1 and me.stored[ITEM].answer.current == 2
    with pytest.raises(NotFound):
        participant_session(engine=engine, token=token[:-1] + ("A" if token[-1] != "A" else "B"))
