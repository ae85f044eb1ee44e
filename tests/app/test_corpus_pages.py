"""The bad-input corpus through the pages (Streamlit AppTest, through app.py's own navigation).

Every case checks the four things a person must be able to rely on: a clear message (its words
asserted), the database unchanged when something is refused (every row compared before and
after), nothing rendered as HTML or live markdown (the hostile text reaches markdown only
escaped, and never a markdown element that allows HTML), and no traceback (AppTest's exception
list is empty).

Markup, right-to-left and zero-width characters are data: they are stored as typed and shown as
typed. A NUL character cannot be stored by PostgreSQL, so each form refuses it in words on both
databases (the cases marked "both" run on SQLite and on PostgreSQL). Text longer than a field is
cut by Streamlit's own max_chars on the server, so no page can send the database more than its
column holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.db import (
    add_participant,
    bank_for_version,
    participant_answers,
    save_answer,
    submit_participant,
    transaction,
    workshop_info,
)
from assessment.db.tables import AuditEntry, Cohort, Participant, Partnership, Workshop
from assessment.outcomes import create_action, current_consensus, update_action
from tests.app.conftest import OpenWorkshop, make_workshop, open_as_facilitator
from tests.app.conftest import open_page as page
from tests.conftest import PROJECT_ROOT
from tests.corpus import (
    MARKUP_KINDS,
    bank_file,
    binary_junk,
    changed_tables,
    hostile,
    shared_database,
    snapshot,
    write_big_bank,
)
from ui.participant import JOIN_FAILED, SHARED_FREE_TRIES, normalise_code
from ui.text import escape_markdown, plain_text

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")
JOIN = "views/join.py"
ANSWER = "views/answer.py"
ITEM = "shared-purpose-stated"
COMMENT_KEY = f"answer_q_{ITEM}_comment"
MARKUP = "all_markup"  # every kind of markup at once, for a field that holds one text
NUL = "nul"


# --- opening pages ---------------------------------------------------------------------------------


def button(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()


def text_field(at: AppTest, label: str) -> object:
    return next(t for t in (*at.text_input, *at.text_area) if t.label == label)


# --- what a page shows, and how ---------------------------------------------------------------------

# Element types whose text Streamlit renders as markdown, and widgets whose labels it renders so.
MARKDOWN_ELEMENTS = (
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
)
LABELLED = (
    "button",
    "text_input",
    "text_area",
    "selectbox",
    "multiselect",
    "checkbox",
    "radio",
    "select_slider",
    "toggle",
    "tabs",
    "expander",
)


@dataclass(frozen=True)
class Shown:
    markdown: list[str]  # text rendered as markdown: element bodies, labels, st.table cells
    html: list[str]  # markdown bodies allowed to carry HTML
    plain: list[str]  # text shown as it is: dataframe cells, select options, input values


def shown(at: AppTest) -> Shown:
    markdown: list[str] = []
    html: list[str] = []
    for kind in MARKDOWN_ELEMENTS:
        for element in at.get(kind):
            markdown.append(str(element.value))
            if getattr(element, "allow_html", False):
                html.append(str(element.value))
    for toast in at.get("toast"):
        markdown.append(str(toast.proto.body))
    for kind in LABELLED:
        markdown.extend(str(element.label) for element in at.get(kind) if getattr(element, "label", None))
    plain: list[str] = []
    for table in at.table:
        markdown.extend(str(cell) for cell in table.value.to_numpy().ravel())
    for frame in at.dataframe:
        plain.extend(str(cell) for cell in frame.value.to_numpy().ravel())
    for choice in (*at.selectbox, *at.multiselect):
        plain.extend(str(option) for option in choice.options)
    for field in (*at.text_input, *at.text_area):
        plain.append(str(field.value))
    return Shown(markdown, html, plain)


def assert_shown_as_text(at: AppTest, text: str, *, in_markdown: bool = True) -> None:
    """``text`` is on the page as typed, and nowhere as markup or HTML."""
    assert not at.exception, at.exception
    seen = shown(at)
    escaped = escape_markdown(text)
    if escaped != text:  # the text holds markdown or HTML specials
        # Wherever it appears unescaped (once each escaped copy is taken out), it would be markup.
        raw = [value for value in seen.markdown if text in value.replace(escaped, "")]
        assert not raw, f"rendered as live markdown: {raw}"
    assert not [value for value in seen.html if escaped in value or text in value], "inside HTML"
    if in_markdown:
        assert any(escaped in value for value in seen.markdown), f"not shown escaped: {text!r}"
    else:
        assert any(text in value for value in seen.plain), f"not shown as plain text: {text!r}"


def messages(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("error", "warning", "info", "success") for e in at.get(kind))


# --- databases ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_app_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    yield from shared_database(request.param, tmp_path_factory.mktemp("corpus-pages"))


@pytest.fixture(scope="module")
def shared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    yield from shared_database("sqlite", tmp_path_factory.mktemp("corpus-pages-sqlite"))


@pytest.fixture
def db(shared_sqlite: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's database, shared by the module's tests (a fresh one each costs a second under load);
    each test makes workshops and names of its own. The join-code tests, which count wrong codes
    across the whole database, use a database each (app_db)."""
    monkeypatch.setenv("DATABASE_URL", shared_sqlite.url.render_as_string(hide_password=False))
    return shared_sqlite


@pytest.fixture(scope="module")
def fac(shared_sqlite: Engine) -> int:
    """A facilitator in the shared database."""
    return new_facilitator(shared_sqlite)


@pytest.fixture
def fresh_workshop(db: Engine) -> OpenWorkshop:
    return make_workshop(db, name=unique("Open place"))


@pytest.fixture
def both_db(shared_app_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's database on SQLite and on PostgreSQL (one per module: tests use names of their own)."""
    monkeypatch.setenv("DATABASE_URL", shared_app_engine.url.render_as_string(hide_password=False))
    return shared_app_engine


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def new_facilitator(engine: Engine) -> int:
    with transaction(engine) as session:
        return create_facilitator(
            session=session,
            email=f"{uuid.uuid4().hex[:10]}@riverside.nhs.uk",
            password="a long passphrase here",
            actor="t",
        )


def respondents(
    engine: Engine, workshop: OpenWorkshop, count: int, *, submitted: bool = True, **participant: object
) -> list[str]:
    """``count`` participants who answered ITEM; returns their resume tokens."""
    tokens = []
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        for _ in range(count):
            person = add_participant(session=session, workshop_id=workshop.id, sector="vcse", **participant)  # type: ignore[arg-type]
            if submitted:  # only submitted answers count
                submit_participant(session=session, participant_id=person.id)
            save_answer(
                session=session,
                participant_id=person.id,
                bank=bank,
                answer=Answer(item_id=ITEM, current=2, target=3),
            )
            tokens.append(person.resume_token)
    return tokens


def joined(engine: Engine, workshop: OpenWorkshop) -> str:
    """A participant who has joined but not answered; returns the resume token."""
    with transaction(engine) as session:
        return add_participant(session=session, workshop_id=workshop.id, sector="vcse").resume_token


# --- join codes -----------------------------------------------------------------------------------


def join_failures(engine: Engine) -> list[tuple[str, str]]:
    with transaction(engine) as session:
        return [
            (a, t)
            for a, t in session.execute(
                select(AuditEntry.action, AuditEntry.target).where(AuditEntry.action == JOIN_FAILED)
            )
        ]


def test_a_wrong_join_code_is_refused_in_plain_words_and_only_counted(app_db: Engine) -> None:
    make_workshop(app_db)
    before = snapshot(app_db)
    at = page(JOIN, code="ABCDEFGH")
    assert at.error[0].value.startswith(
        "There is no workshop with the code ABCDEFGH. Check it against the screen"
    )
    # The one write is the count that slows a guesser down, wherever their next try lands.
    assert changed_tables(before, snapshot(app_db)) == {"audit_log"}
    assert join_failures(app_db) == [(JOIN_FAILED, "local")]


CODES = {
    **{kind: hostile(kind) for kind in (*MARKUP_KINDS, NUL)},
    "ten thousand letters": "A" * 10_000,
    "sql": "' OR '1'='1",
    "path": "../../../../etc/passwd",
}


@pytest.mark.parametrize("name", list(CODES))
def test_a_hostile_code_in_the_address_is_refused_as_text_and_writes_nothing(
    name: str, app_db: Engine
) -> None:
    make_workshop(app_db)
    before = snapshot(app_db)
    at = page(JOIN, code=CODES[name])
    # The box takes 20 characters; what it shows back is the code as the page read it.
    typed = normalise_code(CODES[name][:20])
    assert at.error[0].value == (
        f"There is no workshop with the code {escape_markdown(typed)}. "
        "Check it against the screen and type it again."
    )
    assert_shown_as_text(at, typed)
    assert snapshot(app_db) == before  # not even counted: a malformed code cannot match anything


def test_wrong_codes_from_fresh_sessions_are_counted_in_the_database(app_db: Engine) -> None:
    make_workshop(app_db)
    for code in ("ABCDEFGH", "ABCDEFGJ", "ABCDEFGK"):
        page(JOIN, code=code)  # a guesser who opens a new session for every try
    assert join_failures(app_db) == [(JOIN_FAILED, "local")] * 3


def test_the_right_code_is_let_in_at_once_however_many_wrong_codes_its_address_sent(app_db: Engine) -> None:
    # A room behind one address shares its count: the right code must never be held back by it
    # (a wrong one is, tests/app/test_flood_pages.py).
    workshop = make_workshop(app_db)
    with transaction(app_db) as session:  # the wrong codes other sessions (or replicas) have sent
        for _ in range(SHARED_FREE_TRIES + 1):
            session.add(AuditEntry(actor="join", action=JOIN_FAILED, target="local"))
    before = snapshot(app_db)
    at = page(JOIN, code=workshop.join_code)
    assert not at.error
    assert "Which part of the system do you work in?" in [s.label for s in at.selectbox]
    assert snapshot(app_db) == before


def test_the_slow_down_ends_when_the_wrong_codes_are_ten_minutes_old(app_db: Engine) -> None:
    workshop = make_workshop(app_db)
    long_ago = datetime.now(UTC) - timedelta(minutes=11)
    with transaction(app_db) as session:
        for _ in range(SHARED_FREE_TRIES):
            session.add(AuditEntry(actor="join", action=JOIN_FAILED, target="local", at=long_ago))
    at = page(JOIN, code=workshop.join_code)
    assert not at.error
    assert "Which part of the system do you work in?" in [s.label for s in at.selectbox]


# --- resume tokens and the answer page's address ------------------------------------------------------


TOKENS = {
    "empty": "",
    "one letter": "x",
    "ten thousand letters": "a" * 10_000,
    "nul": "abc\x00def",
    "sql": "' OR '1'='1",
    "script": hostile("html_script"),
    "markdown link": hostile("markdown_link"),
    "right to left": hostile("right_to_left_override"),
    "path": "../../../../etc/passwd",
}


@pytest.mark.parametrize("name", list(TOKENS))
def test_a_tampered_resume_token_is_refused_in_plain_words(name: str, both_db: Engine) -> None:
    workshop = make_workshop(both_db, name=unique("Token place"))
    joined(both_db, workshop)
    before = snapshot(both_db)
    at = page(ANSWER, token=TOKENS[name])
    assert at.error[0].value.startswith("This link is not valid: it was not copied whole")
    assert not at.radio and not at.text_area  # nothing of anyone's answers
    assert snapshot(both_db) == before


def test_a_real_token_with_one_character_changed_is_refused(db: Engine, fresh_workshop: OpenWorkshop) -> None:
    token = joined(db, fresh_workshop)
    for tampered in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.upper(),
        token + " ",
        " " + token,
    ):
        at = page(ANSWER, token=tampered)
        assert at.error[0].value.startswith("This link is not valid:"), tampered


@pytest.mark.parametrize(
    ("step", "shown_step"),
    [("-1", 1), ("0", 1), ("abc", 1), ("1e9", 1), ("9" * 40, 15), ("2.5", 1), ("<script>", 1), ("", 1)],
)
def test_a_tampered_step_in_the_address_lands_on_a_real_step(
    step: str, shown_step: int, db: Engine, fresh_workshop: OpenWorkshop
) -> None:
    token = joined(db, fresh_workshop)
    before = snapshot(db)
    at = page(ANSWER, token=token, step=step)
    # 14 domains and the review; then how many questions are answered
    assert at.get("progress")[0].proto.text.startswith(f"Step {shown_step} of 15 · ")
    assert snapshot(db) == before


@pytest.mark.parametrize("view", ["edit", "results", hostile("html_script"), "x" * 10_000])
def test_a_tampered_view_cannot_reopen_a_closed_workshop_for_editing(view: str, db: Engine) -> None:
    workshop = make_workshop(db, status="closed", name=unique("Closed place"))
    (token,) = respondents(db, workshop, 1, submitted=False)
    before = snapshot(db)
    at = page(ANSWER, token=token, view=view, step="1")
    assert "Answering has closed for this workshop." in messages(at)
    assert not at.radio and not at.text_area
    assert snapshot(db) == before


# --- free text in every field a page takes -------------------------------------------------------------


@pytest.mark.parametrize("kind", [*MARKUP_KINDS, MARKUP])
def test_a_comment_is_saved_as_typed_and_shown_back_as_text(
    kind: str, db: Engine, fresh_workshop: OpenWorkshop
) -> None:
    text = hostile(kind)
    token = joined(db, fresh_workshop)
    at = page(ANSWER, token=token, step="1")
    at.text_area(key=COMMENT_KEY).set_value(text)
    at.radio(key=f"answer_q_{ITEM}_current").set_value(2)
    at.radio(key=f"answer_q_{ITEM}_target").set_value(3).run()
    assert not at.exception, at.exception
    with transaction(db) as session:
        person = session.scalar(select(Participant.id).where(Participant.resume_token == token))
        assert participant_answers(session=session, participant_id=person)[ITEM].comment == text
    again = page(ANSWER, token=token, step="1")  # a reload
    assert again.text_area(key=COMMENT_KEY).value == text
    assert_shown_as_text(again, text, in_markdown=False)


def test_a_comment_with_a_nul_is_not_saved_and_says_why(both_db: Engine) -> None:
    workshop = make_workshop(both_db, name=unique("Nul comment place"))
    token = joined(both_db, workshop)
    at = page(ANSWER, token=token, step="1")
    at.radio(key=f"answer_q_{ITEM}_current").set_value(2)
    at.radio(key=f"answer_q_{ITEM}_target").set_value(3).run()
    before = snapshot(both_db)
    at.text_area(key=COMMENT_KEY).set_value(hostile(NUL)).run()
    assert not at.exception, at.exception
    assert "Not saved: the comment contains a NUL character, which cannot be stored; delete it." in messages(
        at
    )
    assert snapshot(both_db) == before


def test_a_comment_longer_than_2000_characters_is_cut_to_2000(
    db: Engine, fresh_workshop: OpenWorkshop
) -> None:
    token = joined(db, fresh_workshop)
    at = page(ANSWER, token=token, step="1")
    at.text_area(key=COMMENT_KEY).set_value("<b>" + "x" * 100_000)
    at.radio(key=f"answer_q_{ITEM}_current").set_value(2)
    at.radio(key=f"answer_q_{ITEM}_target").set_value(3).run()
    assert not at.exception, at.exception
    with transaction(db) as session:
        person = session.scalar(select(Participant.id).where(Participant.resume_token == token))
        comment = participant_answers(session=session, participant_id=person)[ITEM].comment
    assert comment == ("<b>" + "x" * 100_000)[:2000]


def test_comments_and_names_are_shown_to_the_facilitator_as_text(db: Engine, fac: int) -> None:
    workshop = make_workshop(db, anonymous=False, name=unique("Named place"))
    text = hostile(MARKUP)
    respondents(db, workshop, 2, display_name="Plain name")
    with transaction(db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        person = add_participant(
            session=session, workshop_id=workshop.id, sector="vcse", display_name=text, role=text
        )
        submit_participant(session=session, participant_id=person.id)  # only submitted answers count
        save_answer(
            session=session,
            participant_id=person.id,
            bank=bank,
            answer=Answer(item_id=ITEM, current=1, target=4, comment=text),
        )
    at = open_as_facilitator(fac, "views/results.py", workshop_code=workshop.join_code)
    table = next(t.value for t in at.table if "Comment" in t.value.columns)
    assert table.loc[table["Comment"] == escape_markdown(text), "Who"].tolist() == [escape_markdown(text)]
    assert_shown_as_text(at, text)


@pytest.mark.parametrize("field", ["Your name", "Your role (optional)"])
def test_a_name_or_role_is_stored_as_typed_when_joining(field: str, db: Engine) -> None:
    workshop = make_workshop(db, anonymous=False, name=unique("Join place"))
    text = hostile(MARKUP)
    at = page(JOIN, code=workshop.join_code)
    at.selectbox[0].set_value("vcse")
    text_field(at, "Your name").set_value(text if field == "Your name" else "Ada")  # type: ignore[attr-defined]
    text_field(at, "Your role (optional)").set_value(text if field != "Your name" else "")  # type: ignore[attr-defined]
    button(at, "Start")
    assert not at.exception, at.exception
    with transaction(db) as session:
        name, role = session.execute(
            select(Participant.display_name, Participant.role).where(Participant.workshop_id == workshop.id)
        ).one()
    assert (name if field == "Your name" else role) == text


@pytest.mark.parametrize("field", ["Your name", "Your role (optional)"])
def test_a_name_or_role_with_a_nul_is_refused_and_nobody_joins(field: str, both_db: Engine) -> None:
    workshop = make_workshop(both_db, anonymous=False, name=unique("Nul join place"))
    before = snapshot(both_db)
    at = page(JOIN, code=workshop.join_code)
    at.selectbox[0].set_value("vcse")
    text_field(at, "Your name").set_value(hostile(NUL) if field == "Your name" else "Ada")  # type: ignore[attr-defined]
    text_field(at, "Your role (optional)").set_value(hostile(NUL) if field != "Your name" else "")  # type: ignore[attr-defined]
    button(at, "Start")
    assert not at.exception, at.exception
    assert "Your role or name contains a NUL character, which cannot be stored." in messages(at)
    assert snapshot(both_db) == before


def test_a_name_of_100000_characters_is_cut_to_the_200_the_field_holds(db: Engine) -> None:
    workshop = make_workshop(db, anonymous=False, name=unique("Long name place"))
    at = page(JOIN, code=workshop.join_code)
    at.selectbox[0].set_value("vcse")
    text_field(at, "Your name").set_value("N" * 100_000)  # type: ignore[attr-defined]
    button(at, "Start")
    assert not at.exception, at.exception
    with transaction(db) as session:
        name = session.scalar(select(Participant.display_name).where(Participant.workshop_id == workshop.id))
    assert name == "N" * 200


def create_workshop_on_page(facilitator_id: int, title: str, round_label: str = "") -> AppTest:
    at = open_as_facilitator(facilitator_id, "views/workshops.py")
    text_field(at, "Title").set_value(title)  # type: ignore[attr-defined]
    text_field(at, "Round label (optional)").set_value(round_label)  # type: ignore[attr-defined]
    button(at, "Create workshop")
    return at


def test_a_workshop_title_and_round_label_are_stored_as_typed_and_shown_as_text(db: Engine, fac: int) -> None:
    make_workshop(db, status="draft", name=unique("Seed place"))  # a partnership to choose
    title, label = unique(hostile(MARKUP)), hostile("all_markup_short")
    at = create_workshop_on_page(fac, title, label)
    assert not at.exception, at.exception
    with transaction(db) as session:
        created = session.execute(
            select(Workshop.title, Workshop.round_label, Workshop.join_code).where(Workshop.title == title)
        ).one()
    assert (created.title, created.round_label) == (title, label)
    assert_shown_as_text(at, title)  # the workshop's heading on the page
    # and in the workshop chooser, as plain text without its direction controls (the form's own
    # field is emptied once the workshop is made, so the chooser is where the title is read)
    assert_shown_as_text(at, plain_text(title), in_markdown=False)
    with transaction(db) as session:
        session.execute(update(Workshop).where(Workshop.join_code == created.join_code).values(status="open"))
    assert_shown_as_text(page(JOIN, code=created.join_code), title)


def test_a_workshop_title_or_round_label_with_a_nul_is_refused(both_db: Engine) -> None:
    facilitator_id = new_facilitator(both_db)
    make_workshop(both_db, status="draft", name=unique("Nul title place"))
    for title, label in ((hostile(NUL), ""), ("A fine title", hostile(NUL))):
        before = snapshot(both_db)
        at = create_workshop_on_page(facilitator_id, title, label)
        assert not at.exception, at.exception
        assert (
            "The title or round label contains a NUL character, which cannot be stored; retype it."
            in messages(at)
        )
        # Opening the page signs in, which writes a session; the refused workshop writes nothing.
        after = snapshot(both_db)
        assert before.pop("facilitator_sessions") != after.pop("facilitator_sessions")
        assert after == before


def test_a_title_of_100000_characters_is_cut_to_the_200_the_field_holds(db: Engine, fac: int) -> None:
    make_workshop(db, status="draft", name=unique("Long title place"))
    at = create_workshop_on_page(fac, "T" * 100_000, "R" * 100_000)
    assert not at.exception, at.exception
    with transaction(db) as session:
        stored = session.execute(
            select(Workshop.title, Workshop.round_label).where(Workshop.title.startswith("TTT"))
        ).one()
    assert (stored.title, stored.round_label) == ("T" * 200, "R" * 80)


def test_a_title_shows_as_text_where_participants_see_it(db: Engine) -> None:
    text = unique(hostile(MARKUP))
    workshop = make_workshop(db, title=text, name=unique(hostile("all_markup_short")))
    assert_shown_as_text(page(JOIN, code=workshop.join_code), text)
    token = joined(db, workshop)
    at = page(ANSWER, token=token, step="1")
    assert at.title[0].value == escape_markdown(text)
    assert_shown_as_text(at, text)


def cohort_admin(facilitator_id: int) -> AppTest:
    return open_as_facilitator(facilitator_id, "views/cohort_admin.py")


def new_cohort(at: AppTest, name: str) -> None:
    text_field(at, "New cohort").set_value(name)  # type: ignore[attr-defined]
    button(at, "Create cohort")


def new_partnership(at: AppTest, name: str) -> None:
    text_field(at, "New partnership").set_value(name)  # type: ignore[attr-defined]
    button(at, "Add partnership")


def test_cohort_and_partnership_names_are_stored_as_typed_and_shown_as_text(db: Engine, fac: int) -> None:
    cohort, partnership = unique(hostile(MARKUP)), hostile("all_markup_short")
    at = cohort_admin(fac)
    new_cohort(at, cohort)
    assert at.success[0].value == f"Cohort {escape_markdown(cohort)} created."
    assert_shown_as_text(at, cohort, in_markdown=False)  # in the chooser of cohorts
    with transaction(db) as session:
        cohort_id = session.scalar(select(Cohort.id).where(Cohort.name == cohort))
    next(s for s in at.selectbox if s.label == "Cohort to manage").set_value(cohort_id).run()
    new_partnership(at, partnership)
    assert at.success[0].value == f"Partnership {escape_markdown(partnership)} added."
    assert_shown_as_text(at, partnership)
    assert_shown_as_text(at, cohort)  # the heading "Partnerships in ..."
    with transaction(db) as session:
        assert session.scalar(select(Cohort.name).where(Cohort.name == cohort)) == cohort
        assert session.scalar(select(Partnership.name).where(Partnership.name == partnership)) == partnership


def test_a_refusal_that_repeats_a_name_shows_it_as_text(db: Engine, fac: int) -> None:
    name = unique(hostile(MARKUP))
    at = cohort_admin(fac)
    new_cohort(at, name)
    before = snapshot(db)
    new_cohort(at, name)  # the same name again: refused, naming it
    assert at.error[0].value == f"Not changed: a cohort called '{escape_markdown(name)}' already exists."
    assert_shown_as_text(at, name)
    assert snapshot(db) == before


@pytest.mark.parametrize("what", ["cohort", "partnership"])
def test_a_name_with_a_nul_is_refused_in_words(what: str, both_db: Engine) -> None:
    at = cohort_admin(new_facilitator(both_db))
    new_cohort(at, unique("Nul cohort"))
    before = snapshot(both_db)
    (new_cohort if what == "cohort" else new_partnership)(at, hostile(NUL))
    assert not at.exception, at.exception
    assert at.error[0].value == f"Not changed: a {what}'s name cannot contain a NUL character; delete it."
    assert snapshot(both_db) == before


def results_page(facilitator_id: int, workshop: OpenWorkshop) -> AppTest:
    return open_as_facilitator(facilitator_id, "views/results.py", workshop_code=workshop.join_code)


def record_consensus_on_page(at: AppTest, rationale: str, dissent: str) -> None:
    text_field(at, "Why (the rationale)").set_value(rationale)  # type: ignore[attr-defined]
    text_field(at, "Any dissent, in the dissenters' words").set_value(dissent)  # type: ignore[attr-defined]
    button(at, "Record consensus")


def test_consensus_rationale_and_dissent_are_stored_as_typed_and_shown_as_text(db: Engine, fac: int) -> None:
    workshop = make_workshop(db, name=unique("Consensus place"))
    respondents(db, workshop, 3)
    rationale, dissent = hostile(MARKUP), hostile("markdown_formatting")
    at = results_page(fac, workshop)
    record_consensus_on_page(at, rationale, dissent)
    assert not at.exception, at.exception
    with transaction(db) as session:
        (record,) = current_consensus(session=session, workshop_id=workshop.id).values()
    assert (record.rationale, record.dissent) == (rationale, dissent)
    assert_shown_as_text(at, rationale)
    assert_shown_as_text(at, dissent)


@pytest.mark.parametrize("field", ["rationale", "dissent"])
def test_consensus_with_a_nul_is_refused_in_words(field: str, both_db: Engine) -> None:
    facilitator_id = new_facilitator(both_db)
    workshop = make_workshop(both_db, name=unique("Nul consensus place"))
    respondents(both_db, workshop, 3)
    at = results_page(facilitator_id, workshop)
    before = snapshot(both_db)
    record_consensus_on_page(
        at, hostile(NUL) if field == "rationale" else "", hostile(NUL) if field == "dissent" else ""
    )
    assert not at.exception, at.exception
    assert (
        f"Not recorded: the {field} contains a NUL character, which cannot be stored; delete it."
        in messages(at)
    )
    assert snapshot(both_db) == before


def test_action_titles_and_owners_are_shown_as_text_on_the_results_and_trends_pages(
    db: Engine, fac: int
) -> None:
    workshop = make_workshop(db, name=unique("Action place"))
    respondents(db, workshop, 3)
    title, owner = hostile(MARKUP), hostile("markdown_image")
    with transaction(db) as session:
        info = workshop_info(session=session, workshop_id=workshop.id)
        action = create_action(
            session=session,
            partnership_id=info.partnership_id,
            domain_id=info.domains[0],
            title="x",
            actor="t",
        )
        update_action(session=session, action_id=action, actor="t", title=title, owner=owner)
    at = results_page(fac, workshop)
    assert not at.exception, at.exception
    trends = open_as_facilitator(fac, "views/trends.py", trends_partnership=info.partnership_id)
    table = next(t.value for t in trends.table if "Title" in t.value.columns)
    assert table[["Title", "Owner"]].to_numpy().tolist() == [[escape_markdown(title), escape_markdown(owner)]]
    assert_shown_as_text(trends, title)
    assert_shown_as_text(trends, owner)


def test_a_round_label_shows_as_text_on_the_trends_page(db: Engine, fac: int) -> None:
    label = hostile("all_markup_short")
    workshop = make_workshop(db, name=unique("Round place"))
    respondents(db, workshop, 3)
    with transaction(db) as session:
        session.execute(update(Workshop).where(Workshop.id == workshop.id).values(round_label=label))
        partnership = session.scalar(select(Workshop.partnership_id).where(Workshop.id == workshop.id))
    at = open_as_facilitator(fac, "views/trends.py", trends_partnership=partnership)
    assert f"Only one round so far ({escape_markdown(label)})" in messages(at)
    assert_shown_as_text(at, label)


# --- question banks uploaded on the question bank page --------------------------------------------------


def upload_bank(name: str, content: bytes, facilitator: int) -> AppTest:
    # Checking a file is for a signed-in facilitator (anyone may read the bank).
    at = open_as_facilitator(facilitator, "views/question_bank.py")
    at.file_uploader(key="bank_upload").set_value((name, content, "application/x-yaml"))
    at.run()
    return at


@pytest.mark.parametrize(
    ("file", "says"),
    [
        ("deeply_nested.yaml", "the file is nested too deeply"),
        ("billion_laughs.yaml", "YAML anchors and aliases (&name / *name) are not allowed"),
        ("python_tag.yaml", "could not determine a constructor for the tag"),
        ("nul_byte.yaml", "the file contains a NUL character"),
        ("latin1.yaml", "the file is not UTF-8 text"),
        ("duplicate_ids.yaml", "is already used at domains[0].items[0]"),
    ],
)
def test_an_uploaded_hostile_bank_lists_its_problems_as_text(file: str, says: str, facilitator: int) -> None:
    at = upload_bank(file, bank_file(file).read_bytes(), facilitator)
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("This bank has ")
    problems = [str(cell) for cell in at.table[0].value["What is wrong"]]
    assert any(says in cell.replace("\\", "") for cell in problems), problems
    # st.table renders markdown in cells: each problem is escaped, so a bank's text stays text.
    assert any(escape_markdown(says) in cell for cell in problems)
    assert not shown(at).html


@pytest.mark.parametrize("kind", ["ten megabytes", "binary junk"])
def test_an_uploaded_bank_too_big_or_not_text_is_refused_in_words(
    kind: str, tmp_path: Path, facilitator: int
) -> None:
    if kind == "ten megabytes":
        path, says = (
            write_big_bank(tmp_path / "big.yaml", 10 * 1024 * 1024),
            "a question bank may be at most 2 MB",
        )
    else:
        path, says = binary_junk(tmp_path / "junk.yaml", 256 * 1024), "the file is not UTF-8 text"
    at = upload_bank(path.name, path.read_bytes(), facilitator)
    assert not at.exception, at.exception
    assert (
        at.error[0].value == "This bank has 1 problem. Fix each one below in the file, then upload it again."
    )
    assert says in at.table[0].value["What is wrong"].iloc[0].replace("\\", "")
