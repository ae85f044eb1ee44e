"""Edit question banks: a facilitator's own banks (and those shared with them), each a list of
numbered, immutable versions. Start one from the shipped bank or a YAML file, edit a draft with
every rule checked as you type (the loader's rules and words), preview a question as a participant
sees it on a phone, save the draft as the next version with what it changed, download any version.
"""

from typing import Any

import pandas as pd
import streamlit as st

from assessment import bank_editing as be
from assessment.errors import Refused
from assessment.framework import ITEM_TYPES, MAX_BANK_BYTES, BankValidationError, QuestionBank
from assessment.services import Actor
from assessment.services import banks as service
from ui.auth import require_facilitator
from ui.bank_view import TYPE_LABELS, draft_problems_table, problems_of
from ui.db import engine
from ui.errors import refusal_text
from ui.text import escape_markdown as md
from ui.text import plain_table, plain_text
from ui.walkthrough import preview_item

me = require_facilitator()
actor = Actor.facilitator(me)
EDITING = "bank_editing"  # {"bank", "based_on", "draft", "base", "reserved", "generation"}
SAID = "bank_said"
PROBLEMS = "bank_start_problems"
MAX_LISTED = 50
state = st.session_state


def _say(kind: str, text: str) -> None:
    state[SAID] = {"kind": kind, "text": text}


def _editing() -> dict[str, Any] | None:
    found = state.get(EDITING)
    return found if isinstance(found, dict) else None


def _key(name: str) -> str:
    """A key for a widget of the draft: new with each draft, so a saved or dropped draft's typing
    never shows in the next one."""
    editing = _editing()
    return f"bank_e{editing['generation'] if editing else 0}_{name}"


# --- actions (callbacks: each runs before the page is drawn again) ------------------------------------


def _start_bank() -> None:
    name = str(state.get("bank_new_name") or "")
    upload = state.get("bank_new_file") if state.get("bank_new_from") == "file" else None
    state.pop(PROBLEMS, None)
    if state.get("bank_new_from") == "file" and upload is None:
        _say("error", "Choose the YAML file to start from, or start from the shipped bank.")
        return
    try:
        created = service.create_bank(
            engine=engine(),
            actor=actor,
            name=name,
            yaml_text=None if upload is None else upload.getvalue(),
            file_name="questions.yaml" if upload is None else upload.name,
        )
    except BankValidationError as exc:
        state[PROBLEMS] = [
            {"Line": e.line or "", "Where": e.path, "What is wrong": e.message} for e in exc.errors
        ]
        _say(
            "error",
            f"That file has {len(exc.errors)} problem{'s' if len(exc.errors) != 1 else ''}, listed "
            "below; nothing was saved.",
        )
        return
    except Refused as exc:
        _say("error", refusal_text("start the bank", exc))
        return
    state["bank_chosen"] = created
    state.pop("bank_new_name", None)
    _say("success", f"Started the bank “{md(name.strip())}”: version 1. Edit it below.")


def _start_editing(bank_id: int) -> None:
    try:
        start = service.start_editing(engine=engine(), actor=actor, question_bank_id=bank_id)
    except Refused as exc:
        _say("error", refusal_text("edit the bank", exc))
        return
    previous = _editing()
    state[EDITING] = {
        "bank": bank_id,
        "based_on": start.based_on,
        "draft": start.draft,
        "base": start.draft,
        "reserved": list(start.reserved),
        "generation": (previous["generation"] + 1) if previous else 1,
    }


def _discard() -> None:
    editing = _editing()
    if editing is not None:
        state[EDITING] = {**editing, "bank": None, "generation": editing["generation"] + 1}


def _change(edit: Any, *args: Any, key: str | None = None) -> None:
    """Apply one edit to the draft; a text edit takes the value just typed into ``key``."""
    editing = _editing()
    if editing is None:
        return
    values = (*args, str(state.get(key) or "")) if key is not None else args
    try:
        editing["draft"] = edit(editing["draft"], *values)
    except Refused as exc:
        _say("error", refusal_text("make that change", exc))


def _move_and_remove(labels: tuple[str, str, str], move: Any, remove: Any, target: str, *, stem: str) -> None:
    """A row of three buttons for a domain or a question: up, down and remove, each one edit.

    ``stem`` names the row; each button's widget key is made from it by ``_key``, which adds the
    page's prefix.
    """
    up, down, gone = st.columns(3)
    up.button(labels[0], on_click=_change, args=(move, target, -1), key=_key(f"{stem}_up"))
    down.button(labels[1], on_click=_change, args=(move, target, 1), key=_key(f"{stem}_down"))
    gone.button(labels[2], on_click=_change, args=(remove, target), key=_key(f"{stem}_remove"))


def _add_function(item_id: str, key: str) -> None:
    editing = _editing()
    label = str(state.get(key) or "")
    if editing is None or not label.strip():
        return
    editing["draft"], _ = be.add_function(editing["draft"], item_id, label, reserved=editing["reserved"])
    state.pop(key, None)


def _add_question(domain_id: str, scale: list[str]) -> None:
    editing = _editing()
    if editing is None:
        return
    kind = str(state.get(_key("new_type")) or "maturity")
    text = str(state.get(_key("new_text")) or "")
    if not text.strip():
        _say("error", "Write the new question's text first: its id is made from it.")
        return
    try:
        editing["draft"], new = be.add_question(
            editing["draft"],
            domain_id,
            kind=kind,
            text=text,
            help=str(state.get(_key("new_help")) or ""),
            levels={level: str(state.get(_key(f"new_level_{level}")) or "") for level in scale},
            poles=(str(state.get(_key("new_pole_0")) or ""), str(state.get(_key("new_pole_1")) or "")),
            functions=[
                line.strip()
                for line in str(state.get(_key("new_functions")) or "").splitlines()
                if line.strip()
            ],
            reserved=editing["reserved"],
        )
    except Refused as exc:
        _say("error", refusal_text("add the question", exc))
        return
    for name in (
        "new_text",
        "new_help",
        "new_pole_0",
        "new_pole_1",
        "new_functions",
        *(f"new_level_{s}" for s in scale),
    ):
        state.pop(_key(name), None)
    _say("success", f"Added the question `{new}` at the end of this domain. Save a new version to keep it.")


def _save() -> None:
    editing = _editing()
    if editing is None or editing["bank"] is None:
        return
    try:
        saved = service.save_version(
            engine=engine(),
            actor=actor,
            question_bank_id=int(editing["bank"]),
            draft=editing["draft"],
            based_on=int(editing["based_on"]),
        )
    except Refused as exc:
        _say("error", refusal_text("save the version", exc))
        return
    state[EDITING] = {**editing, "bank": None, "generation": editing["generation"] + 1}
    state["bank_download_version"] = saved.number
    _say("success", f"Saved version {saved.number}. " + md(saved.changes.in_words()) + ".")


def _share(bank_id: int) -> None:
    email = str(state.get("bank_share_email") or "")
    try:
        service.share_bank(engine=engine(), actor=actor, question_bank_id=bank_id, email=email)
    except Refused as exc:
        _say("error", refusal_text("share the bank", exc))
        return
    state.pop("bank_share_email", None)
    _say("success", f"Shared with {md(email.strip())}.")


# --- the page ---------------------------------------------------------------------------------------------

st.title("Edit question banks")
st.markdown(
    "The shipped bank is read-only. Start a bank of your own from it, or from a YAML file, then edit "
    "its domains and questions here: every change is checked as you make it, by the same rules as an "
    "uploaded file. Saving makes a new version; earlier versions never change, and a workshop keeps "
    "the version it used."
)
said = state.pop(SAID, None)
if isinstance(said, dict):
    (st.success if said.get("kind") == "success" else st.error)(str(said.get("text", "")))
problems_found = state.get(PROBLEMS)
if isinstance(problems_found, list) and problems_found:
    st.table(plain_table(pd.DataFrame(problems_found[:MAX_LISTED])), hide_index=True)

banks = service.visible_banks(engine=engine(), actor=actor)

with st.expander("Start a bank", expanded=not banks):
    st.text_input("Name of the new bank", max_chars=service.BANK_NAME_CHARS, key="bank_new_name")
    st.radio(
        "Start from",
        ["shipped", "file"],
        format_func=lambda v: "The shipped bank" if v == "shipped" else "An uploaded YAML file",
        horizontal=True,
        key="bank_new_from",
    )
    if state.get("bank_new_from") == "file":
        st.file_uploader(
            f"Bank file (YAML, at most {MAX_BANK_BYTES // 1024 // 1024} MB)",
            type=["yaml", "yml"],
            key="bank_new_file",
        )
    st.button("Start the bank", on_click=_start_bank, key="bank_new_start", type="primary")

if not banks:
    st.info("You have no question banks yet, and none has been shared with you: start one above.")
    st.stop()

st.subheader("Your question banks")
st.dataframe(
    pd.DataFrame(
        {
            "Name": [b.name for b in banks],
            "Owner": ["You" if b.owned else b.owner_email for b in banks],
            "Newest version": [f"Version {b.latest}" for b in banks],
        }
    ),
    hide_index=True,
    width="stretch",
)
by_id = {b.id: b for b in banks}
if state.get("bank_chosen") not in by_id:
    state["bank_chosen"] = banks[0].id
chosen_id = st.selectbox(
    "Question bank",
    list(by_id),
    format_func=lambda b: plain_text(
        by_id[b].name + ("" if by_id[b].owned else f" (shared by {by_id[b].owner_email})")
    ),
    key="bank_chosen",
)
chosen = by_id[chosen_id]

st.subheader("Versions")
editions = service.bank_editions(engine=engine(), actor=actor, question_bank_id=chosen.id)
st.dataframe(
    pd.DataFrame(
        {
            "Version": [f"Version {e.number}" for e in editions],
            "Saved by": [e.saved_by or "a removed account" for e in editions],
            "Saved at": [e.saved_at.strftime("%d %b %Y %H:%M") for e in editions],
            "What changed": ["Started the bank" if e.number == 1 else e.changes.in_words() for e in editions],
        }
    ),
    hide_index=True,
    width="stretch",
)
numbers = [e.number for e in editions]
if state.get("bank_download_version") not in numbers:
    state["bank_download_version"] = numbers[-1]
download_column, button_column = st.columns([1, 2], vertical_alignment="bottom")
number = download_column.selectbox(
    "Version to download", numbers, format_func=lambda n: f"Version {n}", key="bank_download_version"
)
button_column.download_button(
    f"Download version {number} as YAML",
    data=service.version_yaml(engine=engine(), actor=actor, question_bank_id=chosen.id, number=number),
    file_name=f"{be.slug(chosen.name)}-version-{number}.yaml",
    mime="application/x-yaml",
    key="bank_download_yaml",
)

if chosen.owned:
    with st.expander("Share this bank with another facilitator"):
        st.text_input("Their email address", key="bank_share_email")
        st.button("Share the bank", on_click=_share, args=(chosen.id,), key="bank_share")

st.subheader("Edit")
editing = _editing()
if editing is None or editing["bank"] != chosen.id:
    # One draft at a time: editing this bank replaces a draft of another, so say so before it does.
    unsaved = editing is not None and editing["bank"] is not None and editing["draft"] != editing["base"]
    if unsaved:
        st.warning(
            "You have unsaved changes in a draft of another bank. Choose that bank above to save "
            "them; editing this one drops them."
        )
    st.button(
        f"Drop those changes and edit version {chosen.latest} of this bank"
        if unsaved
        else f"Edit version {chosen.latest} (the newest)",
        on_click=_start_editing,
        args=(chosen.id,),
        key="bank_edit_start",
        type="primary",
    )
    st.stop()

draft: dict[str, Any] = editing["draft"]
found = be.problems(draft)
bank: QuestionBank | None = None
if found:
    count = len(found)
    st.error(
        f"This draft has {count} problem{'s' if count != 1 else ''}: fix {'them' if count != 1 else 'it'} "
        "before saving. Each is also shown beside the field it is about."
    )
    st.table(plain_table(draft_problems_table(found[:MAX_LISTED])), hide_index=True)
else:
    bank = be.validated(draft)
    st.success(f"This draft is valid: {bank.summary()}.")

domains = [d for d in draft.get("domains", []) if isinstance(d, dict)]
domain_ids = [str(d.get("id")) for d in domains]
titles = {str(d.get("id")): str(d.get("title") or d.get("id")) for d in domains}
if state.get(_key("domain")) not in domain_ids:
    state[_key("domain")] = domain_ids[0]
domain_id = st.selectbox(
    "Domain", domain_ids, format_func=lambda d: plain_text(titles[d]), key=_key("domain")
)
domain = domains[domain_ids.index(domain_id)]
scale = [str(level.get("id")) for level in draft.get("scale", []) if isinstance(level, dict)]
scale_labels = {
    str(level.get("id")): str(level.get("label"))
    for level in draft.get("scale", [])
    if isinstance(level, dict)
}

st.text_input(
    "Domain title",
    value=str(domain.get("title") or ""),
    key=_key(f"d_{domain_id}_title"),
    on_change=_change,
    args=(be.set_domain_text, domain_id, "title"),
    kwargs={"key": _key(f"d_{domain_id}_title")},
)
st.text_area(
    "Domain description",
    value=str(domain.get("description") or ""),
    key=_key(f"d_{domain_id}_description"),
    on_change=_change,
    args=(be.set_domain_text, domain_id, "description"),
    kwargs={"key": _key(f"d_{domain_id}_description")},
)
for message in problems_of(found, domain_id=domain_id):
    st.error(md(message))
_move_and_remove(
    ("Move domain up", "Move domain down", "Remove this domain"),
    be.move_domain,
    be.remove_domain,
    domain_id,
    stem=f"d_{domain_id}",
)

for position, item in enumerate(i for i in domain.get("items", []) if isinstance(i, dict)):
    item_id = str(item.get("id"))
    kind = str(item.get("type"))
    with st.container(border=True, key=_key(f"item_{item_id}")):
        st.caption(
            f"Question {position + 1} · {TYPE_LABELS.get(kind, kind)} · id `{item_id}` (never changes)"
        )
        for field, label in (("text", "Question text"), ("help", "Help (why it matters)")):
            key = _key(f"q_{item_id}_{field}")
            st.text_area(
                label,
                value=str(item.get(field) or ""),
                key=key,
                height=80,
                on_change=_change,
                args=(be.set_item_text, item_id, field),
                kwargs={"key": key},
            )
        if kind == "maturity":
            given = item.get("levels")
            levels = given if isinstance(given, dict) else {}
            for value, level in enumerate(scale, start=1):
                key = _key(f"q_{item_id}_level_{level}")
                st.text_area(
                    f"Level {value}. {md(scale_labels[level])}",  # a label renders markdown
                    value=str(levels.get(level) or ""),
                    key=key,
                    height=68,
                    on_change=_change,
                    args=(be.set_level, item_id, level),
                    kwargs={"key": key},
                )
        elif kind == "spectrum":
            poles = list(item.get("poles") or ["", ""])
            for index, label in enumerate(("Pole at position 1", "Pole at position 5")):
                key = _key(f"q_{item_id}_pole_{index}")
                st.text_input(
                    label,
                    value=str(poles[index] if index < len(poles) else ""),
                    key=key,
                    on_change=_change,
                    args=(be.set_pole, item_id, index),
                    kwargs={"key": key},
                )
        elif kind == "accountability":
            for function in item.get("functions") or []:
                function_id = str(function.get("id"))
                key = _key(f"q_{item_id}_fn_{function_id}")
                label_column, remove_column = st.columns([4, 1], vertical_alignment="bottom")
                label_column.text_input(
                    "Situation",
                    value=str(function.get("label") or ""),
                    key=key,
                    on_change=_change,
                    args=(be.set_function_label, item_id, function_id),
                    kwargs={"key": key},
                )
                remove_column.button(
                    "Remove",
                    on_click=_change,
                    args=(be.remove_function, item_id, function_id),
                    key=_key(f"q_{item_id}_fn_{function_id}_remove"),
                )
            new_key = _key(f"q_{item_id}_fn_new")
            st.text_input("Add a situation", key=new_key, on_change=_add_function, args=(item_id, new_key))
            tiers = item.get("tiers") or draft.get("accountability_tiers") or []
            with st.expander("Tiers to choose from"):
                for tier in tiers:
                    tier_id = str(tier.get("id"))
                    key = _key(f"q_{item_id}_tier_{tier_id}")
                    st.text_input(
                        f"Tier `{tier_id}`",
                        value=str(tier.get("label") or ""),
                        key=key,
                        on_change=_change,
                        args=(be.set_tier_label, item_id, tier_id),
                        kwargs={"key": key},
                    )
        for message in problems_of(found, item_id=item_id):
            st.error(md(message))
        _move_and_remove(
            ("Move up", "Move down", "Remove question"),
            be.move_question,
            be.remove_question,
            item_id,
            stem=f"q_{item_id}",
        )

# Keyed and followed by the server: untracked, the form folded shut under a person's typing when a
# slow run redrew the page (seen in the browser test with one core kept busy).
with st.expander("Add a local question to this domain", key=_key("adding"), on_change="rerun"):
    new_type = st.selectbox(
        "Kind of question", list(ITEM_TYPES), format_func=lambda t: TYPE_LABELS[t], key=_key("new_type")
    )
    st.text_area("Question text", key=_key("new_text"), height=80)
    st.text_area("Help (why it matters)", key=_key("new_help"), height=80)
    if new_type == "maturity":
        for value, level in enumerate(scale, start=1):
            st.text_area(
                f"Level {value}. {md(scale_labels[level])}", key=_key(f"new_level_{level}"), height=68
            )
    elif new_type == "spectrum":
        st.text_input("Pole at position 1", key=_key("new_pole_0"))
        st.text_input("Pole at position 5", key=_key("new_pole_1"))
    else:
        st.text_area("Situations, one per line", key=_key("new_functions"))
    st.button("Add the question", on_click=_add_question, args=(domain_id, scale), key=_key("new_add"))

st.subheader("Preview on a phone")
if bank is None:
    st.info("The preview shows once the draft's problems above are fixed.")
else:
    shown = bank.domain(domain_id)
    item_choices = [i.id for i in shown.items]
    preview_id = st.selectbox(
        "Question to preview",
        item_choices,
        format_func=lambda i: plain_text(bank.item(i).text if bank else i),  # a choice shows plain text
        key=_key("preview"),
    )
    with st.container(width=390, key="bank_preview"):
        preview_item(bank, bank.item(preview_id), number=f"{item_choices.index(preview_id) + 1}.")

st.subheader("Save")
if bank is not None:
    changes = be.change_summary(be.validated(editing["base"]), bank)
    st.markdown("Compared with version " + str(editing["based_on"]) + ":")
    st.markdown("\n".join(f"- {md(line)}" for line in changes.lines()))
save_column, drop_column = st.columns(2)
save_column.button(
    f"Save as version {chosen.latest + 1}",
    on_click=_save,
    key="bank_edit_save",
    type="primary",
    disabled=bank is None,
    help="Fix the draft's problems first" if bank is None else None,
)
drop_column.button("Discard this draft", on_click=_discard, key="bank_edit_discard")
