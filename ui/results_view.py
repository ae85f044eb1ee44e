"""The team results, drawn the same way for the facilitator and, once revealed, for participants.

Every figure comes from scoring with the anonymity threshold applied; withheld ones say so in
words. Only a facilitator (``actor`` given) records consensus and actions.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment import readings
from assessment.charts import (
    accountability_bars,
    answer_distribution,
    domain_radar_with_spread,
    gaps_ranked,
    level_counts,
    perception_gaps,
    sector_lens,
    spectrum_dumbbells,
)
from assessment.framework import AccountabilityItem, SpectrumItem
from assessment.outcomes import actions_since
from assessment.results import ScoredWorkshop, questions_shown, shown_comments
from assessment.store import transaction
from assessment.trends import gap_narrowing_sentence, trend_frame
from ui.db import engine
from ui.outcomes import actions_section, add_action_button, consensus_levels, consensus_section
from ui.report_buttons import summary_download
from ui.text import escape_markdown as md
from ui.text import plain_table


def show_results(scored: ScoredWorkshop, *, actor: str | None) -> None:
    workshop, bank, scores = scored.workshop, scored.bank, scored.scores
    answers = scored.answers
    sector_names = {s.id: s.label for s in bank.sectors}
    item_texts = {item.id: item.text for _, item in bank.iter_items()}
    titles = {d.id: d.title for d in bank.domains}
    threshold = scores.threshold

    st.markdown(md(readings.overall(scores.overall, scores.respondents)))
    overall = scores.overall
    cols = st.columns(4)
    cols[0].metric("Respondents", scores.respondents)
    for column, (label, key) in zip(
        cols[1:], (("Now", "current"), ("Target", "target"), ("Gap", "gap")), strict=True
    ):
        value = overall[key]
        column.metric(label, "withheld" if value is None else f"{value:.2f}")
    by_sector = scores.sectors_n.assign(
        Sector=scores.sectors_n["sector"].map(sector_names), Respondents=scores.sectors_n["n"]
    )[["Sector", "Respondents"]]
    st.dataframe(by_sector, hide_index=True)
    summary_download(workshop)
    if scores.withheld:
        st.warning(f"Fewer than {threshold} people answered: every team figure is withheld.")
        return
    st.caption(
        f"Any figure made from fewer than {threshold} people's answers is withheld and shown as “withheld”; "
        "a withheld figure never feeds a shown one, so each domain is the mean of its shown questions "
        f"and the overall figure the mean of the {scores.overall_domains} domains shown."
    )

    def shown(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
        """A table for the screen: figures to 2 decimal places, withheld ones said in words."""
        table = frame[list(columns)].rename(columns=columns).copy()
        for column in table.columns:
            if pd.api.types.is_float_dtype(table[column]):
                table[column] = table[column].map(lambda v: "withheld" if pd.isna(v) else f"{v:.2f}")
        return table

    names = ["Team picture", "Where we disagree", "Sector lens", "Spectrum and accountability", "Comments"]
    # Only a facilitator records consensus and actions; participants see the agreed levels read-only.
    tabs = st.tabs([*names, "Consensus and actions"] if actor else names)
    team, disagree, lens, positions, comments = tabs[:5]
    consensus = consensus_levels(workshop.id)

    def since_last_round() -> dict[str, str]:
        """Per domain, e.g. "2 actions since last round; gap narrowed from 1.5 to 0.5"."""
        with transaction(engine()) as session:
            rounds = trend_frame(
                session=session, partnership_id=workshop.partnership_id, until=workshop.held_on, last=2
            )
            counts = actions_since(
                session=session, partnership_id=workshop.partnership_id, before=workshop.held_on
            )
        notes = {}
        for domain_id in workshop.domains:
            parts = []
            if counts.get(domain_id):
                parts.append(f"{counts[domain_id]} action(s) since last round")
            sentence = gap_narrowing_sentence(rounds, domain_id)
            if sentence:
                parts.append(sentence)
            notes[domain_id] = "; ".join(parts)
        return notes

    with team:
        domains = scores.domains
        st.markdown(md(readings.biggest_gap(domains)))
        # The band is the average interquartile range of the domain's shown questions.
        spread = scores.items.groupby("domain", observed=True)[["q1", "q3"]].mean()
        with_spread = domains.merge(spread, left_on="domain", right_index=True, how="left")
        chart, table = st.columns([3, 2])
        chart.plotly_chart(
            domain_radar_with_spread(
                with_spread,
                scale_labels=[level.label for level in bank.scale],
                title="Where the team sees the partnership",
                consensus=consensus or None,
            ),
            config={"displayModeBar": False},
        )
        notes = since_last_round()
        domain_table = shown(domains, {"title": "Domain", "current": "Now", "target": "Target", "gap": "Gap"})
        domain_table["Agreed"] = (
            domains["domain"].astype(str).map(lambda d: f"{consensus[d]:g}" if d in consensus else "")
        )
        domain_table["Since last round"] = domains["domain"].astype(str).map(notes)
        # What each figure is the mean of: withheld questions never count (secondary suppression).
        domain_table["Rests on"] = [
            questions_shown(bank, str(d), k)
            for d, k in zip(domains["domain"], domains["items_shown"], strict=True)
        ]
        table.dataframe(domain_table, hide_index=True)
        st.subheader("Gaps, largest first")
        ranked = domains.sort_values("gap", ascending=False, na_position="last", kind="stable")
        st.plotly_chart(
            gaps_ranked(domains, label_column="title", title="Gap per domain"),
            config={"displayModeBar": False},
        )
        for row in ranked.dropna(subset=["gap"]).head(3).to_dict("records") if actor else []:
            add_action_button(
                workshop=workshop,
                domain_id=str(row["domain"]),
                title=str(row["title"]),
                actor=actor,
                key=f"action-{row['domain']}",
            )
        st.dataframe(
            shown(ranked, {"title": "Domain", "gap": "Gap", "current": "Now", "target": "Target"}),
            hide_index=True,
        )
        items = scores.items.assign(text=scores.items["item_id"].astype(str).map(item_texts))
        ranked_items = items.sort_values("gap", ascending=False, na_position="last", kind="stable")
        st.dataframe(
            shown(ranked_items, {"text": "Question", "gap": "Gap", "current": "Now", "target": "Target"}),
            hide_index=True,
        )

    with disagree:
        items = scores.items.assign(text=scores.items["item_id"].astype(str).map(item_texts))
        st.markdown(md(readings.disagreement(items, item_texts)))
        split = items.loc[items["split"].eq(True)].sort_values("iqr", ascending=False, kind="stable")
        if split.empty:
            st.info("No question is split: views sit within a level of the median everywhere.")
        else:
            split_ids = split["item_id"].astype(str).tolist()
            counts = level_counts(answers, split_ids, levels=bank.max_level)
            counts["item_label"] = counts["item_id"].map(item_texts)
            st.plotly_chart(
                answer_distribution(
                    counts, scale_labels=[level.label for level in bank.scale], title="How the answers spread"
                ),
                config={"displayModeBar": False},
            )
            rated = answers.loc[~answers["dont_know"] & answers["item_id"].isin(split_ids)]
            spread = (
                rated.groupby(["item_id", "current"])
                .size()
                .unstack(fill_value=0)
                .reindex(columns=range(1, bank.max_level + 1), fill_value=0)
                .rename(columns={v: bank.level_label(v) for v in range(1, bank.max_level + 1)})
            )
            table = split[["item_id", "text", "current", "iqr", "split_share"]].merge(
                spread, left_on="item_id", right_index=True, how="left"
            )
            table["split_share"] = table["split_share"].map(lambda v: f"{v:.0%}")
            st.dataframe(
                table.drop(columns="item_id").rename(
                    columns={
                        "text": "Question",
                        "current": "Median",
                        "iqr": "Spread (IQR)",
                        "split_share": "Far from median",
                    }
                ),
                hide_index=True,
            )

    with lens:
        st.markdown(md(readings.perception(scores.perception_gaps, titles)))
        st.plotly_chart(
            sector_lens(
                scores.sectors,
                sector_labels=sector_names,
                scale_labels=[level.label for level in bank.scale],
                title="Each sector's view, domain by domain",
            ),
            config={"displayModeBar": False},
        )
        sectors = scores.sectors.assign(
            Sector=scores.sectors["sector"].map(sector_names),
            value=scores.sectors["current"].map(lambda v: "withheld" if pd.isna(v) else f"{v:.2f}"),
        )
        grid = sectors.pivot_table(
            index="title", columns="Sector", values="value", aggfunc="first", observed=True
        )
        st.dataframe(grid, width="stretch")
        gaps = scores.perception_gaps.assign(Domain=scores.perception_gaps["domain"].map(titles))
        if not gaps.empty:
            st.plotly_chart(
                perception_gaps(scores.perception_gaps, titles=titles, title="Where sectors differ most"),
                config={"displayModeBar": False},
            )
        st.dataframe(shown(gaps, {"Domain": "Domain", "gap": "Perception gap"}), hide_index=True)

    with positions:
        spectrum_labels = {
            i.id: (i.text, i.poles[0], i.poles[1])
            for _, i in bank.iter_items()
            if isinstance(i, SpectrumItem)
        }
        if not scores.spectrum["withheld"].all():
            st.plotly_chart(
                spectrum_dumbbells(scores.spectrum, labels=spectrum_labels, title="Now and preferred"),
                config={"displayModeBar": False},
            )
        for row in scores.spectrum.to_dict("records"):
            item = bank.item(str(row["item_id"]))
            assert isinstance(item, SpectrumItem)
            st.markdown(f"**{md(item.text)}**")
            st.caption(f"1 = {md(item.poles[0])} · 5 = {md(item.poles[1])}")
            if row["withheld"]:
                st.markdown("withheld: too few answers")
            else:
                st.markdown(
                    f"Now {row['now']:.1f} → preferred {row['preferred']:.1f} (shift {row['shift']:+.1f})"
                )
        function_labels = {
            f.id: f.label
            for _, i in bank.iter_items()
            if isinstance(i, AccountabilityItem)
            for f in i.functions
        }
        tier_labels = {
            t.id: t.label for _, i in bank.iter_items() if isinstance(i, AccountabilityItem) for t in i.tiers
        }
        accountability = scores.accountability
        st.markdown(md(readings.accountability(accountability, function_labels, flag=bank.clarity_flag)))
        if not accountability.empty:
            st.plotly_chart(
                accountability_bars(
                    accountability,
                    function_labels=function_labels,
                    tier_labels=tier_labels,
                    title="Who holds it today",
                    clarity_flag=bank.clarity_flag,
                ),
                config={"displayModeBar": False},
            )
            table = pd.DataFrame(
                {
                    "Situation": accountability["function_id"].map(function_labels),
                    "Most named": accountability["modal_tier"].map(
                        lambda t: tier_labels.get(t, "—") if t else "—"
                    ),
                    "Agreement": accountability["clarity"].map(
                        lambda v: (
                            "withheld"
                            if pd.isna(v)
                            else f"{v:.0%}" + (" ⚠ unclear" if v < bank.clarity_flag else "")
                        )
                    ),
                    "Answers": accountability["n"],
                }
            )
            st.dataframe(table, hide_index=True)

    with comments:
        listed = shown_comments(scored)
        if not listed:
            st.info("No comments to show: none were left on a question with enough answers to be shown.")
        st.caption("Comments are listed in alphabetical order, not in the order people answered.")
        for item_id, notes in listed:
            st.markdown(f"**{md(item_texts.get(item_id, item_id))}**")
            # Comments are shown as plain text; names only in a workshop that records them.
            table = pd.DataFrame({"Comment": [note.text for note in notes]})
            if not workshop.anonymous:
                table.insert(0, "Who", [note.who for note in notes])
            st.table(plain_table(table), hide_index=True)

    if actor:
        with tabs[5]:
            consensus_section(workshop=workshop, bank=bank, scores=scores, actor=actor)
            actions_section(workshop=workshop, bank=bank, actor=actor)
