"""The PDF's charts are drawn with a plotly.js of our own build (charts-bundle/): plotly.js's core
with only the trace types the charts use, which the chart browser loads in a second less than
the full plotly.js. It must draw exactly what the full one draws: the same plotly.js version as
plotly (the Python package) ships, every trace type the charts make, and the same SVG for every
chart of the sample data's summaries and cohort overview, apart from plotly's random ids."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest
from sqlalchemy import select

from assessment import chart_export, report
from assessment.chart_export import PLOTLY_JS, ChartExporter, ChartRequest, find_browser
from assessment.cohorts import compare_cohort
from assessment.db import cohort_id, make_engine, transaction
from assessment.db.tables import Workshop
from assessment.demo import DEMO_COHORT, load_demo
from assessment.migrate import upgrade_database
from tests.conftest import PROJECT_ROOT
from tests.pdf_text import CollectingCharts
from tests.unit.test_chart_tabs_kept import without_random_ids

FULL_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The banner build.js writes: "plotly.js v4.1.1 ... traces: scatter, bar, box, heatmap, scatterpolar."
BANNER = re.compile(r"plotly\.js v(?P<version>[\d.]+) .*?traces: (?P<traces>[a-z, ]+)\.")
# A trace made in the code: go.Bar(...), go.Scatterpolar(...), and so on.
TRACE_MADE = re.compile(r"\bgo\.(?P<name>[A-Z][a-z0-9]+)\(")
NOT_TRACES = {"Figure", "Layout", "Frame"}


def bundle_banner() -> re.Match[str]:
    with PLOTLY_JS.open(encoding="utf-8") as bundle:
        found = BANNER.search(bundle.read(600))
    assert found is not None, f"{PLOTLY_JS.name} has no banner naming its version and traces"
    return found


def bundled_traces() -> set[str]:
    return {name.strip() for name in bundle_banner()["traces"].split(",")}


def traces_made_by(folder: Path) -> set[str]:
    made = set()
    for source in folder.rglob("*.py"):
        made |= {m["name"] for m in TRACE_MADE.finditer(source.read_text(encoding="utf-8"))}
    return {name.lower() for name in made - NOT_TRACES}


def test_the_pdf_plotly_js_is_the_version_plotly_ships() -> None:
    with FULL_PLOTLY_JS.open(encoding="utf-8") as full:
        shipped = re.search(r"plotly\.js v([\d.]+)", full.read(200))
    assert shipped is not None
    assert bundle_banner()["version"] == shipped[1]  # after upgrading plotly: make chart-bundle


def test_every_trace_type_the_code_makes_is_in_the_pdf_plotly_js() -> None:
    made = traces_made_by(PROJECT_ROOT / "assessment") | traces_made_by(PROJECT_ROOT / "ui")
    assert {"bar", "scatter", "scatterpolar"} <= made  # the scan does find the charts' traces
    assert made - bundled_traces() == set()  # a new trace type: add it to charts-bundle/build.js


def test_the_scan_sees_a_trace_type_the_bundle_lacks(tmp_path: Path) -> None:
    (tmp_path / "chart.py").write_text("figure = go.Figure(go.Sankey(node={}))\n", encoding="utf-8")
    assert traces_made_by(tmp_path) - bundled_traces() == {"sankey"}


needs_browser = pytest.mark.skipif(find_browser() is None, reason="needs Chromium (make system-deps)")


@pytest.fixture(scope="module")
def sample_charts(tmp_path_factory: pytest.TempPathFactory) -> list[ChartRequest]:
    """Every chart the sample data's summaries and its cohort overview ask for, each once."""
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('bundle')) / 'demo.db'}")
    upgrade_database(engine)
    load_demo(engine=engine)
    drawer = CollectingCharts()
    with transaction(engine) as session:
        for workshop_id in session.scalars(select(Workshop.id)):
            gathered = report.gather_workshop_report(session=session, workshop_id=workshop_id)
            report.summary_context(gathered, drawer)  # type: ignore[arg-type]
        comparison = compare_cohort(session=session, cohort_id=cohort_id(session=session, name=DEMO_COHORT))
    report.cohort_overview_pdf(
        comparison,
        scale_labels=[level.label for level in gathered.scored.bank.scale],
        exporter=drawer,  # type: ignore[arg-type]
    )
    unique = {chart_export._key(request): request for request in drawer.requests}
    return list(unique.values())


def drawn_with(plotly_js: Path, requests: list[ChartRequest], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as patched:
        patched.setattr(chart_export, "PLOTLY_JS", plotly_js)
        exporter = ChartExporter()
        try:
            drawn = exporter.svgs(requests)
        finally:
            exporter.close()
    assert exporter.problem is None, exporter.problem
    return [without_random_ids(svg or "") for svg in drawn]


@needs_browser
def test_every_sample_chart_draws_the_same_with_the_pdf_plotly_js_as_with_the_full_one(
    sample_charts: list[ChartRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn_kinds = {trace.type for request in sample_charts for trace in request.figure.data}
    assert {"bar", "scatter", "scatterpolar", "heatmap"} <= drawn_kinds  # the PDF's kinds are all here
    ours = drawn_with(PLOTLY_JS, sample_charts, monkeypatch)
    full = drawn_with(FULL_PLOTLY_JS, sample_charts, monkeypatch)
    assert len(ours) == len(sample_charts) > 10
    pairs = zip(sample_charts, ours, full, strict=True)
    differ = [request.figure.layout.title.text for request, a, b in pairs if a != b]
    assert differ == []


@needs_browser
def test_a_trace_type_left_out_of_the_bundle_draws_differently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: plotly.js drops a trace whose type it lacks, silently."""
    without_heatmap = tmp_path / "plotly-without-heatmap.js"
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    # plotly.js registers each trace module by name; renaming the heatmap's leaves it unknown
    renamed = bundle.replace('name:"heatmap"', 'name:"heatmap-left-out"')
    assert renamed != bundle
    without_heatmap.write_text(renamed, encoding="utf-8")
    heatmap = [ChartRequest(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), 300, 200)]
    assert drawn_with(without_heatmap, heatmap, monkeypatch) != drawn_with(PLOTLY_JS, heatmap, monkeypatch)
