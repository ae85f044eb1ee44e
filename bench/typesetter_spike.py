"""A spike, not the product: the board summary typeset by Typst beside WeasyPrint, in one run.

Run: .venv/bin/pip install typst==0.15.2 && .venv/bin/python bench/typesetter_spike.py
Typst is not among the requirements: this measures whether another typesetter could meet issue
18's PDF targets (a fresh summary under 1 s, the 42-partnership pack under 30 s), which
WeasyPrint's typesetting alone (about 2 s a summary) cannot. Nothing in the app uses it.

The demo's latest round is gathered and its charts drawn once, as for the real PDF. The same
context the HTML template prints is handed to bench/typesetter_spike/summary.typ as JSON (through
``sys.inputs``): user text arrives as data and is only ever text, never read as markup, so it
needs no escaping; the run checks that with hostile names. Then, alternating, six times each:
WeasyPrint typesetting the product's HTML (``report.typeset_pdf``, PDF/UA-1), and Typst compiling
the spike template as PDF/UA-1, with a new compiler each time (fonts found again, nothing kept)
and with one compiler kept (what a server process would keep). The PDFs are written to
artifacts/typesetter_spike/ to be compared page by page (``pdftoppm -png``).

The spike template covers the summary's sections, tables and seven charts, but not every detail
of the HTML's (the re-rate section, the sector groups, evidence links as links): its figures
weigh the typesetter, not a finished port.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader

from assessment.chart_export import shared_exporter
from assessment.db import make_engine, transaction
from assessment.report import _environment, gather_workshop_report, summary_context, typeset_pdf
from bench.common import machine
from bench.report import demo_database

TEMPLATE = Path(__file__).resolve().parent / "typesetter_spike" / "summary.typ"
OUT = Path("artifacts/typesetter_spike")
HOSTILE = '#panic("typed as markup") *not bold* $x^2$ <label> @ref \\ ] [ // not a comment'
RUNS = 6


def as_json(value: Any) -> Any:
    """The template's context as plain JSON values (dates as text, tuples as lists)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_json(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def typst_input(context: dict[str, Any]) -> str:
    data = as_json({k: v for k, v in context.items() if k != "charts"})
    data["charts"] = {
        name: {"svg": base64.b64decode(chart["src"].split(",", 1)[1]).decode(), "alt": chart["alt"]}
        for name, chart in context["charts"].items()
    }
    return json.dumps(data)


def timed(runs: dict[str, Callable[[], bytes]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(RUNS):  # alternating, so a busy moment weighs on each alike
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    try:
        import typst
    except ImportError:
        raise SystemExit(
            "Typst's Python binding is not installed: .venv/bin/pip install typst==0.15.2"
        ) from None

    url, workshop_id, _ = demo_database()
    with transaction(make_engine(url)) as session:
        report = gather_workshop_report(session=session, workshop_id=workshop_id)
    context = summary_context(report, shared_exporter())
    if context["charts_problem"]:
        raise SystemExit(f"charts were not drawn: {context['charts_problem']}")
    html = _environment.get_template("summary.html.j2").render(**context)
    title = context["document_title"]
    data = typst_input(context)
    source = TEMPLATE.read_bytes()

    start = time.perf_counter()
    kept = typst.Compiler(source, root=str(TEMPLATE.parent))
    first = kept.compile(source, format="pdf", sys_inputs={"data": data}, pdf_standards="ua-1")
    print(f"{machine()}, typst (Python binding) {version('typst')}")
    print(f"Typst, the first compile in this process (fonts found): {time.perf_counter() - start:.3f} s")
    start = time.perf_counter()
    weasy = typeset_pdf(html, title=title)
    print(f"WeasyPrint, the first typesetting in this process: {time.perf_counter() - start:.3f} s")

    def new_compiler() -> bytes:
        compiler = typst.Compiler(source, root=str(TEMPLATE.parent))
        return compiler.compile(source, format="pdf", sys_inputs={"data": data}, pdf_standards="ua-1")

    def kept_compiler() -> bytes:
        # a changed title: the document is typeset again, not handed back from Typst's memo
        changed = data.replace(json.dumps(title)[1:-1], json.dumps(title + ".")[1:-1])
        return kept.compile(source, format="pdf", sys_inputs={"data": changed}, pdf_standards="ua-1")

    times = timed(
        {
            "WeasyPrint (the product)": lambda: typeset_pdf(html, title=title),
            "Typst, a new compiler": new_compiler,
            "Typst, one compiler kept": kept_compiler,
        }
    )
    for name, seconds in times.items():
        print(
            f"  {name}: median {statistics.median(seconds):.3f} s "
            f"(min {min(seconds):.3f}, max {max(seconds):.3f}) of {RUNS}"
        )
    base = statistics.median(times["WeasyPrint (the product)"])
    for name in ("Typst, a new compiler", "Typst, one compiler kept"):
        print(f"  {name} ÷ WeasyPrint: {statistics.median(times[name]) / base:.3f}")

    # User text is data: a hostile partnership name comes out as the same text, nothing run.
    hostile = data.replace(json.dumps(context["partnership"])[1:-1], json.dumps(HOSTILE)[1:-1])
    shown = kept.compile(source, format="pdf", sys_inputs={"data": hostile}, pdf_standards="ua-1")
    first_page = PdfReader(io.BytesIO(shown)).pages[0].extract_text()
    assert "not bold" in first_page and "#panic" in first_page and "@ref" in first_page, first_page[:300]

    OUT.mkdir(parents=True, exist_ok=True)
    for name, pdf in (("typst", first), ("weasyprint", weasy)):
        (OUT / f"{name}.pdf").write_bytes(pdf)
        reader = PdfReader(io.BytesIO(pdf))
        tagged = "/StructTreeRoot" in reader.trailer["/Root"]
        print(f"  {name}: {len(reader.pages)} pages, {len(pdf) // 1024} KiB, tagged: {tagged}")
    print(f"PDFs in {OUT}/; a hostile partnership name was typeset as text")


if __name__ == "__main__":
    main()
