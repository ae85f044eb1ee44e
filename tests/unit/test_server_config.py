"""The server settings in .streamlit/config.toml that the promises rest on."""

from __future__ import annotations

import tomllib

from assessment.framework import MAX_BANK_BYTES
from assessment.io import MAX_IMPORT_BYTES
from tests.conftest import PROJECT_ROOT

CONFIG = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
MEGABYTE = 1024 * 1024


def test_uploads_are_capped_at_the_largest_file_the_app_reads_not_streamlits_200_mb() -> None:
    cap = CONFIG["server"]["maxUploadSize"] * MEGABYTE
    assert max(MAX_BANK_BYTES, MAX_IMPORT_BYTES) <= cap <= 10 * MEGABYTE


def test_the_full_collection_after_every_rerun_stays_off() -> None:
    # bench/load.py: the server was five times busier with it on (see the comment in the file)
    assert CONFIG["runner"]["postScriptGC"] is False
