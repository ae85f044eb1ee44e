"""The PDF's charts (plotly's SVG) typeset faster by WeasyPrint 70.0, with two steps put in
front of its own. Between them a fresh summary's typesetting fell from 2.7 to 2.0 s
(bench/RESULTS.md).

**Text a run at a time.** WeasyPrint 70 draws every SVG ``<text>`` and ``<tspan>`` character by
character: each character is laid out by Pango on its own and written as its own text object,
because SVG lets a glyph carry its own x, y, dx, dy or rotate. Plotly never does that, so a
summary's seven charts cost 10,131 Pango layouts for 364 pieces of text, about a fifth of the time
it takes to typeset the PDF. Cut apart, the characters also lose kerning, and a letter and its
combining accent are laid out separately (WeasyPrint's issue 2249, where its maintainer proposes
this same narrow path).

`install` puts a drawing step in front of WeasyPrint's own: a piece of text with at most one x, y,
dx and dy, no rotate, letter-spacing or textLength, and left to right, is laid out and drawn as one
run. Anything else, and every other SVG element, goes to WeasyPrint's own step unchanged. The step
below follows WeasyPrint 70.0's (weasyprint/svg/text.py) line for line for a single run, so the
cursor, the bounding box that text-anchor uses, and the graphical state are kept as it keeps them.

**Each style attribute parsed once.** Plotly writes its styles inline, a ``style`` attribute on
every element, and WeasyPrint parses each with tinycss2 as it meets it: about 1,050 a summary, of
only 73 different strings. The parsed declarations are kept by their text (the parse is a pure
function of it, and WeasyPrint only reads the result), up to `STYLES_KEPT` of them.

They are installed only on the WeasyPrint it was written against: on any other version WeasyPrint's
own drawing is used and a warning says so (the tests fail too, so a version bump is reviewed here).
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from math import inf
from typing import Any

WRITTEN_FOR = "70.0"
_SINGLE_VALUED = ("x", "y", "dx", "dy")
# The SVG elements WeasyPrint draws with its text step. textPath and <a> keep WeasyPrint's own:
# text along a path needs the per-character placement.
_RUN_TAGS = frozenset({"text", "tspan"})

_NO_SPACING = frozenset({"", "0", "0px", "normal"})
STYLES_KEPT = 4096  # different style attributes: a summary has 73, a cohort pack about as many

_log = logging.getLogger(__name__)
_installing = threading.Lock()
_installed = False


def install() -> bool:
    """Put both steps in front of WeasyPrint's own, once per process. True when they are in place;
    False (WeasyPrint's own steps kept) on another WeasyPrint version."""
    global _installed
    with _installing:
        if _installed:
            return True
        import weasyprint
        import weasyprint.svg as svg_package

        if weasyprint.__version__ != WRITTEN_FOR:
            _log.warning(
                "WeasyPrint %s, not %s: the PDF's charts are typeset by its own steps (slower)",
                weasyprint.__version__,
                WRITTEN_FOR,
            )
            return False
        # The package's `text` name is the function (it shadows the submodule); draw_node compares
        # a tag's step with it to apply text-anchor, so both are replaced together.
        weasyprint_text = sys.modules["weasyprint.svg.text"].text
        step = _run_or_characters(weasyprint_text)
        svg_package.text = step
        for tag, drawer in list(svg_package.TAGS.items()):
            if drawer is weasyprint_text:
                svg_package.TAGS[tag] = step
        # Only the style attribute's parse is replaced: <style> sheets are parsed in css.py itself.
        svg_package.parse_declarations = _parsed_once(svg_package.parse_declarations)
        _installed = True
        return True


def _parsed_once(parse_declarations: Any) -> Any:
    @functools.lru_cache(maxsize=STYLES_KEPT)
    def parsed(style: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        # tuples, so that no caller can change what the next is given
        normal, important = parse_declarations(style)
        return tuple(normal), tuple(important)

    parsed.weasyprint_parse = parse_declarations  # type: ignore[attr-defined]
    return parsed


def _run_or_characters(weasyprint_text: Any) -> Any:
    def text(svg: Any, node: Any, font_size: float) -> None:
        if drawn_as_one_run(node):
            _draw_run(svg, node, font_size)
        else:
            weasyprint_text(svg, node, font_size)

    # kept on the step so WeasyPrint's own can be found again (the tests compare the two)
    text.weasyprint_text = weasyprint_text  # type: ignore[attr-defined]
    return text


def _values(node: Any, name: str) -> list[str]:
    from weasyprint.svg.utils import normalize

    return normalize(node.attrib[name]).strip().split(" ") if name in node.attrib else []


def drawn_as_one_run(node: Any) -> bool:
    """True when nothing in this piece of text places a character on its own."""
    return bool(
        node.tag in _RUN_TAGS
        and node.text
        and "\n" not in node.text
        and all(len(_values(node, name)) <= 1 for name in _SINGLE_VALUED)
        and "rotate" not in node.attrib
        and node.get("letter-spacing", "0") in _NO_SPACING
        and not node.get("textLength")
        and node.get("direction") != "rtl"
    )


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The text's style, made as WeasyPrint 70.0's text step makes it."""
    from weasyprint.css.properties import INITIAL_VALUES

    style = sys.modules["weasyprint.svg.text"].Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_size"] = font_size
    if node.get("direction") == "ltr":
        style["direction"] = "ltr"
    weight = node.get("font-weight", 400)
    if weight == "normal":
        style["font_weight"] = 400
    elif weight == "bold":
        style["font_weight"] = 700
    else:
        try:
            style["font_weight"] = int(weight)
        except ValueError:
            style["font_weight"] = 400
    return style


def _baseline_shift(node: Any, font_size: float, height: float) -> float:
    """How far the baseline moves for display-anchor or dominant-baseline, as WeasyPrint 70.0 does."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    display_anchor = node.get("display-anchor")
    alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
    if display_anchor == "middle":
        return -height / 2
    if display_anchor == "top":
        return 0
    if display_anchor == "bottom":
        return -height
    if alignment in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if alignment in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if alignment in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0


def _draw_run(svg: Any, node: Any, font_size: float) -> None:
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    text_module = sys.modules["weasyprint.svg.text"]
    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    def first(name: str, reference: float) -> float | None:
        values = _values(node, name)
        return size(values[0], font_size, reference) if values else None

    x, dx = first("x", svg.inner_width), first("dx", svg.inner_width)
    y, dy = first("y", svg.inner_height), first("dy", svg.inner_height)
    # As WeasyPrint's step: an x or y of 0 does not reset the shift (it tests the value, not None).
    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += dx or 0
    svg.cursor_d_position[1] += dy or 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y

    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _baseline_shift(node, font_size, height)
    corners = ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height))
    node.text_bounding_box = extend_bounding_box(node.text_bounding_box, corners)

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = text_module.TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(
        svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position)
    )
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
