"""Drawing the presenter's slides for a projector at 1280×720: large type, high contrast, the whole
window (no menu, header or toolbar), and words or a table beside every picture.

Each slide is one piece of HTML built from the slide's data (``assessment.slides``); every text in
it is escaped, and user text (titles, names from a question bank) has its bidirectional controls
taken out. The bars stand for counts of people and carry the count beside them, in the same cell.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st

from assessment.limits import without_bidi_controls
from assessment.presenting import WITHHELD, DomainRow
from assessment.slides import (
    AccountabilitySlide,
    DisagreeSlide,
    Distribution,
    DomainSlide,
    JoinSlide,
    OverallSlide,
    SectorCount,
    Slide,
    SpectrumSlide,
)

# NHS palette: every pair here is AA contrast or better on white (text) or beside text (bars).
INK = "#212B32"
BLUE = "#005EB8"
DARK_BLUE = "#003087"
GREEN = "#006747"
YELLOW = "#FFB81C"
GREY = "#425563"
PALE = "#E8EDEE"

# How many split questions fit on the "where we disagree" slide at 1280×720.
DISAGREE_SHOWN = 3

CSS = f"""
<style>
/* The projector's page only: the whole window for the slide. */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.2rem 2.2rem 0.5rem 2.2rem !important;
  max-width: 100% !important; }}
[data-testid="stAppViewContainer"], [data-testid="stMain"] {{ background: #FFFFFF; }}
.slide {{ color: {INK}; font-family: Arial, Helvetica, sans-serif; font-size: 1.45rem;
  line-height: 1.3; }}
.slide h1 {{ font-size: 2.6rem; line-height: 1.15; margin: 0 0 0.2rem 0; padding: 0; color: {DARK_BLUE};
  font-weight: 700; }}
.slide .sub {{ font-size: 1.35rem; color: {GREY}; margin: 0 0 0.6rem 0; }}
.slide .lead {{ font-size: 1.5rem; margin: 0.4rem 0 0.7rem 0; }}
.slide table {{ border-collapse: collapse; width: 100%; }}
.slide th {{ text-align: left; font-size: 1.15rem; color: {GREY}; font-weight: 700;
  border-bottom: 3px solid {INK}; padding: 0.15rem 0.5rem; }}
.slide td {{ padding: 0.2rem 0.5rem; vertical-align: middle; border-bottom: 1px solid {PALE}; }}
.slide td.q {{ font-size: 1.2rem; line-height: 1.2; width: 38%; }}
.slide td.level {{ white-space: nowrap; line-height: 1.25; }}
.slide td.num, .slide th.num {{ text-align: right; white-space: nowrap; font-weight: 700; }}
.slide td.median {{ font-size: 1.15rem; line-height: 1.25; }}
.slide .bar {{ display: inline-block; height: 0.95rem; vertical-align: middle; margin-right: 0.3rem;
  border-radius: 2px; }}
.slide .now {{ background: {BLUE}; }}
.slide .target {{ background: {GREEN}; }}
.slide .count {{ font-weight: 700; font-size: 1.25rem; }}
.slide .withheld {{ font-style: italic; color: {GREY}; }}
.slide .flag {{ display: inline-block; background: {YELLOW}; color: {INK}; font-weight: 700;
  font-size: 1.05rem; padding: 0 0.4rem; border-radius: 4px; margin-left: 0.3rem; }}
.slide tr.unclear td {{ background: #FFF3D6; }}
.slide .overall {{ display: grid; grid-template-columns: 36% 1fr; gap: 2rem; }}
.slide .big > div {{ border-left: 8px solid {BLUE}; padding: 0.1rem 0.8rem; margin-bottom: 0.7rem; }}
.slide .big .label {{ font-size: 1.3rem; color: {GREY}; font-weight: 700; }}
.slide .big .value {{ font-size: 2.5rem; font-weight: 700; color: {DARK_BLUE}; line-height: 1.1; }}
.slide .big .words {{ font-size: 1.3rem; }}
.slide .counts {{ display: flex; gap: 2.5rem; margin: 0.3rem 0 0.5rem 0; }}
.slide .counts .value {{ font-size: 3.2rem; font-weight: 700; color: {DARK_BLUE}; line-height: 1.05; }}
.slide .counts .label {{ font-size: 1.4rem; font-weight: 700; color: {GREY}; }}
.slide .track {{ position: relative; height: 2.2rem; margin: 0.2rem 0; background: linear-gradient(
  {INK}, {INK}) center / 100% 3px no-repeat; }}
.slide .tick {{ position: absolute; top: 0.6rem; width: 3px; height: 1rem; background: {INK}; }}
.slide .mark {{ position: absolute; top: 0.15rem; width: 1.9rem; height: 1.9rem; margin-left: -0.95rem;
  border-radius: 50%; border: 3px solid #FFFFFF; }}
.slide .mark.pref {{ top: 0.5rem; width: 1.2rem; height: 1.2rem; margin-left: -0.6rem; border-radius: 2px;
  border: none; transform: rotate(45deg); }}
.slide .note {{ display: block; font-size: 1.05rem; color: {GREY}; }}
.slide .poles {{ display: flex; justify-content: space-between; font-size: 1.1rem; color: {GREY};
  gap: 2rem; }}
.slide .poles span:last-child {{ text-align: right; }}
.slide .spectrum {{ margin-bottom: 0.55rem; }}
.slide .key {{ font-size: 1.1rem; color: {GREY}; margin: 0.3rem 0; }}
.slide .key .bar {{ width: 1.4rem; }}
.slide .joinrow {{ display: grid; grid-template-columns: 30% 1fr; gap: 2rem; align-items: start; }}
.slide .joinrow td, .slide .joinrow th {{ padding-top: 0.1rem; padding-bottom: 0.1rem; }}
.slide .twotables {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }}
/* The join panel's own parts (link, words, caption), large enough for the back of the room. */
[data-testid="stMain"] [data-testid="stCode"] code {{ font-size: 1.35rem !important; }}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p {{ font-size: 1.3rem; }}
[data-testid="stImageCaption"], [data-testid="stImageCaption"] * {{ font-size: 1.2rem !important;
  color: {INK} !important; opacity: 1 !important; }}
/* Previous and Next for the keyboard: a corner of the screen, out of the slide's way. */
.st-key-present_nav {{ position: fixed; bottom: 0.3rem; right: 1rem; width: auto !important; z-index: 10;
  background: #FFFFFF; }}
.st-key-present_nav p {{ font-size: 0.9rem !important; }}
</style>
"""


def text(value: object) -> str:
    """Any text for the slide's HTML, escaped, without bidirectional controls."""
    return html.escape(without_bidi_controls(str(value)))


def hide_the_frame() -> None:
    """The projector's page takes the whole window: no menu, header or toolbar, white behind."""
    st.html(CSS)


def _bar(kind: str, count: int, most: int) -> str:
    width = 0.0 if most <= 0 else 5.0 * count / most  # rem: the widest bar of a question is 5rem
    bar = f'<span class="bar {kind}" style="width:{width:.2f}rem"></span>' if count else ""
    return f'{bar}<span class="count">{count}</span>'


def _median(label: str, value_text: str) -> str:
    return f"{text(label)} {text(value_text)}"


def distribution_rows(question: Distribution, scale_size: int, note: str = "") -> str:
    """A table row for a question: in each level's cell how many chose it now (above) and as the
    target (below); or a row that says the question is withheld."""
    flag = '<span class="flag">Split</span>' if question.split else ""
    if question.withheld:
        return (
            f'<tr><td class="q">{text(question.text)}</td>'
            f'<td class="withheld" colspan="{scale_size + 1}">{text(question.words)}</td></tr>'
        )
    most = max([c.count for c in (*question.now, *question.target)] or [0])
    cells = "".join(
        f'<td class="level">{_bar("now", now.count, most)}<br>{_bar("target", target.count, most)}</td>'
        for now, target in zip(question.now, question.target, strict=True)
    )
    median = (
        f'<td class="num median">{text(question.median_now.text)}<br>{text(question.median_target.text)}</td>'
    )
    said = f'<span class="note">{text(note)}</span>' if note else ""
    return f'<tr><td class="q">{text(question.text)} {flag}{said}</td>{cells}{median}</tr>'


def distribution_table(
    questions: tuple[Distribution, ...], scale: tuple[str, ...], notes: tuple[str, ...] = ()
) -> str:
    """The questions' distributions as one table; ``notes`` (one per question) go under each."""
    head = "".join(f"<th>{text(label)}</th>" for label in scale)
    said = (*notes, *[""] * (len(questions) - len(notes)))
    body = "".join(distribution_rows(q, len(scale), n) for q, n in zip(questions, said, strict=False))
    return (
        "<table><thead><tr><th>Question</th>"
        f'{head}<th class="num">Median</th></tr></thead><tbody>{body}</tbody></table>'
        '<p class="key">In each level: <span class="bar now"></span>upper, now (where we are); '
        '<span class="bar target"></span>lower, target (where we want to be). The number is how many '
        "people chose that level; the median shows now above target.</p>"
    )


def _domain_figures(row: DomainRow) -> str:
    if row.current.withheld:
        return (
            f'<p class="lead withheld">This domain\'s figures are {WITHHELD}: too few people rated '
            "its questions.</p>"
        )
    return (
        f'<p class="lead">Now <b>{text(row.current.text)}</b> · target <b>{text(row.target.text)}</b> · '
        f"gap <b>{text(row.gap.text)}</b> "
        f'<span class="sub">(the mean of {text(row.rests_on)} shown)</span></p>'
    )


SECTORS_IN_ONE_TABLE = 3


def _sector_table(sectors: Sequence[SectorCount]) -> str:
    rows = "".join(
        f'<tr><td>{text(s.label)}</td><td class="num">{s.joined}</td><td class="num">{s.submitted}</td></tr>'
        for s in sectors
    )
    return (
        '<table><thead><tr><th>Sector</th><th class="num">Joined</th><th class="num">Submitted</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def join_html(slide: JoinSlide) -> str:
    # Below the join panel there is room for about four rows: more sectors than three sit in two
    # tables side by side, so a room of every sector still fits 1280x720 above the slide buttons.
    sectors = list(slide.sectors)
    half = (len(sectors) + 1) // 2
    if not sectors:
        table = '<p class="lead">Nobody has joined yet.</p>'
    elif len(sectors) <= SECTORS_IN_ONE_TABLE:
        table = _sector_table(sectors)
    else:
        table = f'<div class="twotables">{_sector_table(sectors[:half])}{_sector_table(sectors[half:])}</div>'

    return (
        f'<div class="slide"><p class="lead">{text(slide.status_words)}</p><div class="joinrow">'
        f'<div class="counts"><div><div class="value">{slide.joined}</div>'
        '<div class="label">joined</div></div>'
        f'<div><div class="value">{slide.submitted}</div><div class="label">submitted</div></div></div>'
        f"{table}</div></div>"
    )


def overall_html(slide: OverallSlide) -> str:
    if slide.withheld_sentence:
        return (
            f'<div class="slide"><h1>{text(slide.title)}</h1><p class="sub">{text(slide.workshop)}</p>'
            f'<p class="lead">{slide.respondents} people submitted. {text(slide.withheld_sentence)}</p></div>'
        )
    big = "".join(
        f'<div><div class="label">{text(h.label)}</div><div class="value">{text(h.figure)}</div>'
        f'<div class="words">{text(h.words)}</div></div>'
        for h in slide.headline
    )
    rows = "".join(
        f"<tr><td>{text(r.title)}</td><td class='num'>{text(r.current.text)}</td>"
        f"<td class='num'>{text(r.target.text)}</td><td class='num'>{text(r.gap.text)}</td></tr>"
        for r in slide.domains
    )
    return (
        f'<div class="slide"><h1>{text(slide.title)}</h1>'
        f'<p class="sub">{text(slide.workshop)} · {slide.respondents} people submitted</p>'
        f'<div class="overall"><div><div class="big">{big}</div>'
        f'<p style="font-size:1.3rem">{text(slide.reading)}</p></div>'
        '<table style="font-size:1.2rem"><thead><tr><th>Domain</th><th class="num">Now</th>'
        f'<th class="num">Target</th><th class="num">Gap</th></tr></thead><tbody>{rows}</tbody></table>'
        "</div></div>"
    )


def domain_html(slide: DomainSlide) -> str:
    return (
        f'<div class="slide"><h1>{text(slide.title)}</h1>{_domain_figures(slide.domain)}'
        f"{distribution_table(slide.questions, slide.scale)}</div>"
    )


def disagree_html(slide: DisagreeSlide) -> str:
    shown = slide.questions[:DISAGREE_SHOWN]
    more = len(slide.questions) - len(shown)
    parts = [f'<div class="slide"><h1>{text(slide.title)}</h1><p class="lead">{text(slide.reading)}</p>']
    if shown:
        parts.append(distribution_table(shown, slide.scale, slide.sentences[: len(shown)]))
    if more:
        parts.append(
            f'<p class="key">{more} more question{"s split" if more > 1 else " splits"} the team: '
            "the Team results page lists them all.</p>"
        )
    if slide.perception:
        parts.append(f'<p class="lead">{text(slide.perception)}</p>')
    parts.append("</div>")
    return "".join(parts)


def accountability_html(slide: AccountabilitySlide) -> str:
    rows = []
    for r in slide.rows:
        flag = '<span class="flag">Unclear</span>' if r.unclear else ""
        rows.append(
            f'<tr class="{"unclear" if r.unclear else ""}"><td>{text(r.situation)} {flag}</td>'
            f"<td>{text(r.modal)}</td><td class='num'>{text(r.clarity)}</td>"
            f"<td class='num'>{text(r.unclear_share)}</td></tr>"
        )
    return (
        f'<div class="slide"><h1>{text(slide.title)}</h1><p class="lead">{text(slide.reading)}</p>'
        '<table style="font-size:1.2rem"><thead><tr><th>Situation</th><th>Most often named</th>'
        '<th class="num">Agree on it</th><th class="num">Answered Unclear</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="key">Marked <span class="flag">Unclear</span> when fewer than {text(slide.clarity_flag)} '
        "name the same tier.</p></div>"
    )


def _mark(value: float | None, colour: str, kind: str) -> str:
    if value is None:
        return ""
    left = (value - 1) / 4 * 100
    return f'<span class="mark {kind}" style="left:{left:.1f}%;background:{colour}"></span>'


def spectrum_html(slide: SpectrumSlide) -> str:
    parts = [f'<div class="slide"><h1>{text(slide.title)}</h1>']
    for row in slide.rows:
        ticks = "".join(f'<span class="tick" style="left:{p * 25}%"></span>' for p in range(5))
        parts.append(
            f'<div class="spectrum"><div style="font-size:1.3rem;font-weight:700">{text(row.text)}</div>'
            f'<div class="poles"><span>1 · {text(row.poles[0])}</span>'
            f"<span>5 · {text(row.poles[1])}</span></div>"
            f'<div class="track">{ticks}{_mark(row.now.value, BLUE, "now")}'
            f"{_mark(row.preferred.value, GREEN, 'pref')}</div>"
            f'<div style="font-size:1.2rem">{text(row.sentence)}</div></div>'
        )
    parts.append(
        f'<p class="key"><span class="mark" style="position:static;display:inline-block;margin:0 0.3rem 0 0;'
        f'width:1rem;height:1rem;background:{BLUE}"></span>Now, the median position '
        f'&nbsp; <span class="mark pref" style="position:static;display:inline-block;margin:0 0.3rem;'
        f'width:1rem;height:1rem;background:{GREEN}"></span>Preferred, the median position</p></div>'
    )
    return "".join(parts)


def slide_html(slide: Slide) -> str:
    """The slide as HTML (the join slide's text part: its code and QR are drawn beside it)."""
    if isinstance(slide, JoinSlide):
        return join_html(slide)
    if isinstance(slide, OverallSlide):
        return overall_html(slide)
    if isinstance(slide, DomainSlide):
        return domain_html(slide)
    if isinstance(slide, DisagreeSlide):
        return disagree_html(slide)
    if isinstance(slide, AccountabilitySlide):
        return accountability_html(slide)
    return spectrum_html(slide)
