"""The figures, consensus and actions of a workshop as files, for a facilitator who may see it.

Each file is made from the presentation model (``services.results.results_model``), the one the
results page and the PDF read, inside one transaction that also records who took it, and when:
a file leaves the app, so it is on the audit record like the answers file
(``services.answer_files``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from assessment import exports
from assessment.db import audit, transaction
from assessment.presenting import ResultsModel
from assessment.results import score_stored_workshop
from assessment.services import Actor, workshop_for
from assessment.services.results import results_model

OUTCOME_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    file_name: str
    mime: str


def _model(
    *, engine: Engine, actor: Actor, workshop_id: int, action: str, detail: dict[str, str]
) -> ResultsModel:
    """The workshop's presentation model, if the actor may see it, with the export audited."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        model = results_model(session, score_stored_workshop(session=session, workshop_id=workshop_id))
        audit(
            session=session, actor=actor.audit_name, action=action, target=workshop.join_code, detail=detail
        )
        return model


def figures_workbook(*, engine: Engine, actor: Actor, workshop_id: int) -> ExportFile:
    """Questions, domains, the sector lens, spectrum and accountability as one Excel workbook."""
    model = _model(
        engine=engine,
        actor=actor,
        workshop_id=workshop_id,
        action="figures.exported",
        detail={"format": "xlsx"},
    )
    return ExportFile(
        exports.figures_workbook(model),
        exports.file_name(model.scored.workshop, "figures", "xlsx"),
        exports.XLSX_MIME,
    )


def outcomes_file(
    *, engine: Engine, actor: Actor, workshop_id: int, fmt: str, table: str | None = None
) -> ExportFile:
    """Consensus and the action plan: both in one workbook (``fmt="xlsx"``), or one of
    ``exports.OUTCOME_TABLES`` as CSV (``fmt="csv"``, ``table`` named)."""
    if fmt not in OUTCOME_FORMATS:
        raise ValueError(f"'{fmt}' is not one of {', '.join(OUTCOME_FORMATS)}")
    if fmt == "csv" and table not in exports.OUTCOME_TABLES:
        raise ValueError(f"a CSV holds one table: say which, one of {', '.join(exports.OUTCOME_TABLES)}")
    what = "consensus-and-actions" if fmt == "xlsx" else str(table)
    model = _model(
        engine=engine,
        actor=actor,
        workshop_id=workshop_id,
        action="outcomes.exported",
        detail={"format": fmt, "tables": what},
    )
    workshop = model.scored.workshop
    if fmt == "xlsx":
        content, mime = exports.outcomes_workbook(model), exports.XLSX_MIME
    else:
        content, mime = exports.outcomes_csv(model, table=str(table)), exports.CSV_MIME
    return ExportFile(content, exports.file_name(workshop, what, fmt), mime)


__all__ = ["OUTCOME_FORMATS", "ExportFile", "figures_workbook", "outcomes_file"]
