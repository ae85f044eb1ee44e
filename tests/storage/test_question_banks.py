"""Question banks facilitators own, share and save versions of, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from assessment import bank_editing as be
from assessment.auth import remove_facilitator
from assessment.db import banks as rows
from assessment.db import create_cohort, create_partnership, create_workshop, transaction
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.framework import BankValidationError, parse_bank
from assessment.services import Actor
from assessment.services import banks as service
from tests.storage.conftest import SHIPPED_BANK_TEXT, Facilitators, audit_entries

LEVELS = {"emerging": "Nothing yet", "developing": "Some", "maturing": "Most", "thriving": "All"}


@pytest.fixture
def people(engine: Engine) -> tuple[Actor, Actor, Actor]:
    team = Facilitators(engine)
    return (
        Actor.facilitator(team.account("owner@riverside.nhs.uk")),
        Actor.facilitator(team.account("friend@riverside.nhs.uk")),
        Actor.facilitator(team.account("stranger@riverside.nhs.uk")),
    )


def test_a_bank_started_from_the_shipped_one_is_version_one_with_the_shipped_text(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    [listed] = service.visible_banks(engine=engine, actor=owner)
    assert (listed.id, listed.name, listed.owned, listed.latest) == (bank, "Our bank", True, 1)
    assert (
        service.version_yaml(engine=engine, actor=owner, question_bank_id=bank, number=1) == SHIPPED_BANK_TEXT
    )
    [first] = service.bank_editions(engine=engine, actor=owner, question_bank_id=bank)
    assert first.number == 1 and first.saved_by == "owner@riverside.nhs.uk"
    assert len(first.changes.added) == sum(parse_bank(SHIPPED_BANK_TEXT).counts().values())
    [entry] = audit_entries(engine, "bank.created")
    assert entry.target == "Our bank" and entry.detail["from"] == "shipped bank"


def test_a_bank_started_from_a_file_that_breaks_a_rule_is_refused_with_every_problem(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    broken = SHIPPED_BANK_TEXT.replace("title: Shared purpose", "title: ''", 1)
    with pytest.raises(BankValidationError) as refused:
        service.create_bank(
            engine=engine, actor=owner, name="Broken", yaml_text=broken.encode(), file_name="ours.yaml"
        )
    assert [e.message for e in refused.value.errors] == ["must not be empty, found the text ''"]
    assert service.visible_banks(engine=engine, actor=owner) == []
    with pytest.raises(Invalid, match="empty"):
        service.create_bank(engine=engine, actor=owner, name="  ")


def test_saving_makes_version_two_with_its_change_summary_and_version_one_unchanged(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    draft = be.set_item_text(start.draft, "shared-purpose-stated", "text", "Reworded for our place")
    draft, new = be.add_question(
        draft,
        "shared-purpose",
        kind="maturity",
        text="Do we pool budgets?",
        help="h",
        levels=LEVELS,
        reserved=start.reserved,
    )
    last = draft["domains"][-1]["id"]
    draft = be.remove_domain(draft, last)
    saved = service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=1)
    assert saved.number == 2
    assert saved.changes.added == (new,) and saved.changes.reworded == ("shared-purpose-stated",)
    assert saved.changes.domains_removed == (last,)
    text = service.version_yaml(engine=engine, actor=owner, question_bank_id=bank, number=2)
    assert parse_bank(text).item("shared-purpose-stated").text == "Reworded for our place"
    assert (
        service.version_yaml(engine=engine, actor=owner, question_bank_id=bank, number=1) == SHIPPED_BANK_TEXT
    )
    editions = service.bank_editions(engine=engine, actor=owner, question_bank_id=bank)
    assert [(e.number, e.changes) for e in editions][1] == (2, saved.changes)
    [entry] = audit_entries(engine, "bank.version_saved")
    assert entry.detail["version"] == 2 and entry.detail["changes"]["added"] == [new]


def test_a_save_based_on_an_older_version_or_changing_nothing_or_breaking_a_rule_is_refused(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    with pytest.raises(Invalid, match="the same as version 1"):
        service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=start.draft, based_on=1)
    with pytest.raises(BankValidationError):
        service.save_version(
            engine=engine,
            actor=owner,
            question_bank_id=bank,
            draft=be.set_item_text(start.draft, "shared-purpose-stated", "text", ""),
            based_on=1,
        )
    changed = be.set_item_text(start.draft, "shared-purpose-stated", "text", "One")
    service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=changed, based_on=1)
    again = be.set_item_text(start.draft, "shared-purpose-stated", "text", "Two")
    with pytest.raises(Invalid, match="version 2 of this bank was saved after you started editing version 1"):
        service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=again, based_on=1)


def test_an_id_a_workshop_used_is_never_given_back_to_another_question(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    draft = be.remove_question(start.draft, "shared-purpose-stated")
    service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=1)
    later = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    assert "shared-purpose-stated" in later.reserved
    _, new = be.add_question(
        later.draft,
        "shared-purpose",
        kind="maturity",
        text="Shared purpose stated",
        help="h",
        levels=LEVELS,
        reserved=later.reserved,
    )
    assert new == "shared-purpose-stated-2"
    # A draft that brings the old id back (written by hand, say) is refused at the door.
    smuggled, _ = be.add_question(
        later.draft, "shared-purpose", kind="maturity", text="Shared purpose stated", help="h", levels=LEVELS
    )
    with pytest.raises(Invalid, match="shared-purpose-stated"):
        service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=smuggled, based_on=2)


def test_a_situation_removed_once_never_comes_back_under_its_old_id(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    item = next(i for _, i in be.validated(start.draft).iter_items() if i.type == "accountability")
    gone = item.functions[0]  # type: ignore[union-attr]
    label = gone.id.replace("-", " ")  # the words its id was made from
    draft = be.remove_function(start.draft, item.id, gone.id)
    service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=1)
    later = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    _, again = be.add_function(later.draft, item.id, label, reserved=later.reserved)
    assert again == f"{gone.id}-2"
    # Added again without the reserved ids (a hand-written draft), it is refused at the save.
    smuggled, _ = be.add_function(later.draft, item.id, label)
    with pytest.raises(Invalid, match=f"{item.id}/{gone.id}"):
        service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=smuggled, based_on=2)
    assert [e.number for e in service.bank_editions(engine=engine, actor=owner, question_bank_id=bank)] == [
        1,
        2,
    ]


def test_a_bank_is_seen_by_its_owner_and_those_it_is_shared_with_and_nobody_else(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, friend, stranger = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    for refused in (
        lambda: service.version_yaml(engine=engine, actor=stranger, question_bank_id=bank, number=1),
        lambda: service.start_editing(engine=engine, actor=stranger, question_bank_id=bank),
        lambda: service.share_bank(engine=engine, actor=stranger, question_bank_id=bank, email="x@y.z"),
    ):
        with pytest.raises(NotFound, match="not been shared with you"):
            refused()
    service.share_bank(engine=engine, actor=owner, question_bank_id=bank, email=" Friend@Riverside.nhs.uk ")
    service.share_bank(engine=engine, actor=owner, question_bank_id=bank, email="friend@riverside.nhs.uk")
    [seen] = service.visible_banks(engine=engine, actor=friend)
    assert (seen.owned, seen.owner_email) == (False, "owner@riverside.nhs.uk")
    assert service.visible_banks(engine=engine, actor=stranger) == []
    start = service.start_editing(engine=engine, actor=friend, question_bank_id=bank)
    draft = be.set_item_text(start.draft, "shared-purpose-stated", "help", "Our help")
    assert (
        service.save_version(
            engine=engine, actor=friend, question_bank_id=bank, draft=draft, based_on=1
        ).number
        == 2
    )
    with pytest.raises(Forbidden, match="owner"):
        service.share_bank(
            engine=engine, actor=friend, question_bank_id=bank, email="stranger@riverside.nhs.uk"
        )
    with pytest.raises(Invalid, match="no facilitator"):
        service.share_bank(engine=engine, actor=owner, question_bank_id=bank, email="nobody@x.org")
    [entry] = audit_entries(engine, "bank.shared")
    assert entry.detail["with"] == "friend@riverside.nhs.uk"


def test_the_choosable_versions_are_the_shipped_bank_then_every_version_the_facilitator_may_use(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, friend, stranger = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
    draft = be.set_item_text(start.draft, "shared-purpose-stated", "text", "Reworded")
    service.save_version(engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=1)
    service.share_bank(engine=engine, actor=owner, question_bank_id=bank, email="friend@riverside.nhs.uk")
    mine = service.choosable_bank_versions(engine=engine, actor=owner)
    assert [(c.bank_name, c.number, c.label) for c in mine] == [
        (service.SHIPPED_LABEL, None, service.SHIPPED_LABEL),
        ("Our bank", 2, "Our bank, version 2"),
        ("Our bank", 1, "Our bank, version 1"),
    ]
    assert mine[0].bank_version_id is None and all(c.bank_version_id for c in mine[1:])
    theirs = service.choosable_bank_versions(engine=engine, actor=friend)
    assert theirs[1].label == "Our bank, version 2 (shared by owner@riverside.nhs.uk)"
    assert len(service.choosable_bank_versions(engine=engine, actor=stranger)) == 1
    # A workshop can run on a chosen version: it is an ordinary bank_versions row.
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="C")
        partnership = create_partnership(session=session, cohort_id=cohort, name="P", kind="place")
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=int(mine[1].bank_version_id or 0),
            title="On version 2",
            held_on=date(2026, 3, 1),
        )
    assert workshop.id


def test_the_operator_cannot_own_a_bank(engine: Engine) -> None:
    with pytest.raises(Forbidden):
        service.create_bank(engine=engine, actor=Actor.operator(), name="Nobody's")


def test_removing_an_account_takes_its_banks_and_its_shares_but_no_workshops_bank_text(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    owner, friend, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Our bank")
    service.share_bank(engine=engine, actor=owner, question_bank_id=bank, email="friend@riverside.nhs.uk")
    start = service.start_editing(engine=engine, actor=friend, question_bank_id=bank)
    draft = be.set_item_text(start.draft, "shared-purpose-stated", "text", "Friend's words")
    service.save_version(engine=engine, actor=friend, question_bank_id=bank, draft=draft, based_on=1)
    choice = service.choosable_bank_versions(engine=engine, actor=owner)[1]
    with transaction(engine) as session:
        remove_facilitator(session=session, email="friend@riverside.nhs.uk", actor="t")
    [first, second] = service.bank_editions(engine=engine, actor=owner, question_bank_id=bank)
    assert (first.saved_by, second.saved_by) == ("owner@riverside.nhs.uk", "")
    with transaction(engine) as session:
        remove_facilitator(session=session, email="owner@riverside.nhs.uk", actor="t")
        text = rows.version_text(session=session, bank_version_id=int(choice.bank_version_id or 0))
    assert text is not None and "Friend's words" in text


def test_two_saves_of_one_bank_at_the_same_moment_give_one_version_and_a_refusal_in_words(
    engine: Engine, people: tuple[Actor, Actor, Actor]
) -> None:
    """Two tabs save version 2 at once, several times: one is saved, the other is refused in words
    (never a database error), and the version numbers run on without a gap."""
    import threading

    owner, _, _ = people
    bank = service.create_bank(engine=engine, actor=owner, name="Raced")
    for attempt in range(4):
        start = service.start_editing(engine=engine, actor=owner, question_bank_id=bank)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def save(
            words: str,
            start: service.EditingStart = start,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
        ) -> None:
            draft = be.set_item_text(start.draft, "shared-purpose-stated", "text", words)
            barrier.wait()
            try:
                service.save_version(
                    engine=engine, actor=owner, question_bank_id=bank, draft=draft, based_on=start.based_on
                )
                outcomes.append("saved")
            except Invalid as refused:
                outcomes.append(
                    "refused" if "start again from the newest version" in str(refused) else str(refused)
                )
            except Exception as other:  # a database error: what the test is for
                outcomes.append(repr(other))

        threads = [
            threading.Thread(target=save, args=(f"Worded by tab {tab}, try {attempt}.",)) for tab in (1, 2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["refused", "saved"]
    numbers = [e.number for e in service.bank_editions(engine=engine, actor=owner, question_bank_id=bank)]
    assert sorted(numbers) == [1, 2, 3, 4, 5]


def test_a_bank_name_taken_at_the_same_moment_is_refused_in_words(
    engine: Engine, people: tuple[Actor, Actor, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs start banks of one name at once: both pass the name check, and the second is caught
    by the database's unique name, which must read as the same refusal, with nothing written."""
    owner, _, _ = people
    service.create_bank(engine=engine, actor=owner, name="Twice")
    monkeypatch.setattr(rows, "bank_name_taken", lambda **_: False)  # as the twin's check saw it
    with pytest.raises(Invalid, match="already have a question bank called 'Twice'"):
        service.create_bank(engine=engine, actor=owner, name="Twice")
    assert [b.name for b in service.visible_banks(engine=engine, actor=owner)] == ["Twice"]
