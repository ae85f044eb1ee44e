"""The database engine, created and upgraded once per URL and shared by every session; and the
answers this session could not save yet, kept and retried until the database takes them.

A participant's answer that fails to save because the database cannot be reached is kept in
session_state (``save_later``) as plain values: the resume token and the change (which parts, the
values, when the person made it), replayed through the same service as the first try. The next
page run tries it again before anything else reads the database; while the database is still
away, the page says "Not saved, retrying…" and tries again every few seconds by itself, then
draws the page as usual, the answer marked "Saved". A database that is reached but refuses writes
(read-only, full, no rights) is not retried in a loop: the answer stays kept, the item says why,
and any later change tries again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from assessment.answers import AnswerChange
from assessment.db.engine import database_url, make_engine, write_refused
from assessment.errors import Refused
from assessment.migrate import upgrade_database
from assessment.services.participants import save_answer

PENDING_KEY = "unsaved_writes"
RETRY_EVERY_SECONDS = 2.0
RETRYING = "Not saved, retrying…"


class Unsaved(TypedDict):
    """A kept answer, as plain values: whose, the change, and why the database refused it
    ("read-only", ...; None: it was not reached)."""

    token: str
    change: dict[str, Any]  # AnswerChange.model_dump()
    refused: str | None


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


def plain_engine() -> Engine:
    """The engine, without trying this session's unsaved writes first: for widget callbacks,
    which may neither draw the retry notice nor stop the page."""
    # Keyed by URL (read on every run) so tests, or a changed DATABASE_URL, get their own engine.
    return _engine_for(database_url())


def engine() -> Engine:
    """The engine, after this session's unsaved writes, if any, have been saved.

    If the database still cannot be reached, the page shows only the retry notice and stops
    here, before it reads anything: the caller's read would fail the same way.
    """
    current = plain_engine()
    # Only writes that did not reach the database are tried here, at most a few calls a run;
    # refused ones wait for the participant's next change (walkthrough), not every read.
    if any(kept["refused"] is None for kept in _unsaved().values()):
        problem = save_unsaved(current)
        if problem is not None and problem["refused"] is None:
            _wait_for_database()
    return current


def _unsaved() -> dict[str, Unsaved]:
    unsaved: dict[str, Unsaved] = st.session_state.setdefault(PENDING_KEY, {})
    return unsaved


def save_later(key: str, *, token: str, change: AnswerChange, error: SQLAlchemyError) -> None:
    """Keep a change that failed with ``error``; a later one under the same key replaces it."""
    _unsaved()[key] = Unsaved(token=token, change=change.model_dump(), refused=write_refused(error))


def forget(key: str) -> None:
    """Drop a kept write: a newer one for the same key was saved, so this one must never land."""
    _unsaved().pop(key, None)


def unsaved_under(prefix: str) -> Unsaved | None:
    """The first kept write whose key starts with ``prefix`` (one answer's parts), if any."""
    return next((kept for key, kept in _unsaved().items() if key.startswith(prefix)), None)


def save_unsaved(current: Engine) -> Unsaved | None:
    """Try every kept change, each saved on its own, oldest first; None when all are in,
    otherwise the first that failed again (it and the ones after it stay kept)."""
    unsaved = _unsaved()
    for key, kept in list(unsaved.items()):
        try:
            save_answer(
                engine=current, token=kept["token"], change=AnswerChange.model_validate(kept["change"])
            )
        except Refused:
            # checked before it was kept: only a workshop closed, or a participant deleted, since
            # gets here, and then the change must not land
            unsaved.pop(key)
        except SQLAlchemyError as exc:
            again = Unsaved(token=kept["token"], change=kept["change"], refused=write_refused(exc))
            unsaved[key] = again
            return again
        else:
            unsaved.pop(key)
    return None


def _wait_for_database() -> None:
    count = len(_unsaved())
    st.warning(
        f"**{RETRYING}** The connection to the database was lost, so your last "
        f"{'change is' if count == 1 else f'{count} changes are'} not saved yet. "
        f"{'It is' if count == 1 else 'They are'} kept here and saved as soon as the connection is "
        "back; keep this page open.",
        icon=":material/sync_problem:",
    )

    @st.fragment(run_every=RETRY_EVERY_SECONDS)
    def retry() -> None:
        problem = save_unsaved(plain_engine())
        if problem is None or problem["refused"] is not None:
            st.rerun(scope="app")  # saved (or the database answers again): draw the page as usual
        st.caption(f"Last tried at {datetime.now():%H:%M:%S}.")

    retry()
    st.stop()
