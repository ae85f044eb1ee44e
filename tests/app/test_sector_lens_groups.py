"""The sector lens on a typical board (one to three people per sector): it starts with the bank's
sector groups so it shows something, and when nothing passes the threshold it says why in one
sentence instead of drawing an empty chart."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from tests.app.conftest import make_workshop, open_as_facilitator

pytestmark = pytest.mark.app


def board(engine: Engine, sizes: dict[str, int]) -> str:
    workshop = make_workshop(engine)
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for sector, count in sizes.items():
            for n in range(count):
                person = add_participant(session=session, workshop_id=workshop.id, sector=sector)
                submit_participant(session=session, participant_id=person.id)  # only submitted answers count
                for item in ("shared-purpose-stated", "shared-purpose-why-before-how"):
                    save_answer(
                        session=session,
                        participant_id=person.id,
                        bank=bank,
                        answer=Answer(item_id=item, current=1 + n % 4, target=4),
                    )
    return workshop.join_code


def lens_charts(at: AppTest) -> list[str]:
    import json

    titles = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        titles.append(str(spec.get("layout", {}).get("title", {}).get("text", "")))
    return [t for t in titles if "view, domain by domain" in t]


def test_a_board_of_one_to_three_per_sector_opens_the_lens_on_its_sector_groups(
    app_db: Engine, facilitator: int
) -> None:
    code = board(
        app_db, {"ics-nhs-body": 1, "nhs-trust": 2, "local-authority": 2, "vcse": 1, "healthwatch": 1}
    )
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    assert not at.exception, at.exception
    assert at.session_state["results_lens_by"] == "By sector group"
    tables = [t.value.rename(columns=lambda c: str(c).replace("\\", "")) for t in at.table]
    grid = next(t for t in tables if "NHS (3)" in t.columns).set_index("Domain")
    assert grid.loc["Shared purpose", "NHS (3)"] != "withheld"
    assert grid.loc["Shared purpose", "Local government (2)"] == "withheld"
    assert lens_charts(at) == ["Each sector group's view, domain by domain"]


def test_a_lens_with_nothing_to_show_says_why_in_one_sentence_and_draws_no_chart(
    app_db: Engine, facilitator: int
) -> None:
    code = board(app_db, {"ics-nhs-body": 1, "nhs-trust": 1, "local-authority": 1, "vcse": 1})
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    assert not at.exception, at.exception
    said = " ".join(i.value for i in at.info)
    assert "No sector had 3 or more people answering" in said
    assert lens_charts(at) == []
    at.segmented_control(key="results_lens_by").set_value("By sector group").run()
    said = " ".join(i.value for i in at.info)
    assert "Every sector group is withheld" in said
    assert lens_charts(at) == []
