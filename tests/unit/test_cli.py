"""`python -m assessment validate`: exit codes, summaries, errors and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assessment.cli import main
from tests.banks import small_bank_data
from tests.conftest import PROJECT_ROOT


def test_validate_on_the_shipped_bank_prints_a_one_line_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(PROJECT_ROOT / "questions.yaml")])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert len(out) == 1
    assert out[0].endswith("valid: 14 domains, 56 items (50 maturity, 4 spectrum, 2 accountability)")


def test_validate_on_a_broken_bank_exits_2_with_one_line_per_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = small_bank_data()
    del data["domains"][0]["items"][0]["help"]
    data["domains"][1]["items"][0]["levels"].pop("thriving")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code = main(["validate", str(bad)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3  # two problems and the count
    assert any("domains[0].items[0].help" in line for line in lines)
    assert any("domains[1].items[0].levels" in line and "'thriving'" in line for line in lines)
    assert all(line.startswith(str(bad)) for line in lines)


def test_validate_json_dumps_the_whole_parsed_bank(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", str(PROJECT_ROOT / "questions.yaml"), "--json"])
    bank = json.loads(capsys.readouterr().out)
    assert code == 0
    assert bank["id"] == "ics-readiness" and bank["version"] == "1.0.0"
    assert [level["id"] for level in bank["scale"]] == ["emerging", "developing", "maturing", "thriving"]
    assert {"id": "vcse", "label": "VCSE"} in bank["sectors"]
    assert bank["anonymity_threshold"] == 3
    assert bank["split_rule"] == {"share": 0.25, "distance": 1.0}
    items = [item for domain in bank["domains"] for item in domain["items"]]
    assert len(items) == 56
    spectrum = next(i for i in items if i["type"] == "spectrum")
    assert len(spectrum["poles"]) == 2
    accountability = next(i for i in items if i["type"] == "accountability")
    assert all({"id", "label"} <= set(f) for f in accountability["functions"])
    assert accountability["tiers"][-1]["id"] == "unclear"
    maturity = next(i for i in items if i["type"] == "maturity")
    assert set(maturity) >= {"id", "type", "text", "help", "source", "weight", "levels"}


def test_validate_on_a_missing_file_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(tmp_path / "missing.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot read the file" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"]])
def test_every_command_answers_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert "usage: python -m assessment" in capsys.readouterr().out


def test_an_unknown_command_is_a_usage_error() -> None:
    assert main(["frobnicate"]) == 2


def test_the_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessment", "validate"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "valid: 14 domains" in result.stdout


def test_validate_finds_the_shipped_bank_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no questions.yaml here
    assert main(["validate"]) == 0, capsys.readouterr().err
    assert "56" in capsys.readouterr().out
