"""The board PDF gains a convergence section, right after the board page, once a re-rate ran; the
reasons in it are plain text; a workshop without a re-rate has no such section."""

from __future__ import annotations

from sqlalchemy import Engine

from assessment.db import transaction
from assessment.report import workshop_summary_pdf
from assessment.services.rerate import finish_rerate, open_rerate, save_rerate
from tests.storage.test_report import flat_text
from tests.storage.test_rerate_round import ITEM, OPERATOR, _revealed_round

HOSTILE = "<script>alert(1)</script> =SUM(A1)"


def _pdf(engine: Engine, workshop_id: int) -> str:
    with transaction(engine) as session:
        return flat_text(workshop_summary_pdf(session=session, workshop_id=workshop_id, charts=False).content)


def test_the_pdf_has_a_convergence_section_after_the_board_page_once_a_re_rate_ran(engine: Engine) -> None:
    workshop_id, _, tokens = _revealed_round(engine)
    assert "Did the team converge?" not in _pdf(engine, workshop_id)
    open_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id, item_ids=[ITEM])
    save_rerate(engine=engine, token=tokens[3], item_id=ITEM, current=2, target=4, reason=HOSTILE)
    save_rerate(engine=engine, token=tokens[4], item_id=ITEM, current=3, target=4)
    finish_rerate(engine=engine, actor=OPERATOR, workshop_id=workshop_id)
    text = _pdf(engine, workshop_id)
    section = text.index("Did the team converge?")
    assert text.index("Three biggest disagreements") < section < text.index("Gaps, largest first")
    assert "The team converged on 1 of 1 question re-rated" in text
    assert "2 of 6 respondents re-rated at least one question" in text
    assert "2.00 → 0.00" in text and "60% → 100%" in text and "split → agreement" in text
    assert HOSTILE.replace(" ", "") in text.replace(" ", "")  # as typed: text, never markup
    assert "carried forward" in text  # the method note says who the re-rate rests on
