import streamlit as st

from assessment.services import Actor
from assessment.services import cohorts as service
from ui.auth import require_facilitator
from ui.bank import default_bank
from ui.cohort_view import earlier_round_note, show_comparison
from ui.db import engine
from ui.pickers import nothing_set_up
from ui.report_buttons import cohort_pack_download
from ui.text import escape_markdown as md
from ui.text import plain_text

actor = Actor.facilitator(require_facilitator())

st.title("Compare a cohort")
cohorts = service.visible_cohorts(engine=engine(), actor=actor)
if not cohorts:
    nothing_set_up(
        "No cohorts yet. Create one on the Cohorts and partnerships page, or load the sample data from the "
        "home page."
    )
    st.stop()
by_id = {c.id: c for c in cohorts}
if st.session_state.get("cohorts_cohort") not in by_id:
    st.session_state.pop("cohorts_cohort", None)  # another facilitator's cohort is never offered or opened
cohort_id = st.selectbox(
    "Cohort",
    list(by_id),
    format_func=lambda c: plain_text(f"{by_id[c].name} ({by_id[c].partnerships})"),
    key="cohorts_cohort",
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
earlier_round_note(comparison)
reworded = comparison.domains.loc[comparison.domains["wording"].astype(str) != ""]
if not reworded.empty:
    st.warning(
        "These partnerships' figures come from bank versions that word some questions differently. "
        "Questions are matched by their id across versions, so read these domains with care:\n"
        + "\n".join(
            f"- {md(str(r.name))}, {md(str(r.title))}: {md(str(r.wording))}" for r in reworded.itertuples()
        )
    )
if comparison.quartiles.empty:
    st.info("Fewer than three partnerships to compare: the comparison is shown without quartiles.")

show_comparison(comparison, scale_labels=scale)
