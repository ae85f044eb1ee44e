"""The board summary's sector lens on a typical board: no empty chart, the reason in one sentence,
and the sector groups' figures where sectors alone are too small."""

from __future__ import annotations

from pathlib import Path

from assessment import report
from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    make_engine,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.migrate import upgrade_database
from tests.app.conftest import make_workshop
from tests.pdf_text import flat_text


def test_a_board_too_small_for_sectors_gets_the_reason_and_its_groups_in_the_pdf(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'board.db'}")
    upgrade_database(engine)
    workshop = make_workshop(engine)
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for sector, count in {"ics-nhs-body": 1, "nhs-trust": 2, "local-authority": 2, "vcse": 1}.items():
            for n in range(count):
                person = add_participant(session=session, workshop_id=workshop.id, sector=sector)
                save_answer(
                    session=session,
                    participant_id=person.id,
                    bank=bank,
                    answer=Answer(item_id="shared-purpose-stated", current=1 + n, target=4),
                )
                submit_participant(session=session, participant_id=person.id)
        gathered = report.gather_workshop_report(session=session, workshop_id=workshop.id)
    context = report.summary_context(gathered, None)
    text = flat_text(report.typeset_summary(gathered, context).content)
    assert "No sector had 3 or more people answering" in text
    assert "lens" not in context["charts"]  # no empty sector chart
    assert "By sector group" in text
    nhs = [row["cells"][0] for row in context["group_lens"]["rows"] if row["title"] == "Shared purpose"]
    assert nhs and nhs[0] != "withheld"
    assert "NHS: ICS NHS body, NHS trust, Primary care / PCN" in text
