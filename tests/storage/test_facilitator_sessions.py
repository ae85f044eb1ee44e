"""A facilitator's signed-in session, kept in the database so it outlives a refresh, a second tab,
a server restart and a move to another replica; and what ends it. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from assessment.auth import SESSION_LIFETIME, create_facilitator
from assessment.db import create_cohort, transaction
from assessment.db.tables import AuditEntry, Cohort, CohortShare, Facilitator, FacilitatorSession
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.services import Actor
from assessment.services import facilitators as service
from tests.corpus import snapshot

OPERATOR = Actor.operator()
JO, SAM = "jo@riverside.nhs.uk", "sam@northam.gov.uk"
PASSWORD, NEW_PASSWORD = "correct horse battery", "a different passphrase"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def add(engine: Engine, email: str = JO) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=PASSWORD, actor="test")


def start(engine: Engine, facilitator_id: int, at: datetime = T0) -> str:
    return service.start_session(engine=engine, facilitator_id=facilitator_id, now=at).token


def who(engine: Engine, token: str, at: datetime = T0) -> tuple[int, str] | None:
    found = service.session_facilitator(engine=engine, token=token, now=at)
    return None if found is None else (found.facilitator_id, found.email)


def test_a_session_names_its_facilitator_until_it_expires_and_then_nobody(engine: Engine) -> None:
    jo = add(engine)
    started = service.start_session(engine=engine, facilitator_id=jo, now=T0)
    assert started.max_age_seconds == int(SESSION_LIFETIME.total_seconds())
    assert timedelta(hours=8) <= SESSION_LIFETIME, "a workshop day must fit in one session"
    assert who(engine, started.token) == (jo, JO)
    just_before = T0 + SESSION_LIFETIME - timedelta(seconds=1)
    assert who(engine, started.token, just_before) == (jo, JO)
    assert who(engine, started.token, T0 + SESSION_LIFETIME) is None


def test_each_sign_in_gets_a_session_of_its_own_with_an_unguessable_token(engine: Engine) -> None:
    jo = add(engine)
    first, second = start(engine, jo), start(engine, jo)
    assert first != second
    assert len(first) >= 40  # 32 random bytes, URL-safe
    assert who(engine, first) == who(engine, second) == (jo, JO)


def test_signing_out_revokes_that_session_only(engine: Engine) -> None:
    jo = add(engine)
    projector, laptop = start(engine, jo), start(engine, jo)
    service.end_session(engine=engine, token=projector, now=T0)
    assert who(engine, projector) is None
    assert who(engine, laptop) == (jo, JO)
    # Signing out twice, or with a token nobody holds, is harmless.
    service.end_session(engine=engine, token=projector, now=T0)
    service.end_session(engine=engine, token="not a token anyone holds", now=T0)


def test_a_password_change_revokes_every_session_of_that_account_and_no_other(engine: Engine) -> None:
    jo, sam = add(engine), add(engine, SAM)
    jo_sessions = [start(engine, jo), start(engine, jo)]
    sam_session = start(engine, sam)
    assert (
        service.change_password(
            engine=engine, actor=OPERATOR, email=" JO@Riverside.nhs.uk", password=NEW_PASSWORD
        )
        == JO
    )
    assert [who(engine, token) for token in jo_sessions] == [None, None]
    assert who(engine, sam_session) == (sam, SAM)
    # The new password signs in; the old one no longer does.
    assert service.sign_in(engine=engine, email=JO, password=NEW_PASSWORD) == jo
    with pytest.raises(Forbidden):
        service.sign_in(engine=engine, email=JO, password=PASSWORD)
    with transaction(engine) as session:
        changed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "facilitator.password_changed")
        )
        assert [(e.actor, e.target, e.detail["sessions_ended"]) for e in changed] == [("cli", JO, 2)]


def test_a_weak_new_password_is_refused_and_every_session_stays(engine: Engine) -> None:
    jo = add(engine)
    token = start(engine, jo)
    with pytest.raises(Invalid, match="at least 10 characters"):
        service.change_password(engine=engine, actor=OPERATOR, email=JO, password="short")
    assert who(engine, token) == (jo, JO)
    assert service.sign_in(engine=engine, email=JO, password=PASSWORD) == jo


def test_removing_an_account_ends_its_sessions_and_leaves_the_others(engine: Engine) -> None:
    jo, sam = add(engine), add(engine, SAM)
    jo_token, sam_token = start(engine, jo), start(engine, sam)
    assert service.remove_facilitator(engine=engine, actor=OPERATOR, email=JO) == JO
    assert who(engine, jo_token) is None
    assert who(engine, sam_token) == (sam, SAM)
    with transaction(engine) as session:
        assert session.get(Facilitator, jo) is None
        assert not session.scalars(
            select(FacilitatorSession).where(FacilitatorSession.facilitator_id == jo)
        ).all()
        removed = session.scalars(select(AuditEntry).where(AuditEntry.action == "facilitator.removed"))
        assert [(e.actor, e.target) for e in removed] == [("cli", JO)]


def test_an_account_that_owns_cohorts_is_removed_only_once_they_have_a_new_owner(engine: Engine) -> None:
    jo, sam = add(engine), add(engine, SAM)
    with transaction(engine) as session:
        jos_cohort = create_cohort(session=session, name="Jo's cohort", owner_id=jo)
        shared_with_jo = create_cohort(session=session, name="Sam's cohort", owner_id=sam)
        session.add(CohortShare(cohort_id=shared_with_jo, facilitator_id=jo))
    token = start(engine, jo)
    with pytest.raises(Invalid, match=r"owns the cohort 'Jo's cohort'.*--give-cohorts-to"):
        service.remove_facilitator(engine=engine, actor=OPERATOR, email=JO)
    assert who(engine, token) == (jo, JO), "a refused removal ends nothing"
    with pytest.raises(NotFound, match=r"no facilitator account for nobody@nhs\.net"):
        service.remove_facilitator(engine=engine, actor=OPERATOR, email=JO, give_cohorts_to="nobody@nhs.net")
    with pytest.raises(Invalid, match="another account"):
        service.remove_facilitator(engine=engine, actor=OPERATOR, email=JO, give_cohorts_to=JO)
    service.remove_facilitator(engine=engine, actor=OPERATOR, email=JO, give_cohorts_to=SAM)
    assert who(engine, token) is None
    with transaction(engine) as session:
        owner = session.scalar(select(Cohort.owner_id).where(Cohort.id == jos_cohort))
        shares = session.scalars(select(CohortShare.facilitator_id)).all()
    assert owner == sam and shares == []


def test_only_the_operator_changes_passwords_and_removes_accounts(engine: Engine) -> None:
    jo, sam = add(engine), add(engine, SAM)
    token = start(engine, sam)
    facilitator = Actor.facilitator(jo)
    with pytest.raises(Forbidden):
        service.change_password(engine=engine, actor=facilitator, email=SAM, password=NEW_PASSWORD)
    with pytest.raises(Forbidden):
        service.remove_facilitator(engine=engine, actor=facilitator, email=SAM)
    with pytest.raises(NotFound, match=r"no facilitator account for nobody@nhs\.net"):
        service.change_password(engine=engine, actor=OPERATOR, email="nobody@nhs.net", password=NEW_PASSWORD)
    assert who(engine, token) == (sam, SAM)


def test_only_a_hash_of_the_token_is_stored(engine: Engine) -> None:
    jo = add(engine)
    token = start(engine, jo)
    with transaction(engine) as session:
        (stored,) = session.scalars(select(FacilitatorSession.token_hash)).all()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(snapshot(engine))
    # The hash itself does not open the session: it is not a token.
    assert who(engine, stored) is None


def test_sessions_that_have_ended_are_cleared_away_when_the_account_signs_in_again(engine: Engine) -> None:
    jo = add(engine)
    old = start(engine, jo)
    service.end_session(engine=engine, token=start(engine, jo), now=T0)
    start(engine, jo, at=T0 + SESSION_LIFETIME + timedelta(days=1))
    with transaction(engine) as session:
        kept = session.scalars(select(FacilitatorSession)).all()
    assert len(kept) == 1
    assert who(engine, old, T0 + SESSION_LIFETIME + timedelta(days=1)) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=300))
def test_no_made_up_token_names_anyone(engine: Engine, token: str) -> None:
    with transaction(engine) as session:
        if session.scalar(select(Facilitator.id).where(Facilitator.email == JO)) is None:
            session.add(Facilitator(email=JO, password_hash="not a real hash"))
    assert who(engine, token) is None
