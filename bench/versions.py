"""Two versions of the code measured side by side, in one run: ``--against REF``.

These machines are shared and noisy, so a figure measured today is only comparable with one
measured in the same sitting. ``--against REF`` makes a benchmark measure twice per round, once
with the code of REF (any git revision: ``main``, ``HEAD~1``, a commit) and once with the code
of the working tree, alternating which goes first, and then print every figure beside its
previous value with the ratio now ÷ previous (below 1: faster now).

How the previous version is run: REF's files are extracted with ``git archive`` into
``artifacts/bench/versions/<commit>/`` (once per commit), and the same benchmark script, today's,
is run again in a child process (``python -m bench.versions SCRIPT ...``) with ``ICS_BENCH_CODE``
naming that folder. The child imports the app's packages from there before it runs the script,
and scripts find ``app.py`` and ``questions.yaml`` through :func:`code_root`: the app
(``assessment``, ``ui``, the pages, ``server.py``) and the test helpers come from REF, while
``bench`` itself stays today's, so both versions are measured by the same measurement. A
benchmark that needs a function the previous version lacks fails in that child
with the import error, and the run says so.

Each script writes its figures with ``--json FILE`` as a flat ``{name: number}`` map; names say
the unit ("warm summary median (s)").
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import runpy
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_VARIABLE = "ICS_BENCH_CODE"
VERSIONS_FOLDER = ROOT / "artifacts" / "bench" / "versions"
APP_PACKAGES = ("assessment", "ui", "tests")  # everything the benchmarks import but bench


def code_root() -> Path:
    """The folder of the app being measured: the previous version's in an ``--against`` child,
    the working tree otherwise. Scripts find ``app.py`` and ``questions.yaml`` through it."""
    code = os.environ.get(CODE_VARIABLE)
    return Path(code).resolve() if code else ROOT


def _run_as_previous(script: str, argv: Sequence[str]) -> None:
    """The ``--against`` child: bind the app's packages to the previous version's folder, then
    run today's benchmark script. Once ``assessment`` (and ``ui``, ``tests``) are imported from
    there, every submodule resolves through them, whatever the script then puts on the path."""
    code = code_root()
    sys.path.insert(0, str(code))
    for package in APP_PACKAGES:
        if (code / package / "__init__.py").exists():
            module = importlib.import_module(package)
            if not Path(str(module.__file__)).resolve().is_relative_to(code):
                raise SystemExit(f"{package} was imported from {module.__file__}, not from {code}")
    sys.argv = [script, *argv]
    runpy.run_path(script, run_name="__main__")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args],  # noqa: S607 - git from PATH, as a developer runs it
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def resolve(ref: str) -> str:
    """REF's full commit id; a clear error when git does not know it."""
    try:
        return _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"--against {ref}: git knows no such revision ({error.stderr.strip()})") from None


def extract(ref: str, folder: Path = VERSIONS_FOLDER) -> Path:
    """REF's files in ``folder/<commit>``, extracted once: later runs reuse them."""
    commit = resolve(ref)
    target = folder / commit
    if (target / ".complete").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        command = ["git", "-C", str(ROOT), "archive", "--format=tar", commit]
        subprocess.run(command, check=True, stdout=archive)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(target, filter="data")
    (target / ".complete").write_text(commit + "\n")
    return target


def without_against(argv: Sequence[str]) -> list[str]:
    """The command line minus ``--against REF`` / ``--against=REF`` and ``--rounds N``, which only
    the parent process acts on."""
    kept: list[str] = []
    skip = False
    for argument in argv:
        if skip:
            skip = False
            continue
        if argument in ("--against", "--rounds"):
            skip = True
            continue
        if argument.startswith(("--against=", "--rounds=")):
            continue
        kept.append(argument)
    return kept


def ratio_table(previous: Mapping[str, float], now: Mapping[str, float], *, label: str) -> str:
    """Each figure measured in both versions, its two values and now ÷ previous."""
    names = [name for name in now if name in previous]
    width = max([len("figure"), *(len(name) for name in names)])
    lines = [
        f"{'figure':<{width}}  {'previous':>10}  {'now':>10}  {'now ÷ previous':>14}",
        f"{'-' * width}  {'-' * 10}  {'-' * 10}  {'-' * 14}",
    ]
    for name in names:
        before, after = previous[name], now[name]
        ratio = f"{after / before:.2f}" if before else ("same" if after == before else "(was 0)")
        lines.append(f"{name:<{width}}  {before:>10.4g}  {after:>10.4g}  {ratio:>14}")
    only = [name for name in now if name not in previous] + [name for name in previous if name not in now]
    if only:
        lines.append(f"measured in one version only: {', '.join(only)}")
    return f"{label}\n" + "\n".join(lines)


def medians(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per figure, the median over the rounds in which it was measured."""
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run))
    return {
        name: statistics.median(run[name] for run in runs if name in run)
        for name in names
        if any(isinstance(run.get(name), int | float) for run in runs)
    }


def _measure(script: Path, argv: Sequence[str], code: Path | None, title: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as scratch:
        figures_file = Path(scratch) / "figures.json"
        env = dict(os.environ)
        env.pop(CODE_VARIABLE, None)
        if code is not None:
            env[CODE_VARIABLE] = str(code)
        print(f"--- {title}", flush=True)
        command = [str(script), *argv, "--json", str(figures_file)]
        if code is not None:
            command = ["-m", "bench.versions", *command]
        finished = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=False)
        if finished.returncode != 0:
            raise SystemExit(f"{title}: the benchmark exited with status {finished.returncode}")
        figures = json.loads(figures_file.read_text())
    return flatten(figures)


def flatten(figures: Mapping[str, object], prefix: str = "") -> dict[str, float]:
    """The numbers of a figures map, nested maps included (their names joined with " / "); text,
    flags and lists are descriptions, not figures to compare."""
    flat: dict[str, float] = {}
    for name, value in figures.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{name} / "))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[f"{prefix}{name}"] = float(value)
    return flat


def run_side_by_side(script: str | Path, argv: Sequence[str], *, against: str, rounds: int = 1) -> None:
    """Measure ``script`` with REF's code and with today's, ``rounds`` times each, alternating
    which goes first, then print every figure's two medians and their ratio."""
    script = Path(script).resolve()
    commit = resolve(against)
    previous_code = extract(commit)
    argv = without_against(argv)
    short = commit[:9]
    earlier: list[dict[str, float]] = []
    later: list[dict[str, float]] = []
    for round_number in range(rounds):
        order = [("previous", previous_code), ("now", None)]
        if round_number % 2:
            order.reverse()  # the second of a pair often runs on a warmer machine: take turns
        for _which, code in order:
            title = f"round {round_number + 1} of {rounds}: " + (
                f"previous version ({against} = {short})" if code else "this version (working tree)"
            )
            figures = _measure(script, argv, code, title)
            (earlier if code else later).append(figures)
    print()
    print(
        ratio_table(
            medians(earlier),
            medians(later),
            label=f"side by side, {rounds} round(s) each, medians: previous = {against} ({short}), "
            "now = this working tree",
        )
    )


def side_by_side_if_asked(args: object, script: str | Path) -> bool:
    """When the parsed arguments carry ``against``, run the side-by-side comparison and return
    True (the caller then returns); otherwise return False and let the script measure once."""
    against = getattr(args, "against", None)
    if not against:
        return False
    run_side_by_side(script, sys.argv[1:], against=against, rounds=getattr(args, "rounds", 1) or 1)
    return True


def add_options(parser: argparse.ArgumentParser, *, json_option: bool = True) -> None:
    """``--against REF``, ``--rounds N`` and (unless the script has its own) ``--json FILE`` on a
    benchmark's argument parser."""
    add_argument = parser.add_argument
    add_argument(
        "--against",
        metavar="REF",
        help="also measure the code of git revision REF (e.g. main, HEAD~1) in the same run, and "
        "print each figure's ratio now ÷ previous",
    )
    add_argument("--rounds", type=int, default=1, help="with --against: measure each version N times")
    if json_option:
        add_argument("--json", type=Path, help="also write the figures to this file, as JSON")


def write_figures(path: Path | None, figures: Mapping[str, object]) -> None:
    """``--json FILE``: the figures as a flat map, for the side-by-side parent or a record."""
    if path is not None:
        path.write_text(json.dumps(dict(figures), indent=2))


if __name__ == "__main__":
    _run_as_previous(sys.argv[1], sys.argv[2:])
