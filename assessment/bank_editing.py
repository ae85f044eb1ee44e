"""Editing a question bank's data: the edits a facilitator makes in the app, and what changed.

A draft is the bank's plain data (the mapping its YAML holds). Each edit returns a new draft and
leaves the one it was given alone. A text edit never refuses: the draft may then break a rule, and
``problems`` says which, by the loader's own rules and words (``assessment.framework``: one source
of rules for uploads and the editor alike). An edit that cannot make sense (removing a domain's last
question, or the bank's last domain) is refused with an ``Invalid`` that says what to do instead.

Ids: an edit never changes an existing id. A new question (or accountability situation) gets an id
made from its text, made unique against every id in the draft and every id in ``reserved`` (the
ids any stored bank version holds, ``held_ids``: a workshop may have used them), so an id once used
is never given to another question or another situation of the same question.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from assessment.errors import Invalid
from assessment.framework import (
    DEFAULT_TIERS,
    AccountabilityItem,
    BankError,
    BankValidationError,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
    parse_bank,
    validate_bank_data,
)

Draft = dict[str, Any]
TEXT_FIELDS = ("text", "help")
DOMAIN_FIELDS = ("title", "description")
MAX_ID_CHARS = 80
LOCAL_SOURCE = "A local question, written for this partnership"
DRAFT_NAME = "this draft"


# --- reading and writing -------------------------------------------------------------------------------


def draft_from_yaml(yaml_text: str, *, name: str = "questions.yaml") -> Draft:
    """A valid bank's text as a draft to edit (BankValidationError, with every problem, if not valid)."""
    parse_bank(yaml_text, name=name)
    data = yaml.safe_load(yaml_text)
    assert isinstance(data, dict)  # parse_bank refused anything else
    return data


def draft_yaml(draft: Draft) -> str:
    """The draft as YAML text, in the order it holds (domains and questions as the author put them)."""
    return yaml.safe_dump(draft, sort_keys=False, allow_unicode=True, width=100)


def problems(draft: Draft) -> list[BankError]:
    """Every rule the draft breaks, in the words the loader uses for an uploaded file; [] when valid."""
    try:
        validate_bank_data(draft, name=DRAFT_NAME)
    except BankValidationError as exc:
        return exc.errors
    return []


def validated(draft: Draft) -> QuestionBank:
    """The draft as a bank; BankValidationError (every problem) when it breaks a rule."""
    return validate_bank_data(draft, name=DRAFT_NAME)


def item_ids(draft: Draft) -> list[str]:
    return [str(item.get("id")) for _, item in _items(draft)]


# --- ids -------------------------------------------------------------------------------------------------


def slug(text: str) -> str:
    """Lowercase letters, digits and single dashes, from any text ("question" when none is left)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", plain)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > 60:
            break
        out = candidate
    return out or "question"


def new_id(text: str, taken: Collection[str]) -> str:
    """An id made from ``text`` that is in none of ``taken``: the slug, else the slug with -2, -3..."""
    base = slug(text)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def situation_id(item_id: str, function_id: str) -> str:
    """An accountability situation's id as reserved: a situation's id is unique only within its
    question, so it is held as ``question/situation``."""
    return f"{item_id}/{function_id}"


def held_ids(bank: QuestionBank) -> set[str]:
    """Every id a bank version holds that may have been answered: its questions' ids and its
    accountability situations' (as ``situation_id``). Answers are stored under both, and a trend's
    wording check names situations by id, so neither may come back meaning something else."""
    held: set[str] = set()
    for _, item in bank.iter_items():
        held.add(item.id)
        if isinstance(item, AccountabilityItem):
            held.update(situation_id(item.id, f.id) for f in item.functions)
    return held


def reused_ids(*, before: Iterable[str], after: Iterable[str], reserved: Collection[str]) -> list[str]:
    """Ids ``after`` brings in that ``before`` did not hold but some stored version did: a question
    removed once (and maybe answered in a workshop) would come back as another question."""
    previous = set(before)
    return sorted({i for i in after if i not in previous and i in reserved})


# --- edits -----------------------------------------------------------------------------------------------


def set_domain_text(draft: Draft, domain_id: str, field: str, value: str) -> Draft:
    if field not in DOMAIN_FIELDS:
        raise Invalid(f"a domain's {field!r} cannot be edited here; only its title and description")
    out = copy.deepcopy(draft)
    _domain(out, domain_id)[field] = value
    return out


def set_item_text(draft: Draft, item_id: str, field: str, value: str) -> Draft:
    if field not in TEXT_FIELDS:
        raise Invalid(f"a question's {field!r} cannot be edited here; only its text and help")
    out = copy.deepcopy(draft)
    _item(out, item_id)[field] = value
    return out


def set_level(draft: Draft, item_id: str, level_id: str, value: str) -> Draft:
    out = copy.deepcopy(draft)
    item = _item(out, item_id, kind="maturity")
    levels = item.setdefault("levels", {})
    levels[level_id] = value
    return out


def set_pole(draft: Draft, item_id: str, index: int, value: str) -> Draft:
    if index not in (0, 1):
        raise Invalid("a spectrum question has two poles: the first (position 1) and the second")
    out = copy.deepcopy(draft)
    item = _item(out, item_id, kind="spectrum")
    poles = list(item.get("poles") or ["", ""])
    poles += [""] * (2 - len(poles))
    poles[index] = value
    item["poles"] = poles
    return out


def set_function_label(draft: Draft, item_id: str, function_id: str, value: str) -> Draft:
    out = copy.deepcopy(draft)
    _function(_item(out, item_id, kind="accountability"), function_id)["label"] = value
    return out


def add_function(
    draft: Draft, item_id: str, label: str, *, reserved: Collection[str] = ()
) -> tuple[Draft, str]:
    """A new accountability situation with an id made from its label; returns the draft and the id."""
    out = copy.deepcopy(draft)
    item = _item(out, item_id, kind="accountability")
    functions = item.setdefault("functions", [])
    taken = {str(f.get("id")) for f in functions if isinstance(f, dict)}
    # A situation removed from this question (and maybe answered in a workshop) keeps its id.
    prefix = situation_id(item_id, "")
    taken |= {r[len(prefix) :] for r in reserved if r.startswith(prefix)}
    function_id = new_id(label, taken)
    functions.append({"id": function_id, "label": label})
    return out, function_id


def remove_function(draft: Draft, item_id: str, function_id: str) -> Draft:
    out = copy.deepcopy(draft)
    item = _item(out, item_id, kind="accountability")
    functions = item.get("functions") or []
    if len(functions) <= 1:
        raise Invalid(
            "an accountability question needs at least one situation: add another before removing this one, "
            "or remove the question"
        )
    _function(item, function_id)
    item["functions"] = [f for f in functions if not (isinstance(f, dict) and f.get("id") == function_id)]
    return out


def set_tier_label(draft: Draft, item_id: str, tier_id: str, value: str) -> Draft:
    """Rename one tier of an accountability question (the question then keeps its own tier list)."""
    out = copy.deepcopy(draft)
    item = _item(out, item_id, kind="accountability")
    if "tiers" not in item:
        item["tiers"] = copy.deepcopy(out.get("accountability_tiers", [dict(t) for t in DEFAULT_TIERS]))
    for tier in item["tiers"]:
        if isinstance(tier, dict) and tier.get("id") == tier_id:
            tier["label"] = value
            return out
    raise Invalid(f"the question '{item_id}' has no tier '{tier_id}'")


def add_question(
    draft: Draft,
    domain_id: str,
    *,
    kind: str,
    text: str,
    help: str,
    levels: dict[str, str] | None = None,
    poles: tuple[str, str] | None = None,
    functions: Iterable[str] = (),
    source: str = LOCAL_SOURCE,
    reserved: Collection[str] = (),
) -> tuple[Draft, str]:
    """A local question at the end of the domain, with an id made from its text; returns the
    draft and the new id. Its texts are checked with the rest of the draft (``problems``)."""
    out = copy.deepcopy(draft)
    domain = _domain(out, domain_id)
    item_id = new_id(text, set(item_ids(out)) | set(reserved))
    item: dict[str, Any] = {"id": item_id, "type": kind, "text": text, "help": help, "source": source}
    if kind == "maturity":
        scale = [str(level.get("id")) for level in out.get("scale", []) if isinstance(level, dict)]
        given = levels or {}
        item["levels"] = {level: given.get(level, "") for level in scale}
    elif kind == "spectrum":
        item["poles"] = list(poles or ("", ""))
    elif kind == "accountability":
        taken: set[str] = set()
        listed = []
        for label in functions:
            function_id = new_id(label, taken)
            taken.add(function_id)
            listed.append({"id": function_id, "label": label})
        item["functions"] = listed
    else:
        raise Invalid(f"a question's type must be maturity, spectrum or accountability, not {kind!r}")
    domain.setdefault("items", []).append(item)
    return out, item_id


def remove_question(draft: Draft, item_id: str) -> Draft:
    out = copy.deepcopy(draft)
    for domain in _domains(out):
        items = domain.get("items") or []
        if any(isinstance(i, dict) and i.get("id") == item_id for i in items):
            if len(items) <= 1:
                title = domain.get("title", domain.get("id"))
                raise Invalid(
                    f"'{item_id}' is the only question in the domain '{title}': "
                    "a domain needs at least one question, so remove the domain instead"
                )
            domain["items"] = [i for i in items if not (isinstance(i, dict) and i.get("id") == item_id)]
            return out
    raise Invalid(f"there is no question '{item_id}' in this bank")


def remove_domain(draft: Draft, domain_id: str) -> Draft:
    out = copy.deepcopy(draft)
    domains = _domains(out)
    _domain(out, domain_id)
    if len(domains) <= 1:
        raise Invalid("a bank needs at least one domain: this is its last one, so it cannot be removed")
    out["domains"] = [d for d in domains if d.get("id") != domain_id]
    return out


def move_question(draft: Draft, item_id: str, by: int) -> Draft:
    """Move the question ``by`` places within its domain (up when negative), stopping at either end."""
    out = copy.deepcopy(draft)
    for domain in _domains(out):
        items = domain.get("items") or []
        ids = [i.get("id") if isinstance(i, dict) else None for i in items]
        if item_id in ids:
            domain["items"] = _moved(items, ids.index(item_id), by)
            return out
    raise Invalid(f"there is no question '{item_id}' in this bank")


def move_domain(draft: Draft, domain_id: str, by: int) -> Draft:
    out = copy.deepcopy(draft)
    domains = _domains(out)
    _domain(out, domain_id)
    index = [d.get("id") for d in domains].index(domain_id)
    out["domains"] = _moved(domains, index, by)
    return out


def _moved(values: list[Any], index: int, by: int) -> list[Any]:
    out = list(values)
    value = out.pop(index)
    out.insert(max(0, min(len(out), index + by)), value)
    return out


# --- where things are ------------------------------------------------------------------------------------


def _domains(draft: Draft) -> list[dict[str, Any]]:
    domains = draft.get("domains")
    if not isinstance(domains, list):
        raise Invalid("this bank has no list of domains")
    return [d for d in domains if isinstance(d, dict)]


def _domain(draft: Draft, domain_id: str) -> dict[str, Any]:
    for domain in _domains(draft):
        if domain.get("id") == domain_id:
            return domain
    raise Invalid(f"there is no domain '{domain_id}' in this bank")


def _items(draft: Draft) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (domain, item)
        for domain in _domains(draft)
        for item in (domain.get("items") or [])
        if isinstance(item, dict)
    ]


def _item(draft: Draft, item_id: str, *, kind: str | None = None) -> dict[str, Any]:
    for _, item in _items(draft):
        if item.get("id") == item_id:
            if kind is not None and item.get("type") != kind:
                raise Invalid(f"'{item_id}' is a {item.get('type')} question, not a {kind} question")
            return item
    raise Invalid(f"there is no question '{item_id}' in this bank")


def _function(item: dict[str, Any], function_id: str) -> dict[str, Any]:
    for function in item.get("functions") or []:
        if isinstance(function, dict) and function.get("id") == function_id:
            return function
    raise Invalid(f"the question '{item.get('id')}' has no situation '{function_id}'")


# --- what changed between two versions ---------------------------------------------------------------


@dataclass(frozen=True)
class ChangeSummary:
    """What a version changes from the one before: question ids in each list, in bank order."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reworded: tuple[str, ...] = ()  # the question's text or help changed
    levels_changed: tuple[str, ...] = ()  # level descriptors, poles, situations or tiers changed
    domains_added: tuple[str, ...] = ()
    domains_removed: tuple[str, ...] = ()
    reordered: bool = False

    @property
    def unchanged(self) -> bool:
        return self == ChangeSummary()

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "reworded": list(self.reworded),
            "levels_changed": list(self.levels_changed),
            "domains_added": list(self.domains_added),
            "domains_removed": list(self.domains_removed),
            "reordered": self.reordered,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeSummary:
        def ids(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            added=ids("added"),
            removed=ids("removed"),
            reworded=ids("reworded"),
            levels_changed=ids("levels_changed"),
            domains_added=ids("domains_added"),
            domains_removed=ids("domains_removed"),
            reordered=bool(data.get("reordered", False)),
        )

    def lines(self) -> list[str]:
        """The summary in words, one line per kind of change ("No changes" when there are none)."""
        out = []
        for label, ids in (
            ("Questions added", self.added),
            ("Questions removed", self.removed),
            ("Questions reworded", self.reworded),
            ("Levels or answer choices changed", self.levels_changed),
            ("Domains added", self.domains_added),
            ("Domains removed", self.domains_removed),
        ):
            if ids:
                out.append(f"{label} ({len(ids)}): {', '.join(ids)}")
        if self.reordered:
            out.append("Domains or questions reordered")
        return out or ["No changes from the version before"]

    def in_words(self) -> str:
        return "; ".join(self.lines())


def change_summary(before: QuestionBank | None, after: QuestionBank) -> ChangeSummary:
    """What ``after`` changes from ``before`` (everything counts as added when there is no before)."""
    new_items = {item.id: item for _, item in after.iter_items()}
    if before is None:
        return ChangeSummary(added=tuple(new_items), domains_added=tuple(d.id for d in after.domains))
    old_items = {item.id: item for _, item in before.iter_items()}
    kept = [i for i in new_items if i in old_items]
    old_domains = [d.id for d in before.domains]
    new_domains = [d.id for d in after.domains]
    old_order = [(d.id, [i.id for i in d.items]) for d in before.domains]
    new_order = [(d.id, [i.id for i in d.items]) for d in after.domains]

    def shared(order: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
        return [
            (d, [i for i in ids if i in old_items and i in new_items])
            for d, ids in order
            if d in old_domains and d in new_domains
        ]

    return ChangeSummary(
        added=tuple(i for i in new_items if i not in old_items),
        removed=tuple(i for i in old_items if i not in new_items),
        reworded=tuple(
            i
            for i in kept
            if (old_items[i].text, old_items[i].help) != (new_items[i].text, new_items[i].help)
        ),
        levels_changed=tuple(i for i in kept if _choices(old_items[i]) != _choices(new_items[i])),
        domains_added=tuple(d for d in new_domains if d not in old_domains),
        domains_removed=tuple(d for d in old_domains if d not in new_domains),
        reordered=shared(old_order) != shared(new_order),
    )


def _choices(item: Any) -> Any:
    if isinstance(item, MaturityItem):
        return ("maturity", tuple(sorted(item.levels.items())))
    if isinstance(item, SpectrumItem):
        return ("spectrum", item.poles)
    if isinstance(item, AccountabilityItem):
        return (
            "accountability",
            tuple((f.id, f.label) for f in item.functions),
            tuple((t.id, t.label) for t in item.tiers),
        )
    return (item.type,)
