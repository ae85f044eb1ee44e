"""The results page, the PDF summary and the cohort pack: reads, each checked and in one transaction
(the summary: a check, then a build shared with callers asking at the same moment).

A facilitator reads the results of workshops in cohorts they can see; a participant reads them
only once the facilitator has revealed them. What comes back is the presentation model
(``assessment.presenting``), built once per request, or a finished PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.chart_export import ChartExporter
from assessment.cohort_admin import require_cohort
from assessment.db import transaction, workshop_info
from assessment.db.retention import answers_deleted_at
from assessment.errors import NotFound
from assessment.fresh_batches import FreshBatches
from assessment.outcomes import actions_since, current_consensus, list_actions
from assessment.presenting import ResultsModel, present
from assessment.results import ScoredWorkshop, score_stored_workshop, scores_document
from assessment.services import Actor, workshop_for
from assessment.trends import trend_frame

if TYPE_CHECKING:  # the PDF code imports Typst and kaleido, slow to load: only when asked for
    from assessment.report import PackFile, SummaryPdf

NOT_REVEALED = "the team results have not been revealed yet"

# Summaries asked for at the same moment (the reveal: the facilitator and the room's phones).
_summaries: FreshBatches[tuple[int, bool, ChartExporter | None], SummaryPdf] = FreshBatches()


def results_model(session: Session, scored: ScoredWorkshop) -> ResultsModel:
    """The presentation model of figures already scored, inside the caller's transaction."""
    workshop = scored.workshop
    model = present(
        scored,
        consensus=current_consensus(session=session, workshop_id=workshop.id),
        actions=list_actions(session=session, partnership_id=workshop.partnership_id),
        # the page needs the previous round, not the whole history, and this round is scored
        trend=trend_frame(
            session=session,
            partnership_id=workshop.partnership_id,
            until=workshop.held_on,
            last=2,
            scored=scored.as_trend_round,
        ),
        actions_since=actions_since(
            session=session, partnership_id=workshop.partnership_id, before=workshop.held_on
        ),
    )
    deleted = answers_deleted_at(session=session, workshop_id=workshop.id)
    return model if deleted is None else replace(model, answers_deleted_on=deleted.date())


def _revealed(session: Session, workshop_id: int) -> None:
    if not workshop_info(session=session, workshop_id=workshop_id).revealed:
        raise NotFound(NOT_REVEALED)


def workshop_results(
    *, engine: Engine, actor: Actor, workshop_id: int | None = None, join_code: str | None = None
) -> ResultsModel:
    """A workshop's results (by id or join code) for a facilitator who can see its cohort."""
    with transaction(engine) as session:
        if workshop_id is None:
            if join_code is None:
                raise ValueError("say which workshop: a workshop_id or a join_code")
            workshop_id = workshop_info(session=session, join_code=join_code).id
        workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return results_model(session, score_stored_workshop(session=session, workshop_id=workshop_id))


def summary_pdf(
    *,
    engine: Engine,
    actor: Actor | None,
    workshop_id: int,
    exporter: ChartExporter | None = None,
    charts: bool = True,
) -> SummaryPdf:
    """The board summary of one workshop: a facilitator's, or a participant's once revealed.

    Each caller is checked in a transaction of their own; the summary is then built in another,
    shared with whoever asks for the same one at the same moment (`FreshBatches`: never a build
    that read the database before this call). The check's transaction is not held open meanwhile:
    sixty callers waiting would otherwise hold sixty of the pool's connections.
    """
    with transaction(engine) as session:
        if actor is None:
            _revealed(session, workshop_id)
        else:
            workshop_for(session=session, actor=actor, workshop_id=workshop_id)

    def build() -> SummaryPdf:
        from assessment.report import workshop_summary_pdf

        with transaction(engine) as session:
            return workshop_summary_pdf(
                session=session, workshop_id=workshop_id, exporter=exporter, charts=charts
            )

    return _summaries.get((workshop_id, charts, exporter), build)


def workshop_scores(*, engine: Engine, actor: Actor, workshop_id: int) -> dict[str, Any]:
    """The workshop's figures as one document (``scores --json``), withheld figures as null."""
    with transaction(engine) as session:
        workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return scores_document(score_stored_workshop(session=session, workshop_id=workshop_id))


def cohort_pack_files(
    *,
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    progress: Callable[[int, int, str], None] | None = None,
    charts: bool = True,
) -> list[PackFile]:
    """One summary per partnership's latest round and the cohort overview, for an actor who can
    see the cohort; ``progress(done, total, what)`` moves a bar as they are made."""
    with transaction(engine) as session:
        if actor.facilitator_id is not None:
            require_cohort(session=session, facilitator_id=actor.facilitator_id, cohort_id=cohort_id)
        from assessment.report import cohort_pack

        return list(cohort_pack(session=session, cohort_id=cohort_id, progress=progress, charts=charts))


def cohort_pack_zip(
    *,
    engine: Engine,
    actor: Actor,
    cohort_id: int,
    progress: Callable[[int, int, str], None] | None = None,
    charts: bool = True,
) -> tuple[bytes, int]:
    """The cohort pack as a zip and how many PDFs it holds."""
    from assessment.report import zip_pack

    files = cohort_pack_files(
        engine=engine, actor=actor, cohort_id=cohort_id, progress=progress, charts=charts
    )
    return zip_pack(files), len(files)


__all__ = [
    "NOT_REVEALED",
    "cohort_pack_files",
    "cohort_pack_zip",
    "results_model",
    "summary_pdf",
    "workshop_results",
    "workshop_scores",
]
