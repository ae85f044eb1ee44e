from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assessment.migrate import upgrade_database
from assessment.store import (
    NotFound,
    cohort_id,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    set_workshop_state,
    store_bank_version,
    transaction,
)
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A fresh SQLite database that the app under AppTest will use (through DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


@dataclass(frozen=True)
class OpenWorkshop:
    id: int
    join_code: str


def make_workshop(
    engine: Engine,
    *,
    status: str = "open",
    title: str = "Spring round",
    name: str = "Riverside ICS",
    domains: list[str] | None = None,
    anonymous: bool = True,
) -> OpenWorkshop:
    with transaction(engine) as session:
        try:
            cohort = cohort_id(session=session, name="Test cohort")
        except NotFound:
            cohort = create_cohort(session=session, name="Test cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name=name, kind="ics")
        version = store_bank_version(session=session, yaml_text=(PROJECT_ROOT / "questions.yaml").read_text())
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title=title,
            held_on=date(2026, 5, 1),
            domains=domains,
            anonymous=anonymous,
        )
        if status != "draft":
            set_workshop_state(session=session, workshop_id=workshop.id, actor="test", status=status)
    return OpenWorkshop(workshop.id, workshop.join_code)


@pytest.fixture
def open_workshop(app_db: Engine) -> OpenWorkshop:
    return make_workshop(app_db)
