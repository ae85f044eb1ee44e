"""The facilitator's workshop page: refused without sign-in; create, open, reveal; live counts."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from assessment.db import add_participant, list_workshops, transaction, workshop_info
from assessment.db.tables import AuditEntry
from tests.app.conftest import make_workshop, sign_in_as
from tests.conftest import PROJECT_ROOT
from ui.navigation import menu_entries

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")


def workshops_page(facilitator_id: int | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if facilitator_id is not None:
        sign_in_as(at, facilitator_id)
    at.run()
    at.switch_page("views/workshops.py")
    at.run()
    assert not at.exception, at.exception
    return at


def run_script_directly(forged_id: int | None) -> AppTest:
    """The page script on its own, as if reached without the frame: its own guard must hold, even
    with a facilitator's id put in the session (an id there signs nobody in)."""
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "workshops.py"), default_timeout=30)
    if forged_id is not None:
        at.session_state["facilitator_id"] = forged_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_menu_offers_no_facilitator_page_to_anyone_not_signed_in(app_db: Engine) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    # The page's address still opens it (a refresh, a second tab), but it only asks for sign-in.
    assert "Workshops" not in [p.title for p in menu_entries(signed_in=False) if not p.hidden]
    at.switch_page("views/workshops.py").run()
    assert [w.value for w in at.warning] == ["Sign in to continue."]
    assert not at.title


def test_the_page_itself_refuses_anyone_not_signed_in(app_db: Engine) -> None:
    make_workshop(app_db)
    at = run_script_directly(None)
    assert at.warning[0].value == "Sign in to continue."
    assert not at.title
    assert not any(b.label == "Reveal results" for b in at.button)


@pytest.mark.parametrize("forged", ["no such account", "a real account"])
def test_a_facilitator_id_put_in_the_session_is_refused(
    app_db: Engine, facilitator: int, forged: str
) -> None:
    make_workshop(app_db)
    at = run_script_directly(999 if forged == "no such account" else facilitator)
    assert at.warning[0].value == "Sign in to continue."
    assert not at.title


def test_a_facilitator_creates_a_workshop_for_a_partnership_and_is_told_its_code(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    at = workshops_page(facilitator)
    title = next(t for t in at.text_input if t.label == "Title")
    title.input("Autumn leadership session")
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert not at.exception, at.exception
    with transaction(app_db) as session:
        made = [w for w in list_workshops(session=session) if w["title"] == "Autumn leadership session"]
    assert len(made) == 1
    # Said with its code, the new workshop chosen, and the form emptied and folded under a new name,
    # so nothing invites pressing Create again.
    assert any(made[0]["join_code"] in s.value for s in at.success)
    assert at.session_state["workshop_code"] == made[0]["join_code"]
    assert next(t for t in at.text_input if t.label == "Title").value == ""
    # (the workshop's own folded panels, its closing time and invitations, follow the form)
    assert [e.label for e in at.expander if "workshop" in e.label] == ["Create another workshop"]


def test_a_refused_create_keeps_what_was_typed(app_db: Engine, facilitator: int) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    at = workshops_page(facilitator)
    next(t for t in at.text_input if t.label == "Round label (optional)").input("Round 4")
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert "Give the workshop a title" in at.error[0].value
    assert next(t for t in at.text_input if t.label == "Round label (optional)").value == "Round 4"


def test_creating_without_a_title_says_what_is_missing(app_db: Engine, facilitator: int) -> None:
    make_workshop(app_db, name="Seed partnership", status="draft")
    at = workshops_page(facilitator)
    next(b for b in at.button if b.label == "Create workshop").click().run()
    assert "Give the workshop a title" in at.error[0].value


def test_opening_closing_and_revealing_change_the_workshop_and_are_audited(
    app_db: Engine, facilitator: int
) -> None:
    workshop = make_workshop(app_db, status="draft")
    at = workshops_page(facilitator)
    # A draft shows no code and no QR: a code on the screen invites people to join
    assert not any(workshop.join_code in m.value for m in at.markdown)
    assert not (at.get("imgs") or at.get("image"))
    next(b for b in at.button if b.label == "Open for answers").click().run()
    assert any(workshop.join_code in m.value for m in at.markdown)  # the code, large, for the projector
    assert at.get("imgs") or at.get("image")  # the QR code
    next(b for b in at.button if b.label == "Close answering").click().run()
    assert not (at.get("imgs") or at.get("image"))
    next(b for b in at.button if b.label == "Reveal results").click().run()
    with transaction(app_db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == f"facilitator:{facilitator}")
        ).all()
    assert (info.status, info.revealed) == ("closed", True)
    assert actions == ["workshop.open", "workshop.closed", "workshop.reveal"]
    # Revealed: never "Open for answers" again. The re-rate is the step invited next, but nobody
    # answered, so no question has figures to re-rate and the page says so instead of a button.
    assert [b.label for b in at.button if b.proto.type == "primary"] == ["Create workshop"]
    assert any("nothing to re-rate" in i.value for i in at.info)
    assert "Open for answers" not in [b.label for b in at.button]


def test_live_progress_counts_participants_by_sector(app_db: Engine, facilitator: int) -> None:
    workshop = make_workshop(app_db)
    with transaction(app_db) as session:
        for sector in ("vcse", "vcse", "nhs-trust"):
            add_participant(session=session, workshop_id=workshop.id, sector=sector)
    at = workshops_page(facilitator)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Joined"] == "3" and metrics["Submitted"] == "0"
    by_sector = next(d.value for d in at.dataframe if "Sector" in d.value.columns)
    assert dict(zip(by_sector["Sector"], by_sector["Joined"], strict=True)) == {"VCSE": 2, "NHS trust": 1}


def test_the_lifecycle_buttons_offer_only_the_steps_the_lifecycle_allows_the_next_one_primary(
    app_db: Engine, facilitator: int
) -> None:
    make_workshop(app_db, status="draft")
    at = workshops_page(facilitator)
    steps = ("Open for answers", "Close answering", "Reveal results", "Hide results")

    def offered() -> list[tuple[str, str]]:
        return [(b.label, b.proto.type) for b in at.button if b.label in steps]

    assert offered() == [("Open for answers", "primary")]
    next(b for b in at.button if b.label == "Open for answers").click().run()
    assert offered() == [("Close answering", "primary")]
    next(b for b in at.button if b.label == "Close answering").click().run()
    assert offered() == [("Reveal results", "primary"), ("Open for answers", "secondary")]
    next(b for b in at.button if b.label == "Reveal results").click().run()
    assert offered() == [("Hide results", "secondary")]
