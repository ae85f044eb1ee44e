"""Evidence beside a domain's agreed level, on SQLite and PostgreSQL: kept exactly, replaced whole,
audited, refused in words with nothing written, and never lost to someone else's save."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from assessment.db import transaction
from assessment.errors import NotFound, Refused
from assessment.outcomes import (
    EVIDENCE_NOTE_CHARS,
    Evidence,
    current_consensus,
    record_consensus,
)
from assessment.services import Actor
from assessment.services.outcomes import rounds_evidence, set_evidence
from tests.storage.conftest import Facilitators, audit_entries
from tests.storage.counts import table_counts

FACILITATOR = "facilitator@example.org"
DOMAIN = "shared-purpose"
MINUTES = Evidence(
    "Board minutes, March: the <b>purpose</b> used to decide =SUM(A1)", "https://example.org/minutes?x=1"
)
SURVEY = Evidence("Staff survey 2025, question 4", "")


def _agree(engine: Engine, workshop_id: int, domain_id: str = DOMAIN) -> None:
    with transaction(engine) as session:
        record_consensus(
            session=session,
            workshop_id=workshop_id,
            domain_id=domain_id,
            level=2.5,
            rationale="",
            dissent="",
            actor=FACILITATOR,
        )


def _stored(engine: Engine, workshop_id: int) -> tuple[Evidence, ...]:
    with transaction(engine) as session:
        return current_consensus(session=session, workshop_id=workshop_id)[DOMAIN].evidence


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return table_counts(session=session)


def test_evidence_is_added_edited_and_removed_and_each_change_is_audited(
    engine: Engine, workshop_id: int
) -> None:
    _agree(engine, workshop_id)
    operator = Actor.operator(FACILITATOR)
    set_evidence(
        engine=engine, actor=operator, workshop_id=workshop_id, domain_id=DOMAIN, items=[MINUTES, SURVEY]
    )
    assert _stored(engine, workshop_id) == (MINUTES, SURVEY)

    edited = Evidence("Staff survey 2025, question 4 and 5", "http://example.org/survey")
    set_evidence(
        engine=engine,
        actor=operator,
        workshop_id=workshop_id,
        domain_id=DOMAIN,
        items=[edited],
        based_on=[MINUTES, SURVEY],
    )
    assert _stored(engine, workshop_id) == (edited,)
    set_evidence(
        engine=engine, actor=operator, workshop_id=workshop_id, domain_id=DOMAIN, items=[], based_on=[edited]
    )
    assert _stored(engine, workshop_id) == ()

    entries = audit_entries(engine, "consensus.evidence_changed")
    assert [len(e.detail["after"]) for e in entries] == [2, 1, 0]
    assert entries[1].detail["before"][0] == {"note": MINUTES.note, "link": MINUTES.link}
    assert entries[2].detail["before"] == [{"note": edited.note, "link": edited.link}]
    assert {e.actor for e in entries} == {FACILITATOR}


def test_a_save_that_changes_nothing_writes_nothing(engine: Engine, workshop_id: int) -> None:
    _agree(engine, workshop_id)
    operator = Actor.operator(FACILITATOR)
    for _ in range(2):
        set_evidence(engine=engine, actor=operator, workshop_id=workshop_id, domain_id=DOMAIN, items=[SURVEY])
    assert len(audit_entries(engine, "consensus.evidence_changed")) == 1


def test_evidence_stays_beside_the_domain_when_its_level_is_recorded_again(
    engine: Engine, workshop_id: int
) -> None:
    _agree(engine, workshop_id)
    set_evidence(
        engine=engine,
        actor=Actor.operator(FACILITATOR),
        workshop_id=workshop_id,
        domain_id=DOMAIN,
        items=[SURVEY],
    )
    _agree(engine, workshop_id)
    assert _stored(engine, workshop_id) == (SURVEY,)


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([Evidence("A script", "javascript:alert(1)")], "http:// or https://"),
        ([Evidence("Data", "data:text/html,<script>alert(1)</script>")], "http:// or https://"),
        ([Evidence("x" * (EVIDENCE_NOTE_CHARS + 1), "")], "shorten it to 500"),
        ([Evidence("nul\x00here", "")], "NUL"),
    ],
)
def test_bad_evidence_is_refused_in_words_and_nothing_is_written(
    engine: Engine, workshop_id: int, items: list[Evidence], words: str
) -> None:
    _agree(engine, workshop_id)
    before = _counts(engine)
    with pytest.raises(Refused, match=words):
        set_evidence(
            engine=engine,
            actor=Actor.operator(FACILITATOR),
            workshop_id=workshop_id,
            domain_id=DOMAIN,
            items=items,
        )
    assert _counts(engine) == before


def test_evidence_needs_the_agreed_level_first(engine: Engine, workshop_id: int) -> None:
    with pytest.raises(Refused, match="record the level the team agrees on for this domain first"):
        set_evidence(
            engine=engine,
            actor=Actor.operator(FACILITATOR),
            workshop_id=workshop_id,
            domain_id=DOMAIN,
            items=[SURVEY],
        )


def test_a_save_based_on_evidence_someone_else_has_since_changed_is_refused_and_theirs_is_kept(
    engine: Engine, workshop_id: int
) -> None:
    _agree(engine, workshop_id)
    operator = Actor.operator(FACILITATOR)
    set_evidence(
        engine=engine, actor=operator, workshop_id=workshop_id, domain_id=DOMAIN, items=[MINUTES], based_on=[]
    )
    with pytest.raises(Refused, match="someone else changed this domain's evidence"):
        set_evidence(
            engine=engine,
            actor=operator,
            workshop_id=workshop_id,
            domain_id=DOMAIN,
            items=[SURVEY],
            based_on=[],
        )
    assert _stored(engine, workshop_id) == (MINUTES,)


def test_a_facilitator_who_cannot_see_the_cohort_can_neither_change_nor_read_its_evidence(
    facilitators: Facilitators,
) -> None:
    owner, stranger = facilitators.account("owner@example.org"), facilitators.account("stranger@example.org")
    workshop_id = facilitators.workshop(owner, cohort="North", partnership="Riverside ICS")
    _agree(facilitators.engine, workshop_id)
    with pytest.raises(NotFound):
        set_evidence(
            engine=facilitators.engine,
            actor=Actor.facilitator(stranger),
            workshop_id=workshop_id,
            domain_id=DOMAIN,
            items=[SURVEY],
        )
    with pytest.raises(NotFound):
        rounds_evidence(
            engine=facilitators.engine, actor=Actor.facilitator(stranger), workshop_ids=[workshop_id]
        )
    set_evidence(
        engine=facilitators.engine,
        actor=Actor.facilitator(owner),
        workshop_id=workshop_id,
        domain_id=DOMAIN,
        items=[SURVEY],
    )
    assert rounds_evidence(
        engine=facilitators.engine, actor=Actor.facilitator(owner), workshop_ids=[workshop_id]
    ) == {(workshop_id, DOMAIN): (SURVEY,)}


NOTES = st.text(min_size=1, max_size=EVIDENCE_NOTE_CHARS).filter(lambda t: "\x00" not in t and t.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(NOTES, min_size=1, max_size=3))
def test_any_note_comes_back_from_the_database_exactly_as_typed(
    engine: Engine, workshop_id: int, notes: list[str]
) -> None:
    if not current_consensus_exists(engine, workshop_id):
        _agree(engine, workshop_id)
    items = [Evidence(note, "") for note in notes]
    set_evidence(
        engine=engine,
        actor=Actor.operator(FACILITATOR),
        workshop_id=workshop_id,
        domain_id=DOMAIN,
        items=items,
    )
    assert _stored(engine, workshop_id) == tuple(items)


def current_consensus_exists(engine: Engine, workshop_id: int) -> bool:
    with transaction(engine) as session:
        return DOMAIN in current_consensus(session=session, workshop_id=workshop_id)


def test_deleting_the_partnership_takes_its_evidence_with_it(facilitators: Facilitators) -> None:
    from assessment.db import workshop_info
    from assessment.services.cohorts import delete_partnership

    engine = facilitators.engine
    owner = facilitators.account("owner@example.org")
    workshop_id = facilitators.workshop(owner, cohort="North", partnership="Riverside ICS")
    _agree(engine, workshop_id)
    set_evidence(
        engine=engine,
        actor=Actor.facilitator(owner),
        workshop_id=workshop_id,
        domain_id=DOMAIN,
        items=[SURVEY],
    )
    with transaction(engine) as session:
        partnership = workshop_info(session=session, workshop_id=workshop_id).partnership_id
    delete_partnership(
        engine=engine, actor=Actor.facilitator(owner), partnership_id=partnership, typed_name="Riverside ICS"
    )
    assert _counts(engine)["consensus_evidence"] == 0
