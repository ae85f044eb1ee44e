"""Consensus and the action plan: what the room agrees, recorded as it is agreed."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st

from assessment.errors import Invalid, NotFound, Refused
from assessment.outcomes import (
    ACTION_STATUSES,
    EVIDENCE_LINK_CHARS,
    EVIDENCE_NOTE_CHARS,
    ActionRecord,
    Evidence,
    EvidenceChangedSince,
)
from assessment.presenting import (
    EvidenceRow,
    ResultsModel,
    evidence_rows,
    evidence_text,
    level_words,
    nearest_half_level,
)
from assessment.services import Actor
from assessment.services.outcomes import (
    add_action,
    delete_action,
    edit_actions,
    list_actions,
    record_consensus,
    rounds_evidence,
    set_evidence,
)
from ui.db import engine
from ui.errors import refusal_text, show_refusal
from ui.text import escape_markdown as md
from ui.text import plain_table, plain_text

STATUS_LABELS = {status: status.replace("-", " ").capitalize() for status in ACTION_STATUSES}
STATUS_BY_LABEL = {label: status for status, label in STATUS_LABELS.items()}
EDITED = (("Title", "title"), ("Owner", "owner"), ("Notes", "notes"))
# Session keys, each followed by the partnership's id: which editor was drawn with which actions
# (plain ids), the editor's generation (a new one starts empty of edits), a message to show once.
DRAWN = "results_actions_drawn_"
VERSION = "results_actions_version_"
SAID = "results_actions_said_"
# The same for a domain's evidence, each followed by "workshop_domain": what its editor was drawn
# from, the editor's generation, a message to show once.
EVIDENCE_DRAWN = "results_evidence_drawn_"
EVIDENCE_VERSION = "results_evidence_version_"
EVIDENCE_SAID = "results_evidence_said_"
# What a web address may keep as typed in a markdown link: anything else is percent-encoded, so
# neither a bracket nor a space can end the link early.
_HREF_SAFE = "/:?#@!$&'*+,;=%~-._"


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
    evidence_section(model, domain_id=str(domain), title=titles[str(domain)], actor=actor)
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
            "Evidence": evidence_text(r.evidence),
            "Recorded": f"{r.recorded_at:%d %b %Y %H:%M}",
        }
        for r in model.consensus
    ]
    st.caption("Editing a consensus records it again; every earlier value stays in the audit log.")
    # A plain table: the rationale and dissent are people's words, shown escaped and readable
    # by a screen reader (st.dataframe draws on a canvas).
    st.table(plain_table(pd.DataFrame(rows)), hide_index=True)


def evidence_line(item: EvidenceRow) -> str:
    """One item of evidence as a markdown list line: the note escaped, its link live only when it is
    a web address (http or https), and then percent-encoded; any other link is shown as text."""
    line = f"- {md(item.note)}"
    if item.link:
        shown = md(item.link)
        line += f" — [{shown}]({quote(item.link, safe=_HREF_SAFE)})" if item.web else f" — {shown}"
    return line


def _evidence_frame(items: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"Note": [note for note, _ in items], "Link": [link for _, link in items]}, dtype="object"
    )


def _edited_evidence(frame: pd.DataFrame) -> list[Evidence]:
    return [
        Evidence(note=str(_text(note)), link=str(_text(link)))
        for note, link in zip(frame["Note"], frame["Link"], strict=True)
    ]


def _new_evidence_editor(key: str) -> None:
    """Draw the domain's evidence in a fresh editor next, from what is stored (saved, or discarded)."""
    st.session_state.pop(f"{EVIDENCE_DRAWN}{key}", None)
    st.session_state[f"{EVIDENCE_VERSION}{key}"] = (
        int(st.session_state.get(f"{EVIDENCE_VERSION}{key}", 0)) + 1
    )


def evidence_section(model: ResultsModel, *, domain_id: str, title: str, actor: Actor) -> None:
    """The chosen domain's evidence beside its agreed level: shown, then edited as a table (add a
    row, change a cell, delete a row) and saved with one button.

    The table is drawn from what was stored when it was first shown, until it is saved or the
    change discarded: a refused save (a link that is not a web address, or someone else saving
    first) keeps every typed word on screen, with the reason.
    """
    workshop = model.scored.workshop
    st.markdown(f"**Evidence for {md(title)}**: what the team would point a regulator to")
    row = next((c for c in model.consensus if c.domain_id == domain_id and c.item_id is None), None)
    if row is None:
        st.caption("Record the level the team agrees on for this domain first; its evidence goes beside it.")
        return
    st.caption(f"Agreed level: {md(row.level)}")
    key = f"{workshop.id}_{domain_id}"
    said = st.session_state.pop(f"{EVIDENCE_SAID}{key}", None)
    if isinstance(said, tuple):
        {"info": st.info, "error": st.error}.get(str(said[0]), st.success)(str(said[1]))
    if row.evidence:
        st.markdown("\n".join(evidence_line(item) for item in row.evidence))
    else:
        st.caption("No evidence recorded for this domain yet: add a row to the table below.")
    stored = [[e.note, e.link] for e in row.evidence]
    editor_key = f"results_evidence_{key}_{int(st.session_state.get(f'{EVIDENCE_VERSION}{key}', 0))}"
    drawn = st.session_state.get(f"{EVIDENCE_DRAWN}{key}")
    if not (isinstance(drawn, dict) and drawn.get("key") == editor_key):
        drawn = {"key": editor_key, "items": stored}
        st.session_state[f"{EVIDENCE_DRAWN}{key}"] = drawn
    base = [Evidence(note=str(note), link=str(link)) for note, link in drawn["items"]]
    # What the next save is checked against: what the table was drawn from, unless someone else
    # saved meanwhile and the person's text was kept over what is stored now (below).
    based_on = [Evidence(note=str(n), link=str(k)) for n, k in drawn.get("based_on", drawn["items"])]
    edited = st.data_editor(
        _evidence_frame([[e.note, e.link] for e in base]),
        hide_index=True,
        num_rows="dynamic",
        column_config={
            "Note": st.column_config.TextColumn(
                "Note", max_chars=EVIDENCE_NOTE_CHARS, help="What it is, in a few words", width="large"
            ),
            "Link": st.column_config.TextColumn(
                "Link",
                max_chars=EVIDENCE_LINK_CHARS,
                help="Optional: a web address starting with http:// or https://",
                width="medium",
            ),
        },
        key=editor_key,
    )
    pressed = st.button("Save evidence", key=f"results_evidence_save_{key}", icon=":material/save:")
    if pressed:
        try:
            kept = set_evidence(
                engine=engine(),
                actor=actor,
                workshop_id=workshop.id,
                domain_id=domain_id,
                items=_edited_evidence(edited),
                based_on=based_on,
            )
        except EvidenceChangedSince as exc:
            # Their text stays, now as the table's own rows, and the next save is checked against
            # what is stored now (shown above): saving again replaces it knowingly, never blindly.
            _new_evidence_editor(key)
            version = int(st.session_state[f"{EVIDENCE_VERSION}{key}"])
            st.session_state[f"{EVIDENCE_DRAWN}{key}"] = {
                "key": f"results_evidence_{key}_{version}",
                "items": [[e.note, e.link] for e in _edited_evidence(edited)],
                "based_on": stored,
            }
            st.session_state[f"{EVIDENCE_SAID}{key}"] = ("error", f"Not saved: {md(str(exc))}.")
            st.rerun()
        except Refused as exc:
            reason = str(exc).strip().rstrip(".")
            st.error(
                f"Not saved: {md(reason)}. Your text is still in the table: correct it and save again, "
                "or discard it."
            )
        else:
            _new_evidence_editor(key)
            st.session_state[f"{EVIDENCE_SAID}{key}"] = (
                ("info", f"Nothing to save for {md(title)}: the evidence is as stored.")
                if kept == tuple(based_on)
                else (
                    "success",
                    f"Saved the evidence for {md(title)}. The audit log keeps what it said before.",
                )
            )
            st.rerun()
    if _unsaved(editor_key) or "based_on" in drawn:  # kept over someone else's save: not saved
        st.warning("Your changes in the table are not saved yet: press Save evidence, or discard them.")
        st.button(
            "Discard my unsaved evidence",
            key=f"results_evidence_discard_{key}",
            on_click=_new_evidence_editor,
            args=(key,),
        )


def _unsaved(editor_key: str) -> bool:
    """Whether the evidence table holds edits (a changed cell, an added or deleted row) not saved."""
    state = st.session_state.get(editor_key)
    return isinstance(state, dict) and any(
        state.get(k) for k in ("edited_rows", "added_rows", "deleted_rows")
    )


def rounds_evidence_cells(frame: pd.DataFrame, *, actor: Actor) -> list[str]:
    """Each row's evidence (one round's domain, as on Trends) in one plain cell, "" for none: the
    items one after another, each note with its link in brackets."""
    if frame.empty:
        return []
    found = rounds_evidence(
        engine=engine(), actor=actor, workshop_ids=[int(w) for w in frame["workshop_id"].unique()]
    )
    return [
        plain_text("; ".join(item.text for item in evidence_rows(found.get((int(w), str(d)), ()))))
        for w, d in zip(frame["workshop_id"], frame["domain"], strict=True)
    ]


def add_action_button(*, workshop_id: int, domain_id: str, title: str, actor: Actor) -> None:
    """One click from the gaps list: an action for this domain, to be filled in below.

    Pressed twice (a double click's two reruns), it still adds one: the service returns the
    action already added while nobody has changed it."""
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


def _text(value: Any) -> Any:
    """A cleared text cell comes back empty (None, or NaN in a frame): stored as no text."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _due(value: Any) -> date | None:
    """A date cell as the browser sends it (ISO text, a timestamp) or as the frame holds it."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError) as exc:
        raise Invalid(f"'{value}' is not a date; choose the due date from the calendar") from exc


def _fields(edits: dict[str, Any]) -> dict[str, Any]:
    """One row's edited cells, by column label, as the action's fields."""
    fields = {field: _text(edits[column]) for column, field in EDITED if column in edits}
    if "Status" in edits:
        fields["status"] = STATUS_BY_LABEL.get(edits["Status"], edits["Status"])
    if "Due" in edits:
        fields["due_on"] = _due(edits["Due"])
    return fields


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


def _save_edits(workshop_id: int, partnership_id: int, *, actor: Actor) -> tuple[bool, str]:
    """Save what was changed in the plan as the page last drew it, before it is drawn again.

    The editor's state holds the cells changed since it was drawn, by row; the page keeps which
    action each row was. Returns (saved, what to say); nothing to say when nothing was changed.
    """
    drawn = st.session_state.get(f"{DRAWN}{partnership_id}")
    if not isinstance(drawn, dict):
        return True, ""
    state = st.session_state.get(str(drawn["key"]))
    edited = state.get("edited_rows", {}) if isinstance(state, dict) else {}
    ids = list(drawn["ids"])
    try:
        changes = {ids[int(row)]: _fields(cells) for row, cells in edited.items() if int(row) < len(ids)}
        changes = {action_id: fields for action_id, fields in changes.items() if fields}
        if not changes:
            return True, ""
        saved = edit_actions(engine=engine(), actor=actor, workshop_id=workshop_id, changes=changes)
    except Refused as exc:
        reason = str(exc).strip().rstrip(".")
        return False, (
            f"Not saved: {md(reason)}. Your change is still in the table below: correct it and it is "
            "saved as you do, or discard it."
        )
    return (
        True,
        f"Saved: {saved} action{'s' if saved != 1 else ''} changed. The audit log keeps the earlier values.",
    )


def _save_now(workshop_id: int, partnership_id: int, actor: Actor) -> None:
    """The plan's on_change callback: save the edit before anything else in the run that the edit
    starts, even one that leaves for another page (the page's own code would then never run).

    Saved, the editor starts again from what is stored and the page says so; refused, the edit is
    left where it is, and the page tries it again and says why it is not saved."""
    saved, message = _save_edits(workshop_id, partnership_id, actor=actor)
    if saved and message:
        st.session_state.pop(f"{DRAWN}{partnership_id}", None)
        st.session_state[f"{SAID}{partnership_id}"] = {"kind": "success", "text": message}
        _new_editor(partnership_id)


def _new_editor(partnership_id: int) -> None:
    """Draw the plan in a fresh editor next, with no edits of its own, from what is stored."""
    st.session_state[f"{VERSION}{partnership_id}"] = (
        int(st.session_state.get(f"{VERSION}{partnership_id}", 0)) + 1
    )


def _discard(partnership_id: int) -> None:
    """The discard button's callback: forget the unsaved edits, before they are tried again."""
    st.session_state.pop(f"{DRAWN}{partnership_id}", None)
    _new_editor(partnership_id)


def _delete(workshop_id: int, partnership_id: int, action_id: int, title: str, actor: Actor) -> None:
    """The delete button's callback: runs before the page is drawn, so the plan drawn is the new one."""
    said = f"{SAID}{partnership_id}"
    try:
        delete_action(engine=engine(), actor=actor, workshop_id=workshop_id, action_id=action_id)
    except Refused as exc:
        try:
            remaining = {a.id for a in list_actions(engine=engine(), actor=actor, workshop_id=workshop_id)}
        except Refused:
            remaining = {action_id}  # the plan cannot be read either: say why the delete failed
        if isinstance(exc, NotFound) and action_id not in remaining:
            # A second click on the same button arrives after the first one has deleted it.
            text = f"The action “{md(title)}” was already deleted."
            st.session_state[said] = {"kind": "info", "text": text}
        else:
            st.session_state[said] = {"kind": "error", "text": refusal_text("delete the action", exc)}
    else:
        st.session_state[said] = {
            "kind": "success",
            "text": f"Deleted the action “{md(title)}”. The audit log keeps what it said.",
        }
    st.session_state.pop(f"results_delete_choice_{partnership_id}", None)
    # The rows below it move up: the editor starts again from what is stored. An edit sent with
    # this click is still saved first, to the action it was made on.
    _new_editor(partnership_id)


def _delete_control(
    workshop_id: int,
    partnership_id: int,
    actions: list[ActionRecord],
    titles: dict[str, str],
    *,
    actor: Actor,
) -> None:
    by_id = {a.id: a for a in actions}
    with st.expander("Delete an action", icon=":material/delete:"):
        chosen = st.selectbox(
            "Action to delete",
            list(by_id),
            format_func=lambda a: plain_text(
                f"{by_id[a].title} · {titles.get(by_id[a].domain_id, by_id[a].domain_id)}"
                + (f" · {by_id[a].round_label}" if by_id[a].round_label else "")
            ),
            key=f"results_delete_choice_{partnership_id}",
        )
        title = by_id[chosen].title
        sure = st.checkbox(
            f"Yes, delete “{md(title)}” from the plan",
            key=f"results_delete_sure_{chosen}",
            help="Deleting cannot be undone on this page; the audit log keeps what the action said.",
        )
        st.button(
            "Delete this action",
            key=f"results_delete_{chosen}",
            disabled=not sure,
            icon=":material/delete:",
            on_click=_delete,
            kwargs={
                "workshop_id": workshop_id,
                "partnership_id": partnership_id,
                "action_id": chosen,
                "title": title,
                "actor": actor,
            },
        )


def actions_section(model: ResultsModel, *, actor: Actor) -> None:
    """The partnership's action plan: each edit saved as it is made, and a delete that asks first.

    An edit is saved by the editor's callback, which runs first in the rerun the edit itself starts,
    whichever page that rerun is for: no later button has to be pressed, and leaving the page at
    once loses nothing. Whatever the callback left unsaved (a refused edit) is tried again here
    before the plan is drawn, and stays in the table, marked "Not saved", until it is corrected or
    discarded.
    """
    workshop = model.scored.workshop
    partnership = workshop.partnership_id
    titles = {d.id: d.title for d in model.scored.bank.domains}
    saved, message = _save_edits(workshop.id, partnership, actor=actor)
    # Read now, not with the model: an action added from the gaps list above shows at once.
    actions = list_actions(engine=engine(), actor=actor, workshop_id=workshop.id)
    st.markdown(f"**Action plan for {md(workshop.partnership)}**, every round")
    said = st.session_state.pop(f"{SAID}{partnership}", None)
    if isinstance(said, dict):
        {"success": st.success, "info": st.info}.get(str(said["kind"]), st.error)(str(said["text"]))
    drawn = st.session_state.get(f"{DRAWN}{partnership}")
    ids = [a.id for a in actions]
    if (saved and message) or not isinstance(drawn, dict) or list(drawn["ids"]) != ids:
        # Saved, or the rows changed: the editor starts again from what is stored, so an edit
        # already saved is never sent twice and no edit lands on the row that moved into its place.
        _new_editor(partnership)
    if not actions:
        st.session_state.pop(f"{DRAWN}{partnership}", None)
        st.info("No actions yet: add one from the gaps on the Team picture tab.")
        return
    st.caption("Each change is saved as you make it; the audit log keeps every earlier value.")
    key = f"results_actions_{partnership}_{int(st.session_state.get(f'{VERSION}{partnership}', 0))}"
    st.session_state[f"{DRAWN}{partnership}"] = {"key": key, "ids": ids}
    st.data_editor(
        _plan(actions, titles),
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
        key=key,
        on_change=_save_now,
        args=(workshop.id, partnership, actor),
    )
    if not saved:
        st.error(message)
        st.button(
            "Discard the unsaved change",
            key=f"results_discard_{partnership}",
            on_click=_discard,
            args=(partnership,),
        )
    elif message:
        st.success(message)
    _delete_control(workshop.id, partnership, actions, titles, actor=actor)
