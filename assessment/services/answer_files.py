"""Answers as files: a paper round typed up and imported, or every answer exported for analysis.

Both are the operator's or a facilitator's, within the cohorts they can see, and both are
audited: an export holds every person's own answers (``io.RAW_EXPORT_WARNING``), so who took one,
and when, is on the record.
"""

from __future__ import annotations

from sqlalchemy import Engine

from assessment import io
from assessment.db import audit, transaction
from assessment.services import Actor, workshop_for


def import_answers(
    *, engine: Engine, actor: Actor, workshop_id: int, content: bytes, filename: str
) -> io.ImportSummary:
    """Add the file's answers to the workshop, all or (with ``io.ImportRejected``) none of them."""
    table = io.read_answers_file(content=content, filename=filename)  # parsed before the transaction
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        summary = io.import_into(session=session, workshop_id=workshop_id, table=table)
        audit(
            session=session,
            actor=actor.audit_name,
            action="answers.imported",
            target=workshop.join_code,
            detail={"participants": summary.participants, "answers": summary.answers},
        )
        return summary


def export_answers(*, engine: Engine, actor: Actor, workshop_id: int, fmt: str) -> bytes:
    """Every answer of the workshop as a CSV, Excel or JSON file (``io.FORMATS``)."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        content = io.export_workshop(session=session, workshop_id=workshop_id, fmt=fmt)
        audit(
            session=session,
            actor=actor.audit_name,
            action="answers.exported",
            target=workshop.join_code,
            detail={"format": fmt},
        )
        return content


__all__ = ["export_answers", "import_answers"]
