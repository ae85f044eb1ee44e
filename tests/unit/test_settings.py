"""The settings are read from one place, with defaults found from the project, never from the
folder a command happens to be run in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.settings import PROJECT_ROOT, current


def test_with_nothing_set_the_defaults_are_the_projects_own_files() -> None:
    settings = current({})
    assert settings.database_url is None
    assert settings.default_sqlite_path == PROJECT_ROOT / "data" / "ics_readiness.db"
    assert settings.bank_path == PROJECT_ROOT / "questions.yaml"
    assert settings.chart_browser is None
    assert settings.debug is False


def test_relative_paths_are_read_from_the_project_not_the_working_folder() -> None:
    settings = current({"ICS_DATA_DIR": "var/db", "ICS_BANK_PATH": "banks/next.yaml"})
    assert settings.default_sqlite_path == PROJECT_ROOT / "var" / "db" / "ics_readiness.db"
    assert settings.bank_path == PROJECT_ROOT / "banks" / "next.yaml"
    assert current({"ICS_DATA_DIR": "/srv/ics"}).data_folder == Path("/srv/ics")


@pytest.mark.parametrize(
    ("value", "on"), [("1", True), ("yes", True), ("0", False), ("off", False), ("", False)]
)
def test_debug_is_on_for_any_value_but_the_usual_words_for_off(value: str, on: bool) -> None:
    assert current({"ICS_DEBUG": value}).debug is on


def test_the_chart_browser_may_be_named_by_either_variable() -> None:
    assert current({"BROWSER_PATH": "/opt/chrome"}).chart_browser == "/opt/chrome"
    assert current({"ICS_CHART_BROWSER": "/a", "BROWSER_PATH": "/b"}).chart_browser == "/a"


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for folder in ("assessment", "ui", "views")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["assessment/settings.py"]


def test_the_cli_finds_the_shipped_bank_from_another_folder(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assessment", "validate"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
