"""Consensus and the action plan: what the room agrees, recorded as it is agreed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from assessment.framework import QuestionBank
from assessment.outcomes import (
    ACTION_STATUSES,
    create_action,
    current_consensus,
    list_actions,
    record_consensus,
    update_action,
)
from assessment.scoring import WorkshopScores
from assessment.store import StoreError, WorkshopInfo, transaction
from ui.db import engine
from ui.text import escape_markdown as md
from ui.text import plain_table

STATUS_LABELS = {status: status.replace("-", " ").capitalize() for status in ACTION_STATUSES}


def consensus_levels(workshop_id: int) -> dict[str, float]:
    with transaction(engine()) as session:
        records = current_consensus(session=session, workshop_id=workshop_id)
    return {key: record.level for key, record in records.items() if "/" not in key}


def consensus_section(
    *, workshop: WorkshopInfo, bank: QuestionBank, scores: WorkshopScores, actor: str
) -> None:
    with transaction(engine()) as session:
        records = current_consensus(session=session, workshop_id=workshop.id)
    titles = {d.id: d.title for d in bank.domains}
    medians = scores.domains.set_index("domain")["current"]
    with st.form("consensus", clear_on_submit=True):
        st.markdown("**Record the level the team agrees on**")
        domain = st.selectbox("Domain", list(workshop.domains), format_func=lambda d: titles[d])
        levels = [1 + half / 2 for half in range(2 * (bank.max_level - 1) + 1)]
        level = st.select_slider(
            "Agreed level",
            options=levels,
            value=levels[len(levels) // 2],
            format_func=lambda v: f"{v:g} · {bank.level_label(int(v))}" if v == int(v) else f"{v:g}",
        )
        rationale = st.text_area("Why (the rationale)", max_chars=2000)
        dissent = st.text_area("Any dissent, in the dissenters' words", max_chars=2000)
        if st.form_submit_button("Record consensus", type="primary"):
            try:
                with transaction(engine()) as session:
                    record_consensus(
                        session=session,
                        workshop_id=workshop.id,
                        domain_id=domain,
                        level=float(level),
                        rationale=rationale.strip(),
                        dissent=dissent.strip(),
                        actor=actor,
                    )
            except StoreError as exc:
                st.error(f"Not recorded: {exc}.")
            else:
                st.rerun()
    if not records:
        st.info("No consensus recorded yet for this workshop.")
        return
    rows = [
        {
            "Domain": titles.get(r.domain_id, r.domain_id) + (f" / {r.item_id}" if r.item_id else ""),
            "Team median": "withheld"
            if pd.isna(medians.get(r.domain_id))
            else f"{medians.get(r.domain_id):.2f}",
            "Agreed": f"{r.level:g}",
            "Rationale": r.rationale,
            "Dissent": r.dissent,
            "Recorded": f"{r.recorded_at:%d %b %Y %H:%M}",
        }
        for r in records.values()
    ]
    st.caption("Editing a consensus records it again; every earlier value stays in the audit log.")
    # A plain table: the rationale and dissent are people's words, shown escaped and readable
    # by a screen reader (st.dataframe draws on a canvas).
    st.table(plain_table(pd.DataFrame(rows)), hide_index=True)


def add_action_button(*, workshop: WorkshopInfo, domain_id: str, title: str, actor: str, key: str) -> None:
    """One click from the gaps list: an action for this domain, to be filled in below."""
    if st.button(f"Add an action for {title}", key=key, icon=":material/add_task:"):
        with transaction(engine()) as session:
            create_action(
                session=session,
                partnership_id=workshop.partnership_id,
                workshop_id=workshop.id,
                domain_id=domain_id,
                title=f"Close the gap on {title}",
                actor=actor,
            )
        st.toast(f"Action added for {title}: give it an owner and a date under Consensus and actions.")


def actions_section(*, workshop: WorkshopInfo, bank: QuestionBank, actor: str) -> None:
    titles = {d.id: d.title for d in bank.domains}
    with transaction(engine()) as session:
        actions = list_actions(session=session, partnership_id=workshop.partnership_id)
    st.markdown(f"**Action plan for {md(workshop.partnership)}**, every round")
    if not actions:
        st.info("No actions yet: add one from the gaps on the Team picture tab.")
        return
    original = pd.DataFrame(
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
        key=f"actions-{workshop.partnership_id}",
    )
    if st.button("Save changes to actions", type="primary"):
        labels_to_status = {label: status for status, label in STATUS_LABELS.items()}
        saved = 0
        try:
            with transaction(engine()) as session:
                for before, after in zip(original.to_dict("records"), edited.to_dict("records"), strict=True):
                    changes = {
                        field: after[column]
                        for column, field in (("Title", "title"), ("Owner", "owner"), ("Notes", "notes"))
                        if after[column] != before[column]
                    }
                    if after["Status"] != before["Status"]:
                        changes["status"] = labels_to_status[after["Status"]]
                    due = after["Due"]
                    due = (
                        due
                        if isinstance(due, date) or due is None or pd.isna(due)
                        else pd.Timestamp(due).date()
                    )
                    if due != before["Due"] and not (pd.isna(due) and pd.isna(before["Due"])):
                        changes["due_on"] = None if pd.isna(due) else due
                    if changes:
                        update_action(session=session, action_id=int(before["id"]), actor=actor, **changes)
                        saved += 1
        except StoreError as exc:
            st.error(f"Nothing saved: {exc}.")
        else:
            st.success(f"Saved changes to {saved} action(s).")
