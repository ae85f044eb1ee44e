"""The participant's question widgets. Every change is written to the database at once.

Widgets are keyed per item; their on_change callback builds the whole answer from the item's
widgets and saves it, so a reload, a dropped connection or a server restart loses nothing that
was acknowledged. An answer that is not complete yet (a current level without a target) is not
saved, and the item says what is missing. An answer the database did not take is kept in the
session and retried (ui.db): the item says "Not saved, retrying…" until it is in, then "Saved".
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from assessment.answers import MAX_COMMENT_CHARS, Answer
from assessment.framework import (
    SPECTRUM_POSITIONS,
    AccountabilityItem,
    Item,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
)
from assessment.store import StoreError, save_answer, transaction
from ui.db import RETRYING, forget, plain_engine, save_later, save_unsaved, unsaved
from ui.text import escape_markdown as md

CONFIDENCE = {1: "Low", 2: "Medium", 3: "High"}
STATUS_KEY = "answer_status"  # item id -> message for an answer that is incomplete or was refused


def _key(item_id: str, part: str) -> str:
    return f"q:{item_id}:{part}"


def _statuses() -> dict[str, str]:
    statuses: dict[str, str] = st.session_state.setdefault(STATUS_KEY, {})
    return statuses


def _chosen(item: Item) -> tuple[Answer, str | None]:
    """The answer the item's widgets hold now, and what is missing before it can be saved
    (None when nothing is: an accountability answer may be saved in part)."""
    state = st.session_state
    if isinstance(item, AccountabilityItem):
        tiers = {
            f.id: state[_key(item.id, f"fn:{f.id}")]
            for f in item.functions
            if state.get(_key(item.id, f"fn:{f.id}")) is not None
        }
        answer = Answer(item_id=item.id, tiers=tiers)
    else:
        dont_know = bool(state.get(_key(item.id, "dk")))
        comment = (state.get(_key(item.id, "comment")) or "").strip() or None
        answer = Answer(
            item_id=item.id,
            current=None if dont_know else state.get(_key(item.id, "current")),
            target=None if dont_know else state.get(_key(item.id, "target")),
            dont_know=dont_know,
            confidence=state.get(_key(item.id, "confidence")),
            comment=comment[:MAX_COMMENT_CHARS] if comment else None,
        )
        if not dont_know and (answer.current is None or answer.target is None):
            return answer, "where we are now" if answer.current is None else "where we should be"
    return answer, None


def _save(bank: QuestionBank, item: Item, participant_id: int, domains: list[str]) -> None:
    answer, missing = _chosen(item)
    if missing is not None:
        _statuses()[item.id] = f"Choose {missing} to save this answer."
        return
    write = partial(_write, participant_id=participant_id, answer=answer, bank=bank, domains=domains)
    key = _unsaved_key(participant_id, item.id)
    _statuses().pop(item.id, None)
    try:
        with transaction(plain_engine()) as session:
            write(session)
    except StoreError as exc:
        forget(key)
        _statuses()[item.id] = f"Not saved: {exc}."
    except SQLAlchemyError as exc:
        # Kept, and saved by the next page run or the retry after it (ui.db); nothing is lost
        # that the participant chose, and nothing is shown as saved that is not.
        save_later(key, write, exc)
    else:
        forget(key)  # an older unsaved version of this answer must never overwrite this one
        save_unsaved(plain_engine())  # the database takes writes again: others kept may go now


def _write(
    session: Session, *, participant_id: int, answer: Answer, bank: QuestionBank, domains: list[str]
) -> None:
    save_answer(session=session, participant_id=participant_id, answer=answer, bank=bank, domains=domains)


def _unsaved_key(participant_id: int, item_id: str) -> str:
    return f"answer:{participant_id}:{item_id}"


def _not_saved(participant_id: int, item_id: str) -> str | None:
    """What the item says when its latest choice is not in the database yet."""
    kept = unsaved(_unsaved_key(participant_id, item_id))
    if kept is None:
        return _statuses().get(item_id)
    if kept.refused is None:
        return f"{RETRYING} The connection to the database was lost; this answer is kept here."
    return (
        f"Not saved: the database is not accepting changes at the moment ({kept.refused}). Your "
        "choice is kept on this page and saved with your next change once the database accepts it; "
        "please tell your facilitator."
    )


def _index(options: list[int], value: int | None) -> int | None:
    return options.index(value) if value in options else None


def item_widget(
    *,
    bank: QuestionBank,
    item: Item,
    saved: Answer | None,
    participant_id: int,
    domains: list[str],
    number: str,
) -> None:
    """One question: the words first, then the choices, then whether it is saved."""
    callback: dict[str, Any] = {
        "on_change": _save,
        "args": (bank, item, participant_id, domains),
    }
    with st.container(border=True, key=f"item-{item.id}"):  # the key is a stable hook for browser tests
        st.markdown(f"**{number} {md(item.text)}**")
        st.caption(md(item.help))
        if isinstance(item, MaturityItem):
            _maturity(bank, item, saved, callback)
        elif isinstance(item, SpectrumItem):
            _spectrum(item, saved, callback)
        elif isinstance(item, AccountabilityItem):
            _accountability(item, saved, callback)
        status = _not_saved(participant_id, item.id)
        if status:
            st.warning(status, icon=":material/pending:")
        elif saved is not None and _complete(item, saved):
            st.caption(":material/check_circle: Saved")


def _complete(item: Item, answer: Answer) -> bool:
    if isinstance(item, AccountabilityItem):
        return bool(answer.tiers) and len(answer.tiers or {}) == len(item.functions)
    return answer.dont_know or (answer.current is not None and answer.target is not None)


def _maturity(bank: QuestionBank, item: MaturityItem, saved: Answer | None, callback: dict[str, Any]) -> None:
    columns = st.columns(len(bank.scale))
    for value, (column, level) in enumerate(zip(columns, bank.scale, strict=True), start=1):
        with column:
            st.markdown(f"**{value}. {md(level.label)}**")
            st.markdown(md(item.levels[level.id]))
    levels = list(range(1, bank.max_level + 1))
    dont_know = st.checkbox(
        "I don't know", value=bool(saved and saved.dont_know), key=_key(item.id, "dk"), **callback
    )

    def label(value: int) -> str:
        return f"{value}. {bank.level_label(value)}"

    now, should = st.columns(2)
    with now:
        st.radio(
            "Where are we now?",
            levels,
            index=_index(levels, saved.current if saved else None),
            format_func=label,
            key=_key(item.id, "current"),
            disabled=dont_know,
            **callback,
        )
    with should:
        st.radio(
            "Where should we be in a year?",
            levels,
            index=_index(levels, saved.target if saved else None),
            format_func=label,
            key=_key(item.id, "target"),
            disabled=dont_know,
            **callback,
        )
    _confidence_and_comment(item, saved, callback)


def _spectrum(item: SpectrumItem, saved: Answer | None, callback: dict[str, Any]) -> None:
    positions = list(range(1, SPECTRUM_POSITIONS + 1))
    left, right = st.columns(2)
    left.markdown(f"**1** = {md(item.poles[0])}")
    right.markdown(f"**{SPECTRUM_POSITIONS}** = {md(item.poles[1])}")
    dont_know = st.checkbox(
        "I don't know", value=bool(saved and saved.dont_know), key=_key(item.id, "dk"), **callback
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
            **callback,
        )
    _confidence_and_comment(item, saved, callback)


def _accountability(item: AccountabilityItem, saved: Answer | None, callback: dict[str, Any]) -> None:
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
            **callback,
        )


def _confidence_and_comment(item: Item, saved: Answer | None, callback: dict[str, Any]) -> None:
    confidence, comment = st.columns([1, 2])
    with confidence:
        options = list(CONFIDENCE)
        st.radio(
            "How sure are you?",
            options,
            index=_index(options, saved.confidence if saved else None),
            format_func=lambda c: CONFIDENCE[c],
            horizontal=True,
            key=_key(item.id, "confidence"),
            **callback,
        )
    with comment:
        st.text_area(
            "Comment (optional)",
            value=(saved.comment or "") if saved else "",
            max_chars=MAX_COMMENT_CHARS,
            height=68,
            key=_key(item.id, "comment"),
            **callback,
        )
