"""Running the CLI in-process against a test database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment.cli import main


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m assessment ARGV`."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
