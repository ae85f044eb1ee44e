import pandas as pd
import streamlit as st

from assessment.charts import cohort_distribution, cohort_heatmap, cohort_small_multiples
from assessment.cohorts import place_vs_system
from assessment.services import Actor
from assessment.services import cohorts as service
from ui.auth import require_facilitator
from ui.bank import default_bank
from ui.db import engine
from ui.report_buttons import cohort_pack_download
from ui.text import escape_markdown as md
from ui.text import plain_text

actor = Actor.facilitator(require_facilitator())

st.title("Compare a cohort")
cohorts = service.visible_cohorts(engine=engine(), actor=actor)
if not cohorts:
    st.info("No cohorts yet. Load the sample data from the home page, or create one from the command line.")
    st.stop()
by_id = {c.id: c for c in cohorts}
if st.session_state.get("cohort") not in by_id:
    st.session_state.pop("cohort", None)  # another facilitator's cohort is never offered or opened
cohort_id = st.selectbox(
    "Cohort",
    list(by_id),
    format_func=lambda c: plain_text(f"{by_id[c].name} ({by_id[c].partnerships})"),
    key="cohort",
)

with st.expander("Filters", icon=":material/filter_list:"):
    kinds = st.multiselect(
        "Kinds of partnership",
        service.PARTNERSHIP_KINDS,
        default=list(service.PARTNERSHIP_KINDS),
        key="cohorts_kinds",
    )
    dates = st.date_input("Rounds held between", value=[], format="DD/MM/YYYY", key="cohorts_dates")
    version = st.text_input(
        "Question bank version (e.g. 'ics-readiness 1.0.0'; empty for any)", key="cohorts_bank_version"
    )
since, until = (dates[0], dates[1]) if isinstance(dates, tuple) and len(dates) == 2 else (None, None)

with st.spinner("Comparing the cohort's latest rounds…"):
    comparison = service.compare(
        engine=engine(),
        actor=actor,
        cohort_id=cohort_id,
        kinds=kinds or None,
        since=since,
        until=until,
        bank_version=version.strip() or None,
    )

cohort_pack_download(cohort_id=cohort_id, cohort_name=by_id[cohort_id].name)

scale = [level.label for level in default_bank().scale]
partnerships = comparison.partnerships
shown = partnerships.loc[~partnerships["withheld"].astype(bool)]
withheld = partnerships.loc[partnerships["withheld"].astype(bool)]
st.markdown(
    f"{len(shown)} of {len(partnerships)} partnerships compared on their latest round."
    + (
        f" {len(withheld)} withheld: fewer than {comparison.threshold} respondents, or no round in range."
        if len(withheld)
        else ""
    )
)
if comparison.quartiles.empty:
    st.info("Fewer than three partnerships to compare: the comparison is shown without quartiles.")

domains = comparison.domains
heat, spread, each, position, places = st.tabs(
    ["Heatmap", "Spread per domain", "Each partnership", "Position and movement", "Places and their system"]
)

with heat:
    st.plotly_chart(
        cohort_heatmap(
            domains, comparison.cohort_median, scale_labels=scale, title="Latest round, by domain"
        ),
        config={"displayModeBar": False},
    )
    grid = domains.pivot_table(index="name", columns="title", values="current", aggfunc="first", dropna=False)
    st.dataframe(grid.map(lambda v: "withheld" if pd.isna(v) else f"{v:.2f}"))

with spread:
    st.plotly_chart(
        cohort_distribution(domains, scale_labels=scale, title="How far apart the partnerships are"),
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
                scale_labels=scale,
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

    def quartile_and_move(row: pd.Series) -> str:
        if pd.isna(row["current"]):
            return "withheld"
        text = f"{row['current']:.2f}"
        if not pd.isna(row["quartile"]):
            text += f" · Q{int(row['quartile'])}"
        if not pd.isna(row["change"]) and row["change"] != 0:
            text += f" {'▲' if row['change'] > 0 else '▼'}{abs(row['change']):.2f}"
        return text

    table = domains.assign(cell=domains.apply(quartile_and_move, axis=1)).pivot_table(
        index="name", columns="title", values="cell", aggfunc="first"
    )
    st.caption(
        "Each cell: latest current level · quartile in the cohort (Q1 lowest) and the move "
        "since the previous round."
    )
    st.dataframe(table)

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
            grid = difference.pivot_table(index="name", columns="title", values="difference", aggfunc="first")
            st.dataframe(grid.map(lambda v: "withheld" if pd.isna(v) else f"{v:+.2f}"))
