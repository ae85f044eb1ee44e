from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from assessment.framework import QuestionBank, load_bank

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    # No test may touch a developer's data/ics_readiness.db (or a DATABASE_URL from the shell):
    # anything that does not pick its own database gets a throwaway one.
    folder = tempfile.mkdtemp(prefix="ics-tests-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/default.db"


@pytest.fixture(scope="session")
def shipped_bank() -> QuestionBank:
    return load_bank(PROJECT_ROOT / "questions.yaml")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and rendered pages a person can look at after the run (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
