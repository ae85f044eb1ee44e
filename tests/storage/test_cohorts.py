"""A cohort's partnerships side by side on SQLite and PostgreSQL, figures checked by hand.

The cohort (every round selects shared-purpose, trust-momentum and mind-the-gaps; a respondent
answers one item per domain, so a domain's figure is that item's median):

================  ======================  ===========================  ============================
partnership       R1 (January 2026)       R2 (April 2026)              by hand, R2 (current/target)
================  ======================  ===========================  ============================
Eastvale ICS      SP 2/4, TM 1/2          SP 3/4, TM 2/3, MtG 2 rated  SP 3/4 gap 1, TM 2/3 gap 1,
                                                                       MtG withheld (2 rated)
Northfield place  SP 3/4, TM 3/4          SP 4/4, TM 3/4               SP 4/4 gap 0, TM 3/4 gap 1
Southmoor place   SP 2/3, TM 2/3          SP 2/3, TM 1/2               SP 2/3 gap 1, TM 1/2 gap 1
Westmere PC       SP 1/2 (3 people)       2 people, bank 1.1.0         withheld
================  ======================  ===========================  ============================

Cohort median of R2 over the three shown: SP current median(3, 4, 2) = 3, q1 2.5, q3 3.5, target
4, gap 1; TM current median(2, 3, 1) = 2, q1 1.5, q3 2.5, target 3, gap 1.
"""

from __future__ import annotations

import json
import math
from datetime import date
from functools import partial

import pandas as pd
import pytest
from sqlalchemy import Engine

from assessment.cohorts import CohortComparison, cohort_document, compare_cohort, place_vs_system
from assessment.db import cohort_id, create_cohort, create_partnership, partnership_id, transaction
from assessment.db.tables import Partnership
from assessment.demo import load_demo
from assessment.trends import trend_frame
from tests.storage.cli_helpers import run, url
from tests.storage.conftest import NEXT_BANK_TEXT, Levels
from tests.storage.conftest import add_round as add_any_round

COHORT = "Comparison cohort"
DOMAINS = ["shared-purpose", "trust-momentum", "mind-the-gaps"]
SP, TM, MTG = "shared-purpose-stated", "trust-candid-relationships", "gaps-statutory-duties"
R1, R2 = date(2026, 1, 10), date(2026, 4, 10)
add_round = partial(add_any_round, domains=DOMAINS)  # every round here asks these three domains


@pytest.fixture
def cohort(engine: Engine) -> dict[str, int]:
    """The cohort of the module docstring: the cohort's id and each partnership's, by name."""
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name=COHORT)
        ics = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
        ids = {
            "cohort": cohort,
            "Eastvale ICS": ics,
            "Northfield place": create_partnership(
                session=session, cohort_id=cohort, name="Northfield place", kind="place", parent_id=ics
            ),
            "Southmoor place": create_partnership(
                session=session, cohort_id=cohort, name="Southmoor place", kind="place", parent_id=ics
            ),
            "Westmere PC": create_partnership(
                session=session, cohort_id=cohort, name="Westmere PC", kind="provider-collaborative"
            ),
        }
    rounds: dict[str, tuple[dict[str, Levels], dict[str, Levels]]] = {
        "Eastvale ICS": (
            {SP: [(1, 3), (2, 4), (2, 4)], TM: [(1, 2), (1, 2), (2, 3)]},
            {SP: [(2, 4), (3, 4), (3, 4)], TM: [(1, 3), (2, 3), (2, 3)], MTG: [(2, 3), (3, 4), None]},
        ),
        "Northfield place": (
            {SP: [(3, 4), (3, 4), (3, 4)], TM: [(3, 4), (3, 4), (3, 4)]},
            {SP: [(3, 4), (4, 4), (4, 4)], TM: [(2, 4), (3, 4), (3, 4)]},
        ),
        "Southmoor place": (
            {SP: [(2, 3), (2, 3), (2, 3)], TM: [(2, 3), (2, 3), (2, 3)]},
            {SP: [(1, 2), (2, 3), (2, 3)], TM: [(1, 2), (1, 2), (1, 2)]},
        ),
    }
    for name, (first, second) in rounds.items():
        add_round(engine, partnership=ids[name], label="R1", held_on=R1, answers=first)
        add_round(engine, partnership=ids[name], label="R2", held_on=R2, answers=second)
    add_round(engine, partnership=ids["Westmere PC"], label="R1", held_on=R1, answers={SP: [(1, 2)] * 3})
    add_round(
        engine,
        partnership=ids["Westmere PC"],
        label="R2",
        held_on=R2,
        answers={SP: [(4, 4), (4, 4)], TM: [(4, 4), (4, 4)]},
        bank_text=NEXT_BANK_TEXT,
    )
    return ids


def compare(engine: Engine, cohort: dict[str, int], **filters: object) -> CohortComparison:
    with transaction(engine) as session:
        return compare_cohort(session=session, cohort_id=cohort["cohort"], **filters)  # type: ignore[arg-type]


def figure(comparison: CohortComparison, name: str, domain: str, column: str = "current") -> float:
    rows = comparison.domains.loc[
        (comparison.domains["name"] == name) & (comparison.domains["domain"] == domain), column
    ]
    assert len(rows) == 1, (name, domain)
    return float(rows.iloc[0])


def by_name(comparison: CohortComparison) -> dict[str, dict[str, object]]:
    return {str(r["name"]): r for r in comparison.partnerships.to_dict("records")}


def medians(comparison: CohortComparison) -> dict[str, tuple[float, float, float]]:
    return {
        str(r["domain"]): (r["current"], r["target"], r["gap"])
        for r in comparison.cohort_median.to_dict("records")
    }


def same(left: float, right: float) -> bool:
    return (math.isnan(left) and math.isnan(right)) or left == right


def test_each_partnership_shows_its_latest_rounds_figures_worked_by_hand(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    assert comparison.cohort == COHORT and comparison.threshold == 3
    assert comparison.partnerships["name"].tolist() == [
        "Eastvale ICS",
        "Northfield place",
        "Southmoor place",
        "Westmere PC",
    ]
    east = by_name(comparison)["Eastvale ICS"]
    assert east["round"] == "R2" and east["held_on"] == R2 and east["respondents"] == 3
    assert east["bank_version"] == "ics-readiness 1.0.0" and not east["withheld"]
    assert east["parent_id"] is pd.NA or pd.isna(east["parent_id"])
    assert by_name(comparison)["Northfield place"]["parent_id"] == cohort["Eastvale ICS"]
    expected = {
        ("Eastvale ICS", "shared-purpose"): (3.0, 4.0, 1.0),
        ("Eastvale ICS", "trust-momentum"): (2.0, 3.0, 1.0),
        ("Northfield place", "shared-purpose"): (4.0, 4.0, 0.0),
        ("Northfield place", "trust-momentum"): (3.0, 4.0, 1.0),
        ("Southmoor place", "shared-purpose"): (2.0, 3.0, 1.0),
        ("Southmoor place", "trust-momentum"): (1.0, 2.0, 1.0),
    }
    for (name, domain), figures in expected.items():
        found = tuple(figure(comparison, name, domain, c) for c in ("current", "target", "gap"))
        assert found == figures, (name, domain)
    titles = comparison.domains.drop_duplicates("domain").set_index("domain")["title"]
    assert titles["shared-purpose"] == "Shared purpose"
    # Each round's selected domains, in order, matched by id.
    for name in ("Eastvale ICS", "Northfield place", "Southmoor place", "Westmere PC"):
        assert comparison.domains.loc[comparison.domains["name"] == name, "domain"].tolist() == DOMAINS


def test_a_domain_rated_by_fewer_than_the_threshold_is_withheld_in_its_partnership(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    # Two of Eastvale's three rated mind-the-gaps (one said "don't know"): withheld, not 2.5.
    assert math.isnan(figure(comparison, "Eastvale ICS", "mind-the-gaps"))
    assert figure(comparison, "Eastvale ICS", "mind-the-gaps", "withheld")
    assert not figure(comparison, "Eastvale ICS", "shared-purpose", "withheld")
    assert math.isnan(medians(comparison)["mind-the-gaps"][0])


def test_a_partnership_below_the_threshold_is_withheld_and_left_out_of_the_cohort_figures(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    west = by_name(comparison)["Westmere PC"]
    assert west["withheld"] and west["respondents"] == 2 and west["round"] == "R2"
    assert west["bank_version"] == "ics-readiness 1.1.0"
    rows = comparison.domains.loc[comparison.domains["name"] == "Westmere PC"]
    assert len(rows) == 3 and rows["withheld"].all()
    for column in ("current", "target", "gap", "quartile", "change"):
        assert rows[column].isna().all(), column
    # Its 4s would have pulled the shared-purpose median up to 3.5.
    assert medians(comparison)["shared-purpose"] == (3.0, 4.0, 1.0)


def test_the_cohort_median_and_quartiles_match_the_figures_worked_by_hand(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    assert comparison.cohort_median["domain"].tolist() == DOMAINS
    assert comparison.cohort_median["title"].tolist()[0] == "Shared purpose"
    found = medians(comparison)
    assert found["shared-purpose"] == (3.0, 4.0, 1.0)
    assert found["trust-momentum"] == (2.0, 3.0, 1.0)
    quartiles = comparison.quartiles.set_index("domain")
    assert (quartiles.loc["shared-purpose", "q1"], quartiles.loc["shared-purpose", "q3"]) == (2.5, 3.5)
    assert (quartiles.loc["trust-momentum", "q1"], quartiles.loc["trust-momentum", "q3"]) == (1.5, 2.5)
    assert math.isnan(quartiles.loc["mind-the-gaps", "q1"])


def test_each_partnership_is_placed_in_its_quartile_of_the_cohort(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort)
    for domain in ("shared-purpose", "trust-momentum"):
        assert figure(comparison, "Southmoor place", domain, "quartile") == 1.0  # at or below q1
        assert figure(comparison, "Eastvale ICS", domain, "quartile") == 2.0  # at the median
        assert figure(comparison, "Northfield place", domain, "quartile") == 4.0  # above q3
    assert math.isnan(figure(comparison, "Eastvale ICS", "mind-the-gaps", "quartile"))


def test_the_change_is_from_the_partnerships_previous_round(engine: Engine, cohort: dict[str, int]) -> None:
    comparison = compare(engine, cohort)
    changes = {
        ("Eastvale ICS", "shared-purpose"): 1.0,
        ("Eastvale ICS", "trust-momentum"): 1.0,
        ("Northfield place", "shared-purpose"): 1.0,
        ("Northfield place", "trust-momentum"): 0.0,
        ("Southmoor place", "shared-purpose"): 0.0,
        ("Southmoor place", "trust-momentum"): -1.0,
    }
    for (name, domain), change in changes.items():
        assert figure(comparison, name, domain, "change") == change, (name, domain)
    # Nobody rated mind-the-gaps in R1, and Eastvale's R2 figure is withheld: no change.
    assert math.isnan(figure(comparison, "Eastvale ICS", "mind-the-gaps", "change"))
    assert math.isnan(figure(comparison, "Northfield place", "mind-the-gaps", "change"))


def test_filtering_by_kind_keeps_only_those_partnerships(engine: Engine, cohort: dict[str, int]) -> None:
    comparison = compare(engine, cohort, kinds=["ics", "place"])
    assert comparison.partnerships["name"].tolist() == ["Eastvale ICS", "Northfield place", "Southmoor place"]
    assert medians(comparison)["shared-purpose"] == (3.0, 4.0, 1.0)
    assert len(comparison.quartiles) == 3


def test_a_cohort_with_only_two_shown_partnerships_has_no_quartiles(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort, kinds=["place"])
    assert comparison.partnerships["name"].tolist() == ["Northfield place", "Southmoor place"]
    assert comparison.quartiles.empty
    assert list(comparison.quartiles.columns) == ["domain", "q1", "q3"]
    assert comparison.domains["quartile"].isna().all()
    # The median is still there: median(4, 2) = 3, target median(4, 3) = 3.5, gap median(0, 1) = 0.5.
    assert medians(comparison)["shared-purpose"] == (3.0, 3.5, 0.5)
    assert cohort_document(comparison)["quartiles"] == []


def test_a_date_range_picks_the_latest_round_within_it(engine: Engine, cohort: dict[str, int]) -> None:
    comparison = compare(engine, cohort, until=date(2026, 3, 1))
    partnerships = by_name(comparison)
    assert {p["round"] for p in partnerships.values()} == {"R1"}
    # Westmere's first round had three respondents: shown this time.
    assert not partnerships["Westmere PC"]["withheld"]
    assert figure(comparison, "Westmere PC", "shared-purpose") == 1.0
    # R1 shared-purpose currents 2, 3, 2, 1: median 2, q1 1.75, q3 2.25; no round before R1.
    assert medians(comparison)["shared-purpose"][0] == 2.0
    quartiles = comparison.quartiles.set_index("domain")
    assert (quartiles.loc["shared-purpose", "q1"], quartiles.loc["shared-purpose", "q3"]) == (1.75, 2.25)
    assert comparison.domains["change"].isna().all()

    since = compare(engine, cohort, since=date(2026, 3, 1))
    assert {p["round"] for p in by_name(since).values()} == {"R2"}
    assert figure(since, "Eastvale ICS", "shared-purpose") == 3.0
    assert since.domains["change"].isna().all()  # R1 is out of range, so there is no previous round

    both = compare(engine, cohort, since=R1, until=R2)
    assert figure(both, "Eastvale ICS", "shared-purpose", "change") == 1.0


def test_a_partnership_with_no_round_in_range_is_listed_withheld_without_figures(
    engine: Engine, cohort: dict[str, int]
) -> None:
    comparison = compare(engine, cohort, since=date(2027, 1, 1))
    assert len(comparison.partnerships) == 4
    assert comparison.partnerships["withheld"].all()
    assert comparison.partnerships["latest_workshop"].isna().all()
    assert (comparison.partnerships["respondents"] == 0).all()
    assert comparison.domains.empty and comparison.cohort_median.empty and comparison.quartiles.empty
    document = cohort_document(comparison)
    assert document["partnerships"][0] == {
        "name": "Eastvale ICS",
        "kind": "ics",
        "latest_workshop": None,
        "respondents": 0,
        "withheld": True,
        "domains": [],
        "not_asked": [],
    }


def test_filtering_by_bank_version_keeps_rounds_on_that_version(
    engine: Engine, cohort: dict[str, int]
) -> None:
    older = compare(engine, cohort, bank_version="ics-readiness 1.0.0")
    west = by_name(older)["Westmere PC"]
    assert west["round"] == "R1" and not west["withheld"]
    assert by_name(older)["Eastvale ICS"]["round"] == "R2"

    newer = compare(engine, cohort, bank_version="ics-readiness 1.1.0")
    partnerships = by_name(newer)
    assert partnerships["Westmere PC"]["round"] == "R2" and partnerships["Westmere PC"]["withheld"]
    assert partnerships["Eastvale ICS"]["latest_workshop"] is None
    assert newer.partnerships["withheld"].all() and newer.quartiles.empty


def test_an_archived_partnership_is_left_out(engine: Engine, cohort: dict[str, int]) -> None:
    with transaction(engine) as session:
        archived = session.get(Partnership, cohort["Northfield place"])
        assert archived is not None
        archived.archived = True
    comparison = compare(engine, cohort)
    assert "Northfield place" not in comparison.partnerships["name"].tolist()
    assert "Northfield place" not in comparison.domains["name"].tolist()
    assert comparison.quartiles.empty  # two shown partnerships are left


def test_places_are_compared_with_their_system(engine: Engine, cohort: dict[str, int]) -> None:
    comparison = compare(engine, cohort)
    difference = place_vs_system(comparison, ics_partnership_id=cohort["Eastvale ICS"])
    assert list(difference.columns) == ["name", "domain", "title", "place", "system", "difference", "state"]
    assert difference["name"].drop_duplicates().tolist() == ["Northfield place", "Southmoor place"]
    found = {
        (r["name"], r["domain"]): (r["place"], r["system"], r["difference"])
        for r in difference.to_dict("records")
    }
    assert found[("Northfield place", "shared-purpose")] == (4.0, 3.0, 1.0)
    assert found[("Northfield place", "trust-momentum")] == (3.0, 2.0, 1.0)
    assert found[("Southmoor place", "shared-purpose")] == (2.0, 3.0, -1.0)
    assert found[("Southmoor place", "trust-momentum")] == (1.0, 2.0, -1.0)
    # The system's mind-the-gaps figure is withheld: no difference.
    assert math.isnan(found[("Northfield place", "mind-the-gaps")][2])
    # A partnership with no places has none to compare.
    assert place_vs_system(comparison, ics_partnership_id=cohort["Westmere PC"]).empty


def test_the_cohort_document_has_every_figure_unrounded_and_withheld_ones_as_null(
    engine: Engine, cohort: dict[str, int]
) -> None:
    document = cohort_document(compare(engine, cohort))
    json.dumps(document, allow_nan=False)  # no NaN and no numpy types
    assert set(document) == {"cohort", "partnerships", "cohort_median", "quartiles"}
    east = document["partnerships"][0]
    assert set(east) == {"name", "kind", "latest_workshop", "respondents", "withheld", "domains", "not_asked"}
    # Each figure names the round it comes from: here every domain is from the latest round, R2.
    source = {"round": "R2", "held_on": "2026-04-10", "workshop": east["latest_workshop"]}
    assert east["domains"][0] == {
        "id": "shared-purpose",
        "current": 3.0,
        "target": 4.0,
        "gap": 1.0,
        "quartile": 2,
        "change": 1.0,
        "state": "shown",
        "wording": "",  # every partnership on one bank version: nothing worded differently
        **source,
    }
    assert east["domains"][2] == {
        "id": "mind-the-gaps",
        "current": None,
        "target": None,
        "gap": None,
        "quartile": None,
        "change": None,
        "state": "withheld",
        "wording": "",
        **source,
    }
    assert east["not_asked"] == []
    west = document["partnerships"][3]
    assert west["withheld"] is True and west["respondents"] == 2
    assert all(
        d[k] is None for d in west["domains"] for k in ("current", "target", "gap", "quartile", "change")
    )
    assert document["cohort_median"][0] == {"id": "shared-purpose", "current": 3.0, "target": 4.0, "gap": 1.0}
    assert document["quartiles"][1] == {"id": "trust-momentum", "q1": 1.5, "q3": 2.5}


def test_cohort_show_prints_the_comparison_as_json(
    engine: Engine, cohort: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "cohort", "show", COHORT, "--json", "--db", url(engine))
    assert (code, err) == (0, "")
    document = json.loads(out)
    with transaction(engine) as session:
        expected = cohort_document(compare_cohort(session=session, cohort_id=cohort["cohort"]))
    assert document == expected
    assert [p["name"] for p in document["partnerships"]] == [
        "Eastvale ICS",
        "Northfield place",
        "Southmoor place",
        "Westmere PC",
    ]
    assert document["partnerships"][1]["domains"][0]["current"] == 4.0
    assert document["cohort_median"][1]["current"] == 2.0


def test_cohort_show_prints_a_table_saying_what_is_withheld(
    engine: Engine, cohort: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "cohort", "show", COHORT, "--db", url(engine))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0] == f"{COHORT}: 3 of 4 partnerships compared, each domain on the latest round that asked it"
    )
    # Overall current = the mean of the domain figures shown: Eastvale (3 + 2) / 2.
    assert "Eastvale ICS" in lines[1] and "R2" in lines[1] and lines[1].endswith("2.50")
    assert "Westmere PC" in lines[4] and "2 respondents" in lines[4] and lines[4].endswith("withheld")


def test_cohort_show_for_an_unknown_cohort_exits_2(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "cohort", "show", "Nowhere", "--json", "--db", url(engine))
    assert code == 2 and out == ""
    assert err.strip() == "there is no cohort called 'Nowhere'"


def test_the_demo_cohort_compares_three_partnerships_with_riverside_as_their_system(engine: Engine) -> None:
    summary = load_demo(engine=engine)
    with transaction(engine) as session:
        comparison = compare_cohort(
            session=session, cohort_id=cohort_id(session=session, name=summary.cohort)
        )
        riverside = partnership_id(session=session, name="Riverside ICS")
        trends = {
            name: trend_frame(session=session, partnership_id=partnership_id(session=session, name=name))
            for name in comparison.partnerships["name"]
        }
    assert comparison.partnerships["name"].tolist() == ["Northam place", "Riverside ICS", "Southbridge place"]
    assert not comparison.partnerships["withheld"].any()
    assert (comparison.partnerships["round"] == "Round 3").all()
    assert len(comparison.cohort_median) == 14 and len(comparison.quartiles) == 14
    assert comparison.domains["quartile"].notna().any()
    # The latest round's figures and changes are exactly those of the partnership's trend.
    for name, trend in trends.items():
        latest = trend.loc[trend["round"] == "Round 3"].reset_index(drop=True)
        mine = comparison.domains.loc[comparison.domains["name"] == name].reset_index(drop=True)
        assert mine["domain"].tolist() == latest["domain"].tolist()
        for column, theirs in (("current", "current"), ("gap", "gap"), ("change", "current_change")):
            assert all(same(a, b) for a, b in zip(mine[column], latest[theirs], strict=True)), (name, column)
    difference = place_vs_system(comparison, ics_partnership_id=riverside)
    assert sorted(difference["name"].unique()) == ["Northam place", "Southbridge place"]
    assert len(difference) == 2 * 14
    system = comparison.domains.loc[comparison.domains["name"] == "Riverside ICS"].set_index("domain")[
        "current"
    ]
    for row in difference.to_dict("records"):
        assert row["difference"] == pytest.approx(row["place"] - system[row["domain"]])
