"""The participant's question widgets. Every change is written to the database at once.

What the screen shows as saved is what the database holds:
- A widget's change saves only its own part of the answer (the current level, the target, don't
  know, confidence, the comment, one accountability function), stamped with the moment it was
  made; the store merges it into the stored answer and refuses a part older than the stored one
  (assessment.answers.merge_change). So the last change the person made wins, not the last write
  to land, and a stale tab changing the target leaves the current level another tab set alone.
- Saves of one participant take turns in this process (a lock per participant): Streamlit starts
  a new run for a second quick change while the first change's save may still be waiting for the
  database, and the callback reads the widget's value once it holds the lock, so the later value
  is the one written last.
- "Saved" is drawn from the stored answer: an item says it only when every widget equals what is
  stored. Every run compares the two. A stored part written since this page last drew (another
  tab, another device) replaces what the widget shows; a widget that differs from a stored part
  this page had already seen is the person's own change that no callback saved (the first click
  after a server restart, when the new session has no widget callbacks yet) and is saved now. The
  page keeps the participant's answer revision it last drew in its address (``seen``), so a page
  that reconnects to a new session still knows which is which.
- An answer the database did not take is kept in the session, as plain values, and retried
  (ui.db): the item says "Not saved, retrying…" until it is in. A change to a workshop that is no
  longer open is refused by the service, and the page says so in words.

The page around the questions is made for a phone (page_style, start_at_top): each level a card
that is chosen by a tap anywhere on it, and a step drawn for the first time scrolled to its top.
Neither touches what is saved or shown as saved.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from assessment.answers import (
    CONFIDENCE_WORDS,
    MAX_COMMENT_CHARS,
    Answer,
    AnswerChange,
    is_complete,
    parts_given,
)
from assessment.errors import Refused
from assessment.framework import (
    SPECTRUM_POSITIONS,
    AccountabilityItem,
    Item,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
)
from assessment.services.participants import (
    AnsweringClosed,
    AnswerNotComplete,
    StoredAnswer,
    change_stamp,
    save_answer,
    withdraw,
)
from ui.db import RETRYING, forget, plain_engine, save_later, save_unsaved, unsaved_under
from ui.errors import refusal_text
from ui.text import escape_markdown as md

CONFIDENCE = CONFIDENCE_WORDS
STATUS_KEY = "answer_status"  # item id -> message for an answer that is incomplete or was refused
CLOSED_KEY = "answering_closed"  # set when the store refused a change because answering has closed
SYNC_KEY = "answer_sync"  # item id -> {widget key: stored value} to show at the next run
SYNC_RERUNS_KEY = "answer_sync_reruns"
SEEN_PARAM = "seen"  # the participant's answer revision this page last drew, kept in its address
STEP_PARAM = "step"
DRAWN_STEP_KEY = "answer_drawn_step"  # the step this session last drew, to start a new one at its top
FOCUS_KEY = "answer_focus"  # the question the review jumps to, scrolled to once its step is drawn
SCROLLS_KEY = "answer_scrolls"  # how many times the page was scrolled: each script differs, so it runs
TOP_KEY = "answer_top"  # the page's header: a new step starts with it at the top of the screen
LEVEL_WIDGETS = ("current", "target")

_stamp_guard = threading.Lock()
_last_stamp = 0
_locks_guard = threading.Lock()
_participant_locks: dict[int, threading.Lock] = {}


def _key(item_id: str, part: str) -> str:
    """The widget key of one part of one question: the page's prefix, the item, the part."""
    return f"answer_q_{item_id}_{part.replace(':', '_')}"


def _statuses() -> dict[str, str]:
    statuses: dict[str, str] = st.session_state.setdefault(STATUS_KEY, {})
    return statuses


def answering_closed() -> bool:
    """Whether a change on this page was refused because answering had closed."""
    return bool(st.session_state.get(CLOSED_KEY))


def _next_stamp() -> int:
    """When a change was made: strictly increasing in this process, so two changes never tie."""
    global _last_stamp
    with _stamp_guard:
        _last_stamp = max(change_stamp(), _last_stamp + 1)
        return _last_stamp


def _participant_lock(participant_id: int) -> threading.Lock:
    with _locks_guard:
        return _participant_locks.setdefault(participant_id, threading.Lock())


# --- the parts of an answer, on the screen and in the database -----------------------------------


def _widget_parts(item: Item) -> list[str]:
    if isinstance(item, AccountabilityItem):
        return [f"fn:{f.id}" for f in item.functions]
    return ["dk", "current", "target", "confidence", "comment"]


def _store_part(widget_part: str) -> str:
    if widget_part == "dk":
        return "dont_know"
    return "tier:" + widget_part.removeprefix("fn:") if widget_part.startswith("fn:") else widget_part


def _on_screen(item: Item, widget_part: str) -> Any:
    """What the widget shows now, in the stored answer's terms."""
    value = st.session_state.get(_key(item.id, widget_part))
    if widget_part == "dk":
        return bool(value)
    if widget_part == "comment":
        text = (value or "").strip()
        return text[:MAX_COMMENT_CHARS] if text else None
    return value


def _stored_value(stored: Answer | None, widget_part: str) -> Any:
    if stored is None:
        return False if widget_part == "dk" else None
    if widget_part.startswith("fn:"):
        return (stored.tiers or {}).get(widget_part.removeprefix("fn:"))
    if widget_part == "dk":
        return stored.dont_know
    if widget_part == "comment":
        # As the screen reads it: a comment imported with spaces around it is not a change.
        return (stored.comment or "").strip()[:MAX_COMMENT_CHARS] or None
    return getattr(stored, widget_part)


def _widget_value(stored: Answer | None, widget_part: str) -> Any:
    """The value to give a widget so that it shows the stored part."""
    if widget_part == "comment":
        return (stored.comment or "") if stored is not None else ""
    return _stored_value(stored, widget_part)


def _compared(item: Item, stored: Answer | None) -> list[str]:
    """The widgets that must equal the stored answer: levels only when neither side is a
    don't-know (a ticked don't-know disables the level widgets, which keep what they held)."""
    parts = _widget_parts(item)
    if isinstance(item, AccountabilityItem):
        return parts
    if _on_screen(item, "dk") or (stored is not None and stored.dont_know):
        return [p for p in parts if p not in LEVEL_WIDGETS]
    return parts


def _differing(item: Item, stored: Answer | None) -> list[str]:
    return [p for p in _compared(item, stored) if _on_screen(item, p) != _stored_value(stored, p)]


def _changed_elsewhere(stored: StoredAnswer | None, widget_part: str, seen: int | None) -> bool:
    """Whether the stored part was written after this page last drew it. Without ``seen`` (a page
    drawn before the address carried it) every stored part is taken as newer: the screen then
    follows the database, never the other way round."""
    if stored is None:
        return False
    if seen is None:
        return True
    return stored.revisions.get(_store_part(widget_part), 0) > seen


def _change(item: Item, widget_parts: list[str], stamp: int) -> AnswerChange:
    """The change the widgets hold now for ``widget_parts``."""
    parts: dict[str, int | str | bool | None] = {}
    for widget_part in widget_parts:
        value = _on_screen(item, widget_part)
        parts[_store_part(widget_part)] = value
        if widget_part in LEVEL_WIDGETS:
            parts["dont_know"] = False  # choosing a level leaves "don't know"
    shown = {} if isinstance(item, AccountabilityItem) else {p: _on_screen(item, p) for p in LEVEL_WIDGETS}
    return AnswerChange(item_id=item.id, parts=parts, stamp=stamp, levels_shown=shown)


# --- saving ----------------------------------------------------------------------------------------


def _save(token: str, item: Item, participant_id: int, widget_part: str) -> None:
    """A widget's on_change: save the part it changed."""
    stamp = _next_stamp()  # at once: the moment of the change, whatever the save waits for
    if _on_screen(item, widget_part) is None and widget_part not in ("comment",):
        return
    with _participant_lock(participant_id):
        # Read under the lock: a newer run of this page may have set this widget since the
        # callback began, and its value, the latest, is the one that must be written last.
        change = _change(item, [widget_part], stamp)
        _write(token, item, participant_id, change)


def _write(token: str, item: Item, participant_id: int, change: AnswerChange) -> StoredAnswer | None:
    """Save ``change``; what is stored afterwards, or None when it was not saved (and why is kept
    for the item's status)."""
    keys = [_unsaved_key(participant_id, item.id, part) for part in change.parts]
    try:
        stored = save_answer(engine=plain_engine(), token=token, change=change)
    except AnsweringClosed:
        _forget(keys)
        st.session_state[CLOSED_KEY] = True
    except AnswerNotComplete as exc:
        _forget(keys)
        _statuses()[item.id] = f"Choose {exc.missing} to save this answer."
    except Refused as exc:
        _forget(keys)
        _statuses()[item.id] = f"Not saved: {exc}."
    except SQLAlchemyError as exc:
        # Kept, and saved by the next page run or the retry after it (ui.db); nothing is lost
        # that the participant chose, and nothing is shown as saved that is not. Its stamp keeps
        # it from overwriting anything changed after it, however late it lands.
        _statuses().pop(item.id, None)
        for key in keys:
            save_later(key, token=token, change=change, error=exc)
    else:
        _statuses().pop(item.id, None)
        _forget(keys)  # an older unsaved version of these parts must never be retried
        save_unsaved(plain_engine())  # the database takes writes again: others kept may go now
        return stored
    return None


def _forget(keys: list[str]) -> None:
    for key in keys:
        forget(key)


def _unsaved_key(participant_id: int, item_id: str, part: str = "") -> str:
    return f"answer:{participant_id}:{item_id}:{part}"


def _not_saved(participant_id: int, item_id: str) -> str | None:
    """What the item says when its latest choice is not in the database yet."""
    kept = unsaved_under(_unsaved_key(participant_id, item_id))
    if kept is None:
        return _statuses().get(item_id)
    if kept["refused"] is None:
        return f"{RETRYING} The connection to the database was lost; this answer is kept here."
    return (
        f"Not saved: the database is not accepting changes at the moment ({kept['refused']}). Your "
        "choice is kept on this page and saved with your next change once the database accepts it; "
        "please tell your facilitator."
    )


def _missing_level(item: Item, stored: Answer | None) -> str | None:
    """The level the screen still lacks before this answer can be saved, if any."""
    if isinstance(item, AccountabilityItem) or _on_screen(item, "dk"):
        return None
    if stored is not None and (stored.dont_know is False and stored.current is not None):
        return None
    if _on_screen(item, "current") is None:
        return "where we are now"
    if _on_screen(item, "target") is None:
        return "where we should be"
    return None


def _reconcile(
    *,
    token: str,
    item: Item,
    stored: StoredAnswer | None,
    seen: int | None,
    participant_id: int,
    before: set[str],
) -> tuple[StoredAnswer | None, bool]:
    """Make the widgets and the stored answer agree; (what is stored now, whether this wrote)."""
    answer = stored.answer if stored is not None else None
    differing = _differing(item, answer)
    if not differing:
        return stored, False
    own = [
        p for p in differing if _on_screen(item, p) is not None and not _changed_elsewhere(stored, p, seen)
    ]
    elsewhere = [p for p in differing if p not in own]
    if elsewhere:
        # Widgets the session held before this run were set from the database before they were
        # drawn (item_widget); these came with a reconnecting page, so the next run shows them.
        sync = {
            _key(item.id, p): _widget_value(answer, p) for p in elsewhere if _key(item.id, p) not in before
        }
        if sync:
            st.session_state.setdefault(SYNC_KEY, {})[item.id] = sync
    busy = unsaved_under(_unsaved_key(participant_id, item.id)) is not None or item.id in _statuses()
    if not own or busy or _missing_level(item, answer) is not None:
        return stored, False
    with _participant_lock(participant_id):
        written = _write(token, item, participant_id, _change(item, own, _next_stamp()))
    return (written, True) if written is not None else (stored, False)


def needs_rerun() -> bool:
    """Whether a reconnecting page holds parts changed elsewhere that the next run must show.

    At most twice in a row: a widget set from the database before it is drawn shows that value,
    so a third run would mean something else is wrong, and the page must not spin on it.
    """
    state = st.session_state
    if not state.get(SYNC_KEY):
        state[SYNC_RERUNS_KEY] = 0
        return False
    state[SYNC_RERUNS_KEY] = state.get(SYNC_RERUNS_KEY, 0) + 1
    if state[SYNC_RERUNS_KEY] > 2:
        state[SYNC_KEY] = {}
        return False
    return True


def _index(options: list[int], value: int | None) -> int | None:
    return options.index(value) if value in options else None


def draw_items(
    *,
    token: str,
    bank: QuestionBank,
    items: Sequence[Item],
    stored: Mapping[str, StoredAnswer],
    revision: int,
    participant_id: int,
    step: int,
) -> None:
    """One step's questions, read at the participant's answer ``revision``; then the address
    records what this page now shows, for the next run (or a reconnected page) to compare with."""
    try:
        seen: int | None = int(st.query_params.get(SEEN_PARAM, ""))
    except ValueError:
        seen = None  # a page drawn before its address carried it: the database wins
    written = []
    for number, item in enumerate(items, start=1):
        wrote = item_widget(
            token=token,
            bank=bank,
            item=item,
            stored=stored.get(item.id),
            seen=seen,
            participant_id=participant_id,
            number=f"{step}.{number}",
        )
        if wrote is not None:
            written.append(wrote)
    # The page shows the answers as of ``revision``, and its own writes too when nobody else
    # wrote in between (one revision straight after another).
    for wrote in sorted(written):
        if wrote == revision + 1:
            revision = wrote
    if st.query_params.get(SEEN_PARAM) != str(revision):
        st.query_params[SEEN_PARAM] = str(revision)
    if needs_rerun():
        st.rerun()  # a reconnected page holds parts changed elsewhere: show what is stored


def item_widget(
    *,
    token: str,
    bank: QuestionBank,
    item: Item,
    stored: StoredAnswer | None,
    seen: int | None,
    participant_id: int,
    number: str,
) -> int | None:
    """One question: the words first, then the choices, then whether it is saved. Returns the
    participant's answer revision when this run saved a change the widgets held."""
    answer = stored.answer if stored is not None else None
    state = st.session_state
    for key, value in state.get(SYNC_KEY, {}).pop(item.id, {}).items():
        state[key] = value
    before = {p for p in _widget_parts(item) if _key(item.id, p) in state}
    for part in _differing(item, answer):
        key = _key(item.id, part)
        if part in before and _changed_elsewhere(stored, part, seen):
            state[key] = _widget_value(answer, part)  # written elsewhere since this page drew it
    before = {_key(item.id, p) for p in before}
    # the key is a stable hook for browser tests
    with st.container(border=True, key=f"answer_item-{item.id}"):
        st.markdown(f"**{number} {md(item.text)}**")
        st.caption(md(item.help))

        def callback(part: str) -> dict[str, Any]:
            return {"on_change": _save, "args": (token, item, participant_id, part)}

        if isinstance(item, MaturityItem):
            _maturity(bank, item, answer, callback)
        elif isinstance(item, SpectrumItem):
            _spectrum(item, answer, callback)
        elif isinstance(item, AccountabilityItem):
            _accountability(item, answer, callback)
        stored, wrote = _reconcile(
            token=token,
            item=item,
            stored=stored,
            seen=seen,
            participant_id=participant_id,
            before=before,
        )
        answer = stored.answer if stored is not None else None
        if answer is not None and not _differing(item, answer):
            _statuses().pop(item.id, None)  # the screen shows what is stored: nothing is pending
        status = _not_saved(participant_id, item.id)
        missing = _missing_level(item, answer)
        if status:
            st.warning(status, icon=":material/pending:")
        elif answer is not None and not _differing(item, answer) and is_complete(item, answer):
            st.caption(":material/check_circle: Saved")
        elif answer is not None and not _differing(item, answer) and isinstance(item, AccountabilityItem):
            given, total = parts_given(item, answer)
            st.caption(
                f":material/pending: {given} of {total} answered, saved so far: choose the rest to finish"
            )
        elif missing is not None and any(
            _on_screen(item, p) not in (None, False) for p in _widget_parts(item)
        ):
            st.warning(f"Choose {missing} to save this answer.", icon=":material/pending:")
        elif answer is not None and _differing(item, answer):
            st.warning("Not saved yet: showing what is saved…", icon=":material/pending:")
    if wrote and stored is not None:
        return max(stored.revisions.values(), default=None)
    return None


def preview_item(bank: QuestionBank, item: Item, *, number: str = "1.") -> None:
    """One question drawn exactly as the answer page draws it, but saving nothing (the question
    bank editor's preview). Its widgets keep the answer page's keys, of a question not answered."""

    def no_saving(part: str) -> dict[str, Any]:
        return {}

    with st.container(border=True):
        st.markdown(f"**{number} {md(item.text)}**")
        st.caption(md(item.help))
        if isinstance(item, MaturityItem):
            _maturity(bank, item, None, no_saving)
        elif isinstance(item, SpectrumItem):
            _spectrum(item, None, no_saving)
        elif isinstance(item, AccountabilityItem):
            _accountability(item, None, no_saving)


def _maturity(
    bank: QuestionBank, item: MaturityItem, saved: Answer | None, callback: Callable[[str], dict[str, Any]]
) -> None:
    """Each level a card carrying its descriptor for where we are now (the whole card is the
    target); the same levels, named, as a grid of cards for where we should be."""
    levels = list(range(1, bank.max_level + 1))
    dont_know = st.checkbox(
        "I don't know", value=bool(saved and saved.dont_know), key=_key(item.id, "dk"), **callback("dk")
    )

    def label(value: int) -> str:
        return f"{value}. {md(bank.level_label(value))}"

    st.radio(
        "Where are we now?",
        levels,
        index=_index(levels, saved.current if saved else None),
        format_func=label,
        captions=[md(item.levels[level.id]) for level in bank.scale],
        key=_key(item.id, "current"),
        disabled=dont_know,
        width="stretch",
        **callback("current"),
    )
    st.radio(
        "Where should we be in a year?",
        levels,
        index=_index(levels, saved.target if saved else None),
        format_func=label,
        horizontal=True,
        key=_key(item.id, "target"),
        disabled=dont_know,
        width="stretch",
        **callback("target"),
    )
    _confidence_and_comment(item, saved, callback)


def _spectrum(item: SpectrumItem, saved: Answer | None, callback: Callable[[str], dict[str, Any]]) -> None:
    positions = list(range(1, SPECTRUM_POSITIONS + 1))
    left, right = st.columns(2)
    left.markdown(f"**1** = {md(item.poles[0])}")
    right.markdown(f"**{SPECTRUM_POSITIONS}** = {md(item.poles[1])}")
    dont_know = st.checkbox(
        "I don't know", value=bool(saved and saved.dont_know), key=_key(item.id, "dk"), **callback("dk")
    )
    for part, question, value in (
        ("current", "Where are we now?", saved.current if saved else None),
        ("target", "Where should we be?", saved.target if saved else None),
    ):
        st.radio(
            question,
            positions,
            index=_index(positions, value),
            horizontal=True,
            key=_key(item.id, part),
            disabled=dont_know,
            width="stretch",
            **callback(part),
        )
    _confidence_and_comment(item, saved, callback)


def _accountability(
    item: AccountabilityItem, saved: Answer | None, callback: Callable[[str], dict[str, Any]]
) -> None:
    tiers = [t.id for t in item.tiers]
    labels = {t.id: t.label for t in item.tiers}
    chosen = (saved.tiers if saved else None) or {}
    for function in item.functions:
        current = chosen.get(function.id)
        st.selectbox(
            function.label,
            tiers,
            index=tiers.index(current) if current in tiers else None,
            format_func=lambda t: labels[t],
            placeholder="Choose who holds it today",
            key=_key(item.id, f"fn:{function.id}"),
            **callback(f"fn:{function.id}"),
        )


def _confidence_and_comment(
    item: Item, saved: Answer | None, callback: Callable[[str], dict[str, Any]]
) -> None:
    confidence, comment = st.columns([1, 2])
    with confidence:
        options = list(CONFIDENCE)
        st.radio(
            "How sure are you?",
            options,
            index=_index(options, saved.confidence if saved else None),
            format_func=lambda c: CONFIDENCE[c],
            horizontal=True,
            width="stretch",
            key=_key(item.id, "confidence"),
            **callback("confidence"),
        )
    with comment:
        st.text_area(
            "Comment (optional)",
            value=(saved.comment or "") if saved else "",
            max_chars=MAX_COMMENT_CHARS,
            height=68,
            key=_key(item.id, "comment"),
            **callback("comment"),
        )


# --- the page around the questions: made for a phone --------------------------------------------------

# The answer page's own look. Every level is a card: the option's label is stretched over the
# whole card (its caption, the level's descriptor, included), so a tap anywhere on it chooses it,
# and no card is lower than a finger (44 px). A new step is scrolled to with a margin for the
# app's header bar.
_PAGE_STYLE = """<style>
.stMainBlockContainer { padding-top: 3.5rem; }
.st-key-answer_top h1 { font-size: 1.5rem; padding: 0; line-height: 1.3; }
.stMainBlockContainer h2 { font-size: 1.4rem; padding: 0.25rem 0 0; line-height: 1.3; }
.stMainBlockContainer h3 { font-size: 1.2rem; padding: 0.25rem 0 0; line-height: 1.3; }
[class*="st-key-answer_item-"] { gap: 0.6rem; }
.st-key-answer_top, [class*="st-key-answer_item-"] { scroll-margin-top: 4rem; }
[class*="st-key-answer_q_"] [role="radiogroup"] { width: 100%; gap: 0.5rem; }
[class*="st-key-answer_q_"] [role="radiogroup"] > div {
  position: relative; box-sizing: border-box; min-height: 44px; margin: 0;
  display: flex; flex-direction: column; justify-content: center;
  padding: 0.5rem 0.75rem; border: 1px solid rgba(11, 12, 12, 0.3); border-radius: 0.5rem;
}
[class*="st-key-answer_q_"] [role="radiogroup"][aria-orientation="vertical"] > div { width: 100%; }
[class*="st-key-answer_q_"] [role="radiogroup"][aria-orientation="horizontal"] { flex-wrap: wrap; }
[class*="st-key-answer_q_"] [role="radiogroup"][aria-orientation="horizontal"] > div {
  flex: 1 1 0; min-width: 3.5rem; align-items: center;
}
[class*="st-key-answer_q_"] [aria-orientation="horizontal"]:has(> div:nth-child(4):last-child) > div {
  flex-basis: 40%; align-items: flex-start;
}
[class*="st-key-answer_q_"] [role="radiogroup"] > div:has(input:checked) {
  border-color: #005EB8; box-shadow: inset 0 0 0 1px #005EB8; background: rgba(0, 94, 184, 0.06);
}
[class*="st-key-answer_q_"] [role="radiogroup"] > div:has(input:focus-visible) {
  outline: 3px solid #FFB81C; outline-offset: 1px;
}
[class*="st-key-answer_q_"] label[data-testid="stRadioOption"] { margin: 0; }
[class*="st-key-answer_q_"] label[data-testid="stRadioOption"] > * { position: relative; z-index: 2; }
[class*="st-key-answer_q_"] label[data-testid="stRadioOption"]::after {
  content: ""; position: absolute; inset: 0; z-index: 1; border-radius: 0.5rem;
}
[class*="st-key-answer_q_"] [data-testid="stRadioCaption"] { padding-left: 1.75rem; }
[class*="st-key-answer_q_"] [data-testid="stRadioCaption"] p { line-height: 1.4; }
/* An accountability situation's drop-down is a tap target like a card: at least 44 px high. */
[class*="st-key-answer_q_"] .react-aria-ComboBox [role="group"] { min-height: 44px; }
</style>"""
# The same cards for the re-rate page's level choices: every rule above, for those widgets too.
LEVEL_CHOICES = (
    ':is([class*="st-key-answer_q_"], [class*="st-key-rerate_now_"], [class*="st-key-rerate_target_"])'
)
PAGE_STYLE = _PAGE_STYLE.replace('[class*="st-key-answer_q_"]', LEVEL_CHOICES)


def page_style() -> None:
    """The answer page's cards and compact header (our own fixed rules, nothing of anyone's); the
    re-rate page's level choices are the same cards."""
    st.html(PAGE_STYLE)


def show_step(step: int, item_id: str | None = None) -> None:
    """A button's on_click: go to ``step``; from the review, to the question ``item_id`` on it."""
    st.query_params[STEP_PARAM] = str(step)
    if item_id is not None:
        st.session_state[FOCUS_KEY] = item_id
    else:
        st.session_state.pop(FOCUS_KEY, None)


def start_at_top(step: int) -> None:
    """Scroll a step drawn for the first time to its top (or to the question the review jumped to),
    so a participant who pressed Next at the bottom of one step starts the next at its header.
    Runs at most once per step shown: a change on the same step leaves the page where it is."""
    state = st.session_state
    focus = state.pop(FOCUS_KEY, None)
    if state.get(DRAWN_STEP_KEY) == step and focus is None:
        return
    state[DRAWN_STEP_KEY] = step
    state[SCROLLS_KEY] = scrolls = int(state.get(SCROLLS_KEY, 0)) + 1
    top = f".st-key-{TOP_KEY}"
    target = f".st-key-answer_item-{focus}" if isinstance(focus, str) else top
    # The selector is the item's own id from the bank (a slug) or our fixed key, quoted for the script.
    st.html(
        f"""<script>
        // scroll {scrolls}
        (() => {{
          const found = () =>
            document.querySelector({json.dumps(target)}) || document.querySelector({json.dumps(top)});
          const go = () => found()?.scrollIntoView({{block: "start"}});
          go(); requestAnimationFrame(go); setTimeout(go, 150); setTimeout(go, 400);
        }})();
        </script>""",
        unsafe_allow_javascript=True,
    )


# --- withdrawing --------------------------------------------------------------------------------------

WITHDRAWN_KEY = "answer_withdrawn"  # the resume token whose answers this session withdrew
WITHDRAW_REFUSED_KEY = "answer_withdraw_refused"  # why the withdrawal just pressed was refused
WITHDRAWN_WORDS = (
    "You have withdrawn from this workshop: your answers, and your name and role if you gave them, "
    "are deleted and are not in the team's figures. Thank you for your time."
)


def withdrawn_here(token: str) -> bool:
    """Whether this session withdrew the participant ``token`` named (the link names nobody now)."""
    return bool(token) and st.session_state.get(WITHDRAWN_KEY) == token


def _withdraw(token: str) -> None:
    # A callback: it runs on the click's own rerun even when the page, drawn anew, no longer offers
    # withdrawing (revealed a moment ago), so the click is answered either way.
    try:
        withdraw(engine=plain_engine(), token=token)
    except Refused as exc:
        st.session_state[WITHDRAW_REFUSED_KEY] = refusal_text("withdraw your answers", exc)
        return
    st.session_state[WITHDRAWN_KEY] = token


def show_withdrawal_refusal() -> None:
    """Say why a withdrawal just pressed was refused (once)."""
    refused = st.session_state.pop(WITHDRAW_REFUSED_KEY, None)
    if isinstance(refused, str):
        st.error(refused)


def offer_withdrawal(token: str) -> None:
    """A quiet way out at the foot of the page, folded away: withdraw, after ticking a box that says
    what it means. Until the facilitator reveals the team picture; afterwards the service refuses in
    words."""
    with st.expander("Withdraw from this workshop", icon=":material/logout:"):
        st.markdown(
            "You can change your mind about taking part until your facilitator reveals the team "
            "picture. Withdrawing deletes every answer you gave here, with your comments, and your "
            "name and role if you gave them; you are then not counted in the team's figures. It "
            "cannot be undone, and this link stops working."
        )
        sure = st.checkbox("I want to withdraw and delete my answers", key="answer_withdraw_sure")
        st.button(
            "Withdraw and delete my answers",
            key="answer_withdraw",
            disabled=not sure,
            on_click=_withdraw,
            args=(token,),
        )
