"""The layers hold: pages and Streamlit glue draw and call services; only services open a unit of work.

A page that opens its own transaction or writes its own query is where a rule starts to live in
one door only (the command line would not meet it). These read the source, so a shortcut fails
here before it reaches a review.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_ROOT

DRAWING = sorted(
    [*(PROJECT_ROOT / "views").glob("*.py"), *(PROJECT_ROOT / "ui").glob("*.py"), PROJECT_ROOT / "app.py"]
)
# Names that mean "I run my own unit of work or my own query".
STORAGE_NAMES = {"transaction", "Session", "select", "insert", "update", "delete", "text"}


def _name(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _storage_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if (
                module.startswith("assessment.db")
                or module == "sqlalchemy"
                or module.startswith("sqlalchemy.orm")
            ):
                found += [f"{module}.{a.name}" for a in node.names if a.name in STORAGE_NAMES]
            if module in ("assessment.db.tables", "assessment.store"):
                found.append(module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in ("assessment.db.tables", "assessment.store")]
    return found


def _transaction_calls(path: Path) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "transaction")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "transaction")
        )
    ]


def test_no_page_or_ui_module_opens_a_transaction() -> None:
    opened = {_name(path): lines for path in DRAWING if (lines := _transaction_calls(path))}
    assert opened == {}


def test_no_page_or_ui_module_imports_tables_sessions_or_queries() -> None:
    imported = {_name(path): names for path in DRAWING if (names := _storage_imports(path))}
    assert imported == {}


def test_the_old_storage_door_is_gone() -> None:
    assert not (PROJECT_ROOT / "assessment" / "store.py").exists()


def test_the_layer_check_would_see_a_page_that_opens_its_own_transaction(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "from assessment.db import transaction\nfrom assessment.db.tables import Workshop\n"
        "with transaction(engine) as session:\n    pass\n",
        encoding="utf-8",
    )
    assert _transaction_calls(page) == [3]
    assert _storage_imports(page) == ["assessment.db.transaction", "assessment.db.tables"]


# A widget's key starts with the name of the page that draws it, so two pages never share a
# widget's state by accident, and a key in a test or a CSS selector says where it lives.
PAGE_PREFIXES = (
    "answer_",
    "join_",
    "workshops_",
    "results_",
    "trends_",
    "cohorts_",
    "admin_",
    "signin_",
    "bank_",
    "home_",
    "room_",
    "present_",
    "rerate_",
    "exports_",
    "team_",
    "account_",
    "audit_",
)


def _literal_keys(path: Path) -> list[tuple[int, str]]:
    """Every ``key=`` given as a string or an f-string, with the text it starts with."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg != "key":
                continue
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append((node.lineno, value.value))
            elif (
                isinstance(value, ast.JoinedStr)
                and value.values
                and isinstance(value.values[0], ast.Constant)
            ):
                found.append((node.lineno, str(value.values[0].value)))
    return found


def test_every_widget_key_written_in_a_page_or_ui_module_carries_its_page_prefix() -> None:
    unprefixed = {
        f"{_name(path)}:{line}": key
        for path in DRAWING
        for line, key in _literal_keys(path)
        if not key.startswith(PAGE_PREFIXES)
    }
    assert unprefixed == {}


def test_the_key_check_sees_an_unprefixed_key(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text('st.radio("x", key="cohort")\nst.radio("y", key=f"item-{1}")\n', encoding="utf-8")
    assert _literal_keys(page) == [(1, "cohort"), (2, "item-")]
