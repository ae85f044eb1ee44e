"""Time of the cohort comparison: 42 partnerships x 8 rounds x 60 respondents.

Run: .venv/bin/python bench/cohorts.py [--small]
Target: well under 1 s for ``compare_cohort`` (median of 10 runs), on SQLite.

The data is written with bulk inserts (one executemany per table, one transaction) rather than
``save_answer`` per answer: 161,280 answers would otherwise take minutes to build. Every
respondent answers all 50 maturity items with whole levels; nobody says "don't know".
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

import ui.auth
from assessment.cohorts import compare_cohort
from assessment.db import (
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    store_bank_version,
    transaction,
    utcnow,
)
from assessment.db.tables import Participant, Response
from assessment.framework import MaturityItem
from assessment.migrate import upgrade_database
from bench.common import bench_facilitator, machine
from bench.versions import add_options, code_root, side_by_side_if_asked, write_figures
from tests.app.conftest import TEST_COOKIE_KEY, presented_token_from_session_state, session_cookie

ROOT = code_root()  # the app measured: this tree, or the --against version


def build(url: str, *, partnerships: int, rounds: int, respondents: int) -> tuple[int, int]:
    """A cohort of ``partnerships`` (one ICS, the rest its places), each with ``rounds`` workshops of
    ``respondents`` people answering every maturity item. Returns (cohort id, answers written)."""
    engine = make_engine(url)
    upgrade_database(engine)
    rng = np.random.default_rng(42)
    answers = 0
    with transaction(engine) as session:
        cohort = create_cohort(session=session, name="Bench cohort")
        version = store_bank_version(
            session=session, yaml_text=(ROOT / "questions.yaml").read_text(encoding="utf-8")
        )
        bank = bank_for_version(session=session, bank_version_id=version)
        items = [item.id for _, item in bank.iter_items() if isinstance(item, MaturityItem)]
        sectors = [s.id for s in bank.sectors]
        top = bank.max_level
        ics = None
        now = utcnow()
        for number in range(partnerships):
            partnership = create_partnership(
                session=session,
                cohort_id=cohort,
                name=f"Partnership {number:02d}",
                kind="ics" if ics is None else "place",
                parent_id=ics,
            )
            ics = ics or partnership
            for round_number in range(rounds):
                workshop = create_workshop(
                    session=session,
                    partnership_id=partnership,
                    bank_version_id=version,
                    title=f"Round {round_number + 1}",
                    held_on=date(2025, 1, 1) + timedelta(days=60 * round_number + number),
                    round_label=f"R{round_number + 1}",
                )
                people = session.scalars(
                    insert(Participant).returning(Participant.id),
                    [
                        {
                            "workshop_id": workshop.id,
                            "resume_token": secrets.token_urlsafe(24),
                            "label": f"P{person + 1:02d}",
                            "sector": sectors[person % len(sectors)],
                            "role": "",
                            "joined_at": now,
                            "submitted_at": now,  # only submitted answers count in the figures
                        }
                        for person in range(respondents)
                    ],
                ).all()
                current = rng.integers(1, top + 1, size=(len(people), len(items)))
                target = np.minimum(top, current + rng.integers(0, 2, size=current.shape))
                session.execute(
                    insert(Response),
                    [
                        {
                            "participant_id": who,
                            "item_id": item,
                            "current": int(current[p, i]),
                            "target": int(target[p, i]),
                            "dont_know": False,
                            "updated_at": now,
                        }
                        for p, who in enumerate(people)
                        for i, item in enumerate(items)
                    ],
                )
                answers += len(people) * len(items)
    engine.dispose()
    return cohort, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--small", action="store_true", help="4 partnerships x 2 rounds x 12, for a quick run"
    )
    add_options(parser)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    partnerships, rounds, respondents, runs = (4, 2, 12, 10) if args.small else (42, 8, 60, 10)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-cohorts-')) / 'bench.db'}"
    start = time.perf_counter()
    cohort, answers = build(url, partnerships=partnerships, rounds=rounds, respondents=respondents)
    built = time.perf_counter() - start

    engine = make_engine(url)
    times = []
    for _ in range(runs + 1):  # the first run parses the bank and warms the connection: not counted
        with transaction(engine) as session:
            start = time.perf_counter()
            comparison = compare_cohort(session=session, cohort_id=cohort)
            times.append(time.perf_counter() - start)
    times = times[1:]
    shown = int((~comparison.partnerships["withheld"]).sum())
    assert shown == partnerships, "every partnership should be shown"
    ms = 1000
    print(f"machine: {machine()}, SQLite")
    per_round = answers // (partnerships * rounds)
    print(
        f"built {partnerships} partnerships x {rounds} rounds x {respondents} respondents "
        f"({answers:,} answers) in {built:.1f} s"
    )
    print(
        f"compare_cohort (latest and previous round of each, {min(rounds, 2) * partnerships * per_round:,} "
        f"answers scored): median {statistics.median(times) * ms:.0f} ms "
        f"(min {min(times) * ms:.0f}, max {max(times) * ms:.0f}) over {runs} runs"
    )

    # The page itself, as a facilitator opens it (AppTest through the app's frame, server side).
    with transaction(engine) as session:
        facilitator = bench_facilitator(session)
    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    # Signed in as the tests do it: a real session, its token where AppTest can carry it.
    ui.auth.presented_token = presented_token_from_session_state
    at.session_state[TEST_COOKIE_KEY] = session_cookie(facilitator)
    at.session_state["cohorts_cohort"] = cohort
    at.run()
    at.switch_page("views/cohorts.py")
    at.run()
    assert not at.exception, at.exception
    assert "Sign in to continue." not in [w.value for w in at.warning], "timing the sign-in refusal"
    page_times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        page_times.append(time.perf_counter() - start)
        # a run that failed returns at once: it must not pass for a fast one
        assert not at.exception, at.exception
    print(
        f"comparison page (AppTest, server side): median {statistics.median(page_times) * ms:.0f} ms "
        f"(min {min(page_times) * ms:.0f}, max {max(page_times) * ms:.0f}) over {runs} runs"
    )
    write_figures(
        args.json,
        {
            "compare_cohort median (ms)": statistics.median(times) * ms,
            "comparison page median (ms)": statistics.median(page_times) * ms,
        },
    )


if __name__ == "__main__":
    main()
