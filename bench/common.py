"""What every benchmark reports alongside its figures (the machine, a percentile), and the
facilitator account the page benchmarks sign in as."""

from __future__ import annotations

import os
import platform
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: a figure that was really measured, never interpolated."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def memory_gib() -> float:
    """The machine's RAM in GiB (MemTotal of /proc/meminfo), 0 where that is not available."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass  # not Linux
    return 0.0


@contextmanager
def scratch_database(postgres: bool) -> Iterator[str]:
    """A database URL for one benchmark run, removed afterwards: SQLite in a temporary folder, or
    a new database in the PostgreSQL of the PG* environment (``pg_virtualenv -t -- ...``)."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text

    from tests.storage.conftest import postgres_admin_url

    admin_url = postgres_admin_url()
    if admin_url is None:
        raise SystemExit("--postgres needs the PG* environment: run under `pg_virtualenv -t -- ...`")
    name = f"ics_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_facilitator(session: Session) -> int:
    """A throwaway facilitator account for a page benchmark to sign in as; returns its id."""
    from assessment.auth import create_facilitator  # the measured version's, bound by then

    return create_facilitator(
        session=session,
        email="bench@nhs.net",
        password="bench passphrase",  # noqa: S106 - a throwaway benchmark account
        actor="bench",
    )
