from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from assessment.migrate import upgrade_database
from assessment.store import make_engine


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A fresh SQLite database that the app under AppTest will use (through DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade_database(engine)
    return engine
