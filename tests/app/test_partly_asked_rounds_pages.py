"""The cohort and trends pages on the sample data plus a partnership whose rounds asked only some
domains: every table and sentence in words, "not asked" apart from "withheld", and never a raw
None or NaN."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    cohort_id,
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

PARTNERSHIP = "Eastfield place"
RAW = re.compile(r"\b(None|nan|NaN|NaT|<NA>)\b")


def add_partly_asked_partnership(engine: Engine) -> tuple[int, int, list[str]]:
    """Eastfield place in the sample cohort: Round 1 (2 February 2026) asks the bank's first six
    domains, Round 2 (4 May 2026) its first three, four people answering one item in each.
    Returns the cohort's id, the partnership's and the bank's domain titles."""
    summary = load_demo(engine=engine)
    with transaction(engine) as session:
        cohort = cohort_id(session=session, name=summary.cohort)
        partnership = create_partnership(session=session, cohort_id=cohort, name=PARTNERSHIP, kind="place")
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        bank = bank_for_version(session=session, bank_version_id=version)
        first_item = {}
        for domain, item in bank.iter_items():
            if isinstance(item, MaturityItem):
                first_item.setdefault(domain.id, item.id)
        domains = [d.id for d in bank.domains]
        for label, held_on, asked in (
            ("Round 1", date(2026, 2, 2), domains[:6]),
            ("Round 2", date(2026, 5, 4), domains[:3]),
        ):
            workshop = create_workshop(
                session=session,
                partnership_id=partnership,
                bank_version_id=version,
                title=f"Eastfield {label}",
                held_on=held_on,
                round_label=label,
                domains=asked,
            )
            for person in range(4):
                who = add_participant(session=session, workshop_id=workshop.id, sector="nhs-trust")
                submit_participant(session=session, participant_id=who.id)  # only submitted answers count
                for domain in asked:
                    save_answer(
                        session=session,
                        participant_id=who.id,
                        bank=bank,
                        answer=Answer(item_id=first_item[domain], current=2 + person % 2, target=4),
                        domains=asked,
                    )
    return cohort, partnership, [d.title for d in bank.domains]


def raw_values(at: AppTest) -> list[str]:
    """Every table cell, label and sentence on the page that reads None, nan, NaN or the like."""
    found = []
    for element in at.dataframe:
        frame = element.value
        cells = frame.astype(object).to_numpy().ravel().tolist()
        found += [f"cell {v!r}" for v in cells if v is None or (isinstance(v, float) and pd.isna(v))]
        found += [f"cell {v!r}" for v in cells if isinstance(v, str) and RAW.search(v)]
        labels = [*map(str, frame.columns), *map(str, frame.index)]
        found += [f"label {label!r}" for label in labels if RAW.search(label)]
    for kind in ("markdown", "caption", "info", "warning", "success", "subheader", "title"):
        found += [f"{kind} {e.value!r}" for e in at.get(kind) if RAW.search(str(e.value))]
    return found


@pytest.fixture
def partly_asked(app_db: Engine) -> tuple[int, int, list[str]]:
    return add_partly_asked_partnership(app_db)


def test_the_check_sees_a_raw_none_or_nan() -> None:
    assert RAW.search("None") and RAW.search("2.5 · nan") and not RAW.search("Nonesuch")


def test_the_cohort_page_says_not_asked_and_the_earlier_round_and_never_none(
    app_db: Engine, facilitator: int, partly_asked: tuple[int, int, list[str]]
) -> None:
    cohort, _, titles = partly_asked
    at = open_as_facilitator(facilitator, "views/cohorts.py", cohorts_cohort=cohort)
    assert raw_values(at) == []
    heat_table = next(d.value for d in at.dataframe if titles[4] in d.value.columns and len(d.value) == 4)
    row = heat_table.loc[PARTNERSHIP]
    assert row[titles[0]] not in ("withheld", "not asked") and "Round" not in row[titles[0]]
    assert row[titles[4]].endswith("(from Round 1, 2 February 2026)")
    assert row[titles[10]] == "not asked"
    assert "withheld" not in row.tolist()
    position = next(d.value for d in at.dataframe if "Q" in str(d.value.to_numpy().ravel().tolist()))
    assert position.loc[PARTNERSHIP, titles[10]] == "not asked"
    page = "\n".join(str(m.value) for m in at.markdown).replace("\\", "")
    assert f"{PARTNERSHIP}: {titles[3]}, {titles[4]}, {titles[5]} from Round 1, 2 February 2026" in page
    # The sample partnerships still count in every domain's median, and Eastfield in the six it has.
    summary_table = next(d.value for d in at.dataframe if "Lower quartile" in d.value.columns)
    assert len(summary_table) == 14


def test_the_trends_page_says_not_asked_in_this_round_and_never_none(
    app_db: Engine, facilitator: int, partly_asked: tuple[int, int, list[str]]
) -> None:
    _, partnership, titles = partly_asked
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=partnership)
    assert raw_values(at) == []
    table = next(d.value for d in at.dataframe if "Now" in d.value.columns)
    second = table.loc[table["Round"] == "Round 2"].set_index("Domain")
    assert second.loc[titles[3], "Now"] == "not asked in this round"
    assert second.loc[titles[0], "Now"] not in ("withheld", "not asked in this round")
    assert "withheld" not in table["Now"].tolist()


def test_the_sample_datas_trends_page_shows_no_raw_none(app_db: Engine, facilitator: int) -> None:
    load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, "views/trends.py")
    assert at.dataframe and raw_values(at) == []
