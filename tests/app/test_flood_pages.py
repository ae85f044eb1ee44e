"""One visitor cannot stall or lock out anyone else, through the pages (AppTest). (Sign-in, which
says in words when the database is overwhelmed, is the server's own form: its tests are in
tests/unit/test_sign_in_routes.py.)

Checking a bank file is for signed-in facilitators and its work is bounded; wrong join codes are
slowed without ever holding back a right one; and joining never shows a raw exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from streamlit.testing.v1 import AppTest

import ui.participant
from assessment.db import transaction
from assessment.db.tables import AuditEntry, Participant
from assessment.framework import MAX_BANK_BYTES, MAX_BANK_NODES
from tests.app.conftest import make_workshop, open_as_facilitator
from tests.app.conftest import open_page as page
from tests.conftest import PROJECT_ROOT
from ui.participant import JOIN_FAILED, SHARED_FREE_TRIES, SHARED_HOLD_SECONDS

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")
JOIN = "views/join.py"
BANK_PAGE = "views/question_bank.py"
# A correct code may take this long to answer however many wrong codes came before it: the page's
# own work, never a hold.
PROMPT_JOIN_SECONDS = 2.0


def no_traceback(at: AppTest) -> None:
    assert not at.exception, at.exception


# --- checking a bank file ------------------------------------------------------------------------


def small_mappings(size: int) -> bytes:
    """A file of ``size`` bytes that is mostly tiny mappings, each a handful of errors."""
    head = b"id: x\nversion: '1'\ntitle: T\nscale: []\nsectors: []\ndomains:\n"
    line = b"- {a: 1}\n"
    return head + line * ((size - len(head)) // len(line))


def upload(at: AppTest, name: str, content: bytes) -> float:
    at.file_uploader(key="bank_upload").set_value((name, content, "application/x-yaml"))
    started = time.monotonic()
    at.run()
    no_traceback(at)
    return time.monotonic() - started


def test_anyone_can_read_the_bank_but_only_a_signed_in_facilitator_can_check_a_file(
    app_db: Engine, facilitator: int
) -> None:
    visitor = page(BANK_PAGE)
    assert visitor.selectbox(key="bank_domain").options  # the questions are open to everyone
    assert not visitor.get("file_uploader")
    assert any(
        "Checking a bank file is for facilitators: sign in first." in info.value for info in visitor.info
    )
    signed_in = open_as_facilitator(facilitator, BANK_PAGE)
    assert signed_in.file_uploader(key="bank_upload")
    assert not signed_in.info


def test_a_two_megabyte_file_of_tiny_mappings_is_refused_quickly_in_one_sentence(
    app_db: Engine, facilitator: int
) -> None:
    content = small_mappings(MAX_BANK_BYTES)
    assert len(content) > MAX_BANK_BYTES - 16
    at = open_as_facilitator(facilitator, BANK_PAGE)
    took = upload(at, "hostile.yaml", content)
    print(f"\na 2 MB file of tiny mappings answered in {took * 1000:.0f} ms")
    assert took < 10  # before the bound: 45 s of CPU, and 1,165,052 rows to draw
    assert at.error[0].value == (
        "This bank has 1 problem. Fix each one below in the file, then upload it again."
    )
    (problem,) = at.table[0].value["What is wrong"]
    assert f"more than {MAX_BANK_NODES:,} values" in problem.replace("\\", "")


def test_a_file_with_thousands_of_problems_lists_the_first_fifty_and_counts_the_rest(
    app_db: Engine, facilitator: int
) -> None:
    content = small_mappings(9 * (MAX_BANK_NODES // 3 - 100))  # just inside the bound
    at = open_as_facilitator(facilitator, BANK_PAGE)
    took = upload(at, "many.yaml", content)
    print(f"\na file of {len(content):,} bytes with every problem found answered in {took * 1000:.0f} ms")
    message = at.error[0].value
    assert message.startswith("This bank has ") and "The first 50 are listed below" in message
    total = int(message.removeprefix("This bank has ").split(" ")[0].replace(",", ""))
    assert total > 10_000
    assert len(at.table[0].value) == 50
    assert any(c.value == f"…and {total - 50:,} more problems, not listed here." for c in at.caption)


# --- join codes ----------------------------------------------------------------------------------


def join_page_after(setup: Callable[[], None] | None = None) -> AppTest:
    """The join page, open and empty, in a fresh session of its own."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(JOIN)
    at.run()
    no_traceback(at)
    return at


def type_code(at: AppTest, code: str) -> float:
    started = time.monotonic()
    at.text_input(key="join_code").set_value(code).run()
    no_traceback(at)
    return time.monotonic() - started


def wrong_codes_from_the_address(engine: Engine, count: int) -> None:
    """Wrong codes other sessions (or replicas) behind the same address sent a moment ago."""
    with transaction(engine) as session:
        for _ in range(count):
            session.add(AuditEntry(actor="join", action=JOIN_FAILED, target="local"))


def test_sixty_one_wrong_codes_from_one_address_never_hold_back_the_right_code(app_db: Engine) -> None:
    workshop = make_workshop(app_db)
    wrong_codes_from_the_address(app_db, SHARED_FREE_TRIES + 1)
    at = join_page_after()
    took = type_code(at, workshop.join_code)
    print(f"\nthe right code after 61 wrong ones from its address answered in {took * 1000:.0f} ms")
    assert not at.error
    assert "Which part of the system do you work in?" in [s.label for s in at.selectbox]
    assert took < PROMPT_JOIN_SECONDS


def test_a_guesser_behind_a_busy_address_is_still_slowed_in_every_fresh_session(app_db: Engine) -> None:
    make_workshop(app_db)
    wrong_codes_from_the_address(app_db, SHARED_FREE_TRIES)
    at = join_page_after()  # a fresh session: its own count is zero
    took = type_code(at, "ABCDEFGH")
    print(f"\na wrong code from a busy address answered after {took * 1000:.0f} ms")
    assert took >= SHARED_HOLD_SECONDS
    assert at.error[0].value.startswith("There is no workshop with the code ABCDEFGH.")
    assert "the answer to each new wrong one comes more slowly" in at.error[0].value


def test_one_session_guessing_in_a_row_is_slowed_from_the_fourth_wrong_code(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_workshop(app_db)
    held: list[float] = []
    monkeypatch.setattr(ui.participant, "hold_back", held.append)  # count the holds, skip the sleeps
    at = join_page_after()
    for code in ("ABCDEFGH", "ABCDEFGJ", "ABCDEFGK", "ABCDEFGM", "ABCDEFGN", "ABCDEFGP", "ABCDEFGQ"):
        type_code(at, code)
    assert held == [0, 0, 0, 1, 2, 4, 8]


# --- joining never shows a raw exception ------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError(
            "INSERT INTO participants (workshop_id, label) VALUES (?, ?)",
            {"workshop_id": 1, "label": "P1"},
            Exception("UNIQUE constraint failed: participants.workshop_id, participants.label"),
        ),
        OperationalError("INSERT INTO participants", {}, Exception("database is locked")),
        RuntimeError("anything else at all"),
    ],
    ids=["two joins at once", "database locked", "anything else"],
)
def test_joining_says_what_to_do_whatever_the_store_raises(
    app_db: Engine, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    workshop = make_workshop(app_db)

    def fails(**_: object) -> object:
        raise error

    monkeypatch.setattr("assessment.services.participants.add_participant", fails)
    at = page(JOIN, code=workshop.join_code)
    at.selectbox[0].set_value(at.selectbox[0].options[0])
    next(b for b in at.button if b.label == "Start").click().run()
    no_traceback(at)
    assert at.error[0].value == (
        "The server is busy and could not add you to the workshop just now. "
        "Wait a few seconds, then press Start again."
    )
    shown = " ".join(e.value for e in at.error)
    assert "INSERT" not in shown and "UNIQUE" not in shown and "anything else" not in shown
    with transaction(app_db) as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
