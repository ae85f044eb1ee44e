"""Server-side time of the results page (60 respondents) and the trends page (8 rounds).

Run: .venv/bin/python bench/results.py [--small]
Target (issue 5): under 300 ms each, median of 20 AppTest runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from streamlit.testing.v1 import AppTest

import ui.auth
from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    make_engine,
    save_answer,
    store_bank_version,
    submit_participant,
    transaction,
)
from assessment.framework import SPECTRUM_POSITIONS, AccountabilityItem
from assessment.migrate import upgrade_database
from bench.common import bench_facilitator, machine
from bench.versions import add_options, code_root, side_by_side_if_asked, write_figures
from tests.app.conftest import TEST_COOKIE_KEY, presented_token_from_session_state, session_cookie

ROOT = code_root()  # the app measured: this tree, or the --against version


def build(url: str, *, rounds: int, respondents: int) -> tuple[int, str, int]:
    """One partnership with ``rounds`` workshops of ``respondents`` people answering every item."""
    engine = make_engine(url)
    upgrade_database(engine)
    rng = np.random.default_rng(5)
    with transaction(engine) as session:
        facilitator = bench_facilitator(session)
        cohort = create_cohort(session=session, name="Bench cohort")
        partnership = create_partnership(session=session, cohort_id=cohort, name="Bench ICS", kind="ics")
        version = store_bank_version(
            session=session, yaml_text=(ROOT / "questions.yaml").read_text(encoding="utf-8")
        )
        bank = bank_for_version(session=session, bank_version_id=version)
        sectors = [s.id for s in bank.sectors]
        code = ""
        for number in range(rounds):
            workshop = create_workshop(
                session=session,
                partnership_id=partnership,
                bank_version_id=version,
                title=f"Round {number + 1}",
                held_on=date(2025, 1, 1) + timedelta(days=60 * number),
                round_label=f"R{number + 1}",
            )
            code = workshop.join_code
            for person in range(respondents):
                who = add_participant(
                    session=session, workshop_id=workshop.id, sector=sectors[person % len(sectors)]
                )
                for _, item in bank.iter_items():
                    if isinstance(item, AccountabilityItem):
                        tiers = [t.id for t in item.tiers]
                        answer = Answer(
                            item_id=item.id,
                            tiers={f.id: tiers[rng.integers(len(tiers))] for f in item.functions},
                        )
                    else:
                        top = bank.max_level if item.type == "maturity" else SPECTRUM_POSITIONS
                        now = int(rng.integers(1, top + 1))
                        answer = Answer(
                            item_id=item.id, current=now, target=min(top, now + int(rng.integers(0, 2)))
                        )
                    save_answer(session=session, participant_id=who.id, answer=answer, bank=bank)
                submit_participant(session=session, participant_id=who.id)  # only these count
    engine.dispose()
    return facilitator, code, partnership


def time_page(page: str, state: dict[str, object], runs: int) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert "Sign in to continue." not in [w.value for w in at.warning], "timing the sign-in refusal"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        # a run that failed returns at once: it must not pass for a fast one
        assert not at.exception, at.exception
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--small", action="store_true", help="2 rounds of 12 and 5 runs, for the CI smoke run"
    )
    add_options(parser)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    rounds, respondents, runs = (2, 12, 5) if args.small else (8, 60, 20)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-results-')) / 'bench.db'}"
    facilitator, code, partnership = build(url, rounds=rounds, respondents=respondents)
    os.environ["DATABASE_URL"] = url
    # Signed in as the tests do it: a real session, its token where AppTest can carry it.
    ui.auth.presented_token = presented_token_from_session_state
    signed_in = {TEST_COOKIE_KEY: session_cookie(facilitator)}
    results = time_page("views/results.py", {**signed_in, "workshop_code": code}, runs)
    trends = time_page("views/trends.py", {**signed_in, "trends_partnership": partnership}, runs)
    ms = 1000
    print(f"machine: {machine()}, SQLite")
    print(
        f"results page, {respondents} respondents, round {rounds} of {rounds}: "
        f"median {statistics.median(results) * ms:.0f} ms (min {min(results) * ms:.0f})"
    )
    print(
        f"trends page, {rounds} rounds of {respondents}: "
        f"median {statistics.median(trends) * ms:.0f} ms (min {min(trends) * ms:.0f})"
    )
    write_figures(
        args.json,
        {
            "results page median (ms)": statistics.median(results) * ms,
            "trends page median (ms)": statistics.median(trends) * ms,
        },
    )


if __name__ == "__main__":
    main()
