"""Consensus and the action plan: what the room agrees, recorded as it is agreed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from assessment.errors import Refused
from assessment.outcomes import ACTION_STATUSES, ActionRecord
from assessment.presenting import ResultsModel, level_words, nearest_half_level
from assessment.services import Actor
from assessment.services.outcomes import add_action, edit_actions, list_actions, record_consensus
from ui.db import engine
from ui.errors import show_refusal
from ui.text import escape_markdown as md
from ui.text import plain_table

STATUS_LABELS = {status: status.replace("-", " ").capitalize() for status in ACTION_STATUSES}
EDITED = (("Title", "title"), ("Owner", "owner"), ("Notes", "notes"))


def consensus_section(model: ResultsModel, *, actor: Actor) -> None:
    workshop, bank = model.scored.workshop, model.scored.bank
    titles = {d.id: d.title for d in bank.domains}
    st.markdown("**Record the level the team agrees on**")
    # Outside the form, so choosing a domain redraws the level control at that domain's figure.
    domain = st.selectbox(
        "Domain", list(workshop.domains), format_func=lambda d: titles[d], key="results_consensus_domain"
    )
    figures = {d.id: d.current.value for d in model.domains}
    scale = list(model.scale)
    with st.form("results_consensus", clear_on_submit=True):
        levels = [1 + half / 2 for half in range(2 * (bank.max_level - 1) + 1)]
        level = st.select_slider(
            "Agreed level",
            options=levels,
            value=nearest_half_level(figures.get(str(domain)), bank.max_level),
            format_func=lambda v: level_words(scale, v),
            help="It starts at the team's figure for the domain, to the nearest half level.",
            key=f"results_consensus_level_{domain}",
        )
        rationale = st.text_area("Why (the rationale)", max_chars=2000)
        dissent = st.text_area("Any dissent, in the dissenters' words", max_chars=2000)
        if st.form_submit_button("Record consensus", type="primary"):
            try:
                record_consensus(
                    engine=engine(),
                    actor=actor,
                    workshop_id=workshop.id,
                    domain_id=str(domain),
                    level=float(level),
                    rationale=rationale.strip(),
                    dissent=dissent.strip(),
                )
            except Refused as exc:
                # These words are the page's own ("Not recorded: ..."), kept as people know them.
                st.error(f"Not recorded: {exc}.")
            else:
                st.rerun()
    if not model.consensus:
        st.info("No consensus recorded yet for this workshop.")
        return
    rows = [
        {
            "Domain": r.domain + (f" / {r.item_id}" if r.item_id else ""),
            "Team median": r.median.text,
            "Agreed": r.level,
            "Rationale": r.rationale,
            "Dissent": r.dissent,
            "Recorded": f"{r.recorded_at:%d %b %Y %H:%M}",
        }
        for r in model.consensus
    ]
    st.caption("Editing a consensus records it again; every earlier value stays in the audit log.")
    # A plain table: the rationale and dissent are people's words, shown escaped and readable
    # by a screen reader (st.dataframe draws on a canvas).
    st.table(plain_table(pd.DataFrame(rows)), hide_index=True)


def add_action_button(*, workshop_id: int, domain_id: str, title: str, actor: Actor) -> None:
    """One click from the gaps list: an action for this domain, to be filled in below."""
    if st.button(f"Add an action for {title}", key=f"results_action_{domain_id}", icon=":material/add_task:"):
        try:
            add_action(
                engine=engine(),
                actor=actor,
                workshop_id=workshop_id,
                domain_id=domain_id,
                title=f"Close the gap on {title}",
            )
        except Refused as exc:
            show_refusal("add the action", exc)
        else:
            st.toast(f"Action added for {title}: give it an owner and a date under Consensus and actions.")


def _changes(before: dict[Any, Any], after: dict[Any, Any]) -> dict[str, Any]:
    """What the facilitator changed in one row of the action plan, as fields of the action."""
    changes = {field: after[column] for column, field in EDITED if after[column] != before[column]}
    if after["Status"] != before["Status"]:
        changes["status"] = {label: status for status, label in STATUS_LABELS.items()}[after["Status"]]
    due = after["Due"]
    due = due if isinstance(due, date) or due is None or pd.isna(due) else pd.Timestamp(due).date()
    if due != before["Due"] and not (pd.isna(due) and pd.isna(before["Due"])):
        changes["due_on"] = None if pd.isna(due) else due
    return changes


def _plan(actions: list[ActionRecord], titles: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [a.id for a in actions],
            "Domain": [titles.get(a.domain_id, a.domain_id) for a in actions],
            "Round": [a.round_label or "" for a in actions],
            "Title": [a.title for a in actions],
            "Owner": [a.owner for a in actions],
            "Due": [a.due_on for a in actions],
            "Status": [STATUS_LABELS.get(a.status, a.status) for a in actions],
            "Notes": [a.notes for a in actions],
        }
    )


def actions_section(model: ResultsModel, *, actor: Actor) -> None:
    workshop = model.scored.workshop
    titles = {d.id: d.title for d in model.scored.bank.domains}
    # Read now, not with the model: an action added from the gaps list above shows at once.
    actions = list_actions(engine=engine(), actor=actor, workshop_id=workshop.id)
    st.markdown(f"**Action plan for {md(workshop.partnership)}**, every round")
    if not actions:
        st.info("No actions yet: add one from the gaps on the Team picture tab.")
        return
    original = _plan(actions, titles)
    edited = st.data_editor(
        original,
        hide_index=True,
        disabled=["id", "Domain", "Round"],
        column_config={
            "id": None,
            "Due": st.column_config.DateColumn("Due", format="DD/MM/YYYY"),
            "Status": st.column_config.SelectboxColumn(
                "Status", options=list(STATUS_LABELS.values()), required=True
            ),
            "Title": st.column_config.TextColumn("Title", max_chars=300, required=True),
            "Owner": st.column_config.TextColumn("Owner", max_chars=200),
            "Notes": st.column_config.TextColumn("Notes", max_chars=2000),
        },
        key=f"results_actions_{workshop.partnership_id}",
    )
    if st.button("Save changes to actions", type="primary", key="results_save_actions"):
        changes = {
            int(before["id"]): fields
            for before, after in zip(original.to_dict("records"), edited.to_dict("records"), strict=True)
            if (fields := _changes(before, after))
        }
        try:
            saved = edit_actions(engine=engine(), actor=actor, workshop_id=workshop.id, changes=changes)
        except Refused as exc:
            show_refusal("save the changes to actions", exc, then="Nothing was saved.")
        else:
            st.success(f"Saved changes to {saved} action(s).")
