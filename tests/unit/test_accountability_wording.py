"""Who holds accountability, said as the answers say it: a situation where everyone answered
Unclear is named as such, the Unclear share stands beside the most named tier, and sentences that
count situations count the withheld ones too (issue: "Most named" hid "Unclear")."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import report as report_module
from assessment.db import WorkshopInfo
from assessment.presenting import EVERYONE_UNCLEAR, WITHHELD, ResultsModel, present
from assessment.report import WorkshopReport, summary_context
from assessment.results import ScoredWorkshop
from assessment.scoring import UNCLEAR_TIER, empty_answers, score_workshop
from tests.banks import small_bank
from tests.pdf_text import flat_text

BANK = small_bank()
ITEM = "trust-buck"
SITUATIONS = ("quality-failure", "overspend")
TIERS = [t.id for t in BANK.domain("trust").items[1].tiers]  # type: ignore[union-attr]
LABELS = {t.id: t.label for t in BANK.domain("trust").items[1].tiers}  # type: ignore[union-attr]


def scored(answers: dict[str, list[str]]) -> ScoredWorkshop:
    """A room where person i chose answers[situation][i] (situations may differ in size)."""
    rows = [
        {"participant": f"p{i}", "sector": "vcse", "item_id": ITEM, "function_id": situation, "tier": tier}
        for situation, tiers in answers.items()
        for i, tier in enumerate(tiers)
    ]
    tiers = pd.DataFrame(rows, columns=["participant", "sector", "item_id", "function_id", "tier"])
    tiers = tiers.assign(comment=None, display_name=None)
    levels = empty_answers().assign(comment=pd.Series(dtype=object), display_name=pd.Series(dtype=object))
    domains = [d.id for d in BANK.domains]
    info = WorkshopInfo(
        1, "ABCDEFGH", "Room", date(2026, 1, 1), "R1", "closed", True, True, tuple(domains), 1, "P", "C", 1
    )
    scores = score_workshop(levels, BANK, tier_answers=tiers, domains=domains)
    return ScoredWorkshop(info, BANK, scores, levels, tiers)


def model(answers: dict[str, list[str]]) -> ResultsModel:
    return present(scored(answers), consensus={}, actions=[], trend=pd.DataFrame())


def test_a_situation_everyone_answered_unclear_says_so_on_the_page_and_in_the_pdf() -> None:
    shown = model({"quality-failure": [UNCLEAR_TIER] * 4, "overspend": ["ics-nhs-body"] * 4})
    row = next(r for r in shown.accountability if r.situation == "Quality failure")
    assert row.modal == EVERYONE_UNCLEAR == "no tier named: everyone answered Unclear"
    assert row.unclear_share == "100%"
    assert row.unclear
    assert "Quality failure: everyone answered Unclear" in shown.readings.accountability
    room = scored({"quality-failure": [UNCLEAR_TIER] * 4, "overspend": ["ics-nhs-body"] * 4})
    context = summary_context(WorkshopReport(room, {}, [], pd.DataFrame()), None)
    text = flat_text(
        report_module.typeset_summary(WorkshopReport(room, {}, [], pd.DataFrame()), context).content
    )
    assert "Quality failure no tier named: everyone answered Unclear 100%" in text


def test_the_unclear_share_stands_beside_the_most_named_tier() -> None:
    shown = model(
        {"quality-failure": [UNCLEAR_TIER, UNCLEAR_TIER, "health-and-wellbeing-board"], "overspend": []}
    )
    row = next(r for r in shown.accountability if r.situation == "Quality failure")
    assert (row.modal, row.clarity, row.unclear_share) == ("Health and wellbeing board", "33%", "67%")


def test_sentences_that_count_situations_count_the_withheld_ones() -> None:
    shown = model({"quality-failure": [UNCLEAR_TIER] * 3, "overspend": ["ics-nhs-body"]})
    assert shown.readings.accountability.startswith(
        "1 of 2 situations lack a clear answer on accountability (1 withheld: too few answers)"
    )
    overspend = next(r for r in shown.accountability if r.situation == "Overspend")
    assert (overspend.modal, overspend.clarity, overspend.unclear_share) == ("—", WITHHELD, WITHHELD)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(TIERS), min_size=0, max_size=7),
    st.lists(st.sampled_from(TIERS), min_size=0, max_size=7),
)
def test_every_shown_situation_reads_its_answers_right_whatever_they_are(
    first: list[str], second: list[str]
) -> None:
    shown = model({"quality-failure": first, "overspend": second})
    for answers, label in ((first, "Quality failure"), (second, "Overspend")):
        row = next(r for r in shown.accountability if r.situation == label)
        if len(answers) < BANK.anonymity_threshold:
            assert (row.modal, row.clarity, row.unclear_share) == ("—", WITHHELD, WITHHELD)
            continue
        unclear = answers.count(UNCLEAR_TIER) / len(answers)
        assert row.unclear_share == f"{unclear:.0%}"
        named = [t for t in answers if t != UNCLEAR_TIER]
        if not named:
            assert row.modal == EVERYONE_UNCLEAR
        else:
            top = max(named.count(t) for t in set(named))
            ties = [LABELS[t] for t in TIERS if t != UNCLEAR_TIER and named.count(t) == top]
            assert row.modal == ties[0]  # ties go to the tier listed first in the bank
            assert row.clarity == f"{top / len(answers):.0%}"
    counted = sum(len(a) >= BANK.anonymity_threshold for a in (first, second))
    withheld = 2 - counted
    reading = shown.readings.accountability
    if counted and withheld:
        assert f"({withheld} withheld: too few answers)" in reading
    assert "nan" not in reading.lower() and "None" not in reading
