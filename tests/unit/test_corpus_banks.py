"""Broken and hostile question banks from tests/corpus/banks, through the loader and the CLI.

Each file must be refused with words that say what is wrong and where, quickly, without a
traceback, and by the command line with exit code 2 and one line per problem. The big ones (a
10 MB bank, binary junk) are generated into tmp_path at test time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.framework import MAX_BANK_BYTES, BankError, BankValidationError, load_bank, parse_bank
from tests.conftest import PROJECT_ROOT
from tests.corpus import bank_file, binary_junk, write_big_bank


@dataclass(frozen=True)
class Case:
    file: str
    says: tuple[str, ...]  # words each expected in some problem's message
    line: int | None = None  # the line the first problem points at, when the file has one
    never: tuple[str, ...] = ()  # words that would mislead
    within: float = 1.0  # seconds the refusal may take


CASES = [
    Case("syntax_error.yaml", ("YAML syntax error", "expected ',' or ']'", "check indentation"), line=7),
    Case("tab_indentation.yaml", ("YAML syntax error", "cannot start any token"), line=5),
    Case(
        "wrong_types.yaml",
        (
            "anonymity_threshold: expected a whole number, found the text 'three'",
            "scale: expected a list, found the text 'four levels from emerging to thriving'",
            "split_rule.share: expected a number, found the text 'lots'",
            "domains[0].items (in domain 'shared-purpose'): expected a list",
        ),
        line=7,
        # The one domain is there; it is its items that are wrong.
        never=("domains: needs at least 1 entry",),
    ),
    Case(
        "duplicate_ids.yaml",
        (
            "sectors: the id 'vcse' is used more than once",
            "domains: the domain id 'purpose' is used more than once",
            "the item id 'purpose-stated' is already used at domains[0].items[0]",
        ),
        line=8,
    ),
    Case("duplicate_keys.yaml", ("the key 'title' appears twice in the same mapping; keep one",), line=5),
    # The line is the anchor's (&lol0, &base), where the value the alias repeats is written.
    Case(
        "billion_laughs.yaml", ("lol1[0]: YAML anchors and aliases (&name / *name) are not allowed",), line=2
    ),
    Case(
        "merge_key_alias.yaml", ("item.<<: YAML anchors and aliases (&name / *name) are not allowed",), line=2
    ),
    Case("python_tag.yaml", ("could not determine a constructor for the tag",), line=2),
    Case("multiple_documents.yaml", ("expected a single document",), line=3),
    Case("top_level_list.yaml", ("expected a mapping", "found a list"), line=1),
    Case("empty.yaml", ("the file is empty; expected a question bank",)),
    Case("text_too_long.yaml", ("title: is too long; at most 2000 characters",), line=3),
    Case("latin1.yaml", ("the file is not UTF-8 text (byte 0xe9", "save it as UTF-8"), line=3),
    Case("utf16.yaml", ("the file is not UTF-8 text (byte 0xff at offset 0)", "save it as UTF-8"), line=1),
    Case("nul_byte.yaml", ("a NUL character", "delete it"), line=3),
    # PyYAML descends about a thousand levels before Python's recursion limit stops it: a second,
    # however deep the file goes (measured up to 2 million levels, the 2 MB limit).
    Case("deeply_nested.yaml", ("the file is nested too deeply",), within=5.0),
]


def refusal(path: Path, *, within: float = 1.0) -> list[BankError]:
    """The problems the loader refuses ``path`` with, in well under ``within`` seconds."""
    started = time.perf_counter()
    with pytest.raises(BankValidationError) as caught:
        load_bank(path)
    assert time.perf_counter() - started < within, "a hostile bank must be refused quickly"
    return caught.value.errors


def assert_says(errors: list[BankError], says: tuple[str, ...]) -> None:
    shown = [str(error) for error in errors]
    for words in says:
        assert any(words in line for line in shown), f"no problem says {words!r} in {shown}"


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_a_broken_bank_is_refused_by_the_loader_saying_what_and_where(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the python tag's command would leave its mark
    errors = refusal(bank_file(case.file), within=case.within)
    assert_says(errors, case.says)
    assert not any(words in str(error) for error in errors for words in case.never)
    assert errors[0].line == case.line
    assert all(error.file == str(bank_file(case.file)) for error in errors)
    assert not (tmp_path / "ics-corpus-pwned").exists()


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_the_cli_refuses_a_broken_bank_with_exit_2_and_one_line_per_problem(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(bank_file(case.file))
    code = main(["validate", path])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    # Every line names the file, so a person can jump to it; a problem never spills onto a second line.
    assert all(line.startswith(path) for line in lines), lines
    assert lines[-1].endswith("found; the bank is not valid")
    for words in case.says:
        assert any(words in line for line in lines), f"stderr does not say {words!r}: {lines}"
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("name", ["deeply_nested.yaml", "billion_laughs.yaml", "python_tag.yaml"])
def test_the_real_command_prints_no_traceback_for_a_hostile_bank(name: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessment", "validate", str(bank_file(name))],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "the bank is not valid" in result.stderr
    assert not (tmp_path / "ics-corpus-pwned").exists()


def test_a_10_mb_bank_is_refused_by_its_size_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = write_big_bank(tmp_path / "big.yaml", 10 * 1024 * 1024)
    errors = refusal(big)
    assert [e.message for e in errors] == ["the file is 10.0 MB; a question bank may be at most 2 MB"]
    # An upload is judged the same way, from its bytes.
    with pytest.raises(BankValidationError, match="at most 2 MB"):
        parse_bank(big.read_bytes(), name="big.yaml")
    assert main(["validate", str(big)]) == 2
    assert "the file is 10.0 MB; a question bank may be at most 2 MB" in capsys.readouterr().err


def test_a_bank_of_exactly_the_size_limit_is_judged_on_what_it_says(tmp_path: Path) -> None:
    edge = write_big_bank(tmp_path / "edge.yaml", MAX_BANK_BYTES)
    # 2 MB of YAML is parsed twice in pure Python (lines, then values): about a second on a
    # 2-core machine, the most a bank can cost.
    errors = refusal(edge, within=10.0)
    messages = [str(e) for e in errors]
    assert not any("MB" in m for m in messages)
    assert any("scale: is required but missing" in m for m in messages)


def test_binary_junk_named_as_a_bank_is_refused_as_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = binary_junk(tmp_path / "junk.yaml", 64 * 1024)
    errors = refusal(junk)
    assert len(errors) == 1
    assert errors[0].message.startswith("the file is not UTF-8 text (byte 0xff at offset 0)")
    assert main(["validate", str(junk)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_directory_or_a_missing_file_is_refused_as_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(BankValidationError, match="cannot read the file"):
            load_bank(path)
        assert main(["validate", str(path)]) == 2
        assert "cannot read the file" in capsys.readouterr().err
