"""`python -m assessment doctor`: each check says OK or what to fix, and the exit status says which."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.operations import check_chart_browser, check_data_folder, check_fonts


def test_a_chart_browser_path_that_is_not_there_is_named_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("ICS_CHART_BROWSER", str(missing))
    check = check_chart_browser()
    assert not check.ok
    assert str(missing) in check.words
    assert "ICS_CHART_BROWSER" in check.words and "apt-get install chromium" in check.words


def test_a_chart_browser_that_will_not_start_is_reported_not_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("ICS_CHART_BROWSER", str(broken))
    check = check_chart_browser()
    assert not check.ok
    assert "did not start" in check.words


def test_the_installed_chart_browser_draws_a_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ICS_CHART_BROWSER", raising=False)
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    check = check_chart_browser()
    assert check.ok, check.words
    assert check.line().startswith("OK")


def test_fonts_the_typesetter_does_not_find_are_named_with_their_packages() -> None:
    check = check_fonts(["Noto Serif", "Liberation Mono"])
    assert not check.ok
    assert "Liberation Sans or DejaVu Sans" in check.words
    assert "fonts-liberation" in check.words
    assert check.line().startswith("FIX")


def test_the_installed_fonts_are_found() -> None:
    assert check_fonts().ok


def test_a_data_folder_that_cannot_be_made_says_to_point_ics_data_dir_elsewhere(tmp_path: Path) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder", encoding="utf-8")
    check = check_data_folder(a_file / "data")
    assert not check.ok
    assert "ICS_DATA_DIR" in check.words and str(a_file / "data") in check.words


def test_a_writable_data_folder_is_left_as_it_was(tmp_path: Path) -> None:
    check = check_data_folder(tmp_path)
    assert check.ok
    assert list(tmp_path.iterdir()) == []


def test_doctor_exits_1_and_says_what_to_fix_when_the_browser_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICS_CHART_BROWSER", str(tmp_path / "gone"))
    monkeypatch.setenv("ICS_DATA_DIR", str(tmp_path))
    database = tmp_path / "app.db"
    assert main(["init", "--db", f"sqlite:///{database}"]) == 0
    capsys.readouterr()
    code = main(["doctor", "--db", f"sqlite:///{database}"])
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "OK   database",
        "OK   migrations",
        "OK   data folder",
        "OK   PDF maker",
        "OK   fonts",
        "FIX  chart browser",
    ]
    assert "1 check of 6 need fixing" in captured.err


def test_doctor_on_a_missing_sqlite_file_says_to_run_init_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "nothing-here.db"
    code = main(["doctor", "--no-charts", "--db", f"sqlite:///{database}"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FIX  database: there is no database file" in out and "`python -m assessment init`" in out
    assert not database.exists()
