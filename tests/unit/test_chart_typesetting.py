"""The charts typeset by assessment.chart_typesetting's steps: text a run at a time lands where
WeasyPrint's own character-by-character drawing puts it, reads the same, and is laid out once per
piece of text; style attributes parsed once give the same PDF, byte for byte.

The labels below copy the forms plotly writes (an anchored bar figure in a translate, a label
anchored at its end, a two-line label in tspans, a title with dy, a rotated axis title), each in a
band of its own so each label's ink can be found and compared."""

from __future__ import annotations

import base64
import io
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import weasyprint
import weasyprint.svg as svg_package
from PIL import Image, ImageChops
from pypdf import PdfReader

from assessment import chart_typesetting, report

FONT = "font-family: Arial, Helvetica, sans-serif; fill: rgb(33, 43, 50); white-space: pre;"
BAND = 60  # px of the SVG per label
LABELS = [
    # (what a reader sees, the SVG element)
    (
        "1.67",
        f'<text text-anchor="middle" x="0" y="0" style="{FONT} font-size: 12px;" '
        'transform="translate(326.05,30)">1.67</text>',
    ),
    (
        "Delegation to place and neighbourhood",
        f'<text text-anchor="end" x="400" y="3.85" '
        f'transform="translate(0,90)" style="{FONT} font-size: 11px;">'
        "Delegation to place and neighbourhood</text>",
    ),
    (
        "Provider collaboratives and place-based partnerships",
        f'<text text-anchor="end" x="400" y="3.85" '
        f'transform="translate(0,140)" style="{FONT} font-size: 11px;">'
        '<tspan class="line" dy="0em" x="400" y="3.85">Provider collaboratives and place-based</tspan>'
        '<tspan class="line" dy="1.3em" x="400" y="3.85">partnerships</tspan></text>',
    ),
    (
        "Gap per domain",
        f'<text x="320" y="210" text-anchor="middle" dy="0em" style="{FONT} font-size: 16px;">'
        "Gap per domain</text>",
    ),
    (
        "Café, naïve: a Wáter’s edge",
        f'<text x="20" y="270" style="{FONT} font-size: 14px;">Café, naïve: a Wáter’s edge</text>',
    ),
    (
        "Middle of the band",
        f'<text x="20" y="330" dominant-baseline="central" style="{FONT} font-size: 14px;">'
        "Middle of the band</text>",
    ),
    (
        "Domain",
        f'<text transform="rotate(-90,560,390)" x="560" y="390" text-anchor="middle" '
        f'style="{FONT} font-size: 14px;">Domain</text>',
    ),
]
SIZE = (640, BAND * len(LABELS))


def chart_html(labels: list[tuple[str, str]]) -> str:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE[0]}" height="{SIZE[1]}" '
        f'viewBox="0 0 {SIZE[0]} {SIZE[1]}"><rect width="100%" height="100%" fill="white"/>'
        + "".join(element for _, element in labels)
        + "</svg>"
    )
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        '<html lang="en"><head><title>Chart text</title><style>@page { size: 180mm 160mm; margin: 0 } '
        f"body {{ margin: 0 }} img {{ width: {SIZE[0]}px; height: {SIZE[1]}px }}</style></head>"
        f'<body><img src="data:image/svg+xml;base64,{data}" alt="labels"></body></html>'
    )


def weasyprints_own_step() -> object:
    assert chart_typesetting.install()
    return svg_package.TAGS["text"].weasyprint_text


def drawing_with(monkeypatch: pytest.MonkeyPatch, step: object) -> None:
    """SVG text drawn by ``step`` until the test ends (draw_node matches on the package's `text`)."""
    monkeypatch.setattr(svg_package, "text", step)
    for tag in ("a", "text", "textPath", "tspan"):
        monkeypatch.setitem(svg_package.TAGS, tag, step)


def typeset_both_ways(monkeypatch: pytest.MonkeyPatch, html: str) -> tuple[bytes, bytes]:
    """The PDF with WeasyPrint's own step, and with chart_typesetting's."""
    own = weasyprints_own_step()
    drawing_with(monkeypatch, own)
    by_characters = typeset(html)
    drawing_with(monkeypatch, chart_typesetting._run_or_characters(own))
    return by_characters, typeset(html)


def typeset(html: str) -> bytes:
    return report.typeset_pdf(html, title="chart text")


def page_image(pdf: bytes, where: Path) -> Image.Image:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: `make test` installs poppler-utils"
    (where / "page.pdf").write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "96", "-singlefile", str(where / "page.pdf"), str(where / "page")],
        check=True,
    )
    return Image.open(where / "page.png").convert("L")


def ink_per_band(image: Image.Image) -> list[tuple[int, int, int, int] | None]:
    """The box around the dark pixels of each label's band (96 dpi: a CSS px is a pixel)."""
    dark = image.point(lambda level: 255 if level < 160 else 0)
    return [dark.crop((0, band * BAND, SIZE[0], (band + 1) * BAND)).getbbox() for band in range(len(LABELS))]


def laid_out_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each text Pango is asked to lay out (WeasyPrint imports the step at each call)."""
    from weasyprint.text import line_break

    texts: list[str] = []
    real = line_break.split_first_line

    def recording(text: str, *args: object, **kwargs: object) -> object:
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(line_break, "split_first_line", recording)
    return texts


def test_the_run_step_is_in_front_of_weasyprints_own_on_the_pinned_version() -> None:
    # Failing here after a WeasyPrint upgrade means: compare _draw_run with the new version's
    # weasyprint/svg/text.py, then move WRITTEN_FOR.
    assert weasyprint.__version__ == chart_typesetting.WRITTEN_FOR
    assert chart_typesetting.install()
    step = svg_package.TAGS["text"]
    assert step is svg_package.text  # draw_node finds text-anchor's elements by this identity
    assert svg_package.TAGS["tspan"] is step
    assert step.weasyprint_text is sys.modules["weasyprint.svg.text"].text
    assert (
        svg_package.parse_declarations.weasyprint_parse
        is sys.modules["weasyprint.svg.css"].parse_declarations
    )


def test_styles_parsed_once_give_the_same_pdf_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    assert chart_typesetting.install()
    kept = svg_package.parse_declarations
    important = f'<text x="20" y="20" style="{FONT} font-size: 14px; fill: red !important;">Urgent</text>'
    html = chart_html(
        [*LABELS, ("Urgent", important), ("Urgent again", important.replace("Urgent", "Again"))]
    )
    kept.cache_clear()
    with_kept = typeset(html)
    assert kept.cache_info().hits > 0  # the repeated styles were not parsed again
    monkeypatch.setattr(svg_package, "parse_declarations", kept.weasyprint_parse)
    assert typeset(html) == with_kept


def test_what_a_parsed_style_gives_cannot_be_changed_for_the_next_caller() -> None:
    assert chart_typesetting.install()
    normal, important = svg_package.parse_declarations("fill: red; stroke: blue !important; -x-own: 1")
    assert normal == (("fill", "red"),) and important == (("stroke", "blue"),)
    assert isinstance(normal, tuple) and isinstance(important, tuple)


def test_each_label_lands_where_weasyprints_own_drawing_puts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_characters, by_runs = typeset_both_ways(monkeypatch, chart_html(LABELS))
    (tmp_path / "own").mkdir()
    (tmp_path / "runs").mkdir()
    own, runs = page_image(by_characters, tmp_path / "own"), page_image(by_runs, tmp_path / "runs")
    assert ImageChops.difference(own, runs).getbbox() is not None, "the run step was not used"
    # Kerning (kept in a run, lost between lone characters) moves a long label's far end by a pixel
    # or two; anything more is a label out of place.
    for (label, _), own_box, run_box in zip(LABELS, ink_per_band(own), ink_per_band(runs), strict=True):
        assert own_box and run_box, label
        assert max(abs(a - b) for a, b in zip(own_box, run_box, strict=True)) <= 2, (label, own_box, run_box)


def test_the_pdf_reads_the_same_words_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    by_characters, by_runs = typeset_both_ways(monkeypatch, chart_html(LABELS))
    own, runs = (PdfReader(io.BytesIO(pdf)).pages[0].extract_text() for pdf in (by_characters, by_runs))
    assert runs.split() == own.split()
    for label, _ in LABELS:
        assert all(word in runs.split() for word in label.split()), label


def test_a_plain_label_is_laid_out_once_and_an_accent_stays_with_its_letter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert chart_typesetting.install()
    texts = laid_out_texts(monkeypatch)
    typeset(chart_html(LABELS[4:5]))
    assert "Café, naïve: a Wáter’s edge" in texts
    # nothing laid out on its own: no lone letter, and no combining accent apart from its letter
    assert [text for text in texts if len(text) == 1] == []


def test_a_label_placing_its_characters_one_by_one_keeps_weasyprints_own_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert chart_typesetting.install()
    texts = laid_out_texts(monkeypatch)
    typeset(
        chart_html(
            [
                (
                    "Spaced",
                    f'<text x="20 40 60 80 100 120" y="40" style="{FONT} font-size: 14px;">Spaced</text>',
                )
            ]
        )
    )
    assert [text for text in texts if len(text) == 1] == ["S", "p", "a", "c", "e", "d"]


class Text:
    """As much of WeasyPrint's SVG node as the choice between the two steps reads."""

    def __init__(self, element: str) -> None:
        parsed = ElementTree.fromstring(element)  # noqa: S314  (the test's own strings)
        self.tag, self.text, self.attrib = parsed.tag, parsed.text, dict(parsed.attrib)

    def get(self, name: str, default: object = None) -> object:
        return self.attrib.get(name, default)


@pytest.mark.parametrize(
    "element",
    [
        '<text x="10" y="20" rotate="30">Turned</text>',
        '<text x="10" y="20" letter-spacing="3">Spread</text>',
        '<text x="10" y="20" textLength="200">Stretched</text>',
        '<text x="10" y="20" direction="rtl">Backwards</text>',
        '<text x="10" y="20" dx="1 2 3">Nudged</text>',
        '<text x="10, 20" y="20">Comma-separated places</text>',
        '<textPath href="#curve">Along a curve</textPath>',
        '<text xml:space="preserve" x="10" y="20">Two\nlines</text>',
        '<text x="10" y="20"></text>',
    ],
)
def test_what_svg_places_per_character_is_left_to_weasyprint(element: str) -> None:
    assert not chart_typesetting.drawn_as_one_run(Text(element))


@pytest.mark.parametrize(
    "element",
    [
        '<text x="10" y="20" dy="0em">Plain</text>',
        '<tspan class="line" dy="1.3em" x="237.8" y="3.85">partnerships</tspan>',
        '<text x="10" y="20" direction="ltr" letter-spacing="0">Left to right</text>',
    ],
)
def test_what_plotly_writes_is_drawn_as_one_run(element: str) -> None:
    assert chart_typesetting.drawn_as_one_run(Text(element))


def test_another_weasyprint_version_keeps_its_own_drawing_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(chart_typesetting, "_installed", False)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    before = dict(svg_package.TAGS), svg_package.text, svg_package.parse_declarations
    with caplog.at_level(logging.WARNING, logger="assessment.chart_typesetting"):
        assert chart_typesetting.install() is False
    assert before == (svg_package.TAGS, svg_package.text, svg_package.parse_declarations)
    assert "typeset by its own steps" in caplog.text
