from collections.abc import Callable
from typing import Any

import streamlit as st

from assessment import limits
from assessment.errors import Refused
from assessment.services import Actor
from assessment.services import cohorts as service
from ui.auth import require_facilitator
from ui.db import engine
from ui.text import escape_markdown as md
from ui.text import plain_text

actor = Actor.facilitator(require_facilitator())
KIND_LABELS = {
    "ics": "ICS",
    "place": "Place",
    "provider-collaborative": "Provider collaborative",
    "neighbourhood": "Neighbourhood",
    "other": "Other",
}


def attempt(change: Callable[..., Any], success: str, **kwargs: Any) -> None:
    """Call one service; say plainly what went wrong, or that it worked."""
    try:
        change(engine=engine(), actor=actor, **kwargs)
    except Refused as exc:
        # "Not changed" rather than ui.errors' "Could not ...": one line fits every change here.
        st.error(f"Not changed: {md(str(exc))}.")  # the message may repeat a name as typed
    else:
        st.success(success)


def _say(kind: str, text: str) -> None:
    """Keep a message for the run a callback starts; shown once, under the title."""
    st.session_state["admin_said"] = {"kind": kind, "text": text}


def _ask_to_archive(cohort: int) -> None:
    st.session_state["admin_archive_asked"] = cohort


def _cancel_archive() -> None:
    st.session_state.pop("admin_archive_asked", None)


def _archive(cohort: int, name: str) -> None:
    """The confirmation's callback: archive, then keep the cohort chosen, shown as archived."""
    _cancel_archive()
    try:
        service.archive(engine=engine(), actor=actor, cohort_id=cohort)
    except Refused as exc:
        _say("error", f"Not changed: {md(str(exc))}.")
    else:
        st.session_state["admin_show_archived"] = True
        st.session_state["admin_cohort"] = cohort
        _say("success", f"Archived {md(name)}: it is hidden from the other pages, and nothing was deleted.")


def _unarchive(cohort: int, name: str) -> None:
    try:
        service.unarchive(engine=engine(), actor=actor, cohort_id=cohort)
    except Refused as exc:
        _say("error", f"Not changed: {md(str(exc))}.")
    else:
        st.session_state["admin_cohort"] = cohort
        _say("success", f"{md(name)} is back on the pages, as it was before it was archived.")


st.title("Cohorts and partnerships")
with st.form("admin_new_cohort", clear_on_submit=True):
    name = st.text_input(
        "New cohort",
        max_chars=limits.COHORT_NAME_CHARS,
        placeholder="e.g. North East leadership cohort, 2026",
        key="admin_cohort_name",
    )
    if st.form_submit_button("Create cohort") and name.strip():
        attempt(service.create, f"Cohort {md(name.strip())} created.", name=name)


said = st.session_state.pop("admin_said", None)
if isinstance(said, dict):
    {"success": st.success}.get(str(said["kind"]), st.error)(str(said["text"]))

show_archived = st.checkbox(
    "Show archived cohorts",
    key="admin_show_archived",
    help="Archived cohorts are hidden from every other page; here you can bring one back.",
)
cohorts = [c for c in service.visible_cohorts(engine=engine(), actor=actor) if c.owned or c.team]
archived = service.archived_cohorts(engine=engine(), actor=actor) if show_archived else []
if not cohorts and not archived:
    st.info(
        "You have no cohorts of your own yet: create one above."
        + ("" if show_archived else " Archived cohorts are listed when you tick Show archived cohorts.")
    )
    st.stop()
by_id = {c.id: c for c in [*cohorts, *archived]}
archived_ids = {c.id for c in archived}


def _cohort_label(cohort: int) -> str:
    tags = (["team-wide"] if by_id[cohort].team else []) + (["archived"] if cohort in archived_ids else [])
    return plain_text(by_id[cohort].name) + (f" ({', '.join(tags)})" if tags else "")


cohort_id = st.selectbox("Cohort to manage", list(by_id), format_func=_cohort_label, key="admin_cohort")
cohort_name = by_id[cohort_id].name

team_wide = by_id[cohort_id].team
if cohort_id in archived_ids:
    # Nothing in an archived cohort is changed from here: only the way back is offered.
    kept = by_id[cohort_id].partnerships
    st.warning(
        f"{md(cohort_name)} is archived: it is hidden from every other page, and nothing in it can be "
        f"changed until it is back. Nothing was deleted: its {kept} "
        f"partnership{'' if kept == 1 else 's'} and their workshops are kept."
    )
    if team_wide:
        st.info(
            "It is a team-wide cohort, shared by every facilitator: only the operator can unarchive it, "
            "with `cohort unarchive` and its name on the command line."
        )
    else:
        st.button(
            "Unarchive this cohort",
            type="primary",
            key="admin_unarchive_cohort",
            icon=":material/unarchive:",
            on_click=_unarchive,
            args=(cohort_id, cohort_name),
        )
    st.stop()
if team_wide:
    # The service refuses these too; the page does not offer what it would refuse.
    st.info(
        "This is a team-wide cohort, shared by every facilitator. You can add partnerships to it and "
        "correct their names; only the operator can rename or archive it, or archive, delete or move "
        "its partnerships into a private cohort."
    )
else:
    rename, share, archive = st.columns(3)
    with rename.form("admin_rename_cohort", clear_on_submit=True):
        new_name = st.text_input("Rename to", max_chars=limits.COHORT_NAME_CHARS, key="admin_cohort_rename")
        if st.form_submit_button("Rename") and new_name.strip():
            attempt(service.rename, "Cohort renamed.", cohort_id=cohort_id, name=new_name)
    with share.form("admin_share_cohort", clear_on_submit=True):
        email = st.text_input(
            "Share with (a facilitator's email)", max_chars=limits.EMAIL_CHARS, key="admin_share_email"
        )
        if st.form_submit_button("Share") and email.strip():
            attempt(service.share, f"Shared with {md(email.strip())}.", cohort_id=cohort_id, email=email)
    with archive:
        st.caption("Archiving hides the cohort; nothing is deleted.")
        if st.session_state.get("admin_archive_asked") == cohort_id:
            st.warning(
                f"Archive {md(cohort_name)}? It leaves every other page until it is brought back: tick "
                "Show archived cohorts here to find it."
            )
            st.button(
                f"Yes, archive {md(cohort_name)}",
                type="primary",
                key="admin_archive_yes",
                on_click=_archive,
                args=(cohort_id, cohort_name),
            )
            st.button("Cancel", key="admin_archive_cancel", on_click=_cancel_archive)
        else:
            st.button(
                "Archive this cohort",
                key="admin_archive_cohort",
                on_click=_ask_to_archive,
                args=(cohort_id,),
            )

st.subheader(f"Partnerships in {md(cohort_name)}")
partnerships = service.cohort_partnerships(engine=engine(), actor=actor, cohort_id=cohort_id)
systems = {p.id: p.name for p in partnerships if p.kind == "ics"}
with st.form("admin_new_partnership", clear_on_submit=True):
    partnership_name = st.text_input(
        "New partnership", max_chars=limits.PARTNERSHIP_NAME_CHARS, key="admin_partnership_name"
    )
    kind = st.selectbox(
        "Kind", service.PARTNERSHIP_KINDS, format_func=lambda k: KIND_LABELS[k], key="admin_kind"
    )
    parent = st.selectbox(
        "Part of (for a place or neighbourhood)",
        [None, *systems],
        format_func=lambda p: "—" if p is None else plain_text(systems[p]),
        key="admin_parent",
    )
    if st.form_submit_button("Add partnership") and partnership_name.strip():
        attempt(
            service.add_partnership,
            f"Partnership {md(partnership_name.strip())} added.",
            cohort_id=cohort_id,
            name=partnership_name,
            kind=kind,
            parent_id=parent,
        )

if partnerships:
    names = {p.id: f"{plain_text(p.name)} ({KIND_LABELS.get(p.kind, p.kind)})" for p in partnerships}
    chosen = st.selectbox(
        "Partnership to change", list(names), format_func=lambda p: names[p], key="admin_partnership"
    )
    chosen_name = next(p.name for p in partnerships if p.id == chosen)
    left, middle, right = st.columns(3)
    with left.form("admin_rename_partnership", clear_on_submit=True):
        renamed = st.text_input(
            "Rename to", max_chars=limits.PARTNERSHIP_NAME_CHARS, key="admin_partnership_rename"
        )
        if st.form_submit_button("Rename partnership") and renamed.strip():
            attempt(service.rename_partnership, "Partnership renamed.", partnership_id=chosen, name=renamed)
    with middle.form("admin_move_partnership"):
        # Out of a team-wide cohort only into another team-wide one: it stays everyone's.
        targets = {c: by_id[c].name for c in by_id if c != cohort_id and (by_id[c].team or not team_wide)}
        target = st.selectbox(
            "Move to cohort", list(targets), format_func=lambda c: plain_text(targets[c]), key="admin_move_to"
        )
        if st.form_submit_button("Move", disabled=not targets) and target is not None:
            attempt(service.move_partnership, "Partnership moved.", partnership_id=chosen, cohort_id=target)
    if not team_wide:
        with right:
            if st.button("Archive partnership", key="admin_archive_partnership"):
                attempt(service.archive_partnership, "Partnership archived.", partnership_id=chosen)
        with st.expander("Delete this partnership and all its workshops", icon=":material/delete:"):
            st.warning(
                "This deletes every workshop, answer, consensus and action recorded for it. Archive it "
                "instead to keep its history."
            )
            typed = st.text_input(
                f"Type {md(chosen_name)} to confirm",
                max_chars=limits.PARTNERSHIP_NAME_CHARS,
                key="admin_delete_confirm",
            )
            if st.button("Delete for good", type="primary", key="admin_delete"):
                attempt(
                    service.delete_partnership,
                    "Partnership deleted.",
                    partnership_id=chosen,
                    typed_name=typed,
                )
