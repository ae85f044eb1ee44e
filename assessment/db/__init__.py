"""The database: the only package that imports the table classes or writes a query.

Every function is keyword-only and takes the session explicitly; the caller (a service, or a
domain module called by one) owns the transaction, ``with transaction(engine) as session:``, one
per user action. Results leave as frozen dataclasses or plain values, never rows.

- ``tables``: the declarative classes (and the allowed kinds and statuses);
- ``engine``: which database, how it is opened, the unit of work, which write errors are refusals;
- ``workshops``: cohorts, partnerships, bank versions and workshops;
- ``answers``: participants, their answers and the live progress;
- ``frames``: the bulk readers scoring, export, trends and cohorts start from;
- ``audit``: the audit log;
- ``presenter``: the slide each workshop has on show, and its join slide's counts;
- ``rerate``: a workshop's re-rate round and its re-rate answers, kept apart from first answers;
- one module of queries for each domain module that needs its own (``access``, ``consensus``,
  ``admin``, ``imports``, ``aggregates``, ``demo``).
"""

from __future__ import annotations

from assessment.db.answers import (
    RESUME_TOKEN_BYTES,
    AnsweringClosed,
    AnswerNotComplete,
    ParticipantInfo,
    Progress,
    StoredAnswer,
    WaitingPerson,
    WorkshopPerson,
    add_participant,
    change_stamp,
    participant_answers,
    participant_by_token,
    participant_count,
    participant_revision,
    participant_stored_answers,
    participant_submitted,
    remove_unsubmitted_participant,
    save_answer,
    save_answer_change,
    submit_participant,
    unsubmitted_people,
    workshop_people,
    workshop_progress,
)
from assessment.db.audit import audit, audit_entry, dumps, latest_entry_times
from assessment.db.engine import (
    CONNECT_TIMEOUT_SECONDS,
    WAL_SWITCH_SECONDS,
    database_url,
    make_engine,
    transaction,
    write_refused,
)
from assessment.db.frames import ResponseRow, response_rows, scoring_frames, workshop_answers
from assessment.db.presenter import (
    SectorJoined,
    ShownSlide,
    figures_stamp,
    joined_by_sector,
    shown_slide,
    store_shown_slide,
)
from assessment.db.rerate import (
    REASON_LENGTH,
    RerateInfo,
    StoredRerate,
    finish_rerate_round,
    open_rerate_round,
    participant_rerates,
    rerate_answers,
    rerate_round,
    rerate_stage,
    save_rerate_answer,
)
from assessment.db.tables import (
    ACTION_STATUSES,
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    PARTNERSHIP_KINDS,
    WORKSHOP_STATUSES,
    utcnow,
)
from assessment.db.workshops import (
    WorkshopInfo,
    bank_for_version,
    bank_hash,
    cohort_exists,
    cohort_id,
    cohort_name,
    create_cohort,
    create_partnership,
    create_workshop,
    list_partnerships,
    list_workshops,
    new_join_code,
    partnership_exists,
    partnership_id,
    partnership_workshop_ids,
    set_workshop_state,
    store_bank_version,
    workshop_ids_by_code,
    workshop_info,
)
from assessment.errors import Invalid, NotFound

__all__ = [
    "ACTION_STATUSES",
    "CONNECT_TIMEOUT_SECONDS",
    "JOIN_CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "PARTNERSHIP_KINDS",
    "REASON_LENGTH",
    "RESUME_TOKEN_BYTES",
    "WAL_SWITCH_SECONDS",
    "WORKSHOP_STATUSES",
    "AnswerNotComplete",
    "AnsweringClosed",
    "Invalid",
    "NotFound",
    "ParticipantInfo",
    "Progress",
    "RerateInfo",
    "ResponseRow",
    "SectorJoined",
    "ShownSlide",
    "StoredAnswer",
    "StoredRerate",
    "WaitingPerson",
    "WorkshopInfo",
    "WorkshopPerson",
    "add_participant",
    "audit",
    "audit_entry",
    "bank_for_version",
    "bank_hash",
    "change_stamp",
    "cohort_exists",
    "cohort_id",
    "cohort_name",
    "create_cohort",
    "create_partnership",
    "create_workshop",
    "database_url",
    "dumps",
    "figures_stamp",
    "finish_rerate_round",
    "joined_by_sector",
    "latest_entry_times",
    "list_partnerships",
    "list_workshops",
    "make_engine",
    "new_join_code",
    "open_rerate_round",
    "participant_answers",
    "participant_by_token",
    "participant_count",
    "participant_rerates",
    "participant_revision",
    "participant_stored_answers",
    "participant_submitted",
    "partnership_exists",
    "partnership_id",
    "partnership_workshop_ids",
    "remove_unsubmitted_participant",
    "rerate_answers",
    "rerate_round",
    "rerate_stage",
    "response_rows",
    "save_answer",
    "save_answer_change",
    "save_rerate_answer",
    "scoring_frames",
    "set_workshop_state",
    "shown_slide",
    "store_bank_version",
    "store_shown_slide",
    "submit_participant",
    "transaction",
    "unsubmitted_people",
    "utcnow",
    "workshop_answers",
    "workshop_ids_by_code",
    "workshop_info",
    "workshop_people",
    "workshop_progress",
    "write_refused",
]
