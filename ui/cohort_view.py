"""A cohort's comparison drawn as tabs: heatmap, spread, each partnership, position and movement,
and places beside their system. Every chart has its table beside it, in words where withheld."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.charts import cohort_distribution, cohort_heatmap, cohort_small_multiples
from assessment.cohorts import CohortComparison, place_vs_system
from assessment.presenting import NO_CHANGE, NO_FIGURE, WITHHELD, change_text, figure_text
from ui.text import escape_markdown as md
from ui.text import plain_text


def in_words(grid: pd.DataFrame) -> pd.DataFrame:
    """A partnership-by-domain grid labelled for people: rows are partnerships, columns domains."""
    return grid.rename_axis(index="Partnership", columns=None)


def quartile_and_move(row: pd.Series) -> str:
    """'2.50 · Q2 ▲ 0.30': the figure, its quartile in the cohort and its move since last round."""
    if pd.isna(row["current"]):
        return WITHHELD
    quartile = "" if pd.isna(row["quartile"]) else f" · Q{int(row['quartile'])}"
    moved = change_text(row["change"])
    move = "" if moved in (NO_FIGURE, NO_CHANGE) else f" {moved}"
    return f"{figure_text(row['current'])}{quartile}{move}"


def show_comparison(comparison: CohortComparison, *, scale_labels: list[str]) -> None:
    domains = comparison.domains
    partnerships = comparison.partnerships
    shown = partnerships.loc[~partnerships["withheld"].astype(bool)]
    heat, spread, each, position, places = st.tabs(
        [
            "Heatmap",
            "Spread per domain",
            "Each partnership",
            "Position and movement",
            "Places and their system",
        ]
    )

    with heat:
        st.plotly_chart(
            cohort_heatmap(
                domains, comparison.cohort_median, scale_labels=scale_labels, title="Latest round, by domain"
            ),
            config={"displayModeBar": False},
        )
        grid = domains.pivot_table(
            index="name", columns="title", values="current", aggfunc="first", dropna=False
        )
        st.dataframe(in_words(grid.map(figure_text)))

    with spread:
        st.plotly_chart(
            cohort_distribution(
                domains, scale_labels=scale_labels, title="How far apart the partnerships are"
            ),
            config={"displayModeBar": False},
        )
        summary = comparison.cohort_median.merge(comparison.quartiles, on="domain", how="left")
        columns = {"title": "Domain", "current": "Median now", "target": "Median target", "gap": "Median gap"}
        if not comparison.quartiles.empty:
            columns |= {"q1": "Lower quartile", "q3": "Upper quartile"}
        st.dataframe(summary[list(columns)].rename(columns=columns).round(2), hide_index=True)

    with each:
        if shown.empty:
            st.info("No partnership has enough respondents to show.")
        else:
            st.plotly_chart(
                cohort_small_multiples(
                    domains.loc[domains["partnership_id"].isin(shown["partnership_id"])],
                    scale_labels=scale_labels,
                    title="Each partnership's latest round (now solid, target dashed)",
                ),
                config={"displayModeBar": False},
            )
        st.dataframe(
            partnerships[["name", "kind", "round", "held_on", "respondents", "withheld"]].rename(
                columns={
                    "name": "Partnership",
                    "kind": "Kind",
                    "round": "Latest round",
                    "held_on": "Held on",
                    "respondents": "Respondents",
                    "withheld": "Withheld",
                }
            ),
            hide_index=True,
        )

    with position:
        table = domains.assign(cell=domains.apply(quartile_and_move, axis=1)).pivot_table(
            index="name", columns="title", values="cell", aggfunc="first"
        )
        st.caption(
            "Each cell: latest current level · quartile in the cohort (Q1 lowest) and the move "
            "since the previous round."
        )
        st.dataframe(in_words(table))

    with places:
        systems = partnerships.loc[partnerships["kind"] == "ics"]
        if systems.empty:
            st.info("This cohort has no ICS-level partnership to compare its places with.")
        else:
            names = dict(zip(systems["partnership_id"], systems["name"], strict=True))
            system = st.selectbox(
                "System", list(names), format_func=lambda p: plain_text(names[p]), key="cohorts_system"
            )
            difference = place_vs_system(comparison, ics_partnership_id=int(system))
            if difference.empty:
                st.info(f"No place partnership of {md(names[system])} is in this comparison.")
            else:
                st.markdown(
                    "Where each place sees itself differently from the system-level assessment: the "
                    "delegation question made visible (positive: the place rates itself higher)."
                )
                grid = difference.pivot_table(
                    index="name", columns="title", values="difference", aggfunc="first"
                )
                st.dataframe(in_words(grid.map(lambda v: WITHHELD if pd.isna(v) else f"{v:+.2f}")))
