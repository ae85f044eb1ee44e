"""The re-rate round on SQLite and PostgreSQL: opened after the reveal on shown questions, answered by
resume link beside the first answers (never over them), finished, and read as convergence."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assessment.db import (
    add_participant,
    create_cohort,
    create_partnership,
    participant_stored_answers,
    rerate_answers,
    rerate_round,
    transaction,
    workshop_info,
)
from assessment.db.rerate import RerateAnswer
from assessment.db.tables import Participant
from assessment.errors import Forbidden, Invalid, Refused
from assessment.framework import parse_bank
from assessment.lifecycle import Step
from assessment.results import score_stored_workshop, scores_document
from assessment.services import Actor
from assessment.services.rerate import (
    finish_rerate,
    open_rerate,
    participant_rerate,
    rerate_choices,
    rerate_open,
    save_rerate,
)
from assessment.services.workshops import take_step
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import SHIPPED_BANK_TEXT, Facilitators, add_round, audit_entries
from tests.storage.counts import table_counts

OPERATOR = Actor.operator("test")
# five people: currents 1, 2, 2, 4, 4 (split); a sixth answers don't know
LEVELS: list[tuple[int, int] | None] = [(1, 3), (2, 3), (2, 3), (4, 4), (4, 4), None]


BANK = parse_bank(SHIPPED_BANK_TEXT)
DOMAIN = BANK.domains[0]
ITEM, WITHHELD_ITEM = DOMAIN.items[0].id, DOMAIN.items[1].id


def _revealed_round(engine: Engine) -> tuple[int, str, list[str]]:
    """A revealed workshop where six people answered the bank's first question; (id, item, tokens)."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="North cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Riverside ICS", kind="ics")
    item = ITEM
    workshop_id = add_round(
        engine, partnership=partnership, label="R1", held_on=date(2026, 3, 1), answers={item: LEVELS}
    )
    with transaction(engine) as session:
        tokens = list(
            session.scalars(
                select(Participant.resume_token)
                .where(Participant.workshop_id == workshop_id)
                .order_by(Participant.id)
            )
        )
    steps: tuple[Step, ...] = ("open", "close", "reveal")
    for step in steps:
        take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step=step)
    return workshop_id, item, tokens


def test_a_re_rate_is_refused_before_the_reveal_and_on_a_withheld_question(engine: Engine) -> None:
    workshop_id, item, _ = _revealed_round(engine)
    take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="hide")
    with transaction(engine) as session:
        before = table_counts(session=session)
    with pytest.raises(Invalid, match="reveal the results first"):
        open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[item])
    take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="reveal")
    choices = rerate_choices(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    assert [c.item_id for c in choices] == [item]  # nobody rated the others: withheld, not offered
    with pytest.raises(Invalid, match="only questions whose first-round figures the results show"):
        open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[WITHHELD_ITEM])
    with pytest.raises(Invalid, match="Choose at least one"):
        open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    with transaction(engine) as session:
        assert table_counts(session=session)["rerate_rounds"] == before["rerate_rounds"] == 0


def test_people_re_rate_beside_their_first_answers_and_the_team_converges(engine: Engine) -> None:
    workshop_id, item, tokens = _revealed_round(engine)
    domain = DOMAIN.id
    assert not rerate_open(engine=engine, token=tokens[0])
    with pytest.raises(Forbidden, match="No re-rate is open"):
        save_rerate(engine=engine, token=tokens[3], item_id=item, current=2, target=4)
    opened = open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, domains=[domain])
    assert opened.item_ids == (item,)
    assert [e.target for e in audit_entries(engine, "rerate.open")] == [
        workshop_info_code(engine, workshop_id)
    ]
    assert rerate_open(engine=engine, token=tokens[0])

    seen = participant_rerate(engine=engine, token=tokens[3])
    (question,) = seen.questions
    assert (question.first_current, question.saved) == (4, None)
    assert not question.team.withheld and sum(c.count for c in question.team.now) == 5

    # two change towards the team, the last change winning; one keeps theirs with a reason
    save_rerate(engine=engine, token=tokens[3], item_id=item, current=3, target=4)
    saved = save_rerate(
        engine=engine, token=tokens[3], item_id=item, current=2, target=4, reason="  <b>heard</b> "
    )
    assert (saved.current, saved.reason) == (2, "<b>heard</b>")
    save_rerate(engine=engine, token=tokens[4], item_id=item, current=3, target=4)
    save_rerate(engine=engine, token=tokens[1], item_id=item, current=2, target=3, reason="as before")
    with pytest.raises(Invalid, match=r"don.t know"):
        save_rerate(engine=engine, token=tokens[5], item_id=item, current=2, target=3)
    with pytest.raises(Invalid, match=r"at most|500"):
        save_rerate(engine=engine, token=tokens[1], item_id=item, current=2, target=3, reason="x" * 501)
    with pytest.raises(Invalid, match="from 1 to"):
        save_rerate(engine=engine, token=tokens[1], item_id=item, current=9, target=3)

    with transaction(engine) as session:
        # first answers are never touched
        first = participant_stored_answers(session=session, participant_id=_pid(session, tokens[3]))[item]
        assert (first.answer.current, first.answer.target) == (4, 4)
        assert len(rerate_answers(session=session, workshop_id=workshop_id)) == 3
        scored = score_stored_workshop(session=session, workshop_id=workshop_id)
    assert scored.rerate is not None
    (converged,) = scored.rerate.questions
    assert converged.outcome == "converged" and converged.first.iqr == 2.0 and converged.rerate.iqr == 0.0
    document = scores_document(scored)
    assert document["rerate"]["questions"][0]["first"]["iqr"] == 2.0
    assert document["rerate"]["questions"][0]["rerate"]["iqr"] == 0.0
    assert document["rerate"]["overall"]["converged"] == 1

    finish_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    assert [e.action for e in audit_entries(engine, "rerate.finish")] == ["rerate.finish"]
    with pytest.raises(Forbidden, match="No re-rate is open"):
        save_rerate(engine=engine, token=tokens[0], item_id=item, current=2, target=3)
    with pytest.raises(Refused, match="re-rate round already"):
        open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[item])
    # the results can be hidden and shown again, but answering never opens after a re-rate
    take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="hide")
    with pytest.raises(Refused, match="first answers cannot change"):
        take_step(engine=engine, actor=OPERATOR, workshop_id=workshop_id, step="open")
    with transaction(engine) as session:
        found = rerate_round(session=session, workshop_id=workshop_id)
    assert found is not None and found.closed_at is not None


def test_someone_who_did_not_submit_cannot_re_rate_and_their_re_rate_would_not_count(engine: Engine) -> None:
    workshop_id, item, _ = _revealed_round(engine)
    with transaction(engine) as session:
        late = add_participant(session=session, workshop_id=workshop_id, sector="vcse")
    open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[item])
    with pytest.raises(Forbidden, match="submitted"):
        participant_rerate(engine=engine, token=late.resume_token)
    with pytest.raises(Forbidden, match="submitted"):
        save_rerate(engine=engine, token=late.resume_token, item_id=item, current=2, target=2)


def test_a_facilitator_cannot_open_a_re_rate_on_a_workshop_they_cannot_see(
    engine: Engine, facilitators: Facilitators
) -> None:
    owner = facilitators.account("owner@nhs.net")
    other = facilitators.account("other@nhs.net")
    workshop_id = facilitators.workshop(owner, cohort="Own", partnership="Kestrel ICS")
    with pytest.raises(Refused):
        open_rerate(engine=engine, actor=Actor.facilitator(other), workshop_id=workshop_id, item_ids=["x"])
    with pytest.raises(Refused, match="reveal the results first"):
        open_rerate(engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop_id, item_ids=["x"])


def workshop_info_code(engine: Engine, workshop_id: int) -> str:
    with transaction(engine) as session:
        return workshop_info(session=session, workshop_id=workshop_id).join_code


def _pid(session: Session, token: str) -> int:
    return int(session.scalar(select(Participant.id).where(Participant.resume_token == token)) or 0)


def test_the_scores_command_prints_both_rounds_as_json_and_the_outcome_in_words(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    workshop_id, item, tokens = _revealed_round(engine)
    code = workshop_info_code(engine, workshop_id)
    _, out, _ = run(capsys, "scores", "--workshop", code, "--json", "--db", url(engine))
    assert json.loads(out)["rerate"] is None  # no re-rate opened: the key is there, empty
    open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[item])
    save_rerate(engine=engine, token=tokens[0], item_id=item, current=2, target=3)
    exit_code, out, err = run(capsys, "scores", "--workshop", code, "--json", "--db", url(engine))
    assert exit_code == 0, err
    document = json.loads(out)
    assert document["items"] and document["domains"]  # every key it had is still there
    question = document["rerate"]["questions"][0]
    assert question["id"] == item and question["first"]["current"] == 2.0 and question["rerate"]["n"] == 5
    assert document["rerate"]["open"] is True
    _, out, _ = run(capsys, "scores", "--workshop", code, "--db", url(engine))
    assert "re-rate (open): converged on" in out


def test_saves_racing_the_finish_either_land_before_it_or_are_refused_never_after_it(engine: Engine) -> None:
    workshop_id, item, tokens = _revealed_round(engine)
    open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[item])
    rated = tokens[:5]  # the sixth answered don't know
    start = threading.Barrier(len(rated) + 1)
    outcomes: list[str] = []

    def save(token: str) -> None:
        start.wait()
        for level in (1, 2, 3, 2):
            try:
                save_rerate(engine=engine, token=token, item_id=item, current=level, target=4)
            except Forbidden:
                outcomes.append("refused")
                return
        outcomes.append("saved")

    def finish() -> None:
        start.wait()
        finish_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
        outcomes.append("finished")

    threads = [threading.Thread(target=save, args=(t,)) for t in rated] + [threading.Thread(target=finish)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) <= {"finished", "refused", "saved"} and "finished" in outcomes
    assert len(outcomes) == len(threads), "a save or the finish failed with an error"
    with transaction(engine) as session:
        found = rerate_round(session=session, workshop_id=workshop_id)
        latest = session.scalar(select(func.max(RerateAnswer.answered_at)))
    assert found is not None and found.closed_at is not None
    assert latest is None or _aware(latest) <= _aware(found.closed_at)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
