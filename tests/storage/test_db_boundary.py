"""The db package is the only door to the tables: nothing else imports them, and nothing it hands
back is a live row. Plus where the default database lives."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assessment.db import admin, cohorts, outcomes, transaction, workshop_info
from assessment.db.engine import database_url
from assessment.db.tables import Base
from assessment.outcomes import create_action, record_consensus
from tests.conftest import PROJECT_ROOT

TABLE_CLASSES = {mapper.class_.__name__ for mapper in Base.registry.mappers} | {"Base"}
# Alembic's environment needs the metadata.
ALLOWED = {"assessment/migrations/env.py"}
PENDING: set[str] = set()


def _imports_of_tables(path: Path) -> list[str]:
    """The table classes (or the tables module) a source file imports, wherever from."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "assessment.db.tables":
                found.append(node.module)
            elif node.module.startswith("assessment"):
                found += [f"{node.module}.{a.name}" for a in node.names if a.name in TABLE_CLASSES]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "assessment.db.tables"]
    return found


def test_no_module_outside_the_db_package_imports_a_table_class() -> None:
    sources = [
        *(PROJECT_ROOT / "assessment").rglob("*.py"),
        *(PROJECT_ROOT / "ui").rglob("*.py"),
        *(PROJECT_ROOT / "views").rglob("*.py"),
        PROJECT_ROOT / "app.py",
    ]
    offenders = {}
    for path in sources:
        name = path.relative_to(PROJECT_ROOT).as_posix()
        if name.startswith("assessment/db/") or name in ALLOWED | PENDING:
            continue
        imported = _imports_of_tables(path)
        if imported:
            offenders[name] = imported
    assert offenders == {}


def test_the_default_database_is_the_sqlite_file_in_the_configured_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ICS_DATA_DIR", str(tmp_path / "kept"))
    assert database_url() == f"sqlite:///{tmp_path / 'kept' / 'ics_readiness.db'}"
    assert (tmp_path / "kept").is_dir()
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/ics")
    assert database_url() == "postgresql+psycopg://someone@db.example/ics"


def _plain(value: object) -> bool:
    """A frozen dataclass, or plain values all the way down; never a mapped row."""
    if isinstance(value, Base):
        return False
    if dataclasses.is_dataclass(value):
        frozen = getattr(value, "__dataclass_params__").frozen  # noqa: B009
        return bool(frozen) and all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple | set):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return True


def test_what_the_db_queries_hand_back_is_never_a_table_row(engine: Engine, workshop_id: int) -> None:
    with transaction(engine) as session:
        workshop = workshop_info(session=session, workshop_id=workshop_id)
        record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id=workshop.domains[0],
            level=2,
            rationale="agreed",
            dissent="",
            actor="facilitator@example.org",
        )
        action = create_action(
            session=session,
            partnership_id=workshop.partnership_id,
            domain_id=workshop.domains[0],
            title="Write it down",
            actor="facilitator@example.org",
        )
        partnership = admin.partnership_row(session=session, partnership_id=workshop.partnership_id)
        assert partnership is not None
        rounds = cohorts.partnership_round_rows(session=session, partnership_ids=[workshop.partnership_id])
        results: list[object] = [
            partnership,
            outcomes.consensus_records(session=session, workshop_id=workshop_id),
            outcomes.action_record(session=session, action_id=action),
            outcomes.action_records(session=session, partnership_id=workshop.partnership_id),
            rounds,
            cohorts.cohort_partnerships(session=session, cohort_id=partnership.cohort_id),
        ]
    assert all(result for result in results)
    assert [_plain(result) for result in results] == [True] * len(results)
    assert [r.held_on for r in rounds] == [date(2026, 3, 1)]
