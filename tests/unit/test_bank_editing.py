"""Editing a bank in the app: every edit keeps the loader's rules, ids stay put, changes are named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import bank_editing as be
from assessment.errors import Invalid
from assessment.framework import BankValidationError, parse_bank
from tests.conftest import PROJECT_ROOT

SHIPPED_TEXT = (PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8")
SHIPPED = be.draft_from_yaml(SHIPPED_TEXT)
SHIPPED_BANK = be.validated(SHIPPED)
SHIPPED_IDS = be.item_ids(SHIPPED)
LEVELS = {
    "emerging": "Nothing yet",
    "developing": "Some",
    "maturing": "Most",
    "thriving": "All, with evidence",
}

words = st.text(alphabet=st.characters(categories=("L", "N", "Zs")), min_size=1, max_size=60).filter(
    lambda s: s.strip() != ""
)


def ids_held(draft: be.Draft) -> set[str]:
    """The draft's question ids and its situations' ids, as ``be.held_ids`` names them."""
    held = set(be.item_ids(draft))
    for domain in draft["domains"]:
        for item in domain["items"]:
            for function in item.get("functions") or []:
                held.add(be.situation_id(item["id"], function["id"]))
    return held


SITUATION_LABELS = sorted(
    {str(f["label"]) for d in SHIPPED["domains"] for i in d["items"] for f in i.get("functions") or []}
)


def _first(draft: be.Draft, kind: str) -> str:
    return next(str(i["id"]) for d in draft["domains"] for i in d["items"] if i["type"] == kind)


def apply(draft: be.Draft, edit: tuple[Any, ...], reserved: set[str]) -> be.Draft:
    """One edit chosen by hypothesis, aimed at whatever the draft holds now."""
    kind, pick, text = edit
    domains = draft["domains"]
    domain = domains[pick % len(domains)]
    items = domain["items"]
    item = items[pick % len(items)]
    if kind == "reword":
        return be.set_item_text(draft, item["id"], "text", text)
    if kind == "help":
        return be.set_item_text(draft, item["id"], "help", text)
    if kind == "domain":
        return be.set_domain_text(draft, domain["id"], "title", text)
    if kind == "level" and item["type"] == "maturity":
        return be.set_level(draft, item["id"], "developing", text)
    if kind == "pole" and item["type"] == "spectrum":
        return be.set_pole(draft, item["id"], pick % 2, text)
    if kind == "situation" and item["type"] == "accountability":
        return be.add_function(draft, item["id"], text, reserved=reserved)[0]
    if kind == "remove-situation" and item["type"] == "accountability":
        functions = item["functions"]
        return be.remove_function(draft, item["id"], functions[pick % len(functions)]["id"])
    if kind == "tier" and item["type"] == "accountability":
        return be.set_tier_label(draft, item["id"], "unclear", text)
    if kind == "add":
        return be.add_question(
            draft, domain["id"], kind="maturity", text=text, help=text, levels=LEVELS, reserved=reserved
        )[0]
    if kind == "add-spectrum":
        return be.add_question(
            draft,
            domain["id"],
            kind="spectrum",
            text=text,
            help="h",
            poles=("left", "right"),
            reserved=reserved,
        )[0]
    if kind == "remove":
        return be.remove_question(draft, item["id"])
    if kind == "remove-domain":
        return be.remove_domain(draft, domain["id"])
    if kind == "move":
        return be.move_question(draft, item["id"], -1 if pick % 2 else 2)
    if kind == "move-domain":
        return be.move_domain(draft, domain["id"], 1 if pick % 2 else -3)
    return draft


edits = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "reword",
                "help",
                "domain",
                "level",
                "pole",
                "situation",
                "remove-situation",
                "tier",
                "add",
                "add-spectrum",
                "remove",
                "remove-domain",
                "move",
                "move-domain",
            ]
        ),
        st.integers(min_value=0, max_value=200),
        # Texts whose slug is an id a stored version held (a removed question's, say) too.
        # And a shipped situation's label, which a removed situation would come back as.
        st.one_of(words, st.sampled_from(["A removed question", *SHIPPED_IDS[:6], *SITUATION_LABELS])),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_any_sequence_of_valid_edits_gives_a_bank_the_loader_accepts_with_no_id_renamed_or_reused(
    sequence: list[tuple[Any, ...]],
) -> None:
    reserved = be.held_ids(SHIPPED_BANK) | {"a-removed-question"}
    draft = SHIPPED
    seen_ids = ids_held(SHIPPED)
    for edit in sequence:
        before = ids_held(draft)
        try:
            after_draft = apply(draft, edit, reserved)
        except Invalid:
            continue  # the last question of a domain, the last domain: refused, draft unchanged
        after = ids_held(after_draft)
        new = after - before
        # every id kept is the same id; a new one is new everywhere: never a reserved or earlier id
        assert not (new & reserved) and not (new & seen_ids)
        seen_ids |= after
        draft = after_draft
    assert be.problems(draft) == []
    bank = parse_bank(be.draft_yaml(draft))  # the loader an uploaded file meets
    assert [i.id for _, i in bank.iter_items()] == be.item_ids(draft)


blanks = st.lists(
    st.tuples(st.sampled_from(["text", "help", "title", "level", "pole", "situation"]), st.integers(0, 200)),
    max_size=4,
)


def blank(draft: be.Draft, field: str, pick: int) -> be.Draft:
    """Empty one field of the draft, as a person clearing a box does (the draft then breaks a rule)."""
    domain = draft["domains"][pick % len(draft["domains"])]
    item = domain["items"][pick % len(domain["items"])]
    if field == "title":
        return be.set_domain_text(draft, domain["id"], "title", " ")
    if field == "level" and item["type"] == "maturity":
        return be.set_level(draft, item["id"], "maturing", "")
    if field == "pole" and item["type"] == "spectrum":
        return be.set_pole(draft, item["id"], pick % 2, "")
    if field == "situation" and item["type"] == "accountability":
        return be.set_function_label(draft, item["id"], item["functions"][0]["id"], "")
    return be.set_item_text(draft, item["id"], "text" if field == "text" else "help", "")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits, blanks)
def test_a_draft_is_judged_as_the_loader_judges_its_yaml_without_writing_it_out(
    sequence: list[tuple[Any, ...]], cleared: list[tuple[str, int]]
) -> None:
    draft = SHIPPED
    for edit in sequence:
        try:
            draft = apply(draft, edit, be.held_ids(SHIPPED_BANK))
        except Invalid:
            continue
    for field, pick in cleared:
        draft = blank(draft, field, pick)
    try:
        by_file = parse_bank(be.draft_yaml(draft), name=be.DRAFT_NAME)
    except BankValidationError as exc:
        # The same problems in the same words; only the file's line numbers are not there.
        assert [(e.path, e.message) for e in be.problems(draft)] == [(e.path, e.message) for e in exc.errors]
        assert all(e.line is None for e in be.problems(draft))
        with pytest.raises(BankValidationError):
            be.validated(draft)
    else:
        assert be.problems(draft) == [] and be.validated(draft) == by_file


def test_an_edit_leaves_the_draft_it_was_given_alone() -> None:
    item = SHIPPED_IDS[0]
    be.set_item_text(SHIPPED, item, "text", "Changed")
    assert be.item_ids(SHIPPED) == SHIPPED_IDS
    assert be.validated(SHIPPED) == SHIPPED_BANK


def test_a_new_question_gets_an_id_made_from_its_text_made_unique() -> None:
    draft, first = be.add_question(
        SHIPPED, "shared-purpose", kind="maturity", text="Do we meet as equals?", help="h", levels=LEVELS
    )
    draft, second = be.add_question(
        draft, "shared-purpose", kind="maturity", text="Do we meet as equals?", help="h", levels=LEVELS
    )
    _, third = be.add_question(
        draft,
        "shared-purpose",
        kind="maturity",
        text="Do we meet as equals?",
        help="h",
        levels=LEVELS,
        reserved={"do-we-meet-as-equals-3"},
    )
    assert (first, second, third) == (
        "do-we-meet-as-equals",
        "do-we-meet-as-equals-2",
        "do-we-meet-as-equals-4",
    )


@settings(max_examples=15, deadline=None)
@given(words)
def test_an_id_made_from_any_text_is_an_id_the_loader_accepts(text: str) -> None:
    made = be.new_id(text, set())
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", made) and len(made) <= be.MAX_ID_CHARS
    draft, item = be.add_question(
        SHIPPED, "shared-purpose", kind="maturity", text=text, help="h", levels=LEVELS
    )
    assert be.problems(draft) == []
    assert item in be.item_ids(draft)


def test_an_id_a_stored_version_held_is_never_given_to_a_new_question() -> None:
    draft = be.remove_question(SHIPPED, "shared-purpose-stated")
    removed_text = SHIPPED_BANK.item("shared-purpose-stated").text
    _, new = be.add_question(
        draft,
        "shared-purpose",
        kind="maturity",
        text="Shared purpose stated",
        help="h",
        levels=LEVELS,
        reserved=set(SHIPPED_IDS),
    )
    assert new == "shared-purpose-stated-2" and removed_text
    assert be.reused_ids(before=["x"], after=["x", "shared-purpose-stated"], reserved=set(SHIPPED_IDS)) == [
        "shared-purpose-stated"
    ]


def test_a_situation_removed_and_added_again_gets_a_new_id_not_the_one_a_stored_version_held() -> None:
    item = next(i for _, i in SHIPPED_BANK.iter_items() if i.type == "accountability")
    gone = item.functions[0]  # type: ignore[union-attr]
    draft = be.remove_function(SHIPPED, item.id, gone.id)
    label = gone.id.replace("-", " ").capitalize()  # the words its id was made from
    _, again = be.add_function(draft, item.id, label, reserved=be.held_ids(SHIPPED_BANK))
    assert again == f"{gone.id}-2"
    # Another question's situation of the same id does not hold it: ids are per question.
    _, elsewhere = be.add_function(draft, item.id, label, reserved={be.situation_id("other", gone.id)})
    assert elsewhere == gone.id
    assert be.reused_ids(
        before={item.id},
        after={item.id, be.situation_id(item.id, gone.id)},
        reserved=be.held_ids(SHIPPED_BANK),
    ) == [be.situation_id(item.id, gone.id)]


def test_a_text_emptied_as_it_is_typed_gives_the_loaders_own_message() -> None:
    item = SHIPPED_IDS[0]
    draft = be.set_item_text(SHIPPED, item, "text", "   ")
    found = be.problems(draft)
    assert [(e.path, e.message) for e in found] == [
        (f"domains[0].items[0].text (in item '{item}')", "must not be empty, found the text '   '")
    ]
    with pytest.raises(BankValidationError):
        be.validated(draft)


def test_a_new_question_missing_a_level_descriptor_is_named_as_the_loader_names_it() -> None:
    draft, new = be.add_question(
        SHIPPED, "shared-purpose", kind="maturity", text="New one", help="h", levels={"emerging": "x"}
    )
    found = be.problems(draft)
    assert [e.message for e in found] == ["must not be empty, found the text ''"] * 3
    assert all(e.path.endswith(f"(in item '{new}')") for e in found)


def test_the_last_question_of_a_domain_and_the_last_domain_are_refused_with_what_to_do() -> None:
    draft = SHIPPED
    domain = draft["domains"][0]
    for item in domain["items"][1:]:
        draft = be.remove_question(draft, item["id"])
    with pytest.raises(Invalid, match="remove the domain instead"):
        be.remove_question(draft, domain["items"][0]["id"])
    for other in SHIPPED_BANK.domains[1:]:
        draft = be.remove_domain(draft, other.id)
    with pytest.raises(Invalid, match="last one"):
        be.remove_domain(draft, domain["id"])


def test_the_change_summary_names_questions_added_removed_reworded_and_levels_changed() -> None:
    accountability = _first(SHIPPED, "accountability")
    spectrum = _first(SHIPPED, "spectrum")
    draft = be.set_item_text(SHIPPED, "shared-purpose-stated", "text", "Reworded")
    draft = be.set_level(draft, SHIPPED_IDS[1], "thriving", "A new top level")
    draft = be.set_pole(draft, spectrum, 0, "A new first pole")
    draft = be.set_tier_label(draft, accountability, "unclear", "Nobody knows")
    draft, new = be.add_question(
        draft, "shared-purpose", kind="maturity", text="Local one", help="h", levels=LEVELS
    )
    last = SHIPPED_BANK.domains[-1]
    draft = be.remove_domain(draft, last.id)
    changes = be.change_summary(SHIPPED_BANK, be.validated(draft))
    assert changes.added == (new,)
    assert changes.removed == tuple(i.id for i in last.items)
    assert changes.reworded == ("shared-purpose-stated",)
    assert set(changes.levels_changed) == {SHIPPED_IDS[1], spectrum, accountability}
    assert changes.domains_removed == (last.id,)
    assert not changes.reordered
    assert be.ChangeSummary.from_dict(changes.as_dict()) == changes
    assert changes.lines()[0] == f"Questions added (1): {new}"


def test_moving_a_question_is_a_reorder_and_nothing_else() -> None:
    moved = be.move_question(SHIPPED, SHIPPED_IDS[0], 1)
    changes = be.change_summary(SHIPPED_BANK, be.validated(moved))
    assert changes == be.ChangeSummary(reordered=True)
    assert be.item_ids(moved)[:2] == [SHIPPED_IDS[1], SHIPPED_IDS[0]]
    assert be.change_summary(SHIPPED_BANK, SHIPPED_BANK).lines() == ["No changes from the version before"]


def test_a_drafts_yaml_validates_with_the_command_line(tmp_path: Path) -> None:
    draft, _ = be.add_question(
        SHIPPED, "shared-purpose", kind="maturity", text="Ünïcode “quotes”", help="h", levels=LEVELS
    )
    path = tmp_path / "bank.yaml"
    path.write_text(be.draft_yaml(draft), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "assessment", "validate", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
