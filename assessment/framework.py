"""The question bank: pydantic models and a loader whose errors say exactly what is wrong and where.

A bank is authored by people, not programs, so every error names the file, the line YAML gives
for it, the path to the field (``domains[3].items[2].levels``) and what was expected.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from assessment.errors import Invalid
from assessment.settings import PROJECT_ROOT

# The bank that ships with the code, found from the code's own place, never from the working
# directory; a deployment may point new workshops at another (``settings.current().bank_path``).
DEFAULT_BANK_PATH = PROJECT_ROOT / "questions.yaml"


MAX_BANK_BYTES = 2 * 1024 * 1024
# Values (keys, texts, lists, mappings) a bank may hold. The shipped bank has about 1,500; this is
# room for one sixteen times its size. It bounds the work and memory of checking any upload: 2 MB
# of tiny mappings is about 700,000 values, which took 45 s of CPU, 1.7 GB and over a million
# errors to validate in full; reading stops at the first value past this, some 75 KB into it.
MAX_BANK_NODES = 25_000
SPECTRUM_POSITIONS = 5  # spectrum items are answered on 1..5, pole one to pole two
UNCLEAR_TIER = "unclear"

Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleLevel(_Frozen):
    id: Slug
    label: Text
    description: Text


class Sector(_Frozen):
    id: Slug
    label: Text


class SectorGroup(_Frozen):
    """Sectors read together in the sector lens (NHS; local government; VCSE and Healthwatch):
    a board of 1–3 people per sector sees nothing sector by sector, but a group of them passes
    the threshold and still tells the partners' views apart."""

    id: Slug
    label: Text
    sectors: Annotated[tuple[Slug, ...], Field(min_length=1)]


class Tier(_Frozen):
    id: Slug
    label: Text


class AccountabilityFunction(_Frozen):
    id: Slug
    label: Text


class SplitRule(_Frozen):
    """An item is split when at least ``share`` of its answers lie more than ``distance`` from the median."""

    share: Annotated[float, Field(gt=0, le=1)] = 0.25
    distance: Annotated[float, Field(ge=0)] = 1.0


class _ItemBase(_Frozen):
    id: Slug
    text: Text
    help: Text
    source: Text
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0


class MaturityItem(_ItemBase):
    type: Literal["maturity"]
    levels: dict[Slug, Text]


class SpectrumItem(_ItemBase):
    type: Literal["spectrum"]
    poles: Annotated[tuple[Text, Text], Field(description="position 1 and position 5")]


class AccountabilityItem(_ItemBase):
    type: Literal["accountability"]
    functions: Annotated[tuple[AccountabilityFunction, ...], Field(min_length=1)]
    # Filled from the bank's accountability_tiers when the YAML leaves it out.
    tiers: Annotated[tuple[Tier, ...], Field(min_length=2)]


Item = Annotated[MaturityItem | SpectrumItem | AccountabilityItem, Field(discriminator="type")]
ITEM_TYPES = ("maturity", "spectrum", "accountability")


class Domain(_Frozen):
    id: Slug
    title: Text
    description: Text
    group: Text | None = None
    items: Annotated[tuple[Item, ...], Field(min_length=1)]


DEFAULT_TIERS = (
    {"id": "ics-nhs-body", "label": "ICS NHS body"},
    {"id": "ics-partnership", "label": "ICS health and care partnership"},
    {"id": "place-partnership", "label": "Place partnership"},
    {"id": "provider-collaborative", "label": "Provider collaborative"},
    {"id": "individual-organisation", "label": "Individual organisation"},
    {"id": "health-and-wellbeing-board", "label": "Health and wellbeing board"},
    {"id": UNCLEAR_TIER, "label": "Unclear"},
)


# The shipped bank cites its sources as "seed NNN (Author / publisher, title), where in it": the
# number ties a question to the article it was written from, for whoever maintains the bank.
# People read a citation instead.
_SEED_SOURCE = re.compile(
    r"^\s*seed \d+ \((?P<who>[^,()]+), (?P<title>[^()]+)\),?\s*(?P<where>.*)$", re.DOTALL
)


def citation(source: str) -> str:
    """A question's source as people read it: "Mitchell-Baker (tricordant), “The purpose of
    ICSs”: insight 1: why, why, why". A source written any other way is shown as written."""
    match = _SEED_SOURCE.match(source)
    if match is None:
        return source
    who = " (".join(part.strip() for part in match["who"].split(" / ", 1))
    who += ")" if " / " in match["who"] else ""
    title = match["title"].strip()
    cited = f"{who}, “{title[:1].upper()}{title[1:]}”"
    where = match["where"].strip()
    return f"{cited}: {where}" if where else cited


class BankConsistencyError(ValueError):
    """Problems that span fields (duplicate ids, levels that do not match the scale), each with its path."""

    def __init__(self, issues: list[tuple[tuple[str | int, ...], str]]):
        self.issues = issues
        super().__init__("; ".join(f"{_format_path(loc)}: {msg}" for loc, msg in issues))


class QuestionBank(_Frozen):
    id: Slug
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    title: Text
    description: str = ""
    scale: Annotated[tuple[ScaleLevel, ...], Field(min_length=2, max_length=10)]
    sectors: Annotated[tuple[Sector, ...], Field(min_length=1)]
    sector_groups: tuple[SectorGroup, ...] = ()
    anonymity_threshold: Annotated[int, Field(ge=1, le=100)] = 3
    split_rule: SplitRule = SplitRule()
    # An accountability situation is flagged as unclear when fewer than this share of answers
    # name its most named tier: one rule for the page, the chart, the reading and the PDF.
    clarity_flag: Annotated[float, Field(gt=0, le=1)] = 0.6
    accountability_tiers: Annotated[tuple[Tier, ...], Field(min_length=2)] = tuple(
        Tier(**t) for t in DEFAULT_TIERS
    )
    domains: Annotated[tuple[Domain, ...], Field(min_length=1)]

    @model_validator(mode="before")
    @classmethod
    def _default_item_tiers(cls, data: Any) -> Any:
        # An accountability item normally uses the bank's tier list; copying it in here keeps
        # every item self-describing in the JSON dump and in the stored bank version.
        if not isinstance(data, dict) or not isinstance(data.get("domains"), list):
            return data
        tiers = data.get("accountability_tiers", list(DEFAULT_TIERS))
        domains = []
        for domain in data["domains"]:
            if isinstance(domain, dict) and isinstance(domain.get("items"), list):
                items = [
                    {**item, "tiers": tiers}
                    if isinstance(item, dict) and item.get("type") == "accountability" and "tiers" not in item
                    else item
                    for item in domain["items"]
                ]
                domain = {**domain, "items": items}
            domains.append(domain)
        return {**data, "domains": domains}

    @model_validator(mode="after")
    def _check_consistency(self) -> QuestionBank:
        issues = list(_consistency_issues(self.model_dump()))
        if issues:
            raise BankConsistencyError(issues)
        return self

    # --- conveniences for scoring and the UI -------------------------------------------------

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.scale)

    @property
    def max_level(self) -> int:
        return len(self.scale)

    def level_label(self, value: int) -> str:
        """Label for a 1-based level value."""
        return self.scale[value - 1].label

    def iter_items(self) -> Iterator[tuple[Domain, Item]]:
        for domain in self.domains:
            for item in domain.items:
                yield domain, item

    def item(self, item_id: str) -> Item:
        for _, item in self.iter_items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def domain(self, domain_id: str) -> Domain:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)

    def counts(self) -> Counter[str]:
        return Counter(item.type for _, item in self.iter_items())

    def summary(self) -> str:
        c = self.counts()
        total = sum(c.values())
        return (
            f"{len(self.domains)} domains, {total} items ({c['maturity']} maturity, "
            f"{c['spectrum']} spectrum, {c['accountability']} accountability)"
        )


def _duplicates(values: Sequence[Any]) -> set[Any]:
    return {v for v, n in Counter(values).items() if n > 1 and isinstance(v, str)}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list | tuple) else []


def _consistency_issues(data: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Cross-field problems, read from plain data so they can be found even when some fields
    are malformed: the author then sees every problem in one pass, not half of them."""
    for field in ("scale", "sectors", "sector_groups", "accountability_tiers"):
        for dup in sorted(_duplicates([e.get("id") for e in _dicts(data.get(field))])):
            yield (field,), f"the id '{dup}' is used more than once; ids must be unique"
    sector_ids = {e.get("id") for e in _dicts(data.get("sectors"))}
    grouped: dict[str, int] = {}
    for g_index, group in enumerate(_dicts(data.get("sector_groups"))):
        members = group.get("sectors")
        for member in members if isinstance(members, list | tuple) else []:
            if member not in sector_ids:
                yield ("sector_groups", g_index, "sectors"), f"'{member}' is not one of the bank's sectors"
            elif member in grouped:
                yield (
                    ("sector_groups", g_index, "sectors"),
                    f"the sector '{member}' is already in sector_groups[{grouped[member]}]; a sector "
                    "belongs to one group at most",
                )
            else:
                grouped[member] = g_index
    domains = data.get("domains")
    for dup in sorted(_duplicates([d.get("id") for d in _dicts(domains)])):
        yield ("domains",), f"the domain id '{dup}' is used more than once; domain ids must be unique"
    scale_ids = [level.get("id") for level in _dicts(data.get("scale"))]
    default_tiers = data.get("accountability_tiers", DEFAULT_TIERS)
    seen_items: dict[str, tuple[int, int]] = {}
    for d_index, domain in enumerate(domains if isinstance(domains, list | tuple) else []):
        items = domain.get("items") if isinstance(domain, dict) else None
        for i_index, item in enumerate(items if isinstance(items, list | tuple) else []):
            if not isinstance(item, dict):
                continue
            loc: tuple[str | int, ...] = ("domains", d_index, "items", i_index)
            item_id = item.get("id")
            if isinstance(item_id, str) and item_id in seen_items:
                first = seen_items[item_id]
                yield (
                    (*loc, "id"),
                    (
                        f"the item id '{item_id}' is already used at "
                        f"domains[{first[0]}].items[{first[1]}]; item ids must be unique across the bank"
                    ),
                )
            elif isinstance(item_id, str):
                seen_items[item_id] = (d_index, i_index)
            levels = item.get("levels")
            if item.get("type") == "maturity" and isinstance(levels, dict) and scale_ids:
                missing = [s for s in scale_ids if s not in levels]
                extra = [k for k in levels if k not in scale_ids]
                expected = ", ".join(str(s) for s in scale_ids)
                if missing:
                    yield (
                        (*loc, "levels"),
                        (
                            f"missing a descriptor for level(s) {', '.join(map(repr, missing))}; "
                            f"expected one for each scale level: {expected}"
                        ),
                    )
                if extra:
                    yield (
                        (*loc, "levels"),
                        (
                            f"level(s) {', '.join(map(repr, extra))} are not on the scale; "
                            f"expected only: {expected}"
                        ),
                    )
            elif item.get("type") == "accountability":
                for dup in sorted(_duplicates([f.get("id") for f in _dicts(item.get("functions"))])):
                    yield (*loc, "functions"), f"the function id '{dup}' is used more than once"
                tier_ids = [t.get("id") for t in _dicts(item.get("tiers", default_tiers))]
                for dup in sorted(_duplicates(tier_ids)):
                    yield (*loc, "tiers"), f"the tier id '{dup}' is used more than once"
                if tier_ids and UNCLEAR_TIER not in tier_ids:
                    yield (*loc, "tiers"), f"the tiers must include '{UNCLEAR_TIER}'"


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankError:
    """One problem found in a bank file, precise enough to fix without guessing."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class BankValidationError(Invalid):
    def __init__(self, errors: list[BankError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def load_bank(path: str | Path = DEFAULT_BANK_PATH) -> QuestionBank:
    """Read and validate a bank file; raise BankValidationError listing every problem found."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BankValidationError(
            [BankError(name, None, "", f"cannot read the file ({exc.strerror or exc})")]
        ) from None
    if size > MAX_BANK_BYTES:
        raise BankValidationError([_too_big(name, size)])
    try:
        content = path.read_bytes()
    except OSError as exc:  # a directory, or a file that went away or is not readable
        raise BankValidationError(
            [BankError(name, None, "", f"cannot read the file ({exc.strerror or exc})")]
        ) from None
    return parse_bank(content, name=name)


def _too_big(name: str, size: int) -> BankError:
    return BankError(
        name,
        None,
        "",
        f"the file is {size / 1024 / 1024:.1f} MB; a question bank may be at most "
        f"{MAX_BANK_BYTES // 1024 // 1024} MB",
    )


def parse_bank(content: bytes | str, *, name: str = "questions.yaml") -> QuestionBank:
    """Validate a bank given as bytes (an upload) or text."""
    if isinstance(content, bytes):
        if len(content) > MAX_BANK_BYTES:
            raise BankValidationError([_too_big(name, len(content))])
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise BankValidationError(
                [
                    BankError(
                        name,
                        line,
                        "",
                        f"the file is not UTF-8 text (byte 0x{content[exc.start]:02x} at offset "
                        f"{exc.start}); save it as UTF-8 and try again",
                    )
                ]
            ) from None
    else:
        text = content
        if len(text.encode("utf-8")) > MAX_BANK_BYTES:
            raise BankValidationError([_too_big(name, len(text.encode("utf-8")))])

    try:
        return _validated(text, name)
    except RecursionError:
        # PyYAML and the checks after it recurse once per level; a bank needs only a handful.
        raise BankValidationError(
            [
                BankError(
                    name,
                    None,
                    "",
                    "the file is nested too deeply (lists or mappings inside one another hundreds "
                    "of levels down); a question bank needs only a few levels",
                )
            ]
        ) from None


def validate_bank_data(data: Any, *, name: str = "questions.yaml") -> QuestionBank:
    """Validate a bank already held as plain data (the editor's draft): the loader's rules and
    words, without writing it out as YAML and reading it back. Pure-Python YAML took about 0.15 s
    each way for the shipped bank, several times on every rerun of the editor; the rules take under a
    millisecond. A draft has no file, so its problems carry no line numbers."""
    return _validated_data(data, {}, name)


def _validated(text: str, name: str) -> QuestionBank:
    data, lines = _parse_yaml(text, name)
    return _validated_data(data, lines, name)


def _validated_data(data: Any, lines: Mapping[tuple[str | int, ...], int], name: str) -> QuestionBank:
    if data is None:
        raise BankValidationError([BankError(name, None, "", "the file is empty; expected a question bank")])
    if not isinstance(data, dict):
        raise BankValidationError(
            [
                BankError(
                    name,
                    1,
                    "",
                    f"expected a mapping (key: value pairs such as 'id:', 'domains:') at the top "
                    f"level, found {_describe(data)}",
                )
            ]
        )
    try:
        return QuestionBank.model_validate(data)
    except ValidationError as exc:
        raise BankValidationError(_translate(exc, data, lines, name)) from None


def _parse_yaml(text: str, name: str) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    loader: _BoundedLoader | None = None
    try:
        # What yaml.compose then yaml.safe_load would do, reading the text once, not twice. (The
        # reader checks the text for characters YAML refuses as it is made, hence inside the try.)
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[tuple[str | int, ...], int] = {}
        _index_lines(node, (), lines)
        return loader.construct_document(node), lines
    except _StructureError as exc:
        raise BankValidationError([BankError(name, exc.line, exc.path, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise BankValidationError(
            [
                BankError(
                    name,
                    line,
                    "",
                    f"YAML syntax error: {problem}; check indentation and quoting",
                )
            ]
        ) from None
    except yaml.reader.ReaderError as exc:
        # Control characters YAML refuses; PyYAML's own words name a "<unicode string>" position.
        line = text[: exc.position].count("\n") + 1
        character = exc.character if isinstance(exc.character, int) else 0
        what = "a NUL character" if character == 0 else f"the control character U+{character:04X}"
        raise BankValidationError(
            [
                BankError(
                    name,
                    line,
                    "",
                    f"the file contains {what}, which YAML does not allow; delete it "
                    "(it is often invisible: retype the line)",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())  # one line, whatever PyYAML's layout
        raise BankValidationError([BankError(name, None, "", f"YAML error: {message}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


class _StructureError(Exception):
    def __init__(self, line: int, path: str, message: str):
        self.line, self.path, self.message = line, path, message


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing a document of more than MAX_BANK_NODES values as it reads it.

    The parser is lazy, so stopping in compose_node stops the reading there too: the work done on
    an oversized file is bounded by the limit, not by the file.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._nodes += 1
        if self._nodes > MAX_BANK_NODES:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _StructureError(
                mark.line + 1,
                "",
                f"the file holds more than {MAX_BANK_NODES:,} values (keys, texts, lists and "
                "mappings), far more than any question bank needs; check that this is the "
                "bank you meant, or split it into smaller banks",
            )
        return super().compose_node(parent, index)


def _index_lines(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    visited: set[int] | None = None,
) -> None:
    """Map each path in the document to the line it starts on, and refuse aliases.

    compose() resolves an alias to the very node its anchor names, so a node met twice is an
    alias. Aliases are refused because a few of them can expand into billions of values
    ("billion laughs") once validated, and a bank never needs them.
    """
    visited = set() if visited is None else visited
    if id(node) in visited:
        raise _StructureError(
            node.start_mark.line + 1,
            _format_path(path),
            "YAML anchors and aliases (&name / *name) are not allowed in a question bank; "
            "write each value out in full",
        )
    visited.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line wins over its value's
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if (*path, key) in lines:
                # safe_load would silently keep the last one, hiding the author's mistake.
                raise _StructureError(
                    key_node.start_mark.line + 1,
                    _format_path(path),
                    f"the key '{key}' appears twice in the same mapping; keep one",
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*path, key), lines, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _index_lines(child, (*path, index), lines, visited)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool):
        return f"the value {str(value).lower()}"
    return f"the value {value!r}"


def _format_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _strip_union_tags(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """pydantic puts the discriminator value into the path (items.0.maturity.levels); drop it."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if part in ITEM_TYPES and i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] == "items":
            continue
        out.append(part)
    return tuple(out)


def _line_for(loc: tuple[str | int, ...], lines: Mapping[tuple[str | int, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _lookup(data: Any, loc: Sequence[str | int]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _model_at(loc: Sequence[str | int], data: Any) -> type[BaseModel] | None:
    """The model class that validates the object at ``loc``, to name the fields it allows."""
    model: Any = QuestionBank
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model = _inner_model(field.annotation, _lookup(data, loc[: depth + 2]))
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any, value: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated or origin in (tuple, list):
            annotation = get_args(annotation)[0]
        elif origin is Union:
            by_type = {
                m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
                for m in get_args(annotation)
                if isinstance(m, type) and issubclass(m, BaseModel) and "type" in m.model_fields
            }
            kind = value.get("type") if isinstance(value, dict) else None
            return by_type.get(kind)
        else:
            return annotation


_PLAIN_MESSAGES = {
    "missing": "is required but missing",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": (
        "must be an id of lowercase letters, digits and single dashes (for example 'shared-purpose')"
    ),
    "dict_type": "expected a mapping (key: value pairs)",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "model_type": "expected a mapping (key: value pairs)",
    "model_attributes_type": "expected a mapping (key: value pairs)",
}


def _translate(
    exc: ValidationError,
    data: Any,
    lines: Mapping[tuple[str | int, ...], int],
    name: str,
) -> list[BankError]:
    errors: list[BankError] = []
    found_consistency = False
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, BankConsistencyError):
            found_consistency = True
            for loc, msg in cause.issues:
                errors.append(
                    BankError(name, _line_for(loc, lines), _format_path(loc) + _item_context(loc, data), msg)
                )
            continue
        loc = _strip_union_tags(err["loc"])
        if err["type"] == "too_short" and _long_enough(err):
            # "at least 1 item after validation, not 0": the entries are there but each one failed,
            # and those failures are reported on their own; "needs at least 1 entry" would mislead.
            continue
        if len(loc) >= 2 and loc[-2] == "poles" and err["type"] == "missing":
            loc = loc[:-1]  # a missing second pole is a wrong count of poles, not a missing field
            err = {**err, "type": "too_short"}
        message = _message_for(err, loc, data)
        path = _format_path(loc)
        context = _item_context(loc, data)
        errors.append(BankError(name, _line_for(loc, lines), path + context, message))
    if not found_consistency:
        # pydantic stops before the cross-field checks when a field is malformed; run them on
        # the raw data so the author sees every problem at once.
        for loc, msg in _consistency_issues(data):
            errors.append(
                BankError(name, _line_for(loc, lines), _format_path(loc) + _item_context(loc, data), msg)
            )
    return errors


def _long_enough(err: Any) -> bool:
    given, needed = err.get("input"), (err.get("ctx") or {}).get("min_length")
    return isinstance(given, list | tuple | dict) and isinstance(needed, int) and len(given) >= needed


def _item_context(loc: tuple[str | int, ...], data: Any) -> str:
    """Name the item or domain by id, so a reader can find it without counting."""
    for end in (4, 2):
        if len(loc) >= end and loc[0] == "domains":
            target = _lookup(data, loc[:end])
            if isinstance(target, dict) and isinstance(target.get("id"), str):
                kind = "item" if end == 4 else "domain"
                return f" (in {kind} '{target['id']}')"
    return ""


def _message_for(err: Any, loc: tuple[str | int, ...], data: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], data)
        allowed = ", ".join(model.model_fields) if model else ""
        hint = f"; expected only: {allowed}" if allowed else ""
        return f"'{loc[-1]}' is not a known field (check the spelling){hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        found = ctx.get("tag")
        found_text = f", found {found!r}" if found else ""
        return f"'type' must be one of {', '.join(ITEM_TYPES)}{found_text}"
    if kind == "too_short":
        if loc and loc[-1] == "poles":
            return "a spectrum item needs exactly two poles (a list of two texts)"
        return f"needs at least {ctx.get('min_length')} entr{'y' if ctx.get('min_length') == 1 else 'ies'}"
    if kind == "too_long":
        if loc and loc[-1] == "poles":
            return "a spectrum item needs exactly two poles (a list of two texts)"
        return f"may have at most {ctx.get('max_length')} entries"
    if kind == "string_too_long":
        return f"is too long; at most {ctx.get('max_length')} characters"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{err['msg'].replace('Input should be', 'must be')}, found {err.get('input')!r}"
    plain = _PLAIN_MESSAGES.get(kind)
    if plain:
        found = err.get("input")
        if kind != "missing" and not isinstance(found, (dict, list)):
            return f"{plain}, found {_describe(found)}"
        return plain
    return str(err["msg"])


def bank_as_json(bank: QuestionBank) -> str:
    return json.dumps(bank.model_dump(mode="json"), indent=2, ensure_ascii=False)
