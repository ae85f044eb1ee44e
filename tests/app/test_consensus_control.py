"""Recording a consensus starts from the team's own picture and says the level's name."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assessment.demo import load_demo
from assessment.presenting import nearest_half_level
from assessment.services import Actor
from assessment.services.results import workshop_results
from tests.app.conftest import open_as_facilitator

pytestmark = pytest.mark.app


def test_the_agreed_level_starts_at_each_domains_figure_and_is_logged_with_its_name(
    app_db: Engine, facilitator: int
) -> None:
    code = load_demo(engine=app_db).join_codes[0]
    model = workshop_results(engine=app_db, actor=Actor.facilitator(facilitator), join_code=code)
    figures = {d.id: d.current.value for d in model.domains if d.current.value is not None}
    # two domains whose starting points differ, so a control fixed at one place would fail
    first, second = (
        sorted(figures, key=lambda d: figures[d])[0],
        sorted(figures, key=lambda d: figures[d])[-1],
    )
    assert nearest_half_level(figures[first], 4) != nearest_half_level(figures[second], 4)

    at = open_as_facilitator(facilitator, "views/results.py", workshop_code=code)
    for domain in (first, second):
        at.selectbox(key="results_consensus_domain").set_value(domain).run()
        slider = next(s for s in at.select_slider if s.label == "Agreed level")
        assert slider.value == nearest_half_level(figures[domain], 4)

    slider.set_value(3.5)
    next(t for t in at.text_area if t.label == "Why (the rationale)").input("We agree on this")
    next(b for b in at.button if b.label == "Record consensus").click().run()
    assert not at.exception, at.exception
    logged = next(t.value for t in at.table if "Agreed" in t.value.columns)
    shown = [text.replace("\\", "") for text in logged["Agreed"]]  # the table escapes markdown
    assert "3.5 · between Maturing and Thriving" in shown
