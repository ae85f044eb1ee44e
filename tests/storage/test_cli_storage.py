"""The command line against a real database: set-up commands, scores as JSON, and refusals."""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import Engine, select

from assessment.answers import Answer
from assessment.cli import build_parser
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry
from tests.storage.cli_helpers import run, url
from tests.storage.counts import table_counts


def every_command(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(every_command(sub, (*prefix, name)))
    return found


COMMANDS = every_command(build_parser())


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_answers_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert out.startswith("usage: python -m assessment " + " ".join(command))


def test_the_set_up_commands_create_a_workshop_that_lists_as_json(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    db = url(engine)
    assert run(capsys, "cohort", "create", "North", "--db", db)[0] == 0
    assert (
        run(
            capsys, "partnership", "create", "Riverside ICS", "--cohort", "North", "--kind", "ics", "--db", db
        )[0]
        == 0
    )
    code, _, err = run(
        capsys,
        "partnership",
        "create",
        "Northam",
        "--cohort",
        "North",
        "--kind",
        "place",
        "--parent",
        "Riverside ICS",
        "--db",
        db,
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        "workshop",
        "create",
        "--partnership",
        "Northam",
        "--title",
        "Spring",
        "--date",
        "2026-04-01",
        "--round",
        "R2",
        "--domains",
        "shared-purpose,mind-the-gaps",
        "--db",
        db,
    )
    assert code == 0, err
    join_code = out.strip()
    assert len(join_code) == 8
    code, out, _ = run(capsys, "workshop", "list", "--json", "--db", db)
    (listed,) = json.loads(out)
    assert listed == {
        "join_code": join_code,
        "title": "Spring",
        "date": "2026-04-01",
        "round": "R2",
        "status": "draft",
        "revealed": False,
        "partnership": "Northam",
        "cohort": "North",
        "respondents": 0,
    }


def test_opening_closing_and_revealing_are_recorded_in_the_audit_log(
    engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with transaction(engine) as session:
        code = workshop_info(session=session, workshop_id=workshop_id).join_code
    for action in ("open", "close", "reveal"):
        assert run(capsys, "workshop", action, code, "--db", url(engine))[0] == 0
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert (info.status, info.revealed) == ("closed", True)
    assert actions == ["workshop.open", "workshop.closed", "workshop.reveal"]


def test_scores_json_matches_a_hand_checked_workshop(
    engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # four people on shared-purpose-stated: currents 1,2,2,4 and targets 3,3,4,4
    # -> median 2, target 3.5, gap 1.5, q1 1.75, q3 2.5, split (one in four is 2 away)
    plan = [("nhs-trust", 1, 3), ("nhs-trust", 2, 3), ("vcse", 2, 4), ("nhs-trust", 4, 4)]
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for sector, current, target in plan:
            person = add_participant(session=session, workshop_id=workshop_id, sector=sector)
            save_answer(
                session=session,
                participant_id=person.id,
                bank=bank,
                answer=Answer(item_id="shared-purpose-stated", current=current, target=target),
            )
            submit_participant(session=session, participant_id=person.id)
    code, out, err = run(capsys, "scores", "--workshop", info.join_code, "--json", "--db", url(engine))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["respondents"] == 4
    item = next(i for i in doc["items"] if i["id"] == "shared-purpose-stated")
    assert (item["current"], item["target"], item["gap"], item["iqr"], item["split"]) == (
        2.0,
        3.5,
        1.5,
        0.75,
        True,
    )
    assert (item["n"], item["dont_know"], item["domain"], item["type"]) == (
        4,
        0,
        "shared-purpose",
        "maturity",
    )
    domain = next(d for d in doc["domains"] if d["id"] == "shared-purpose")
    assert (domain["current"], domain["target"], domain["gap"], domain["n"]) == (2.0, 3.5, 1.5, 4)
    assert doc["overall"] == {"current": 2.0, "target": 3.5, "gap": 1.5}
    # an item nobody answered is withheld: null, not zero
    other = next(i for i in doc["items"] if i["id"] != "shared-purpose-stated")
    assert other["current"] is None and other["withheld"] is True
    # the VCSE has one respondent: withheld as a sector, shown as a head count
    vcse = next(s for s in doc["sectors"] if s["sector"] == "vcse")
    assert vcse["n"] == 1 and vcse["withheld"] is True
    assert all(d["current"] is None for d in vcse["domains"])
    trust = next(s for s in doc["sectors"] if s["sector"] == "nhs-trust")
    assert next(d for d in trust["domains"] if d["id"] == "shared-purpose")["current"] == 2.0
    assert doc["perception_gaps"] == []  # only one sector is shown
    assert {s["id"] for s in doc["spectrum"]} and all(s["now"] is None for s in doc["spectrum"])
    assert doc["accountability"][0]["functions"][0]["modal_tier"] is None


def test_scores_prints_withheld_in_words_when_every_answer_is_dont_know_or_unclear(
    engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        tiers = next(item for _, item in bank.iter_items() if item.type == "accountability")
        for _ in range(3):
            person = add_participant(session=session, workshop_id=workshop_id, sector="nhs-trust")
            for answer in (
                Answer(item_id="shared-purpose-stated", dont_know=True),
                Answer(item_id=tiers.id, tiers={f.id: "unclear" for f in tiers.functions}),
            ):
                save_answer(session=session, participant_id=person.id, bank=bank, answer=answer)
            submit_participant(session=session, participant_id=person.id)
    code, out, err = run(capsys, "scores", "--workshop", info.join_code, "--db", url(engine))
    assert code == 0, err
    assert "overall: withheld" in out and "Traceback" not in err
    code, out, err = run(capsys, "scores", "--workshop", info.join_code, "--json", "--db", url(engine))
    assert code == 0, err
    doc = json.loads(out)  # strict JSON: no NaN anywhere
    assert doc["overall"]["current"] is None and doc["overall_domains"] == 0
    assert all(f["modal_tier"] is None and f["clarity"] == 0.0 for f in doc["accountability"][0]["functions"])


BAD = {
    "unknown workshop code": (
        ["scores", "--workshop", "ZZZZZZZZ", "--json"],
        "there is no workshop with the code",
    ),
    "unknown cohort": (
        ["partnership", "create", "X", "--cohort", "Nope", "--kind", "ics"],
        "there is no cohort called 'Nope'",
    ),
    "impossible date": (
        ["workshop", "create", "--partnership", "Riverside ICS", "--title", "T", "--date", "2026-02-30"],
        "--date must be a date as YYYY-MM-DD",
    ),
    "unknown domain": (
        [
            "workshop",
            "create",
            "--partnership",
            "Riverside ICS",
            "--title",
            "T",
            "--date",
            "2026-02-01",
            "--domains",
            "nope",
        ],
        "unknown domain(s) nope",
    ),
    "duplicate cohort": (["cohort", "create", "North cohort"], "already exists"),
    "unknown partnership kind": (
        ["partnership", "create", "X", "--cohort", "North cohort", "--kind", "club"],
        "invalid choice",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_exits_2_with_a_plain_message_and_changes_nothing(
    case: str, engine: Engine, workshop_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, words = BAD[case]
    with transaction(engine) as session:
        before = table_counts(session=session)
    code, _, err = run(capsys, *argv, "--db", url(engine))
    assert code == 2
    assert words in err and "Traceback" not in err
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_an_unreachable_database_exits_1_with_a_plain_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "init", "--db", "postgresql+psycopg://nobody:wrong@127.0.0.1:9/none")
    assert code == 1
    assert "cannot use the database" in err and "Traceback" not in err
