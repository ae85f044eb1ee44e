"""The CLI end to end: demo then scores, export then import, a bad import refused, bank versions kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from assessment.db import (
    bank_for_version,
    create_workshop,
    partnership_id,
    store_bank_version,
    transaction,
    workshop_answers,
    workshop_info,
)
from tests.conftest import PROJECT_ROOT
from tests.storage.cli_helpers import run, url
from tests.storage.counts import table_counts


def test_demo_then_scores_json_gives_the_medians_of_the_stored_answers(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo", "--db", url(engine))
    assert code == 0, err
    join_code = out.strip().splitlines()[-1].removeprefix("join codes: ").split(", ")[0]
    code, out, err = run(capsys, "scores", "--workshop", join_code, "--json", "--db", url(engine))
    assert code == 0, err
    doc = json.loads(out)
    with transaction(engine) as session:
        info = workshop_info(session=session, join_code=join_code)
        answers, _ = workshop_answers(session=session, workshop_id=info.id)
    rated = answers.loc[~answers["dont_know"]]
    expected = rated.groupby("item_id")[["current", "target"]].median()
    shown = [i for i in doc["items"] if i["current"] is not None]
    assert len(shown) >= 40
    for item in shown:
        assert item["current"] == expected.loc[item["id"], "current"]
        assert item["target"] == expected.loc[item["id"], "target"]
    assert doc["respondents"] == answers["participant"].nunique()
    # running the demo again adds nothing
    with transaction(engine) as session:
        before = table_counts(session=session)
    assert run(capsys, "demo", "--db", url(engine))[0] == 0
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_export_then_import_through_the_cli_copies_every_answer(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "demo", "--db", url(engine))[0] == 0
    with transaction(engine) as session:
        source = workshop_info(session=session, workshop_id=1)
        target = create_workshop(
            session=session,
            partnership_id=source.partnership_id,
            bank_version_id=source.bank_version_id,
            title="Paper copy",
            held_on=date(2026, 10, 1),
        )
    exported = tmp_path / "answers.csv"
    code, _, err = run(
        capsys,
        "export",
        "--workshop",
        source.join_code,
        "--format",
        "csv",
        "--out",
        str(exported),
        "--db",
        url(engine),
    )
    assert code == 0, err
    code, out, err = run(capsys, "import", str(exported), "--workshop", target.join_code, "--db", url(engine))
    assert code == 0, err
    assert out.startswith("imported ")
    with transaction(engine) as session:
        original, original_tiers = workshop_answers(session=session, workshop_id=source.id)
        copied, copied_tiers = workshop_answers(session=session, workshop_id=target.id)
    columns = ["label", "sector", "item_id", "current", "target", "dont_know", "confidence", "comment"]
    pd.testing.assert_frame_equal(
        original[columns].sort_values(["label", "item_id"]).reset_index(drop=True),
        copied[columns].sort_values(["label", "item_id"]).reset_index(drop=True),
    )
    assert len(copied_tiers) == len(original_tiers)


def test_a_bad_import_through_the_cli_lists_rows_exits_2_and_writes_nothing(
    engine: Engine, workshop_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "participant,sector,item_id,current,target\n"
        "P01,vcse,shared-purpose-stated,2,3\n"
        "P02,martians,shared-purpose-stated,9,3\n",
        encoding="utf-8",
    )
    with transaction(engine) as session:
        code_ = workshop_info(session=session, workshop_id=workshop_id).join_code
        before = table_counts(session=session)
    code, _, err = run(capsys, "import", str(bad), "--workshop", code_, "--db", url(engine))
    assert code == 2
    assert "row 3, column sector" in err and "row 3, column current" in err
    assert "nothing was imported" in err and "Traceback" not in err
    with transaction(engine) as session:
        assert table_counts(session=session) == before


def test_editing_the_bank_makes_a_new_version_and_never_changes_an_old_workshops_questions(
    engine: Engine, workshop_id: int
) -> None:
    original_text = (PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8")
    edited_text = original_text.replace('version: "1.0.0"', 'version: "1.1.0"').replace(
        "Our partnership has a written statement of purpose",
        "Our partnership has an agreed, written purpose",
        1,
    )
    assert edited_text != original_text
    with transaction(engine) as session:
        old = workshop_info(session=session, workshop_id=workshop_id)
        new_version = store_bank_version(session=session, yaml_text=edited_text)
        assert (
            store_bank_version(session=session, yaml_text=original_text) == old.bank_version_id
        )  # stored once
        partnership = partnership_id(session=session, name=old.partnership)
        new = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=new_version,
            title="Round two",
            held_on=date(2026, 9, 1),
        )
        old_bank = bank_for_version(session=session, bank_version_id=old.bank_version_id)
        new_bank = bank_for_version(session=session, bank_version_id=new.bank_version_id)
    assert new_version != old.bank_version_id
    assert (old_bank.version, new_bank.version) == ("1.0.0", "1.1.0")
    assert old_bank.item("shared-purpose-stated").text.startswith("Our partnership has a written statement")
    assert new_bank.item("shared-purpose-stated").text.startswith(
        "Our partnership has an agreed, written purpose"
    )
