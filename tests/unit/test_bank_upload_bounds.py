"""Checking a bank file costs bounded work, whatever the file: a hostile upload is refused after
reading a bounded part of it, in one sentence, not validated in full into a million errors."""

from __future__ import annotations

import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.framework import MAX_BANK_BYTES, MAX_BANK_NODES, BankValidationError, load_bank, parse_bank
from tests.conftest import PROJECT_ROOT

HEAD = "id: x\nversion: '1'\ntitle: T\nscale: []\nsectors: []\ndomains:\n"
TINY = "- {a: 1}\n"  # one domain of three values (a mapping, a key, a value) and five problems
HEAD_NODES = 13  # the top mapping, its six keys and their values (domains: the list)
HEAD_PROBLEMS = 2  # a scale and sectors, both empty


def tiny_mappings(count: int) -> str:
    return HEAD + TINY * count


def problems(text: str) -> list[str]:
    with pytest.raises(BankValidationError) as caught:
        parse_bank(text.encode(), name="upload.yaml")
    return [str(e) for e in caught.value.errors]


def test_the_shipped_bank_is_far_inside_the_bound() -> None:
    load_bank(PROJECT_ROOT / "questions.yaml")  # about 1,500 values


def test_two_megabytes_of_tiny_mappings_are_refused_in_one_sentence_within_a_second_of_cpu() -> None:
    text = tiny_mappings((MAX_BANK_BYTES - len(HEAD)) // len(TINY))
    assert MAX_BANK_BYTES - len(TINY) < len(text.encode()) <= MAX_BANK_BYTES
    cpu = time.process_time()
    found = problems(text)
    spent = time.process_time() - cpu
    print(f"\n2 MB of tiny mappings: {spent:.2f} s of CPU, {len(found)} problem listed")
    # Before the bound: 45.7 s of CPU, 1.7 GB and 1,165,052 problems.
    assert spent < 5
    assert len(found) == 1
    # The first value past the bound is in the domain on this line (the head takes six).
    line = len(HEAD.splitlines()) + -(-(MAX_BANK_NODES + 1 - HEAD_NODES) // 3)
    assert found[0].startswith(f"upload.yaml:{line}: the file holds more than {MAX_BANK_NODES:,} values")
    assert "check that this is the bank you meant, or split it into smaller banks" in found[0]
    # The memory it took stays small (this process's peak, which includes the test suite itself).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1024 * 1024  # KiB: under 1 GiB


def test_a_file_just_inside_the_bound_is_checked_in_full() -> None:
    count = (MAX_BANK_NODES - HEAD_NODES) // 3
    found = problems(tiny_mappings(count))
    assert len(found) == HEAD_PROBLEMS + 5 * count
    assert not any("values (keys, texts" in p for p in found)
    assert "more than" in problems(tiny_mappings(count + 1))[0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(min_value=1, max_value=(MAX_BANK_BYTES - len(HEAD)) // len(TINY)))
def test_however_many_tiny_mappings_a_file_holds_the_problems_listed_stay_bounded(count: int) -> None:
    found = problems(tiny_mappings(count))
    # Each value can be at most a few problems, and no more values than the bound are read.
    assert 1 <= len(found) <= 2 * MAX_BANK_NODES
    if 3 * count + HEAD_NODES > MAX_BANK_NODES:
        assert len(found) == 1 and "more than" in found[0]
