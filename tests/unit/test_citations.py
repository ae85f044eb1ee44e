"""A question's source is shown to people as a citation they can read ("Mitchell-Baker
(tricordant), “The purpose of ICSs”: insight 1, …"), never as the bank's internal "seed 001"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.framework import citation, load_bank
from assessment.settings import PROJECT_ROOT


def test_a_seed_reference_reads_as_author_title_and_place() -> None:
    assert (
        citation("seed 001 (Mitchell-Baker / tricordant, the purpose of ICSs), insight 1: why, why, why")
        == "Mitchell-Baker (tricordant), “The purpose of ICSs”: insight 1: why, why, why"
    )
    assert citation("seed 004 (The King's Fund, ICSs explained), where next: communities") == (
        "The King's Fund, “ICSs explained”: where next: communities"
    )


def test_a_source_in_a_form_of_its_own_is_shown_as_written() -> None:
    assert citation("Our ICS strategy, 2025, page 4") == "Our ICS strategy, 2025, page 4"


def test_no_shipped_question_shows_a_seed_number_to_people() -> None:
    bank = load_bank(PROJECT_ROOT / "questions.yaml")
    shown = [citation(item.source) for _, item in bank.iter_items()]
    assert shown
    assert [s for s in shown if "seed" in s.lower()] == []


@given(st.text(max_size=200))
def test_any_source_gives_a_citation_without_losing_it(source: str) -> None:
    cited = citation(source)
    assert cited.strip() or not source.strip()
