"""The summary at the reveal: many asking at once share builds, and each is still checked alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine

from assessment import report
from assessment.errors import NotFound
from assessment.services import Actor
from assessment.services import results as services
from tests.storage.conftest import Facilitators
from tests.storage.test_outcomes import private_workshop


def test_twenty_asking_at_once_get_the_same_summary_from_at_most_two_builds(
    engine: Engine, facilitators: Facilitators, monkeypatch: pytest.MonkeyPatch
) -> None:
    workshop, owner, _ = private_workshop(facilitators)
    built: list[int] = []
    real = report.workshop_summary_pdf

    def counted(**kwargs: Any) -> report.SummaryPdf:
        built.append(kwargs["workshop_id"])
        return real(**kwargs)

    monkeypatch.setattr(report, "workshop_summary_pdf", counted)
    start = threading.Barrier(20)

    def press(_: int) -> bytes:
        start.wait()
        return services.summary_pdf(
            engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop, charts=False
        ).content

    with ThreadPoolExecutor(max_workers=20) as room:
        pdfs = list(room.map(press, range(20)))
    assert 1 <= len(built) <= 2
    assert built == [workshop] * len(built)
    assert len(set(pdfs)) == 1 and pdfs[0].startswith(b"%PDF")


def test_no_one_shares_a_summary_they_may_not_see_while_its_owner_s_is_being_built(
    engine: Engine, facilitators: Facilitators, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker pressing Download while the facilitator's build of an unrevealed round runs
    is refused at once: the check is each caller's own, before any build is shared."""
    workshop, owner, stranger = private_workshop(facilitators)
    building, release = threading.Event(), threading.Event()

    def slow(**kwargs: Any) -> report.SummaryPdf:
        building.set()
        release.wait(10)
        return report.SummaryPdf(content=b"%PDF owner's", filename="summary.pdf", charts_problem=None)

    monkeypatch.setattr(report, "workshop_summary_pdf", slow)
    with ThreadPoolExecutor(max_workers=1) as facilitator:
        owners = facilitator.submit(
            services.summary_pdf, engine=engine, actor=Actor.facilitator(owner), workshop_id=workshop
        )
        assert building.wait(10)
        try:
            with pytest.raises(NotFound):
                services.summary_pdf(engine=engine, actor=None, workshop_id=workshop)
            with pytest.raises(NotFound):
                services.summary_pdf(engine=engine, actor=Actor.facilitator(stranger), workshop_id=workshop)
        finally:
            release.set()
        assert owners.result(10).content == b"%PDF owner's"
