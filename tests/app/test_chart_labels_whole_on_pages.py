"""No chart on the results, trends and cohort pages cuts a name short, on the sample data.

The figures are read back from what each page sent to the browser (every tab is drawn, so every
chart of the page is there), and walked as in tests/unit/test_chart_labels_whole.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from assessment.db import list_partnerships, transaction, workshop_info
from assessment.demo import load_demo
from assessment.framework import QuestionBank
from tests.app.conftest import open_as_facilitator
from tests.unit.test_chart_labels_whole import cut_labels, domain_titles, missing_names, plain

pytestmark = pytest.mark.app


def page_figures(at: AppTest) -> dict[str, dict[str, Any]]:
    """Each plotly figure the page drew, by its title."""
    figures = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return {str(f["layout"]["title"]["text"]): f for f in figures}


def test_no_chart_on_the_results_page_cuts_a_label_and_each_names_every_domain(
    app_db: Engine, facilitator: int, shipped_bank: QuestionBank
) -> None:
    summary = load_demo(engine=app_db)
    with transaction(app_db) as session:
        latest = max(
            (workshop_info(session=session, join_code=c) for c in summary.join_codes), key=lambda w: w.held_on
        )
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=latest.join_code)
    figures = page_figures(at)
    assert set(figures) >= {
        "Where the team sees the partnership",
        "Gap per domain",
        "Each sector's view, domain by domain",
        "Now and preferred",
        "Who holds it today",
    }
    assert {title: cut_labels(f) for title, f in figures.items() if cut_labels(f)} == {}
    for title in (
        "Where the team sees the partnership",
        "Gap per domain",
        "Each sector's view, domain by domain",
    ):
        assert missing_names(figures[title], domain_titles(shipped_bank)) == [], title


def test_no_chart_on_the_trends_page_cuts_a_label_with_every_domain_chosen(
    app_db: Engine, facilitator: int, shipped_bank: QuestionBank
) -> None:
    load_demo(engine=app_db)
    with transaction(app_db) as session:
        riverside = next(p["id"] for p in list_partnerships(session=session) if p["name"] == "Riverside ICS")
    at = open_as_facilitator(facilitator, "views/trends.py", trends_partnership=riverside)
    chooser = next(m for m in at.multiselect if m.label == "Domains")
    chooser.set_value([d.id for d in shipped_bank.domains]).run()
    assert not at.exception, at.exception
    (figure,) = page_figures(at).values()
    assert cut_labels(figure) == []
    assert missing_names(figure, domain_titles(shipped_bank)) == []


def test_no_chart_on_the_cohort_page_cuts_a_label_and_each_names_every_domain(
    app_db: Engine, facilitator: int, shipped_bank: QuestionBank
) -> None:
    load_demo(engine=app_db)
    with transaction(app_db) as session:
        partnerships = {p["name"] for p in list_partnerships(session=session)}
    at = open_as_facilitator(facilitator, "views/cohorts.py")
    figures = page_figures(at)
    radars = {plain(title): f for title, f in figures.items() if f["data"][0]["type"] == "scatterpolar"}
    others = {title: f for title, f in figures.items() if f["data"][0]["type"] != "scatterpolar"}
    assert len(others) == 2  # heatmap, spread per domain
    assert len(radars) >= 2 and set(radars) <= partnerships  # a radar per partnership, named in full
    assert {title: cut_labels(f) for title, f in figures.items() if cut_labels(f)} == {}
    for title, figure in others.items():
        assert missing_names(figure, domain_titles(shipped_bank)) == [], title
    # The radars' spokes are numbered; the key under them names every domain against its number.
    (key,) = [d.value for d in at.dataframe if list(d.value.columns) == ["Spoke", "Domain"]]
    assert list(key["Domain"]) == domain_titles(shipped_bank)
    for figure in radars.values():
        assert figure["layout"]["polar"]["angularaxis"]["categoryarray"] == [str(n) for n in key["Spoke"]]


# On a 1280-pixel screen with the menu open the page's main column is 820 pixels wide (measured in
# Chromium), 818 inside the table's border; st.dataframe wraps the text of rows taller than 4rem.
MAIN_COLUMN_AT_1280_PX = 818
WRAPPING_ROW_PX = 64


def test_the_table_under_the_radar_shows_every_column_on_a_1280_pixel_screen(
    app_db: Engine, facilitator: int
) -> None:
    summary = load_demo(engine=app_db)
    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=summary.join_codes[0])
    (table,) = [d for d in at.dataframe if "Since last round" in d.value.columns]
    widths = json.loads(table.proto.columns)
    shown = list(table.value.columns)
    assert all(isinstance(widths.get(column, {}).get("width"), int) for column in shown), widths
    assert sum(widths[column]["width"] for column in shown) <= MAIN_COLUMN_AT_1280_PX
    assert table.proto.row_height > WRAPPING_ROW_PX  # long names wrap in their cells, never cut
