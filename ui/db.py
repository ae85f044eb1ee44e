"""The database engine, created and upgraded once per URL and shared by every session."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from assessment.migrate import upgrade_database
from assessment.store import database_url, make_engine


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    upgrade_database(engine)
    return engine


def plain_engine() -> Engine:
    """The shared engine, for code that runs outside a page run (download callables)."""
    # Keyed by URL (read on every run) so tests, or a changed DATABASE_URL, get their own engine.
    return _engine_for(database_url())


def engine() -> Engine:
    return plain_engine()
