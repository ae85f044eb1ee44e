"""The bulk readers: a workshop's answers as rows and as scoring's frames, and several
workshops' answers at once for trends and cohorts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Select, SQLColumnExpression, Text, cast, select
from sqlalchemy.orm import Session

# Imported here so its tables are declared wherever the bulk readers are: trends and cohorts read
# a retained round's stored figures instead of its deleted answers.
from assessment.db.retention import retained_figures as retained_figures
from assessment.db.tables import Participant, Response

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class ResponseRow:
    """One stored answer with who gave it: what scoring, export and the views all start from."""

    participant: int
    label: str
    sector: str
    role: str
    display_name: str | None
    item_id: str
    current: int | None
    target: int | None
    dont_know: bool
    confidence: int | None
    comment: str | None
    tiers: dict[str, str] | None


def _answers_with_who(workshop_id: int, *, tiers: SQLColumnExpression[Any]) -> Select[*tuple[Any, ...]]:
    """Each answer of the workshop with who gave it, by person and question; ``tiers`` as given
    (decoded by SQLAlchemy, or as the JSON's text for a read through the driver)."""
    return (
        select(
            Participant.id,
            Participant.label,
            Participant.sector,
            Participant.role,
            Participant.display_name,
            Response.item_id,
            Response.current,
            Response.target,
            Response.dont_know,
            Response.confidence,
            Response.comment,
            tiers,
        )
        .join(Response, Response.participant_id == Participant.id)
        .where(Participant.workshop_id == workshop_id)
        .order_by(Participant.id, Response.item_id)
    )


def response_rows(*, session: Session, workshop_id: int, submitted_only: bool = False) -> list[ResponseRow]:
    """Every stored answer of the workshop with who gave it; with ``submitted_only``, only the
    answers that count in its figures (``counted``)."""
    query = _answers_with_who(workshop_id, tiers=Response.tiers)
    rows = session.execute(counted(query) if submitted_only else query).all()
    return [
        ResponseRow(
            pid, label, sector, role, name, item, current, target, bool(dont_know), confidence, comment, tiers
        )
        for pid, label, sector, role, name, item, current, target, dont_know, confidence, comment, tiers in (
            tuple(row) for row in rows
        )
    ]


def counted(query: _Query) -> _Query:
    """Only the answers of participants who submitted: the answers every figure is made from.

    Why: a person who joins again (another device, a cleared browser) leaves their first
    participant behind, half answered. If unsubmitted answers counted, that abandoned half would be
    scored as another person, and two real people with one abandoned tab would meet a threshold of
    three: each could then read the other's answers from the figures. Only a press of "Submit"
    makes a participant a respondent, as completed responses are in a survey. The rule is stated
    on the results page and in the method note (assessment.presenting.COUNTING_RULE).
    """
    return query.where(Participant.submitted_at.is_not(None))


def workshop_answers(*, session: Session, workshop_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The workshop's counted answers (``counted``) in scoring's shape: (answers, tier_answers).

    The rows are those of ``response_rows(submitted_only=True)``, in its order, read through the
    DB-API cursor (``_fetch_rows``): every results page and summary starts here, and SQLAlchemy's
    processing of each row cost more than the query (bench/RESULTS.md). ``tiers`` is read as its
    JSON text, the same on both backends, and decoded only for the accountability answers.
    """
    query = counted(_answers_with_who(workshop_id, tiers=cast(Response.tiers, Text)))
    level_rows, tier_rows = [], []
    for *who, current, target, dont_know, confidence, comment, tiers in _fetch_rows(session, query):
        # JSON's null, stored for "no tiers", reads as the text "null"; SQL's NULL as None
        if tiers is not None and tiers != "null":
            for function_id, tier in json.loads(tiers).items():
                tier_rows.append((*who, function_id, tier, confidence, comment))
        else:
            level_rows.append((*who, current, target, bool(dont_know), confidence, comment))
    # who answered which question, then the answer's own columns
    who_columns = ["participant", "label", "sector", "role", "display_name", "item_id"]
    answers = pd.DataFrame(
        level_rows, columns=[*who_columns, "current", "target", "dont_know", "confidence", "comment"]
    ).astype({"current": "float64", "target": "float64", "dont_know": "bool"})
    tier_answers = pd.DataFrame(
        tier_rows, columns=[*who_columns, "function_id", "tier", "confidence", "comment"]
    )
    return answers, tier_answers


# The columns of the level answers' two reads, as numpy converts them: a missing level (None)
# becomes NaN in a float column, and SQLite's 0/1 and PostgreSQL's booleans both become bools.
_PEOPLE = np.dtype([("participant", "i8"), ("workshop", "i8"), ("sector", "O")])
_LEVELS = np.dtype(
    [("participant", "i8"), ("item_id", "O"), ("current", "f8"), ("target", "f8"), ("dont_know", "?")]
)


def _fetch_columns(
    session: Session, query: Select[*tuple[Any, ...]], columns: np.dtype[Any]
) -> np.ndarray[Any, Any]:
    """``query``'s rows as one numpy record array, read through the DB-API cursor of the session's
    own connection (its transaction). Building the array from the rows is one C loop; pandas'
    from_records, or transposing the rows in Python, cost more than the fetch itself."""
    return np.array(_fetch_rows(session, query), dtype=columns)


def _fetch_rows(session: Session, query: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``query``'s rows as the DB-API driver gives them, through the cursor of the session's own
    connection (its transaction), without SQLAlchemy's processing of each row. The caller takes
    what the drivers differ in (SQLite's 0 and 1 for booleans) into account."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    parameters: Any = (
        tuple(compiled.params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else compiled.params
    )
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), parameters)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return list(rows)


def scoring_frames(*, session: Session, workshop_ids: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Only the columns scoring reads, of the counted answers (``counted``), for several
    workshops at once (trends, cohorts):
    (answers, tier_answers), each with a ``workshop`` column.

    The level answers, by far the most rows, are fetched through the DB-API cursor of the
    session's own connection (same transaction), because SQLAlchemy's per-row processing cost
    three times the query itself at a cohort's 252,000 rows (bench/RESULTS.md), and are turned
    into columns by numpy in one step (``_fetch_columns``). The few accountability rows go through
    SQLAlchemy, which decodes their JSON.
    """
    ids = list(workshop_ids)
    people_query = counted(
        select(Participant.id, Participant.workshop_id, Participant.sector).where(
            Participant.workshop_id.in_(ids)
        )
    )
    levels_query = counted(
        select(
            Response.participant_id, Response.item_id, Response.current, Response.target, Response.dont_know
        )
        .select_from(Participant)
        .join(Response, Response.participant_id == Participant.id)
        # A level answer has a current level or is a don't-know. Not "tiers IS NULL": the JSON
        # type stores Python None as the JSON text null, which SQL does not see as NULL.
        .where(Participant.workshop_id.in_(ids), Response.current.is_not(None) | Response.dont_know)
    )
    people = _fetch_columns(session, people_query, _PEOPLE)
    levels = _fetch_columns(session, levels_query, _LEVELS)
    # Each answer takes its person's workshop and sector from the few people read apiece, not
    # from every answer's row: two values fewer for every one of a cohort's 252,000 answers.
    whose = pd.Index(people["participant"]).get_indexer(levels["participant"])
    # Each statement reads the database as it is when it starts (PostgreSQL's read committed; SQLite
    # too, in a transaction that has not written): an answer of someone who submitted between the
    # two reads has no person read, and waits for the next page run.
    levels, whose = levels[whose >= 0], whose[whose >= 0]
    answers = pd.DataFrame(
        {
            "workshop": people["workshop"][whose],
            "participant": levels["participant"],
            "sector": pd.array(people["sector"][whose], dtype="str"),
            "item_id": pd.array(levels["item_id"], dtype="str"),
            "current": levels["current"],
            "target": levels["target"],
            "dont_know": levels["dont_know"],
        }
    )
    tiers_query = (
        select(Participant.workshop_id, Participant.id, Participant.sector, Response.item_id, Response.tiers)
        .join(Response, Response.participant_id == Participant.id)
        .where(Participant.workshop_id.in_(ids), Response.current.is_(None), Response.dont_know.is_(False))
    )
    tier_rows = session.execute(counted(tiers_query)).all()
    tiers = [
        (workshop, participant, sector, item, function, tier)
        for workshop, participant, sector, item, chosen in tier_rows
        for function, tier in (chosen or {}).items()
    ]
    tier_answers = pd.DataFrame(
        tiers, columns=["workshop", "participant", "sector", "item_id", "function_id", "tier"]
    )
    return answers, tier_answers
