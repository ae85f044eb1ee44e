"""Server-side time of a presenter slide change: 60 respondents, every slide of the shipped bank.

Run: .venv/bin/python bench/presenter.py [--small]
Target (issue 14): a slide change under 200 ms on the server. Measured three ways, median and
p95 over every step through the slides and back:

- the service: ``move_slide`` then ``projected`` (what a press on Run the room and the
  projector's next draw cost, without Streamlit);
- the projector page: a press of its own Next slide (the arrow key), the whole AppTest run;
- the projector following: the page run after another device stepped (its poll saw a change).

Also the join slide once answering has closed (where the result slides are built from the
answers, once, and kept while the answers are unchanged), the first result slide after the
reveal, and one poll (``projector_stamp``, about once a second).
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
from assessment.db import make_engine, set_workshop_state, transaction, workshop_info
from assessment.services import Actor, presenter
from bench.common import machine, percentile
from bench.results import build
from bench.versions import code_root
from tests.app.conftest import TEST_COOKIE_KEY, presented_token_from_session_state, session_cookie

ROOT = code_root()  # the app measured: this tree, or the --against version
MS = 1000


def summary(name: str, seconds: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(seconds) * MS:.1f} ms, "
        f"p95 {percentile(seconds, 0.95) * MS:.1f} ms "
        f"(max {max(seconds) * MS:.1f}, {len(seconds)} changes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="12 respondents, for the CI smoke run")
    args = parser.parse_args()
    respondents = 12 if args.small else 60
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-presenter-')) / 'bench.db'}"
    facilitator, code, _ = build(url, rounds=1, respondents=respondents)
    engine = make_engine(url)
    with transaction(engine) as session:
        workshop = workshop_info(session=session, join_code=code).id
        set_workshop_state(session=session, workshop_id=workshop, actor="bench", status="closed")
    actor = Actor.facilitator(facilitator)
    start = time.perf_counter()
    presenter.projected(engine=engine, actor=actor, workshop_id=workshop)  # the join slide, closed
    join_closed = time.perf_counter() - start
    with transaction(engine) as session:
        set_workshop_state(session=session, workshop_id=workshop, actor="bench", revealed=True)
    start = time.perf_counter()
    presenter.projected(engine=engine, actor=actor, workshop_id=workshop)
    revealed = time.perf_counter() - start
    slides = len(presenter.deck(engine=engine, actor=actor, workshop_id=workshop).entries)
    steps = [1] * (slides - 1) + [-1] * (slides - 1)

    service = []
    for step in steps:
        start = time.perf_counter()
        presenter.move_slide(engine=engine, actor=actor, workshop_id=workshop, step=step)
        presenter.projected(engine=engine, actor=actor, workshop_id=workshop)
        service.append(time.perf_counter() - start)
    polls = []
    for _ in range(20):
        start = time.perf_counter()
        presenter.projector_stamp(engine=engine, actor=actor, workshop_id=workshop)
        polls.append(time.perf_counter() - start)

    os.environ["DATABASE_URL"] = url
    ui.auth.presented_token = presented_token_from_session_state  # signed in as the tests do it
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[TEST_COOKIE_KEY] = session_cookie(facilitator, engine)
    at.run()
    at.switch_page("views/present.py")
    at.query_params["code"] = code
    at.run()
    assert not at.exception, at.exception
    assert "Sign in to continue." not in [w.value for w in at.warning], "timing the sign-in refusal"
    pressed, followed = [], []
    for step in steps:
        label = "Next slide" if step > 0 else "Previous slide"
        button = next(b for b in at.button if b.label == label)
        start = time.perf_counter()
        button.click().run()
        pressed.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    for step in steps:
        presenter.move_slide(engine=engine, actor=actor, workshop_id=workshop, step=step)
        start = time.perf_counter()
        at.run()
        followed.append(time.perf_counter() - start)
    engine.dispose()

    print(f"machine: {machine()}, SQLite; {respondents} respondents, {slides} slides")
    print(
        "join slide once answering closed (scores and builds every result slide, kept): "
        f"{join_closed * MS:.0f} ms"
    )
    print(f"first result slide after the reveal: {revealed * MS:.1f} ms")
    print(summary("slide change, service (move_slide + projected)", service))
    print(summary("slide change, projector page pressing Next (AppTest run)", pressed))
    print(summary("slide change, projector page following another device (AppTest run)", followed))
    print(summary("one poll (projector_stamp)", polls))


if __name__ == "__main__":
    main()
