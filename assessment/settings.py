"""Every setting the app reads from its surroundings, in one object, from one place.

Nothing else in the code reads environment variables. ``current()`` reads them when called (tests
and the app under a process manager set them before the first call); callers that keep something
built from a setting, such as the app's engine, key it by the setting's value, so a change is never
half seen. Paths are resolved against the project root, never the working directory, so
``python -m assessment`` gives the same answer from any folder.

- ``DATABASE_URL``: the database (``postgresql://`` is read as psycopg 3); default a SQLite file
  in the data folder.
- ``ICS_DATA_DIR``: where that SQLite file lives; default ``data/`` under the project root.
- ``ICS_BANK_PATH``: the question bank new workshops use; default ``questions.yaml`` there.
- ``ICS_CHART_BROWSER`` (or ``BROWSER_PATH``): the Chrome or Chromium that draws the PDF's charts;
  default the first on PATH.
- ``ICS_CHART_WARMUP``: start that browser in the background when the server starts, so the first
  PDF does not wait for it; default on (0, false, no or off switch it off, for a cold start).
- ``ICS_DEBUG``: the command line prints a fault's whole traceback (any value but 0, false, no,
  off).
- ``ICS_SSO``: facilitators may sign in with their organisation's account (single sign-on through
  OpenID Connect, Streamlit's ``st.login``; the provider is the ``[auth]`` section of
  ``.streamlit/secrets.toml``); an account is matched by the email the provider vouches for.
  Default off; 1, true, yes or on switch it on.
- ``ICS_LOCAL_PASSWORDS``: facilitators may sign in with the app's own email and password. Default
  on; 0, false, no or off hide the password form and refuse a password posted to the sign-in
  route (with single sign-on on, the organisation's sign-in is then the only way in).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE_NAME = "ics_readiness.db"
_OFF = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """What the environment asks for, with the defaults filled in."""

    database_url: str | None
    data_folder: Path
    bank_path: Path
    chart_browser: str | None
    chart_warm_up: bool
    debug: bool
    single_sign_on: bool = False
    local_passwords: bool = True

    @property
    def default_sqlite_path(self) -> Path:
        return self.data_folder / SQLITE_FILE_NAME


def _path(value: str | None, default: Path) -> Path:
    if not value:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _switch(value: str | None, *, default: bool) -> bool:
    """A setting that is on or off: unset or empty keeps the default; the usual words for off
    (0, false, no, off) switch it off, any other value on."""
    word = (value or "").strip().lower()
    return default if not word else word not in _OFF


def current(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings now: from ``environ`` (the process environment when not given)."""
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_folder=_path(env.get("ICS_DATA_DIR"), PROJECT_ROOT / "data"),
        bank_path=_path(env.get("ICS_BANK_PATH"), PROJECT_ROOT / "questions.yaml"),
        chart_browser=env.get("ICS_CHART_BROWSER") or env.get("BROWSER_PATH") or None,
        chart_warm_up=(env.get("ICS_CHART_WARMUP", "").strip().lower() or "on") not in _OFF,
        debug=env.get("ICS_DEBUG", "").strip().lower() not in _OFF,
        single_sign_on=_switch(env.get("ICS_SSO"), default=False),
        local_passwords=_switch(env.get("ICS_LOCAL_PASSWORDS"), default=True),
    )


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment for a program this app starts (pg_dump, pg_restore): this process's own,
    with ``extra`` on top. Read here, like every other use of the environment."""
    return {**os.environ, **extra}


__all__ = ["PROJECT_ROOT", "Settings", "child_environment", "current"]
