"""Scoring at national scale, timed beside a bare groupby median over the same frame.

Run: .venv/bin/python bench/scoring.py [--small] [--json FILE]
Targets (issue 2): full scoring of 1,000,000 answers under 1.0 s and at most 3x the bare
groupby; one 60-respondent workshop under 20 ms. Issue 18: the team figures plus the sector lens
at most 3x the bare groupby. ``--json`` also writes every figure to FILE as {name: value}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assessment.scoring as scoring
from assessment.framework import load_bank
from assessment.scoring import figures, score_workshop
from bench.data import synthetic_answers, synthetic_tier_answers
from bench.versions import add_options, code_root, side_by_side_if_asked

ROOT = code_root()  # the app measured: this tree, or the --against version


def best_of(repeats: int, work: Callable[[], object]) -> tuple[float, float]:
    """(best, median) seconds over repeats: best is the machine's capability, median its typical."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="a reduced size for the CI smoke run")
    add_options(parser)
    args = parser.parse_args()
    if side_by_side_if_asked(args, __file__):
        return
    bank = load_bank(ROOT / "questions.yaml")
    size = dict(partnerships=4, rounds=2) if args.small else {}
    answers = synthetic_answers(bank, **size)
    repeats = 3 if args.small else 7

    def bare() -> object:
        return answers.groupby(["workshop", "item_id"], observed=True)["current"].median()

    def full() -> object:
        # items, domains, overall and respondents per workshop, and per workshop and sector (the
        # lens), as the app scores them: from one pass over the answers where the version measured
        # has figures_with_lens (issue 18), as two calls in a version before it
        if hasattr(scoring, "figures_with_lens"):
            return scoring.figures_with_lens(answers, bank, by=["workshop"], lens="sector")
        team = figures(answers, bank, by=["workshop"])
        lens = figures(answers, bank, by=["workshop", "sector"], item_detail=False)
        return team, lens

    bare_best, bare_median = best_of(repeats, bare)
    full_best, full_median = best_of(repeats, full)
    team_best, team_median = best_of(repeats, lambda: figures(answers, bank, by=["workshop"]))

    one = answers.loc[answers["workshop"] == answers["workshop"].cat.categories[0]].copy()
    one["workshop"] = one["workshop"].astype(str)
    tiers = synthetic_tier_answers(bank)
    score_workshop(one, bank, tier_answers=tiers)  # warm caches
    one_best, one_median = best_of(20, lambda: score_workshop(one, bank, tier_answers=tiers))

    ms = 1000
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"rows: {len(answers):,} answers in {answers['workshop'].nunique()} workshops")
    print(f"bare groupby median: best {bare_best * ms:.0f} ms, median {bare_median * ms:.0f} ms")
    print(f"team figures only: best {team_best * ms:.0f} ms, median {team_median * ms:.0f} ms")
    print(f"  ratio team/bare (best): {team_best / bare_best:.2f}x")
    print(f"team + sector lens: best {full_best * ms:.0f} ms, median {full_median * ms:.0f} ms")
    print(f"  ratio full/bare (best): {full_best / bare_best:.2f}x")
    print(
        f"one 60-respondent workshop, all item types: best {one_best * ms:.1f} ms, "
        f"median {one_median * ms:.1f} ms"
    )
    if args.json:
        figures_found = {
            "rows": len(answers),
            "bare_best_ms": bare_best * ms,
            "bare_median_ms": bare_median * ms,
            "team_best_ms": team_best * ms,
            "team_median_ms": team_median * ms,
            "team_over_bare": team_best / bare_best,
            "full_best_ms": full_best * ms,
            "full_median_ms": full_median * ms,
            "full_over_bare": full_best / bare_best,
            "one_workshop_best_ms": one_best * ms,
            "one_workshop_median_ms": one_median * ms,
        }
        args.json.write_text(json.dumps(figures_found, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
