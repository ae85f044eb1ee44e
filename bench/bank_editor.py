"""Server-side time of one edit in the question bank editor: a question's text typed and the page
run again, as each field a facilitator leaves does.

Run: .venv/bin/python bench/bank_editor.py [--small] [--runs N] [--json FILE] [--against REF]
No target was set for it; it is measured because every field left in the editor waits for it.
The draft is a copy of the shipped bank (14 domains, 50 questions).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

import ui.auth
from assessment.db import make_engine, transaction
from assessment.framework import parse_bank
from assessment.migrate import upgrade_database
from bench.common import bench_facilitator, machine
from bench.versions import add_options, code_root, side_by_side_if_asked, write_figures
from tests.app.conftest import TEST_COOKIE_KEY, presented_token_from_session_state, session_cookie

ROOT = code_root()  # the app measured: this tree, or the --against version


def open_editor(facilitator: int) -> AppTest:
    """The editor, signed in, with a bank started from the shipped one and its draft open."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[TEST_COOKIE_KEY] = session_cookie(facilitator)
    at.run()
    at.switch_page("views/bank_editor.py")
    at.run()
    at.text_input(key="bank_new_name").input("Bench bank")
    at.button(key="bank_new_start").click().run()
    at.button(key="bank_edit_start").click().run()
    assert not at.exception, at.exception
    assert any("This draft is valid" in s.value for s in at.success), "the draft did not open"
    return at


def time_edits(at: AppTest, item_id: str, runs: int) -> list[float]:
    times = []
    for number in range(runs):
        field = next(t for t in at.text_area if t.label == "Question text" and f"q_{item_id}_text" in t.key)
        field.set_value(f"Our own words, take {number}")
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception  # a run that failed returns at once
    assert any(f"Questions reworded (1): {item_id}" in m.value.replace("\\", "") for m in at.markdown)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="5 runs, for the CI smoke run")
    parser.add_argument("--runs", type=int, default=20, help="edits timed (default 20)")
    add_options(parser)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    runs = 5 if args.small else args.runs
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-editor-')) / 'bench.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with transaction(engine) as session:
        facilitator = bench_facilitator(session)
    engine.dispose()
    os.environ["DATABASE_URL"] = url
    ui.auth.presented_token = presented_token_from_session_state
    item_id = next(item.id for _, item in parse_bank((ROOT / "questions.yaml").read_bytes()).iter_items())
    times = time_edits(open_editor(facilitator), item_id, runs)
    ms = 1000
    print(f"machine: {machine()}, SQLite")
    print(
        f"bank editor, one question's text edited (shipped bank): median "
        f"{statistics.median(times) * ms:.0f} ms (min {min(times) * ms:.0f}, max {max(times) * ms:.0f}) "
        f"over {runs} edits"
    )
    write_figures(args.json, {"bank editor edit median (ms)": statistics.median(times) * ms})


if __name__ == "__main__":
    main()
