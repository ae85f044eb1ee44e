"""The team results, drawn the same way for the facilitator and, once revealed, for participants.

Everything shown comes from the presentation model (``assessment.presenting``), the same one the
PDF reads: figures with their words, withheld ones said as such. This module only lays it out.
Only a facilitator (``actor`` given) records consensus and actions.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.charts import (
    accountability_bars,
    answer_distribution,
    domain_radar_with_spread,
    gaps_ranked,
    perception_gaps,
    sector_lens,
    spectrum_dumbbells,
)
from assessment.framework import QuestionBank
from assessment.presenting import COUNTING_RULE, RerateView, ResultsModel, group_reading, lens_empty_sentence
from assessment.services import Actor
from ui.outcomes import actions_section, add_action_button, consensus_section
from ui.report_buttons import summary_download
from ui.text import escape_markdown as md
from ui.text import plain_table

TABS = ["Team picture", "Where we disagree", "Sector lens", "Spectrum and accountability", "Comments"]
RERATE_TAB = "Re-rate"
NO_TOOLBAR = {"displayModeBar": False}
# The table under the radar: every column shows on a 1280-pixel screen without scrolling sideways,
# long names and notes wrapping in their cells (st.dataframe wraps rows taller than 4rem).
WRAPPING_ROW_PX = 66
TEAM_COLUMNS = {
    "Domain": st.column_config.TextColumn(width=250),
    "Now": st.column_config.TextColumn(width=60),
    "Target": st.column_config.TextColumn(width=60),
    "Gap": st.column_config.TextColumn(width=55),
    "Agreed": st.column_config.TextColumn(width=65),
    "Since last round": st.column_config.TextColumn(width=200),
    "Rests on": st.column_config.TextColumn(width=115),
}


def show_model(model: ResultsModel, *, actor: Actor | None) -> None:
    workshop = model.scored.workshop
    if model.answers_deleted_on is not None:
        # Its answers are gone, so every figure here would read "withheld": say why instead.
        st.info(model.answers_deleted_sentence, icon=":material/auto_delete:")
        return
    st.markdown(md(model.readings.overall))
    cols = st.columns(4)
    cols[0].metric("Respondents", model.respondents)
    cols[0].caption(f"submitted, of {model.joined} who joined")
    for column, (label, key) in zip(
        cols[1:], (("Now", "current"), ("Target", "target"), ("Gap", "gap")), strict=True
    ):
        column.metric(label, model.overall[key].text)
        column.caption(md(model.overall_levels[key]))  # the level's name beside the number
    st.dataframe(
        pd.DataFrame(model.sectors, columns=["Sector", "Respondents"]).astype({"Respondents": "int64"}),
        hide_index=True,
    )
    st.caption(md(model.counting))
    summary_download(workshop, actor=actor)
    if model.withheld:
        st.warning(model.withheld_sentence)
        st.caption(COUNTING_RULE)
        return
    st.caption(model.method_note)
    # Only a facilitator records consensus and actions; participants see the agreed levels read-only.
    # The re-rate round's tab only once a re-rate was opened.
    names = [*TABS, *([RERATE_TAB] if model.rerate is not None else [])]
    tabs = st.tabs([*names, "Consensus and actions"] if actor else names)
    with tabs[0]:
        _team_picture(model, actor)
    with tabs[1]:
        _disagreement(model)
    with tabs[2]:
        _sector_lens(model)
    with tabs[3]:
        _positions(model)
    with tabs[4]:
        _comments(model)
    if model.rerate is not None:
        with tabs[len(TABS)]:
            _rerate(model.rerate)
    if actor:
        with tabs[-1]:
            consensus_section(model, actor=actor)
            actions_section(model, actor=actor)


def _figures(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _team_picture(model: ResultsModel, actor: Actor | None) -> None:
    workshop = model.scored.workshop
    st.markdown(md(model.readings.biggest_gap))
    st.plotly_chart(
        domain_radar_with_spread(
            model.charts.radar,
            scale_labels=list(model.scale),
            title="Where the team sees the partnership",
            consensus=model.charts.consensus_levels or None,
        ),
        config=NO_TOOLBAR,
    )
    st.dataframe(
        _figures(
            [
                {
                    "Domain": d.title,
                    "Now": d.current.text,
                    "Target": d.target.text,
                    "Gap": d.gap.text,
                    "Agreed": d.agreed,
                    "Since last round": d.since_last_round,
                    # What each figure is the mean of: withheld questions never count.
                    "Rests on": d.rests_on,
                }
                for d in model.domains
            ]
        ),
        hide_index=True,
        column_config=TEAM_COLUMNS,
        row_height=WRAPPING_ROW_PX,
        height="content",
    )
    st.subheader("Gaps, largest first")
    st.plotly_chart(
        gaps_ranked(model.scored.scores.domains, label_column="title", title="Gap per domain"),
        config=NO_TOOLBAR,
    )
    if actor is not None:
        for row in [d for d in model.ranked_domains if not d.gap.withheld][:3]:
            add_action_button(workshop_id=workshop.id, domain_id=row.id, title=row.title, actor=actor)
    st.dataframe(
        _figures(
            [
                {"Domain": d.title, "Gap": d.gap.text, "Now": d.current.text, "Target": d.target.text}
                for d in model.ranked_domains
            ]
        ),
        hide_index=True,
    )
    st.dataframe(
        _figures(
            [
                {"Question": q.text, "Gap": q.gap.text, "Now": q.current.text, "Target": q.target.text}
                for q in model.ranked_questions
            ]
        ),
        hide_index=True,
    )


def _disagreement(model: ResultsModel) -> None:
    st.markdown(md(model.readings.disagreement))
    if not model.has_split:
        st.info("No question is split: views sit within a level of the median everywhere.")
        return
    st.plotly_chart(
        answer_distribution(
            model.charts.level_counts, scale_labels=list(model.scale), title="How the answers spread"
        ),
        config=NO_TOOLBAR,
    )
    st.dataframe(
        _figures(
            [
                {
                    "Question": q.text,
                    "Median": q.median.text,
                    "Spread (IQR)": q.iqr.text,
                    "Far from median": q.far,
                    **{label: count for label, count in zip(model.scale, q.counts, strict=True)},
                }
                for q in model.split_questions
            ]
        ),
        hide_index=True,
    )


BY_SECTOR, BY_GROUP = "By sector", "By sector group"


def _sector_lens(model: ResultsModel) -> None:
    scores, bank = model.scored.scores, model.scored.bank
    lens, groups = model.lens, model.group_lens
    by_group = False
    if groups is not None:
        # A typical board has one to three people per sector: start with the groups when no
        # sector passes the threshold, so the first view shows something.
        default = BY_SECTOR if lens.anything_shown or not groups.anything_shown else BY_GROUP
        chosen = st.segmented_control(
            "Read the lens", [BY_SECTOR, BY_GROUP], default=default, key="results_lens_by"
        )
        by_group = chosen == BY_GROUP
    if by_group and groups is not None:
        lens, frame, gaps = groups, scores.groups, scores.group_perception_gaps
        labels = {g.id: g.label for g in bank.sector_groups}
        column_name, reading = "Sector group", group_reading(groups)
        st.caption(
            "Groups: "
            + md(
                "; ".join(
                    f"{g.label}: {', '.join(_sector_names(bank, g.sectors))}" for g in bank.sector_groups
                )
            )
        )
    else:
        frame, gaps = scores.sectors, scores.perception_gaps
        labels = {s.id: s.label for s in bank.sectors}
        column_name, reading = "Sector", model.readings.perception
    if not lens.anything_shown:
        st.info(lens_empty_sentence(model.threshold, groups=by_group))
    else:
        st.markdown(md(reading))
        st.plotly_chart(
            sector_lens(
                frame,
                sector_labels=labels,
                scale_labels=list(model.scale),
                title=f"Each {column_name.lower()}'s view, domain by domain",
            ),
            config=NO_TOOLBAR,
        )
    # A table that wraps rather than a grid that scrolls: seven sectors and the domain's name do
    # not fit the page's column side by side, and a scrolled-off column reads as a cut label.
    grid = pd.DataFrame(
        [[row.title, *row.cells] for row in lens.rows],
        columns=["Domain", *(f"{s.label} ({s.n})" for s in lens.sectors)],
    )
    st.caption(
        f"Current level per domain by {column_name.lower()}; the number of people answering in brackets."
    )
    st.table(plain_table(grid).rename(columns=md), hide_index=True)
    if lens.perception_gaps:
        titles = {d.id: d.title for d in bank.domains}
        st.plotly_chart(
            perception_gaps(gaps, titles=titles, title=f"Where {column_name.lower()}s differ most"),
            config=NO_TOOLBAR,
        )
        st.dataframe(
            pd.DataFrame(
                [{"Domain": title, "Perception gap": gap.text} for title, gap in lens.perception_gaps],
                columns=["Domain", "Perception gap"],
            ),
            hide_index=True,
        )


def _sector_names(bank: QuestionBank, ids: tuple[str, ...]) -> list[str]:
    names = {s.id: s.label for s in bank.sectors}
    return [names.get(i, i) for i in ids]


def _positions(model: ResultsModel) -> None:
    scores, bank = model.scored.scores, model.scored.bank
    if not scores.spectrum["withheld"].all():
        st.plotly_chart(
            spectrum_dumbbells(scores.spectrum, labels=model.spectrum_labels, title="Now and preferred"),
            config=NO_TOOLBAR,
        )
    for row in model.spectrum:
        st.markdown(f"**{md(row.text)}**")
        st.caption(f"1 = {md(row.poles[0])} · 5 = {md(row.poles[1])}")
        st.markdown(row.sentence)
    st.markdown(md(model.readings.accountability))
    if not scores.accountability.empty:
        st.plotly_chart(
            accountability_bars(
                scores.accountability,
                function_labels=model.function_labels,
                tier_labels=model.tier_labels,
                title="Who holds it today",
                clarity_flag=bank.clarity_flag,
            ),
            config=NO_TOOLBAR,
        )
        table = pd.DataFrame(
            {
                "Situation": [r.situation for r in model.accountability],
                "Most named": [r.modal for r in model.accountability],
                "Answered Unclear": [r.unclear_share for r in model.accountability],
                "Agreement": [r.clarity + (" ⚠ unclear" if r.unclear else "") for r in model.accountability],
                "Answers": [r.n for r in model.accountability],
            }
        )
        st.dataframe(table, hide_index=True)


def _comments(model: ResultsModel) -> None:
    if not model.comments:
        st.info("No comments to show: none were left on a question with enough answers to be shown.")
    st.caption("Comments are listed in alphabetical order, not in the order people answered.")
    for question, notes in model.comments:
        st.markdown(f"**{md(question)}**")
        # Comments are shown as plain text; names only in a workshop that records them.
        table = pd.DataFrame({"Comment": [note.text for note in notes]})
        if not model.scored.workshop.anonymous:
            table.insert(0, "Who", [note.who for note in notes])
        st.table(plain_table(table), hide_index=True)


def _rerate(view: RerateView) -> None:
    """The re-rate round: first rating and re-rate side by side, per question, domain and overall."""
    (st.info if view.running else st.success)(view.status)
    st.markdown(md(view.sentence))
    st.caption(md(view.rerated))
    if view.withheld:
        return
    cols = st.columns(3)
    cols[0].metric("Overall, first rating", view.first_overall.text)
    cols[1].metric("Overall, re-rate", view.rerate_overall.text)
    cols[2].metric("The team", view.overall_outcome)
    st.markdown("**Per question**")
    st.dataframe(
        _figures(
            [
                {
                    "Question": q.text,
                    "Domain": q.domain,
                    "Median, first": q.first_median.text,
                    "Median, re-rate": q.rerate_median.text,
                    "Spread (IQR), first": q.first_iqr.text,
                    "Spread (IQR), re-rate": q.rerate_iqr.text,
                    "Within one level, first": q.first_within,
                    "Within one level, re-rate": q.rerate_within,
                    "First": q.first_agreement,
                    "Re-rate": q.rerate_agreement,
                    "Outcome": q.outcome,
                }
                for q in view.questions
            ]
        ),
        hide_index=True,
        key="results_rerate_questions",
    )
    st.markdown("**Per domain**")
    st.dataframe(
        _figures(
            [
                {
                    "Domain": d.title,
                    "Now, first": d.first.text,
                    "Now, re-rate": d.rerate.text,
                    "Questions": d.questions,
                    "Outcome": d.outcome,
                }
                for d in view.domains
            ]
        ),
        hide_index=True,
        key="results_rerate_domains",
    )
    if view.reasons:
        st.markdown("**Reasons given** (without names, in alphabetical order)")
        for question, reasons in view.reasons:
            st.markdown(f"*{md(question)}*")
            st.table(plain_table(pd.DataFrame({"Reason": list(reasons)})), hide_index=True)
    st.caption(md(view.method))
