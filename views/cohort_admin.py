import streamlit as st

from assessment import limits
from assessment.cohort_admin import (
    add_partnership,
    archive_cohort,
    archive_partnership,
    create_own_cohort,
    delete_partnership,
    move_partnership,
    rename_cohort,
    rename_partnership,
    share_cohort,
    visible_cohorts,
)
from assessment.store import PARTNERSHIP_KINDS, StoreError, list_partnerships, transaction
from ui.auth import require_facilitator
from ui.db import engine
from ui.text import escape_markdown as md
from ui.text import plain_text

facilitator_id = require_facilitator()
KIND_LABELS = {
    "ics": "ICS",
    "place": "Place",
    "provider-collaborative": "Provider collaborative",
    "neighbourhood": "Neighbourhood",
    "other": "Other",
}


def attempt(change, success: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Run one change in its own transaction; say plainly what went wrong, or that it worked."""
    try:
        with transaction(engine()) as session:
            change(session=session, facilitator_id=facilitator_id, **kwargs)
    except StoreError as exc:
        st.error(f"Not changed: {md(str(exc))}.")  # the message may repeat a name as typed
    else:
        st.success(success)


st.title("Cohorts and partnerships")
with st.form("new_cohort", clear_on_submit=True):
    name = st.text_input(
        "New cohort",
        max_chars=limits.COHORT_NAME_CHARS,
        placeholder="e.g. North East leadership cohort, 2026",
    )
    if st.form_submit_button("Create cohort") and name.strip():
        attempt(create_own_cohort, f"Cohort {md(name.strip())} created.", name=name)

with transaction(engine()) as session:
    cohorts = [
        c for c in visible_cohorts(session=session, facilitator_id=facilitator_id) if c["owned"] or c["team"]
    ]
if not cohorts:
    st.info("You have no cohorts of your own yet: create one above.")
    st.stop()
by_id = {c["id"]: c for c in cohorts}
cohort_id = st.selectbox(
    "Cohort to manage",
    list(by_id),
    format_func=lambda c: plain_text(by_id[c]["name"]) + (" (team-wide)" if by_id[c]["team"] else ""),
)
cohort_name = by_id[cohort_id]["name"]

team_wide = by_id[cohort_id]["team"]
if team_wide:
    # The service refuses these too; the page does not offer what it would refuse.
    st.info(
        "This is a team-wide cohort, shared by every facilitator. You can add partnerships to it and "
        "correct their names; only the operator can rename or archive it, or archive, delete or move "
        "its partnerships into a private cohort."
    )
else:
    rename, share, archive = st.columns(3)
    with rename.form("rename_cohort", clear_on_submit=True):
        new_name = st.text_input("Rename to", max_chars=limits.COHORT_NAME_CHARS)
        if st.form_submit_button("Rename") and new_name.strip():
            attempt(rename_cohort, "Cohort renamed.", cohort_id=cohort_id, name=new_name)
    with share.form("share_cohort", clear_on_submit=True):
        email = st.text_input("Share with (a facilitator's email)", max_chars=limits.EMAIL_CHARS)
        if st.form_submit_button("Share") and email.strip():
            attempt(share_cohort, f"Shared with {md(email.strip())}.", cohort_id=cohort_id, email=email)
    with archive:
        st.caption("Archiving hides the cohort; nothing is deleted.")
        if st.button("Archive this cohort"):
            attempt(archive_cohort, "Cohort archived.", cohort_id=cohort_id)

st.subheader(f"Partnerships in {md(cohort_name)}")
with transaction(engine()) as session:
    partnerships = [p for p in list_partnerships(session=session) if p["cohort"] == cohort_name]
systems = {p["id"]: p["name"] for p in partnerships if p["kind"] == "ics"}
with st.form("new_partnership", clear_on_submit=True):
    partnership_name = st.text_input("New partnership", max_chars=limits.PARTNERSHIP_NAME_CHARS)
    kind = st.selectbox("Kind", PARTNERSHIP_KINDS, format_func=lambda k: KIND_LABELS[k])
    parent = st.selectbox(
        "Part of (for a place or neighbourhood)",
        [None, *systems],
        format_func=lambda p: "—" if p is None else plain_text(systems[p]),
    )
    if st.form_submit_button("Add partnership") and partnership_name.strip():
        attempt(
            add_partnership,
            f"Partnership {md(partnership_name.strip())} added.",
            cohort_id=cohort_id,
            name=partnership_name,
            kind=kind,
            parent_id=parent,
        )

if partnerships:
    names = {
        p["id"]: f"{plain_text(p['name'])} ({KIND_LABELS.get(p['kind'], p['kind'])})" for p in partnerships
    }
    chosen = st.selectbox("Partnership to change", list(names), format_func=lambda p: names[p])
    chosen_name = next(p["name"] for p in partnerships if p["id"] == chosen)
    left, middle, right = st.columns(3)
    with left.form("rename_partnership", clear_on_submit=True):
        renamed = st.text_input(
            "Rename to", max_chars=limits.PARTNERSHIP_NAME_CHARS, key="partnership_rename"
        )
        if st.form_submit_button("Rename partnership") and renamed.strip():
            attempt(rename_partnership, "Partnership renamed.", partnership_id=chosen, name=renamed)
    with middle.form("move_partnership"):
        # Out of a team-wide cohort only into another team-wide one: it stays everyone's.
        targets = {
            c: by_id[c]["name"] for c in by_id if c != cohort_id and (by_id[c]["team"] or not team_wide)
        }
        target = st.selectbox("Move to cohort", list(targets), format_func=lambda c: plain_text(targets[c]))
        if st.form_submit_button("Move", disabled=not targets) and target is not None:
            attempt(move_partnership, "Partnership moved.", partnership_id=chosen, cohort_id=target)
    if not team_wide:
        with right:
            if st.button("Archive partnership"):
                attempt(archive_partnership, "Partnership archived.", partnership_id=chosen)
        with st.expander("Delete this partnership and all its workshops", icon=":material/delete:"):
            st.warning(
                "This deletes every workshop, answer, consensus and action recorded for it. Archive it "
                "instead to keep its history."
            )
            typed = st.text_input(
                f"Type {md(chosen_name)} to confirm",
                max_chars=limits.PARTNERSHIP_NAME_CHARS,
                key="delete_confirm",
            )
            if st.button("Delete for good", type="primary"):
                attempt(delete_partnership, "Partnership deleted.", partnership_id=chosen, typed_name=typed)
