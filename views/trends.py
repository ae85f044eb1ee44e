import pandas as pd
import streamlit as st

from assessment.charts import trend_lines
from assessment.presenting import figure_with_change, wording_mark
from assessment.services import Actor
from assessment.services import cohorts as cohort_service
from assessment.services import workshops as workshop_service
from assessment.trends import NOT_ASKED, participation, version_changes
from ui.auth import require_facilitator
from ui.bank import default_bank
from ui.db import engine
from ui.outcomes import rounds_evidence_cells
from ui.pickers import nothing_set_up
from ui.text import escape_markdown as md
from ui.text import plain_table, plain_text
from ui.trend_wording import show_question_changes

NOT_ASKED_HERE = "not asked in this round"

actor = Actor.facilitator(require_facilitator())

st.title("Trends")
partnerships = workshop_service.visible_partnerships(engine=engine(), actor=actor)
if not partnerships:
    nothing_set_up(
        "No partnerships yet. Create a cohort and its partnerships on the Cohorts and partnerships page, "
        "or load the sample data from the home page."
    )
    st.stop()
by_id = {p.id: p for p in partnerships}
if st.session_state.get("trends_partnership") not in by_id:
    st.session_state.pop("trends_partnership", None)  # never another facilitator's partnership
chosen = st.selectbox(
    "Partnership",
    list(by_id),
    format_func=lambda p: plain_text(f"{by_id[p].name} ({by_id[p].cohort})"),
    key="trends_partnership",
)
with st.spinner("Scoring every round…"):
    trend = cohort_service.trend(engine=engine(), actor=actor, partnership_id=chosen)
frame, actions = trend.frame, trend.actions

rounds = frame.drop_duplicates("round")["round"].tolist()
if not rounds:
    st.info("This partnership has no workshops yet.")
    st.stop()
if len(rounds) == 1:
    st.info(f"Only one round so far ({md(rounds[0])}): trends appear from the second round.")

changes = version_changes(frame)
if changes:
    st.warning(
        "The question bank changed at "
        + md(", ".join(changes))
        + ". Questions are matched by their id across versions"
        + (
            ": where a domain's questions were reworded or are absent from one version, the table "
            "says so under “Wording”, question by question below it."
            if trend.question_changes
            else ", and none was reworded."
        )
    )
if (frame["state"] == NOT_ASKED).any():
    st.info(
        "Some rounds did not ask every domain: there the line has a gap and the table says "
        f"“{NOT_ASKED_HERE}”. A change is since the previous round that asked the domain."
    )

scale = [level.label for level in default_bank().scale]
titles = dict(zip(frame["domain"].astype(str), frame["title"].astype(str), strict=False))
domains = st.multiselect(
    "Domains", list(titles), default=list(titles)[:4], format_func=lambda d: titles[d], key="trends_domains"
)
shown = frame.loc[frame["domain"].isin(domains)]
st.plotly_chart(
    trend_lines(
        shown, scale_labels=scale, title="Team's current level, round by round", version_changes=changes
    ),
    config={"displayModeBar": False},
)


asked = frame["state"] != NOT_ASKED


def in_words(figure: str) -> list[str]:
    """Each round's figure with its change, or the words for a domain the round did not ask."""
    pairs = zip(frame[figure], frame[f"{figure}_change"], asked, strict=True)
    return [figure_with_change(v, c) if was_asked else NOT_ASKED_HERE for v, c, was_asked in pairs]


table = pd.DataFrame(
    {
        "Round": frame["round"],
        "Domain": frame["title"].astype(str),
        "Now": in_words("current"),
        "Target": in_words("target"),
        "Gap": in_words("gap"),
        "Agreed": frame["consensus"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
        "Evidence": rounds_evidence_cells(frame, actor=actor),  # what the agreed level rests on
    }
)
if trend.question_changes:  # in short here; question by question under the table
    table["Wording"] = frame["wording"].map(wording_mark)
st.dataframe(table.loc[frame["domain"].isin(domains)], hide_index=True)
if trend.question_changes:
    show_question_changes(trend.question_changes, titles)

st.subheader("Participation")
st.dataframe(
    participation(frame).rename(
        columns={"round": "Round", "held_on": "Held on", "respondents": "Respondents"}
    ),
    hide_index=True,
)

st.subheader("Actions")
if actions:
    st.table(
        plain_table(
            pd.DataFrame(
                {
                    "Round": [a.round_label or "" for a in actions],
                    "Domain": [titles.get(a.domain_id, a.domain_id) for a in actions],
                    "Title": [a.title for a in actions],
                    "Owner": [a.owner for a in actions],
                    "Status": [a.status for a in actions],
                }
            )
        ),
        hide_index=True,
    )
else:
    st.info("No actions recorded for this partnership yet.")
