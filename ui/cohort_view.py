"""A cohort's comparison drawn as tabs: heatmap, spread, each partnership, position and movement,
and places beside their system. Every chart has its table beside it, in words where withheld or
not asked, and a figure from an earlier round than the partnership's latest says which."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from assessment.charts import SMALL_RADAR_WIDTH, cohort_distribution, cohort_radars
from assessment.cohorts import CohortComparison, earlier_rounds, heatmap, place_vs_system
from assessment.presenting import NO_CHANGE, NO_FIGURE, WITHHELD, change_text, figure_text, long_date
from assessment.trends import NOT_ASKED, SHOWN
from ui.text import escape_markdown as md
from ui.text import plain_text

NO_ROUND = "no round"


def in_words(grid: pd.DataFrame) -> pd.DataFrame:
    """A partnership-by-domain grid labelled for people: rows are partnerships, columns domains."""
    return grid.rename_axis(index="Partnership", columns=None)


def _from_earlier(row: pd.Series) -> str:
    """' (from Round 1, 12 March 2026)' for a figure from before the partnership's latest round."""
    if not row["from_earlier_round"]:
        return ""
    return f" (from {row['round']}, {long_date(row['held_on'])})"


def figure_and_source(row: pd.Series) -> str:
    """'2.50', '2.50 (from Round 1, 12 March 2026)', 'withheld' or 'not asked'."""
    if row["state"] == NOT_ASKED:
        return NOT_ASKED
    if pd.isna(row["current"]):
        return WITHHELD
    return f"{figure_text(row['current'])}{_from_earlier(row)}"


def quartile_and_move(row: pd.Series) -> str:
    """'2.50 · Q2 ▲ 0.30': the figure, its quartile in the cohort and its move since the previous
    round that asked the domain; 'withheld' or 'not asked' where there is no figure."""
    if row["state"] == NOT_ASKED:
        return NOT_ASKED
    if pd.isna(row["current"]):
        return WITHHELD
    quartile = "" if pd.isna(row["quartile"]) else f" · Q{int(row['quartile'])}"
    moved = change_text(row["change"])
    move = "" if moved in (NO_FIGURE, NO_CHANGE) else f" {moved}"
    return f"{figure_text(row['current'])}{quartile}{move}{_from_earlier(row)}"


def _grid(domains: pd.DataFrame, cells: pd.Series) -> pd.DataFrame:
    """Partnerships by domain titles, in the comparison's order, one worded cell each."""
    table = domains.assign(cell=cells).pivot_table(
        index="name", columns="title", values="cell", aggfunc="first", sort=False
    )
    return in_words(table.fillna(NOT_ASKED))


def _difference(row: Mapping[Hashable, Any]) -> str:
    if row["state"] == NOT_ASKED:
        return NOT_ASKED
    return WITHHELD if pd.isna(row["difference"]) else f"{row['difference']:+.2f}"


def earlier_round_note(comparison: CohortComparison) -> None:
    """Which figures come from an earlier round, as the partnership's latest did not ask them."""
    found = earlier_rounds(comparison)
    if found:
        st.markdown(
            "Where a partnership's latest round did not ask a domain, its figure comes from the "
            "latest round that did:\n" + "\n".join(f"- {md(each.words())}" for each in found)
        )


def small_radars(domains: pd.DataFrame, *, scale_labels: list[str]) -> None:
    """A radar per partnership, side by side as far as the screen is wide (three or more on a projector,
    one under another on a phone), then the key to their numbered spokes, once."""
    st.markdown("**Each partnership's latest round**")
    st.caption("The solid blue line is where the partnership is now; the dashed yellow line its target.")
    with st.container(horizontal=True, gap="medium"):
        for index, (_name, figure) in enumerate(cohort_radars(domains, scale_labels=scale_labels)):
            st.plotly_chart(
                figure,
                width=SMALL_RADAR_WIDTH,
                config={"displayModeBar": False},
                key=f"cohorts_radar_{index}",
            )
    titles = list(dict.fromkeys(domains["title"].astype(str)))
    st.dataframe(
        pd.DataFrame({"Spoke": range(1, len(titles) + 1), "Domain": titles}),
        hide_index=True,
    )


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
            heatmap(comparison, scale_labels=scale_labels, title="Latest round, by domain"),
            config={"displayModeBar": False},
        )
        if not domains.empty:
            st.dataframe(_grid(domains, domains.apply(figure_and_source, axis=1)))
            st.caption(
                "“withheld”: fewer people than the anonymity threshold; “not asked”: no round of "
                "that partnership asked the domain."
            )

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
        table = summary[list(columns)].rename(columns=columns)
        for figure in list(columns.values())[1:]:
            table[figure] = table[figure].map(figure_text)
        st.dataframe(table, hide_index=True)

    with each:
        # Those shown on their latest round, and any with a figure from an earlier round.
        drawn = {*shown["partnership_id"], *domains.loc[domains["state"] == SHOWN, "partnership_id"]}
        if not drawn:
            st.info("No partnership has enough respondents to show.")
        else:
            small_radars(
                domains.loc[domains["partnership_id"].isin(drawn) & (domains["state"] != NOT_ASKED)],
                scale_labels=scale_labels,
            )
        st.dataframe(
            pd.DataFrame(
                {
                    "Partnership": partnerships["name"],
                    "Kind": partnerships["kind"],
                    "Latest round": [NO_ROUND if r is None else str(r) for r in partnerships["round"]],
                    "Held on": ["" if d is None else long_date(d) for d in partnerships["held_on"]],
                    "Respondents": partnerships["respondents"],
                    "Withheld": partnerships["withheld"],
                }
            ),
            hide_index=True,
        )

    with position:
        st.caption(
            "Each cell: latest current level · quartile in the cohort (Q1 lowest) and the move "
            "since the previous round that asked the domain."
        )
        if not domains.empty:
            st.dataframe(_grid(domains, domains.apply(quartile_and_move, axis=1)))

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
                cells = pd.Series(
                    [_difference(r) for r in difference.to_dict("records")], index=difference.index
                )
                st.dataframe(_grid(difference, cells))
