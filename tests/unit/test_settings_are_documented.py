"""Every environment variable the app reads is in the README's settings table and in
.env.example, and nothing is documented that the app does not read: an IT team sets up a server
from those two, so a setting missing there is a setting nobody can find."""

from __future__ import annotations

import re

from assessment import settings
from tests.conftest import PROJECT_ROOT

SETTINGS_SOURCE = (PROJECT_ROOT / "assessment" / "settings.py").read_text(encoding="utf-8")
# BROWSER_PATH is kaleido's own name, read only as a fallback for ICS_CHART_BROWSER.
FALLBACKS = {"BROWSER_PATH"}


def variables_read() -> set[str]:
    return set(re.findall(r'env\.get\("([A-Z_]+)"', SETTINGS_SOURCE)) - FALLBACKS


def readme_table() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))


def env_example() -> dict[str, str]:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", text, flags=re.MULTILINE))


def test_the_settings_module_reads_the_variables_this_test_looks_for() -> None:
    assert {"DATABASE_URL", "ICS_SSO", "ICS_LOCAL_PASSWORDS"} <= variables_read()


def test_the_readme_table_names_every_variable_the_app_reads_and_no_other() -> None:
    assert readme_table() == variables_read()


def test_env_example_names_every_variable_the_app_reads_and_no_other() -> None:
    assert set(env_example()) == variables_read()


def test_env_example_as_written_gives_the_defaults() -> None:
    # Loading the example unchanged must not change anything: its values are the defaults.
    written = {name: value for name, value in env_example().items() if value}
    assert settings.current(written) == settings.current({})
