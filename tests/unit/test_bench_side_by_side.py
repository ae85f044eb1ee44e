"""`--against REF`: a benchmark measures the previous version's code and today's in one run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import versions

PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    # as every benchmark does: today's project root first on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, {root!r})
    import assessment
    from bench.versions import code_root
    out = Path(sys.argv[sys.argv.index("--json") + 1])
    source = Path(assessment.__file__).resolve()
    out.write_text(json.dumps({{
        "app from the measured folder": float(source.is_relative_to(code_root())),
        "app from the working tree": float(source.is_relative_to({root!r})),
    }}))
    """
)


@pytest.fixture(scope="module")
def previous_version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return versions.extract("HEAD", tmp_path_factory.mktemp("versions"))


def test_the_previous_versions_files_are_extracted_once_under_their_commit(previous_version: Path) -> None:
    assert previous_version.name == versions.resolve("HEAD")
    assert (previous_version / "assessment" / "__init__.py").exists()
    assert (previous_version / "app.py").exists()
    marker = previous_version / ".complete"
    stamp = marker.stat().st_mtime_ns
    assert versions.extract("HEAD", previous_version.parent) == previous_version
    assert marker.stat().st_mtime_ns == stamp  # reused, not extracted again


def test_the_child_measures_the_previous_versions_app_not_the_working_trees(
    previous_version: Path, tmp_path: Path
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE.format(root=str(versions.ROOT)))
    as_previous = versions._measure(probe, [], previous_version, "previous")
    assert as_previous == {"app from the measured folder": 1.0, "app from the working tree": 0.0}
    as_now = versions._measure(probe, [], None, "now")
    assert as_now == {"app from the measured folder": 1.0, "app from the working tree": 1.0}


def test_an_unknown_revision_is_refused_in_words() -> None:
    with pytest.raises(SystemExit, match="git knows no such revision"):
        versions.resolve("no-such-branch-anywhere")


def test_the_child_gets_the_command_line_without_the_side_by_side_options() -> None:
    argv = ["--small", "--against", "main", "--rounds", "3", "--against=HEAD~1", "--rounds=2", "--seed", "4"]
    assert versions.without_against(argv) == ["--small", "--seed", "4"]


figures = st.dictionaries(
    st.from_regex(r"[a-h][a-h ()]{0,10}[a-h)]", fullmatch=True),
    st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
    min_size=1,
    max_size=6,
)


@given(previous=figures, now=figures)
def test_every_figure_measured_in_both_versions_is_printed_with_now_divided_by_previous(
    previous: dict[str, float], now: dict[str, float]
) -> None:
    table = versions.ratio_table(previous, now, label="side by side")
    rows = {line.rsplit(maxsplit=3)[0]: line.split()[-1] for line in table.splitlines()[3:]}
    for name in now:
        if name in previous:
            assert rows[name] == f"{now[name] / previous[name]:.2f}"
    unmatched = set(now) ^ set(previous)
    if unmatched:
        assert "measured in one version only" in table


def test_medians_are_taken_per_figure_over_the_rounds_that_measured_it() -> None:
    runs = [{"a (s)": 1.0, "b (s)": 4.0}, {"a (s)": 3.0}, {"a (s)": 2.0, "b (s)": 6.0}]
    assert versions.medians(runs) == {"a (s)": 2.0, "b (s)": 5.0}


def test_figures_are_written_as_a_flat_json_map(tmp_path: Path) -> None:
    target = tmp_path / "figures.json"
    versions.write_figures(target, {"warm summary median (s)": 0.9})
    assert json.loads(target.read_text()) == {"warm summary median (s)": 0.9}


def test_nested_figures_are_compared_by_their_joined_names_and_text_is_left_out() -> None:
    figures = {
        "backend": "SQLite",
        "replicas": 2,
        "fast": True,
        "click_to_saved_ms": {"p50": 49.0, "p95": 454.0},
        "problems": ["none"],
    }
    assert versions.flatten(figures) == {
        "replicas": 2.0,
        "click_to_saved_ms / p50": 49.0,
        "click_to_saved_ms / p95": 454.0,
    }


@pytest.mark.parametrize("script", ["report.py"])
def test_the_pdf_benchmark_offers_the_side_by_side_options(script: str) -> None:
    shown = subprocess.run(
        [sys.executable, str(versions.ROOT / "bench" / script), "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=versions.ROOT,
    ).stdout
    assert "--against REF" in shown and "--rounds" in shown and "--partnerships" in shown
