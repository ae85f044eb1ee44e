"""Running the team of facilitators, on SQLite and PostgreSQL: the first account is an administrator;
administrators add, disable, enable and reset facilitators; everyone changes their own password;
the audit log is read by administrators only. Every action is checked by the service and audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from assessment.auth import SignInRefused, create_facilitator, create_first_facilitator
from assessment.db import set_workshop_state, transaction
from assessment.db.tables import AuditEntry
from assessment.errors import Forbidden, Invalid, NotFound
from assessment.migrate import current_revision, head_revision, upgrade_database
from assessment.services import Actor, facilitators
from assessment.services.participants import join_workshop
from tests.storage.conftest import Facilitators

PASSWORD = "a sound passphrase for tests"
ADMIN_EMAIL = "ada@riverside.nhs.uk"


def actions(engine: Engine, action: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def add(engine: Engine, email: str) -> int:
    with transaction(engine) as session:
        return create_facilitator(session=session, email=email, password=PASSWORD, actor="t")


@pytest.fixture
def admin(engine: Engine) -> Actor:
    return Actor.facilitator(add(engine, ADMIN_EMAIL))


@pytest.fixture
def colleague(engine: Engine, admin: Actor) -> int:
    return add(engine, "ben@riverside.nhs.uk")


def member(engine: Engine, admin: Actor, facilitator_id: int) -> facilitators.TeamMember:
    return next(m for m in facilitators.team(engine=engine, actor=admin) if m.id == facilitator_id)


# --- the migration ---------------------------------------------------------------------------------


def test_the_migration_makes_the_oldest_existing_account_the_only_administrator(
    empty_engine: Engine,
) -> None:
    upgrade_database(empty_engine, revision="0009")
    with empty_engine.begin() as connection:
        for fid, email, created in (
            (7, "later@x.nhs.uk", "2026-02-01 09:00:00"),
            (3, "oldest@x.nhs.uk", "2025-01-01 09:00:00"),
            (9, "newest@x.nhs.uk", "2026-03-01 09:00:00"),
        ):
            connection.execute(
                text(
                    "INSERT INTO facilitators (id, email, password_hash, created_at) "
                    "VALUES (:id, :email, 'h', :created)"
                ),
                {"id": fid, "email": email, "created": created},
            )
    upgrade_database(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT email, administrator, disabled_at FROM facilitators ORDER BY email")
        ).all()
    assert [(email, bool(admin), disabled) for email, admin, disabled in rows] == [
        ("later@x.nhs.uk", False, None),
        ("newest@x.nhs.uk", False, None),
        ("oldest@x.nhs.uk", True, None),
    ]


def test_the_migration_on_a_database_with_no_accounts_changes_nothing_else(empty_engine: Engine) -> None:
    upgrade_database(empty_engine, revision="0009")
    upgrade_database(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM facilitators")).scalar() == 0


# --- the first account -----------------------------------------------------------------------------


def test_the_first_account_made_by_the_command_line_is_an_administrator_and_the_next_is_not(
    engine: Engine,
) -> None:
    first = facilitators.create_facilitator(
        engine=engine, actor=Actor.operator(), email="first@x.nhs.uk", password=PASSWORD
    )
    second = facilitators.create_facilitator(
        engine=engine, actor=Actor.operator(), email="second@x.nhs.uk", password=PASSWORD
    )
    listed = {m.email: m.administrator for m in facilitators.team(engine=engine, actor=Actor.operator())}
    assert listed == {first: True, second: False}


def test_the_first_account_made_on_the_set_up_form_is_an_administrator(engine: Engine) -> None:
    with transaction(engine) as session:
        first = create_first_facilitator(session=session, email="first@x.nhs.uk", password=PASSWORD)
    assert member(engine, Actor.operator(), first).administrator


# --- only administrators ---------------------------------------------------------------------------


def test_a_facilitator_who_is_not_an_administrator_is_refused_every_team_action(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    other = Actor.facilitator(colleague)
    admin_id = admin.facilitator_id
    assert admin_id is not None
    refused = [
        lambda: facilitators.team(engine=engine, actor=other),
        lambda: facilitators.add_facilitator(engine=engine, actor=other, email="c@x.nhs.uk"),
        lambda: facilitators.set_disabled(engine=engine, actor=other, facilitator_id=admin_id, disabled=True),
        lambda: facilitators.reset_password(engine=engine, actor=other, facilitator_id=admin_id),
        lambda: facilitators.set_administrator(
            engine=engine, actor=other, facilitator_id=colleague, administrator=True
        ),
        lambda: facilitators.audit_log(engine=engine, actor=other),
        lambda: facilitators.audit_choices(engine=engine, actor=other),
    ]
    with transaction(engine) as session:
        before = session.scalar(select(text("count(*)")).select_from(AuditEntry))
    for attempt in refused:
        with pytest.raises(Forbidden, match="administrator"):
            attempt()
    with transaction(engine) as session:
        assert session.scalar(select(text("count(*)")).select_from(AuditEntry)) == before
    assert not member(engine, admin, colleague).administrator


def test_a_disabled_administrator_can_do_nothing_as_one(engine: Engine, admin: Actor, colleague: int) -> None:
    facilitators.set_administrator(engine=engine, actor=admin, facilitator_id=colleague, administrator=True)
    assert admin.facilitator_id is not None
    facilitators.set_disabled(
        engine=engine, actor=Actor.facilitator(colleague), facilitator_id=admin.facilitator_id, disabled=True
    )
    with pytest.raises(Forbidden):
        facilitators.team(engine=engine, actor=admin)


# --- adding ----------------------------------------------------------------------------------------


def test_an_administrator_adds_a_facilitator_with_a_temporary_password_shown_once_and_audited(
    engine: Engine, admin: Actor
) -> None:
    added = facilitators.add_facilitator(engine=engine, actor=admin, email=" Cara@Riverside.NHS.uk ")
    assert added.email == "cara@riverside.nhs.uk"
    assert len(added.password) >= 16
    new_id = facilitators.sign_in(engine=engine, email=added.email, password=added.password)
    token = facilitators.start_session(engine=engine, facilitator_id=new_id).token
    signed = facilitators.session_facilitator(engine=engine, token=token)
    assert signed is not None and signed.must_change_password and not signed.administrator
    [entry] = actions(engine, "facilitator.added")
    assert entry.actor == admin.audit_name and entry.target == added.email
    assert added.password not in str(entry.detail)


def test_adding_an_email_that_already_has_an_account_is_refused(engine: Engine, admin: Actor) -> None:
    with pytest.raises(Invalid, match="already a facilitator account"):
        facilitators.add_facilitator(engine=engine, actor=admin, email=ADMIN_EMAIL.upper())
    assert not actions(engine, "facilitator.added")


# --- disabling -------------------------------------------------------------------------------------


def test_disabling_ends_the_accounts_sessions_at_once_and_refuses_both_ways_in_until_enabled(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    token = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    assert facilitators.session_facilitator(engine=engine, token=token) is not None
    facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=colleague, disabled=True)
    assert facilitators.session_facilitator(engine=engine, token=token) is None
    with pytest.raises(SignInRefused, match="disabled"):
        facilitators.sign_in(engine=engine, email="ben@riverside.nhs.uk", password=PASSWORD)
    claims = {"email": "ben@riverside.nhs.uk", "email_verified": True}
    with pytest.raises(SignInRefused, match="disabled"):
        facilitators.sign_in_with_identity(engine=engine, claims=claims)
    with pytest.raises(SignInRefused, match="disabled"):
        facilitators.start_session(engine=engine, facilitator_id=colleague)
    assert member(engine, admin, colleague).disabled
    facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=colleague, disabled=False)
    assert facilitators.session_facilitator(engine=engine, token=token) is None  # ended stays ended
    assert facilitators.sign_in(engine=engine, email="ben@riverside.nhs.uk", password=PASSWORD) == colleague
    assert facilitators.sign_in_with_identity(engine=engine, claims=claims) == colleague
    assert [e.target for e in actions(engine, "facilitator.disabled")] == ["ben@riverside.nhs.uk"]
    assert [e.target for e in actions(engine, "facilitator.enabled")] == ["ben@riverside.nhs.uk"]


def test_an_administrator_cannot_disable_themself(engine: Engine, admin: Actor) -> None:
    assert admin.facilitator_id is not None
    with pytest.raises(Invalid, match="yourself"):
        facilitators.set_disabled(
            engine=engine, actor=admin, facilitator_id=admin.facilitator_id, disabled=True
        )
    assert not member(engine, admin, admin.facilitator_id).disabled


def test_the_last_administrator_cannot_be_disabled_or_demoted(engine: Engine, admin: Actor) -> None:
    admin_id = admin.facilitator_id
    assert admin_id is not None
    operator = Actor.operator()
    add(engine, "ben@riverside.nhs.uk")
    with pytest.raises(Invalid, match="last administrator"):
        facilitators.set_disabled(engine=engine, actor=operator, facilitator_id=admin_id, disabled=True)
    with pytest.raises(Invalid, match="last administrator"):
        facilitators.set_administrator(
            engine=engine, actor=admin, facilitator_id=admin_id, administrator=False
        )
    assert member(engine, operator, admin_id).administrator
    assert not member(engine, operator, admin_id).disabled


def test_removing_the_last_administrator_at_the_command_line_passes_the_role_to_the_oldest_enabled_account(
    engine: Engine, admin: Actor
) -> None:
    operator = Actor.operator()
    disabled = add(engine, "ben@riverside.nhs.uk")
    enabled = add(engine, "cara@riverside.nhs.uk")
    facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=disabled, disabled=True)
    facilitators.remove_facilitator(engine=engine, actor=operator, email=ADMIN_EMAIL)
    assert [(m.email, m.administrator) for m in facilitators.team(engine=engine, actor=operator)] == [
        ("ben@riverside.nhs.uk", False),
        ("cara@riverside.nhs.uk", True),
    ]
    assert [e.target for e in actions(engine, "facilitator.administrator_granted")] == [
        "cara@riverside.nhs.uk"
    ]
    assert facilitators.team(engine=engine, actor=Actor.facilitator(enabled))


def test_a_second_administrator_lets_the_first_step_down(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    assert admin.facilitator_id is not None
    facilitators.set_administrator(engine=engine, actor=admin, facilitator_id=colleague, administrator=True)
    facilitators.set_administrator(
        engine=engine, actor=admin, facilitator_id=admin.facilitator_id, administrator=False
    )
    assert member(engine, Actor.operator(), colleague).administrator
    assert not member(engine, Actor.operator(), admin.facilitator_id).administrator
    assert len(actions(engine, "facilitator.administrator_granted")) == 1
    assert len(actions(engine, "facilitator.administrator_revoked")) == 1


def test_an_unknown_account_is_not_found(engine: Engine, admin: Actor) -> None:
    with pytest.raises(NotFound):
        facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=999_999, disabled=True)


# --- resetting a password --------------------------------------------------------------------------


def test_a_reset_gives_a_temporary_password_ends_sessions_and_must_be_changed(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    token = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    reset = facilitators.reset_password(engine=engine, actor=admin, facilitator_id=colleague)
    assert facilitators.session_facilitator(engine=engine, token=token) is None
    with pytest.raises(SignInRefused):
        facilitators.sign_in(engine=engine, email=reset.email, password=PASSWORD)
    assert facilitators.sign_in(engine=engine, email=reset.email, password=reset.password) == colleague
    assert member(engine, admin, colleague).must_change_password
    [entry] = actions(engine, "facilitator.password_reset")
    assert entry.target == "ben@riverside.nhs.uk" and reset.password not in str(entry.detail)
    again = facilitators.reset_password(engine=engine, actor=admin, facilitator_id=colleague)
    assert again.password != reset.password
    with pytest.raises(SignInRefused):  # one time: the older temporary password no longer works
        facilitators.sign_in(engine=engine, email=reset.email, password=reset.password)


def test_an_administrator_changes_their_own_password_on_my_account_not_by_a_reset(
    engine: Engine, admin: Actor
) -> None:
    assert admin.facilitator_id is not None
    with pytest.raises(Invalid, match="My account"):
        facilitators.reset_password(engine=engine, actor=admin, facilitator_id=admin.facilitator_id)


# --- changing one's own password -------------------------------------------------------------------


def test_changing_ones_own_password_keeps_this_session_and_ends_every_other(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    reset = facilitators.reset_password(engine=engine, actor=admin, facilitator_id=colleague)
    here = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    elsewhere = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    facilitators.change_own_password(
        engine=engine,
        actor=Actor.facilitator(colleague),
        token=here,
        current_password=reset.password,
        new_password="my very own passphrase",
    )
    kept = facilitators.session_facilitator(engine=engine, token=here)
    assert kept is not None and not kept.must_change_password
    assert facilitators.session_facilitator(engine=engine, token=elsewhere) is None
    assert (
        facilitators.sign_in(engine=engine, email=reset.email, password="my very own passphrase") == colleague
    )
    [entry] = actions(engine, "facilitator.password_changed")
    assert entry.actor == f"facilitator:{colleague}" and entry.detail["sessions_ended"] == 1


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    here = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    you = Actor.facilitator(colleague)
    with pytest.raises(Invalid, match="current password"):
        facilitators.change_own_password(
            engine=engine,
            actor=you,
            token=here,
            current_password="not it at all",
            new_password="a new passphrase",
        )
    with pytest.raises(Invalid, match="at least 10 characters"):
        facilitators.change_own_password(
            engine=engine, actor=you, token=here, current_password=PASSWORD, new_password="short"
        )
    assert facilitators.sign_in(engine=engine, email="ben@riverside.nhs.uk", password=PASSWORD) == colleague
    assert not actions(engine, "facilitator.password_changed")


def test_a_session_token_of_another_account_cannot_change_a_password(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    assert admin.facilitator_id is not None
    theirs = facilitators.start_session(engine=engine, facilitator_id=admin.facilitator_id).token
    with pytest.raises(Forbidden):
        facilitators.change_own_password(
            engine=engine,
            actor=Actor.facilitator(colleague),
            token=theirs,
            current_password=PASSWORD,
            new_password="a new passphrase",
        )


# --- the audit log ---------------------------------------------------------------------------------


def test_the_audit_log_lists_facilitator_actions_newest_first_filtered_and_paged(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    make = Facilitators(engine)
    assert admin.facilitator_id is not None
    first = make.workshop(admin.facilitator_id, cohort="Ada's", partnership="Northam", title="Northam R1")
    second = make.workshop(
        admin.facilitator_id, cohort="Ada's too", partnership="Southam", title="Southam R1"
    )
    with transaction(engine) as session:
        for status in ("open", "closed"):
            set_workshop_state(
                session=session, workshop_id=first, actor=f"facilitator:{colleague}", status=status
            )
        set_workshop_state(session=session, workshop_id=second, actor=admin.audit_name, status="open")
    join_workshop_code = _join_code(engine, second)
    join_workshop(
        engine=engine,
        join_code=join_workshop_code,
        sector="nhs-trust",
        role="",
        display_name=None,
        address="t",
    )  # a participant's

    everything = facilitators.audit_log(engine=engine, actor=admin)
    assert [e.action for e in everything.entries][:3] == ["workshop.open", "workshop.closed", "workshop.open"]
    assert all(e.action != "participant.joined" for e in everything.entries)
    ids = [e.id for e in everything.entries]
    assert ids == sorted(ids, reverse=True)

    by_workshop = facilitators.audit_log(engine=engine, actor=admin, workshop_id=first)
    assert [e.action for e in by_workshop.entries] == ["workshop.closed", "workshop.open"]
    assert {e.workshop for e in by_workshop.entries} == {"Northam R1"}

    by_person = facilitators.audit_log(engine=engine, actor=admin, person_id=colleague)
    assert [e.who for e in by_person.entries] == ["ben@riverside.nhs.uk"] * 2

    one = facilitators.audit_log(engine=engine, actor=admin, page=0, page_size=1)
    two = facilitators.audit_log(engine=engine, actor=admin, page=1, page_size=1)
    assert one.total == everything.total and one.pages == everything.total
    assert [e.id for e in one.entries + two.entries] == ids[:2]

    choices = facilitators.audit_choices(engine=engine, actor=admin)
    assert {label for _, label in choices.workshops} == {
        "Northam R1 (Northam, 1 March 2026)",
        "Southam R1 (Southam, 1 March 2026)",
    }
    assert {label for _, label in choices.people} == {ADMIN_EMAIL, "ben@riverside.nhs.uk"}


def _join_code(engine: Engine, workshop_id: int) -> str:
    from assessment.db import workshop_info

    with transaction(engine) as session:
        return workshop_info(session=session, workshop_id=workshop_id).join_code


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page_size=st.integers(1, 7), extra=st.integers(0, 12))
def test_the_pages_of_the_audit_log_together_hold_every_entry_once(
    engine: Engine, admin: Actor, page_size: int, extra: int
) -> None:
    with transaction(engine) as session:
        from assessment.db import audit

        for n in range(extra):
            audit(session=session, actor=admin.audit_name, action="cohort.created", target=f"c{n}")
    whole = facilitators.audit_log(engine=engine, actor=admin, page_size=1000)
    first = facilitators.audit_log(engine=engine, actor=admin, page=0, page_size=page_size)
    assert first.total == whole.total == len(whole.entries)
    assert first.pages == max(1, -(-whole.total // page_size))
    seen: list[int] = []
    for page in range(first.pages):
        shown = facilitators.audit_log(engine=engine, actor=admin, page=page, page_size=page_size)
        seen += [e.id for e in shown.entries]
    assert seen == [e.id for e in whole.entries]


def test_times_come_back_in_utc(engine: Engine, admin: Actor) -> None:
    entry = facilitators.audit_log(engine=engine, actor=admin).entries[0]
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == datetime.now(UTC).utcoffset()


def test_an_administrator_sees_no_entry_about_a_cohort_they_may_not_see_but_every_account_entry(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    make = Facilitators(engine)
    private = make.workshop(colleague, cohort="Ben's own", partnership="Birchley", title="Birchley R1")
    with transaction(engine) as session:
        set_workshop_state(
            session=session, workshop_id=private, actor=f"facilitator:{colleague}", status="open"
        )
    facilitators.set_disabled(engine=engine, actor=admin, facilitator_id=colleague, disabled=True)
    shown = facilitators.audit_log(engine=engine, actor=admin).entries
    assert [e.action for e in shown] == ["facilitator.disabled", "facilitator.created", "facilitator.created"]
    assert "Birchley R1" not in str(facilitators.audit_choices(engine=engine, actor=admin))
    assert facilitators.audit_log(engine=engine, actor=admin, workshop_id=private).entries == []
    # The operator, at the command line, has the whole database in hand already.
    everything = facilitators.audit_log(engine=engine, actor=Actor.operator()).entries
    assert "workshop.open" in [e.action for e in everything]


def test_guessing_the_current_password_on_my_account_meets_the_sign_in_limit(
    engine: Engine, admin: Actor, colleague: int
) -> None:
    here = facilitators.start_session(engine=engine, facilitator_id=colleague).token
    you = Actor.facilitator(colleague)
    for _ in range(5):
        with pytest.raises(Invalid, match="not your current password"):
            facilitators.change_own_password(
                engine=engine,
                actor=you,
                token=here,
                current_password="a guess at it",
                new_password="a new passphrase",
            )
    with pytest.raises(SignInRefused, match="Wait"):
        facilitators.change_own_password(
            engine=engine, actor=you, token=here, current_password=PASSWORD, new_password="a new passphrase"
        )
    assert not actions(engine, "facilitator.password_changed")
