"""Widgets that show a question bank: one item with its level descriptors side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.framework import (
    SPECTRUM_POSITIONS,
    AccountabilityItem,
    BankError,
    Item,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
    citation,
)
from ui.text import escape_markdown as md

TYPE_LABELS = {
    "maturity": "Maturity: current and target level",
    "spectrum": f"Spectrum: a position from 1 to {SPECTRUM_POSITIONS} between two poles",
    "accountability": "Accountability: which tier holds it today",
}


def show_item(bank: QuestionBank, item: Item) -> None:
    with st.container(border=True):
        st.markdown(f"**{md(item.text)}**")
        st.caption(f"{TYPE_LABELS[item.type]} · id `{item.id}`")
        st.markdown(md(item.help))
        if isinstance(item, MaturityItem):
            columns = st.columns(len(bank.scale))
            for value, (column, level) in enumerate(zip(columns, bank.scale, strict=True), start=1):
                with column:
                    st.markdown(f"**{value}. {md(level.label)}**")
                    st.markdown(md(item.levels[level.id]))
        elif isinstance(item, SpectrumItem):
            left, right = st.columns(2)
            left.markdown(f"**1 —** {md(item.poles[0])}")
            right.markdown(f"**{SPECTRUM_POSITIONS} —** {md(item.poles[1])}")
        elif isinstance(item, AccountabilityItem):
            st.dataframe(
                pd.DataFrame({"Function": [f.label for f in item.functions]}),
                hide_index=True,
                width="stretch",
            )
            st.caption("Tiers to choose from: " + md(", ".join(t.label for t in item.tiers)))
        st.caption(f"Source: {md(citation(item.source))}")


def errors_table(errors: list[BankError]) -> pd.DataFrame:
    """Bank errors as a table, one row per problem (escape it with ui.text.plain_table to show)."""
    return pd.DataFrame(
        {
            "Line": [e.line if e.line is not None else "" for e in errors],
            "Where": [e.path or "(whole file)" for e in errors],
            "What is wrong": [e.message for e in errors],
        }
    )


def draft_problems_table(errors: list[BankError]) -> pd.DataFrame:
    """A draft's problems (from the editor, not a file: no line numbers), one row each."""
    return pd.DataFrame(
        {"Where": [e.path or "(whole bank)" for e in errors], "What is wrong": [e.message for e in errors]}
    )


def problems_of(
    errors: list[BankError], *, item_id: str | None = None, domain_id: str | None = None
) -> list[str]:
    """The messages about one question (or one domain's own fields), as "field: what is wrong"."""
    marker = f"(in item '{item_id}')" if item_id is not None else f"(in domain '{domain_id}')"
    found = []
    for error in errors:
        if error.path.endswith(marker):
            field = error.path.removesuffix(marker).strip().rsplit("].", 1)[-1]
            found.append(f"{field}: {error.message}")
    return found
