"""`python -m assessment doctor`: is this installation ready, and if not, what to fix.

Each check gives one line: OK with what it found, or a plain sentence of what to do. Nothing is
changed: the database is not upgraded (the app and `init` do that), no file is left behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from assessment import settings
from assessment.db import make_engine
from assessment.migrate import MIGRATIONS, current_revision, head_revision

# The PDF's template asks for Liberation Sans and falls back to DejaVu Sans (templates/report.typ).
PDF_FONTS = ("Liberation Sans", "DejaVu Sans")
FONT_PACKAGES = "fonts-liberation fonts-dejavu-core"


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``words`` say what was found when ``ok``, else what to fix."""

    name: str
    ok: bool
    words: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FIX '} {self.name}: {self.words}"


def known_revisions() -> set[str]:
    """Every schema revision this version of the code knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def check_database(url: str | None = None) -> list[Check]:
    """The database answers, and its schema is the one this code expects."""
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        return [Check("database", False, f"the database address cannot be used ({exc}); check DATABASE_URL")]
    shown = _shown(engine)
    file = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        engine.dispose()
        return [
            Check(
                "database",
                False,
                f"there is no database file at {file} yet; create it with `python -m assessment init`",
            )
        ]
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except (SQLAlchemyError, OSError) as exc:
        cause = getattr(exc, "orig", None) or exc
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        return [
            Check(
                "database",
                False,
                f"cannot reach {shown} ({first_line}); check DATABASE_URL, that the database server "
                "is running, and the user's password and rights",
            )
        ]
    finally:
        engine.dispose()
    checks = [Check("database", True, f"reachable at {shown}")]
    head = head_revision()
    if revision == head:
        checks.append(Check("migrations", True, f"the schema is at revision {head}, this version's latest"))
    elif revision is None:
        checks.append(
            Check(
                "migrations",
                False,
                f"the database has no tables yet; create them with `python -m assessment init` "
                f"(schema {head})",
            )
        )
    elif revision not in known_revisions():
        checks.append(
            Check(
                "migrations",
                False,
                f"the database is at schema revision {revision}, which this version does not know "
                f"(it knows up to {head}): it was written by a newer version; upgrade the application",
            )
        )
    else:
        checks.append(
            Check(
                "migrations",
                False,
                f"the database is at schema revision {revision}, behind this version's {head}; "
                "upgrade it with `python -m assessment init` (the app also does on start)",
            )
        )
    return checks


def check_chart_browser() -> Check:
    """A browser for the PDF's charts is found, starts, and draws one chart."""
    from assessment.chart_export import (
        CHART_BROWSER_ENV,
        INSTALL_HINT,
        ChartExporter,
        ChartRequest,
        find_browser,
    )

    named = settings.current().chart_browser
    path = find_browser()
    if path is None:
        where = (
            f"{CHART_BROWSER_ENV} names {named}, which is not an executable file"
            if named
            else "no Chrome or Chromium browser was found on the PATH"
        )
        return Check("chart browser", False, f"{where}. {INSTALL_HINT}")
    import plotly.graph_objects as go

    exporter = ChartExporter(browser_path=path)
    try:
        drawn = exporter.svgs([ChartRequest(go.Figure(go.Bar(x=["check"], y=[1])), 120, 80)])
    finally:
        exporter.close()
    if exporter.problem or not drawn or not drawn[0]:
        problem = exporter.problem or f"{path} started but drew nothing. {INSTALL_HINT}"
        return Check("chart browser", False, problem)
    return Check("chart browser", True, f"{path} started and drew a chart")


def check_pdf() -> Check:
    """The typesetter imports and makes a tagged PDF."""
    try:
        import typst

        pdf = typst.compile(
            b'#set document(title: "ICS Readiness")\nICS Readiness', format="pdf", pdf_standards="ua-1"
        )
    except (ImportError, OSError, RuntimeError) as exc:
        return Check("PDF maker", False, f"Typst cannot run ({exc}); reinstall the project's requirements")
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF"):
        return Check("PDF maker", False, "Typst made no PDF; reinstall the project's requirements")
    return Check("PDF maker", True, "Typst made a PDF")


def check_fonts(found: Iterable[str] | None = None) -> Check:
    """The typesetter finds the fonts the PDF's template names among the system's fonts (``found``:
    the families it finds, for a test)."""
    if found is None:
        import typst

        found = typst.Fonts(include_system_fonts=True, include_embedded_fonts=False).families()
    families = set(found)
    missing = [family for family in PDF_FONTS if family not in families]
    if missing:
        return Check(
            "fonts",
            False,
            f"the typesetter does not find {' or '.join(missing)}; the PDF would use another font. "
            f"On Debian or Ubuntu: sudo apt-get install {FONT_PACKAGES}",
        )
    return Check("fonts", True, f"the typesetter finds {' and '.join(PDF_FONTS)}")


def check_data_folder(folder: Path | None = None) -> Check:
    """The data folder (the SQLite database's home) exists, or can be made, and takes a file."""
    chosen = folder or settings.current().data_folder
    try:
        chosen.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=chosen, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            "data folder",
            False,
            f"cannot write in {chosen} ({exc.strerror or exc}); give the app's user write access "
            "to it, or point ICS_DATA_DIR at a folder it may write",
        )
    return Check("data folder", True, f"{chosen} is writable")


def run_doctor(url: str | None = None, *, charts: bool = True) -> list[Check]:
    """Every check, in the order a broken installation is best fixed."""
    checks = check_database(url)
    steps: list[Callable[[], Check]] = [check_data_folder, check_pdf, check_fonts]
    if charts:
        steps.append(check_chart_browser)
    checks += [step() for step in steps]
    return checks
