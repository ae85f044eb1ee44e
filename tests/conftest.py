from __future__ import annotations

from pathlib import Path

import pytest

from assessment.framework import QuestionBank, load_bank

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = PROJECT_ROOT / "artifacts"


@pytest.fixture(scope="session")
def shipped_bank() -> QuestionBank:
    return load_bank(PROJECT_ROOT / "questions.yaml")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and rendered pages a person can look at after the run (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
