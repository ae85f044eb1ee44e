"""Hostile free text (tests/corpus/text) in every field the domain functions store, on SQLite and
PostgreSQL: markup, right-to-left and zero-width characters are kept exactly as typed (they are
data; the pages escape them); a NUL character or text longer than the field is refused with a
Refused saying so, and nothing is written.

SQLite would happily store a NUL or an over-long name where PostgreSQL raises a DataError (a
traceback on the page): the rules live in the domain functions so both databases behave alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assessment.answers import Answer
from assessment.auth import create_facilitator
from assessment.cohort_admin import (
    add_partnership,
    create_own_cohort,
    rename_cohort,
    rename_partnership,
    share_cohort,
)
from assessment.db import (
    add_participant,
    bank_for_version,
    create_workshop,
    participant_answers,
    save_answer,
    store_bank_version,
    transaction,
)
from assessment.db.tables import Cohort, Partnership
from assessment.errors import Refused
from assessment.outcomes import (
    create_action,
    current_consensus,
    list_actions,
    record_consensus,
    update_action,
)
from tests.corpus import MARKUP_KINDS, hostile, shared_database, snapshot
from tests.storage.conftest import BACKENDS, SHIPPED_BANK_TEXT

ACTOR = "facilitator:corpus"


@dataclass(frozen=True)
class Seed:
    facilitator: int
    cohort: int
    partnership: int
    workshop: int
    domain: str
    participant: int
    action: int
    bank_version: int


@pytest.fixture(scope="module", params=BACKENDS)
def text_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    yield from shared_database(request.param, tmp_path_factory.mktemp("corpus-text"))


@pytest.fixture(scope="module")
def seed(text_engine: Engine) -> Seed:
    with transaction(text_engine) as session:
        facilitator = create_facilitator(
            session=session, email="corpus@riverside.nhs.uk", password="a long passphrase here", actor="t"
        )
        cohort = create_own_cohort(session=session, facilitator_id=facilitator, name="Corpus cohort")
        partnership = add_partnership(
            session=session, facilitator_id=facilitator, cohort_id=cohort, name="Corpus ICS", kind="ics"
        )
        version = store_bank_version(session=session, yaml_text=SHIPPED_BANK_TEXT)
        workshop = create_workshop(
            session=session,
            partnership_id=partnership,
            bank_version_id=version,
            title="Corpus round",
            held_on=date(2026, 4, 1),
        )
        participant = add_participant(session=session, workshop_id=workshop.id, sector="vcse")
        action = create_action(
            session=session,
            partnership_id=partnership,
            workshop_id=workshop.id,
            domain_id=workshop.domains[0],
            title="Seed action",
            actor=ACTOR,
        )
    return Seed(
        facilitator, cohort, partnership, workshop.id, workshop.domains[0], participant.id, action, version
    )


@dataclass(frozen=True)
class Field:
    """How to write ``text`` into one field, and how to read back what was stored."""

    write: Callable[[Session, Seed, str], int | None]
    read: Callable[[Session, Seed, int | None], str | None]
    limit: int | None  # characters the field takes; None when the text is cut before it gets here


def _consensus(part: str) -> Field:
    def write(session: Session, seed: Seed, text: str) -> int:
        values = {"rationale": "", "dissent": "", part: text}
        return record_consensus(
            session=session,
            workshop_id=seed.workshop,
            domain_id=seed.domain,
            level=2.0,
            actor=ACTOR,
            **values,
        )

    def read(session: Session, seed: Seed, _: int | None) -> str:
        record = current_consensus(session=session, workshop_id=seed.workshop)[seed.domain]
        return str(getattr(record, part))

    return Field(write, read, 2000)


def _action(part: str, limit: int, *, new: bool) -> Field:
    def write(session: Session, seed: Seed, text: str) -> int:
        if new:
            values = {"title": "A new action", part: text}
            return create_action(
                session=session,
                partnership_id=seed.partnership,
                workshop_id=seed.workshop,
                domain_id=seed.domain,
                actor=ACTOR,
                **values,
            )
        update_action(session=session, action_id=seed.action, actor=ACTOR, **{part: text})
        return seed.action

    def read(session: Session, seed: Seed, action_id: int | None) -> str:
        action = next(
            a for a in list_actions(session=session, partnership_id=seed.partnership) if a.id == action_id
        )
        return str(getattr(action, part))

    return Field(write, read, limit)


def _cohort_name(*, new: bool) -> Field:
    def write(session: Session, seed: Seed, text: str) -> int:
        if new:
            return create_own_cohort(session=session, facilitator_id=seed.facilitator, name=text)
        rename_cohort(session=session, facilitator_id=seed.facilitator, cohort_id=seed.cohort, name=text)
        return seed.cohort

    def read(session: Session, seed: Seed, cohort_id: int | None) -> str | None:
        return session.scalar(select(Cohort.name).where(Cohort.id == cohort_id))

    return Field(write, read, 200)


def _partnership_name(*, new: bool) -> Field:
    def write(session: Session, seed: Seed, text: str) -> int:
        if new:
            return add_partnership(
                session=session,
                facilitator_id=seed.facilitator,
                cohort_id=seed.cohort,
                name=text,
                kind="place",
            )
        rename_partnership(
            session=session, facilitator_id=seed.facilitator, partnership_id=seed.partnership, name=text
        )
        return seed.partnership

    def read(session: Session, seed: Seed, partnership_id: int | None) -> str | None:
        return session.scalar(select(Partnership.name).where(Partnership.id == partnership_id))

    return Field(write, read, 200)


def _comment() -> Field:
    def write(session: Session, seed: Seed, text: str) -> None:
        bank = bank_for_version(session=session, bank_version_id=seed.bank_version)
        answer = Answer(item_id="shared-purpose-stated", current=2, target=3, comment=text)
        save_answer(session=session, participant_id=seed.participant, answer=answer, bank=bank)

    def read(session: Session, seed: Seed, _: int | None) -> str | None:
        return participant_answers(session=session, participant_id=seed.participant)[
            "shared-purpose-stated"
        ].comment

    # The Answer model itself refuses a comment over 2,000 characters, before any storage.
    return Field(write, read, None)


FIELDS = {
    "consensus rationale": _consensus("rationale"),
    "consensus dissent": _consensus("dissent"),
    "new action title": _action("title", 300, new=True),
    "new action owner": _action("owner", 200, new=True),
    "new action notes": _action("notes", 2000, new=True),
    "edited action title": _action("title", 300, new=False),
    "edited action owner": _action("owner", 200, new=False),
    "edited action notes": _action("notes", 2000, new=False),
    "new cohort name": _cohort_name(new=True),
    "renamed cohort": _cohort_name(new=False),
    "new partnership name": _partnership_name(new=True),
    "renamed partnership": _partnership_name(new=False),
    "answer comment": _comment(),
}


def written(engine: Engine, seed: Seed, field: Field, text: str) -> str | None:
    with transaction(engine) as session:
        key = field.write(session, seed, text)
    with transaction(engine) as session:
        return field.read(session, seed, key)


def refusal(engine: Engine, seed: Seed, field: Field, text: str) -> str:
    before = snapshot(engine)
    with pytest.raises(Refused) as caught, transaction(engine) as session:
        field.write(session, seed, text)
    assert snapshot(engine) == before
    return str(caught.value)


@pytest.mark.parametrize("kind", MARKUP_KINDS)
@pytest.mark.parametrize("name", list(FIELDS))
def test_markup_and_invisible_characters_are_stored_exactly_as_typed(
    name: str, kind: str, text_engine: Engine, seed: Seed
) -> None:
    # The field's name makes each text unique, so no two cases meet a uniqueness rule.
    text = f"{hostile(kind)} ({name})"
    assert written(text_engine, seed, FIELDS[name], text) == text


@pytest.mark.parametrize("name", list(FIELDS))
def test_a_nul_character_is_refused_on_both_databases_and_nothing_is_written(
    name: str, text_engine: Engine, seed: Seed
) -> None:
    message = refusal(text_engine, seed, FIELDS[name], f"{hostile('nul')} ({name})")
    assert "NUL character" in message
    assert "delete it" in message


@pytest.mark.parametrize("name", [n for n, f in FIELDS.items() if f.limit is not None])
def test_text_longer_than_the_field_is_refused_on_both_databases_and_nothing_is_written(
    name: str, text_engine: Engine, seed: Seed
) -> None:
    field = FIELDS[name]
    assert field.limit is not None
    message = refusal(text_engine, seed, field, "x" * (field.limit + 1))
    assert str(field.limit) in message.replace(",", "")


@pytest.mark.parametrize("name", [n for n, f in FIELDS.items() if f.limit is not None])
def test_text_of_exactly_the_fields_length_is_kept_whole(name: str, text_engine: Engine, seed: Seed) -> None:
    field = FIELDS[name]
    assert field.limit is not None
    text = name[:1] + "\u202e" * (field.limit - 1)  # right-to-left overrides up to the limit
    assert written(text_engine, seed, field, text) == text


@pytest.mark.parametrize("email", [hostile("nul"), "x" * 5000 + "@riverside.nhs.uk"])
def test_sharing_with_an_impossible_email_is_refused_and_nothing_is_written(
    email: str, text_engine: Engine, seed: Seed
) -> None:
    before = snapshot(text_engine)
    with pytest.raises(Refused, match="that is not an email address"), transaction(text_engine) as session:
        share_cohort(session=session, facilitator_id=seed.facilitator, cohort_id=seed.cohort, email=email)
    assert snapshot(text_engine) == before
