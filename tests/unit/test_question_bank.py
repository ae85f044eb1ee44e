"""The shipped question bank meets the brief: coverage, types, sources, and its own words."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, SpectrumItem
from tests.conftest import PROJECT_ROOT

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"

REQUIRED_DOMAINS = {
    "shared-purpose",
    "dual-purpose-design",
    "mind-the-gaps",
    "design-principles",
    "manage-the-tensions",
    "right-thing-easy",
    "trust-momentum",
    "local-flexibility",
    "patient-focus",
    "collaboratives-and-place",
    "partnership-or-oversight",
    "accountability",
    "delegation-to-place",
}


def test_the_bank_covers_the_seven_insights_and_the_open_questions(shipped_bank: QuestionBank) -> None:
    ids = {d.id for d in shipped_bank.domains}
    assert ids >= REQUIRED_DOMAINS
    assert len(shipped_bank.domains) >= 12


def test_the_bank_has_at_least_45_items_and_three_to_five_per_domain(shipped_bank: QuestionBank) -> None:
    assert sum(shipped_bank.counts().values()) >= 45
    for domain in shipped_bank.domains:
        assert 3 <= len(domain.items) <= 5, domain.id
        assert any(isinstance(i, MaturityItem) for i in domain.items), f"{domain.id} would have no score"


def test_the_bank_has_spectrum_items_including_partnership_versus_oversight(
    shipped_bank: QuestionBank,
) -> None:
    spectra = [i for _, i in shipped_bank.iter_items() if isinstance(i, SpectrumItem)]
    assert len(spectra) >= 2
    oversight = [
        i for i in spectra if "oversight" in i.poles[1].lower() and "partnership" in i.poles[0].lower()
    ]
    assert oversight, "a spectrum from partnership to oversight body is expected"


def test_an_accountability_item_lists_at_least_five_functions(shipped_bank: QuestionBank) -> None:
    items = [i for _, i in shipped_bank.iter_items() if isinstance(i, AccountabilityItem)]
    assert max(len(i.functions) for i in items) >= 5


def test_the_bank_level_settings_match_the_design(shipped_bank: QuestionBank) -> None:
    assert [level.label for level in shipped_bank.scale] == ["Emerging", "Developing", "Maturing", "Thriving"]
    assert [s.id for s in shipped_bank.sectors] == [
        "ics-nhs-body",
        "nhs-trust",
        "primary-care",
        "local-authority",
        "vcse",
        "healthwatch",
        "other",
    ]
    assert shipped_bank.anonymity_threshold == 3
    assert (shipped_bank.split_rule.share, shipped_bank.split_rule.distance) == (0.25, 1)


def test_the_folded_domain_says_that_it_was_folded(shipped_bank: QuestionBank) -> None:
    folded = shipped_bank.domain("statutory-structure-and-equal-partners")
    assert "fold" in folded.description.lower()


def _seed_files() -> dict[str, Path]:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed articles are not beside the project ({SEEDS}); they come with shared/")
    return {p.name[:3]: p for p in SEEDS.glob("*.txt")}


def test_every_item_cites_a_seed_that_exists(shipped_bank: QuestionBank) -> None:
    seeds = _seed_files()
    for _, item in shipped_bank.iter_items():
        match = re.match(r"seed (\d{3})\b", item.source)
        assert match, f"{item.id}: source should start 'seed NNN', got {item.source!r}"
        assert match.group(1) in seeds, f"{item.id}: no seed {match.group(1)}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def test_no_question_text_copies_eight_words_in_a_row_from_a_seed(shipped_bank: QuestionBank) -> None:
    run = 8
    seed_runs: set[tuple[str, ...]] = set()
    for path in _seed_files().values():
        words = _words(path.read_text(encoding="utf-8"))
        seed_runs.update(tuple(words[i : i + run]) for i in range(len(words) - run + 1))
    copied = Counter[str]()
    for _, item in shipped_bank.iter_items():
        texts = [item.text, item.help]
        if isinstance(item, MaturityItem):
            texts += list(item.levels.values())
        for text in texts:
            words = _words(text)
            if any(tuple(words[i : i + run]) in seed_runs for i in range(len(words) - run + 1)):
                copied[item.id] += 1
    assert not copied, f"items echoing a seed word for word: {dict(copied)}"
