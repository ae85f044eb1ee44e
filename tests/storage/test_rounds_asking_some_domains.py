"""A round that asked only some domains, in the cohort comparison and the trend, on SQLite and
PostgreSQL, figures checked by hand.

Each partnership's rounds (a respondent answers one item per domain, so a domain's figure is that
item's median; "–" marks a domain the round did not ask):

================  ==========================  ===============================  ==========================
partnership       R1 (12 January 2026)        R2 (12 March 2026)               compared, per domain
================  ==========================  ===============================  ==========================
Eastvale ICS      SP 2/4, TM 2/3, MtG 1/2     SP 3/4, TM –, MtG –              SP 3/4 (R2, ▲ 1),
                                                                               TM 2/3 (R1), MtG 1/2 (R1)
Northfield place  SP 3/4, TM 3/4, MtG –       SP 4/4, TM 3/4, MtG –            SP 4/4, TM 3/4, MtG not
                                                                               asked
Southmoor place   SP 1/2, TM 2/3, MtG 2/3     SP 2/3, TM 2 rated, MtG –        SP 2/3, TM withheld (R2:
                                                                               never R1's), MtG 2/3 (R1)
Westmere PC       SP 1/2, TM 1/2, MtG 3/4     2 people: SP only                SP withheld (R2), TM 1/2
                                                                               (R1), MtG 3/4 (R1)
================  ==========================  ===============================  ==========================

Cohort median of what is shown: SP current median(3, 4, 2) = 3, target median(4, 4, 3) = 4,
q1 2.5, q3 3.5; TM current median(2, 3, 1) = 2, target median(3, 4, 2) = 3; MtG current
median(1, 2, 3) = 2, target median(2, 3, 4) = 3, q1 1.5, q3 2.5.
"""

from __future__ import annotations

import io
import json
import math
from datetime import date
from functools import partial

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.cohorts import CohortComparison, cohort_document, compare_cohort, place_vs_system
from assessment.db import create_cohort, create_partnership, transaction, workshop_info
from assessment.report import cohort_overview_pdf
from assessment.services import Actor
from assessment.services.cohorts import trend
from tests.storage.conftest import add_round as add_any_round

COHORT = "Partly asked cohort"
ALL = ["shared-purpose", "trust-momentum", "mind-the-gaps"]
SP, TM, MTG = "shared-purpose-stated", "trust-candid-relationships", "gaps-statutory-duties"
R1, R2 = date(2026, 1, 12), date(2026, 3, 12)
SCALE = ["Emerging", "Developing", "Maturing", "Thriving"]


@pytest.fixture
def cohort(engine: Engine) -> dict[str, int]:
    """The cohort of the module docstring: the cohort's id and each partnership's, by name."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=COHORT)
        ics = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
        ids = {"cohort": cohort, "Eastvale ICS": ics}
        for name in ("Northfield place", "Southmoor place"):
            ids[name] = create_partnership(
                session=session, cohort_id=cohort, name=name, kind="place", parent_id=ics
            )
        ids["Westmere PC"] = create_partnership(
            session=session, cohort_id=cohort, name="Westmere PC", kind="provider-collaborative"
        )
    first = partial(add_any_round, engine, label="Round 1", held_on=R1)
    second = partial(add_any_round, engine, label="Round 2", held_on=R2)
    first(partnership=ics, domains=ALL, answers={SP: three(2, 4), TM: three(2, 3), MTG: three(1, 2)})
    second(partnership=ics, domains=["shared-purpose"], answers={SP: three(3, 4)})
    north = ids["Northfield place"]
    first(partnership=north, domains=ALL[:2], answers={SP: three(3, 4), TM: three(3, 4)})
    second(partnership=north, domains=ALL[:2], answers={SP: three(4, 4), TM: three(3, 4)})
    south = ids["Southmoor place"]
    first(partnership=south, domains=ALL, answers={SP: three(1, 2), TM: three(2, 3), MTG: three(2, 3)})
    second(
        partnership=south,
        domains=ALL[:2],
        answers={SP: three(2, 3), TM: [(1, 2), (1, 2), None]},
    )
    west = ids["Westmere PC"]
    first(partnership=west, domains=ALL, answers={SP: three(1, 2), TM: three(1, 2), MTG: three(3, 4)})
    second(partnership=west, domains=["shared-purpose"], answers={SP: [(4, 4), (4, 4)]})
    return ids


def three(now: int, target: int) -> list[tuple[int, int] | None]:
    """Three respondents giving the same levels."""
    return [(now, target)] * 3


def compare(engine: Engine, cohort: dict[str, int]) -> CohortComparison:
    with transaction(engine) as session:
        return compare_cohort(session=session, cohort_id=cohort["cohort"])


def cell(comparison: CohortComparison, name: str, domain: str) -> dict[str, object]:
    domains = comparison.domains
    rows = domains.loc[(domains["name"] == name) & (domains["domain"] == domain)].to_dict("records")
    assert len(rows) == 1, (name, domain, len(rows))
    return rows[0]


def by_code(session: Session, comparison: CohortComparison, name: str) -> int:
    """The id of the partnership's latest workshop in the comparison."""
    code = comparison.partnerships.set_index("name").loc[name, "latest_workshop"]
    return workshop_info(session=session, join_code=str(code)).id


def nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def test_each_domain_comes_from_the_latest_round_that_asked_it_with_its_round_and_date(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    east = {d: cell(comparison, "Eastvale ICS", d) for d in ALL}
    assert (east["shared-purpose"]["current"], east["shared-purpose"]["target"]) == (3.0, 4.0)
    assert (east["shared-purpose"]["round"], east["shared-purpose"]["held_on"]) == ("Round 2", R2)
    assert not east["shared-purpose"]["from_earlier_round"]
    assert (east["trust-momentum"]["current"], east["trust-momentum"]["target"]) == (2.0, 3.0)
    assert (east["trust-momentum"]["round"], east["trust-momentum"]["held_on"]) == ("Round 1", R1)
    assert east["trust-momentum"]["from_earlier_round"]
    assert east["mind-the-gaps"]["current"] == 1.0 and east["mind-the-gaps"]["round"] == "Round 1"
    assert {row["state"] for row in east.values()} == {"shown"}
    assert not any(row["withheld"] for row in east.values())
    # The partnership itself is still compared on its latest round.
    eastvale = comparison.partnerships.set_index("name").loc["Eastvale ICS"]
    assert (eastvale["round"], eastvale["held_on"]) == ("Round 2", R2)


def test_a_domain_no_round_of_the_partnership_asked_is_not_asked_rather_than_withheld(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    north = cell(comparison, "Northfield place", "mind-the-gaps")
    assert north["state"] == "not asked" and not north["withheld"]
    assert nan(north["current"]) and nan(north["quartile"]) and nan(north["change"])
    assert north["round"] is None and north["held_on"] is None and north["workshop"] is None
    assert north["title"] == "Mind the gaps"
    # Every partnership with a round has a row for every domain compared, in one order.
    for name in ("Eastvale ICS", "Northfield place", "Southmoor place", "Westmere PC"):
        assert comparison.domains.loc[comparison.domains["name"] == name, "domain"].tolist() == ALL


def test_a_withheld_figure_in_the_latest_round_that_asked_stays_withheld_never_an_older_one(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    south = cell(comparison, "Southmoor place", "trust-momentum")
    assert south["state"] == "withheld" and south["withheld"] and nan(south["current"])
    assert south["round"] == "Round 2"  # Round 1's 2.0 would be a figure from fewer people's round
    west = cell(comparison, "Westmere PC", "shared-purpose")
    assert west["state"] == "withheld" and nan(west["current"]) and west["round"] == "Round 2"
    # Westmere's latest round (two people) is withheld, but what it did not ask comes from Round 1.
    assert comparison.partnerships.set_index("name").loc["Westmere PC", "withheld"]
    assert cell(comparison, "Westmere PC", "trust-momentum")["current"] == 1.0
    assert cell(comparison, "Westmere PC", "mind-the-gaps")["state"] == "shown"


def test_the_cohort_median_counts_each_partnership_for_the_domains_it_has_figures_for(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    medians = {
        str(r["domain"]): (r["current"], r["target"], r["gap"])
        for r in comparison.cohort_median.to_dict("records")
    }
    assert medians == {
        "shared-purpose": (3.0, 4.0, 1.0),
        "trust-momentum": (2.0, 3.0, 1.0),
        "mind-the-gaps": (2.0, 3.0, 1.0),
    }
    quartiles = comparison.quartiles.set_index("domain")
    assert (quartiles.loc["mind-the-gaps", "q1"], quartiles.loc["mind-the-gaps", "q3"]) == (1.5, 2.5)
    assert cell(comparison, "Eastvale ICS", "mind-the-gaps")["quartile"] == 1.0
    assert cell(comparison, "Westmere PC", "mind-the-gaps")["quartile"] == 4.0


def test_the_change_is_since_the_previous_round_that_asked_the_domain(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    assert cell(comparison, "Eastvale ICS", "shared-purpose")["change"] == 1.0
    assert cell(comparison, "Northfield place", "trust-momentum")["change"] == 0.0
    assert nan(cell(comparison, "Eastvale ICS", "trust-momentum")["change"])  # Round 1 is its first


def test_the_cohort_document_tells_not_asked_from_withheld_and_names_each_figures_round(
    engine: Engine, cohort: dict[str, int]
) -> None:
    document = cohort_document(compare(engine, cohort))
    json.dumps(document, allow_nan=False)
    by_name = {p["name"]: p for p in document["partnerships"]}
    east = {d["id"]: d for d in by_name["Eastvale ICS"]["domains"]}
    assert east["trust-momentum"] == {
        "id": "trust-momentum",
        "current": 2.0,
        "target": 3.0,
        "gap": 1.0,
        "quartile": 2,
        "change": None,
        "state": "shown",
        "wording": "",  # one bank version throughout
        "round": "Round 1",
        "held_on": "2026-01-12",
        "workshop": east["trust-momentum"]["workshop"],
    }
    assert isinstance(east["trust-momentum"]["workshop"], str)
    assert by_name["Eastvale ICS"]["not_asked"] == []
    north = by_name["Northfield place"]
    assert north["not_asked"] == ["mind-the-gaps"]
    assert [d["id"] for d in north["domains"]] == ["shared-purpose", "trust-momentum"]
    south = {d["id"]: d for d in by_name["Southmoor place"]["domains"]}
    assert south["trust-momentum"]["state"] == "withheld" and south["trust-momentum"]["current"] is None


def test_places_beside_their_system_say_where_a_domain_was_not_asked(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    places = place_vs_system(comparison, ics_partnership_id=cohort["Eastvale ICS"])
    found = {(r["name"], r["domain"]): r for r in places.to_dict("records")}
    assert found[("Northfield place", "mind-the-gaps")]["state"] == "not asked"
    assert found[("Southmoor place", "trust-momentum")]["state"] == "withheld"
    northfield_trust = found[("Northfield place", "trust-momentum")]
    assert northfield_trust["state"] == "shown" and northfield_trust["difference"] == 1.0


def test_the_trend_says_not_asked_in_the_rounds_that_did_not_ask_a_domain(
    engine: Engine, cohort: dict[str, int]
) -> None:
    frame = trend(engine=engine, actor=Actor.operator(), partnership_id=cohort["Southmoor place"]).frame
    states = {(r["round"], r["domain"]): r["state"] for r in frame.to_dict("records")}
    assert states == {
        ("Round 1", "shared-purpose"): "shown",
        ("Round 1", "trust-momentum"): "shown",
        ("Round 1", "mind-the-gaps"): "shown",
        ("Round 2", "shared-purpose"): "shown",
        ("Round 2", "trust-momentum"): "withheld",
        ("Round 2", "mind-the-gaps"): "not asked",
    }
    unasked = frame.loc[frame["state"] == "not asked"].iloc[0]
    assert not unasked["withheld"] and math.isnan(unasked["current"]) and unasked["n"] == 0
    assert unasked["title"] == "Mind the gaps" and unasked["respondents"] == 3
    assert frame["round"].tolist() == ["Round 1"] * 3 + ["Round 2"] * 3


def test_the_cohort_overview_pdf_says_not_asked_and_which_earlier_round_a_figure_is_from(
    engine: Engine, cohort: dict[str, int]
) -> None:
    pdf = cohort_overview_pdf(compare(engine, cohort), scale_labels=SCALE, exporter=None)
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "not asked" in text
    assert "Eastvale ICS: Build trust momentum, Mind the gaps from Round 1, 12 January 2026" in text
    assert "None" not in text and "nan" not in text.lower().split()


def test_a_summarys_round_by_round_table_says_not_asked_where_a_round_did_not_ask_a_domain(
    engine: Engine, cohort: dict[str, int]
) -> None:
    from assessment.presenting import present
    from assessment.report import gather_workshop_report

    with transaction(engine) as session:
        latest = by_code(session, compare_cohort(session=session, cohort_id=cohort["cohort"]), "Eastvale ICS")
        report = gather_workshop_report(session=session, workshop_id=latest)
    model = present(report.scored, consensus=report.consensus, actions=report.actions, trend=report.trend)
    assert model.trend is not None and model.trend.labels == ("Round 1", "Round 2")
    rows = {row.title: row.cells for row in model.trend.rows}
    assert rows == {
        "Shared purpose": ("2.00", "3.00"),
        "Build trust momentum": ("2.00", "not asked"),
        "Mind the gaps": ("1.00", "not asked"),
    }


def test_cohort_show_on_the_command_line_names_the_earlier_round_a_figure_comes_from(
    engine: Engine, cohort: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.storage.cli_helpers import run, url

    code, out, err = run(capsys, "cohort", "show", COHORT, "--db", url(engine))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith("partnerships compared, each domain on the latest round that asked it")
    earlier = [line for line in lines if line.strip().startswith("from an earlier round:")]
    assert any("Eastvale ICS" in line and "Round 1" in line for line in earlier), out
