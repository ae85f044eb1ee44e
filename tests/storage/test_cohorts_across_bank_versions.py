"""A cohort whose partnerships' latest rounds used two bank versions: matched by id, rewording marked."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine

from assessment.cohorts import cohort_document, compare_cohort
from assessment.db import create_cohort, create_partnership, transaction
from tests.bank_versions import SECOND_VERSION
from tests.storage.conftest import SHIPPED_BANK_TEXT, add_round


def test_partnerships_on_different_versions_are_matched_by_id_and_the_older_wording_is_marked(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Versions cohort")
        east = create_partnership(session=session, cohort_id=cohort, name="Eastvale ICS", kind="ics")
        west = create_partnership(session=session, cohort_id=cohort, name="Westmere ICS", kind="ics")
    answers = {"shared-purpose-stated": [(2, 4)] * 3, "trust-candid-relationships": [(1, 2)] * 3}
    for partnership, text in ((east, SHIPPED_BANK_TEXT), (west, SECOND_VERSION)):
        add_round(
            engine,
            partnership=partnership,
            label="R1",
            held_on=date(2026, 3, 1),
            answers=answers,
            bank_text=text,
        )
    with transaction(engine) as session:
        comparison = compare_cohort(session=session, cohort_id=cohort)

    domains = comparison.domains
    wording = {
        (str(n), str(d)): str(w)
        for n, d, w in zip(domains["name"], domains["domain"], domains["wording"], strict=True)
    }
    assert wording[("Eastvale ICS", "shared-purpose")] == (
        "worded as in ics-readiness 1.0.0, unlike ics-readiness 2.0.0: 2 questions reworded; "
        "1 question of ics-readiness 2.0.0 absent from this version; "
        "1 question absent from ics-readiness 2.0.0"
    )
    assert wording[("Westmere ICS", "shared-purpose")] == ""
    assert wording[("Eastvale ICS", "trust-momentum")] == wording[("Westmere ICS", "trust-momentum")] == ""
    # Matched by id: both partnerships' figures count in the one median.
    median = comparison.cohort_median.set_index("domain")
    assert median.loc["shared-purpose", "current"] == 2.0

    document = cohort_document(comparison)
    json.dumps(document, allow_nan=False)
    by_name = {p["name"]: {d["id"]: d for d in p["domains"]} for p in document["partnerships"]}
    assert by_name["Eastvale ICS"]["shared-purpose"]["wording"].startswith("worded as in ics-readiness 1.0.0")
    assert by_name["Westmere ICS"]["shared-purpose"]["wording"] == ""
