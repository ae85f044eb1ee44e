"""The bank loader: valid banks load, and every broken one is refused with a precise message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessment.framework import (
    MAX_BANK_BYTES,
    AccountabilityItem,
    BankValidationError,
    MaturityItem,
    QuestionBank,
    load_bank,
    parse_bank,
)
from tests.banks import small_bank, small_bank_data


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def errors_for(text: str | bytes) -> list[str]:
    with pytest.raises(BankValidationError) as caught:
        parse_bank(text, name="bank.yaml")
    return [str(e) for e in caught.value.errors]


def line_of(text: str, line: int | None) -> str:
    assert line is not None, "the error should name a line"
    return text.splitlines()[line - 1]


def test_a_valid_small_bank_loads_with_its_counts() -> None:
    bank = small_bank()
    assert bank.summary() == "3 domains, 6 items (3 maturity, 2 spectrum, 1 accountability)"
    assert bank.level_ids == ("emerging", "developing", "maturing", "thriving")
    assert bank.max_level == 4


def test_an_accountability_item_without_tiers_takes_the_banks_tier_list() -> None:
    item = small_bank().item("trust-buck")
    assert isinstance(item, AccountabilityItem)
    assert [t.id for t in item.tiers][-1] == "unclear"
    assert "place-partnership" in [t.id for t in item.tiers]


def test_models_are_frozen_so_a_loaded_bank_cannot_be_changed_by_accident() -> None:
    bank = small_bank()
    with pytest.raises(ValueError, match="frozen"):
        bank.domains[0].items[0].text = "changed"  # type: ignore[misc]


Mutation = Callable[[dict[str, Any]], None]


def _item(data: dict[str, Any], domain: int = 0, item: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = data["domains"][domain]["items"][item]
    return result


BROKEN: dict[str, tuple[Mutation, str, str]] = {
    # name: (how to break the bank, the path the error names, words the message contains)
    "unknown field on an item": (
        lambda d: _item(d).update(levles={}),
        "domains[0].items[0].levles",
        "is not a known field",
    ),
    "missing help on an item": (
        lambda d: _item(d).pop("help"),
        "domains[0].items[0].help",
        "is required but missing",
    ),
    "unknown top-level field": (
        lambda d: d.update(anonimity_threshold=3),
        "anonimity_threshold",
        "expected only: id, version, title",
    ),
    "duplicate item ids across domains": (
        lambda d: _item(d, 1, 0).update(id="purpose-stated"),
        "domains[1].items[0].id",
        "already used at domains[0].items[0]",
    ),
    "duplicate domain ids": (
        lambda d: d["domains"][1].update(id="purpose"),
        "domains",
        "domain id 'purpose' is used more than once",
    ),
    "maturity item missing a level descriptor": (
        lambda d: _item(d)["levels"].pop("thriving"),
        "domains[0].items[0].levels",
        "missing a descriptor for level(s) 'thriving'",
    ),
    "maturity item with a level not on the scale": (
        lambda d: _item(d)["levels"].update(excellent="Beyond thriving."),
        "domains[0].items[0].levels",
        "level(s) 'excellent' are not on the scale",
    ),
    "empty domain": (
        lambda d: d["domains"][2].update(items=[]),
        "domains[2].items",
        "needs at least 1 entry",
    ),
    "spectrum with one pole": (
        lambda d: _item(d, 0, 2).update(poles=["Only one"]),
        "domains[0].items[2].poles",
        "exactly two poles",
    ),
    "spectrum with three poles": (
        lambda d: _item(d, 0, 2).update(poles=["One", "Two", "Three"]),
        "domains[0].items[2].poles",
        "exactly two poles",
    ),
    "accountability item without functions": (
        lambda d: _item(d, 1, 1).update(functions=[]),
        "domains[1].items[1].functions",
        "needs at least 1 entry",
    ),
    "accountability tiers without unclear": (
        lambda d: _item(d, 1, 1).update(tiers=[{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]),
        "domains[1].items[1].tiers",
        "must include 'unclear'",
    ),
    "unknown item type": (
        lambda d: _item(d).update(type="likert"),
        "domains[0].items[0]",
        "'type' must be one of maturity, spectrum, accountability, found 'likert'",
    ),
    "id with capitals and spaces": (
        lambda d: _item(d).update(id="Purpose Stated"),
        "domains[0].items[0].id",
        "lowercase letters, digits and single dashes",
    ),
    "anonymity threshold of zero": (
        lambda d: d.update(anonymity_threshold=0),
        "anonymity_threshold",
        "greater than or equal to 1",
    ),
    "split share above one": (
        lambda d: d["split_rule"].update(share=1.5),
        "split_rule.share",
        "less than or equal to 1",
    ),
    "domains given as a mapping instead of a list": (
        lambda d: d.update(domains={"purpose": {}}),
        "domains",
        "expected a list",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_a_broken_bank_is_refused_naming_the_path_line_and_what_was_expected(case: str) -> None:
    mutate, path, words = BROKEN[case]
    data = small_bank_data()
    mutate(data)
    text = dump(data)
    with pytest.raises(BankValidationError) as caught:
        parse_bank(text, name="bank.yaml")
    matching = [e for e in caught.value.errors if e.path.startswith(path) and words in e.message]
    assert matching, f"no error at {path} saying {words!r}; got {[str(e) for e in caught.value.errors]}"
    error = matching[0]
    assert error.file == "bank.yaml"
    assert str(error).startswith(f"bank.yaml:{error.line}: {path}")
    # the line named is where the offending field (or its parent) starts in the file
    last_key = next(
        (p for p in reversed(path.replace("]", "").replace("[", ".").split(".")) if not p.isdigit()), ""
    )
    nearby = "\n".join(text.splitlines()[max(0, (error.line or 1) - 2) : (error.line or 1) + 1])
    assert last_key in nearby or "- id:" in nearby


def test_every_problem_in_a_bank_is_reported_not_only_the_first() -> None:
    data = small_bank_data()
    _item(data).pop("help")
    _item(data, 0, 1).update(colour="blue")
    _item(data, 1, 0).pop("source")
    errors = errors_for(dump(data))
    assert len(errors) == 3
    assert any("domains[0].items[0].help" in e for e in errors)
    assert any("domains[0].items[1].colour" in e for e in errors)
    assert any("domains[1].items[0].source" in e for e in errors)


def test_an_error_inside_an_item_names_that_item_by_id() -> None:
    data = small_bank_data()
    _item(data, 1, 0).pop("text")
    _item(data, 0, 1)["levels"].pop("emerging")
    errors = errors_for(dump(data))
    assert any("items[0].text (in item 'trust-relationships')" in e for e in errors)
    assert any("items[1].levels (in item 'purpose-lived')" in e for e in errors)


def test_a_yaml_syntax_error_names_its_line() -> None:
    text = dump(small_bank_data()).replace("title: Test bank", "title: [unclosed", 1)
    (error,) = errors_for(text)
    assert "YAML syntax error" in error
    line = int(error.split(":")[1])
    assert 1 <= line <= len(text.splitlines())


def test_a_file_that_is_a_list_not_a_mapping_is_refused() -> None:
    (error,) = errors_for("- one\n- two\n")
    assert "expected a mapping" in error and "found a list" in error


def test_an_empty_file_is_refused() -> None:
    (error,) = errors_for("")
    assert "the file is empty" in error


def test_a_file_that_is_not_utf8_is_refused_with_the_line_of_the_bad_byte() -> None:
    text = dump(small_bank_data())
    raw = text.replace("Shared purpose", "Shared p\u00fcrpose").encode("latin-1")
    (error,) = errors_for(raw)
    assert "not UTF-8" in error
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if "Shared purpose" in line)
    assert error.startswith(f"bank.yaml:{expected_line}:")


def test_a_utf8_byte_order_mark_is_accepted() -> None:
    bank = parse_bank(b"\xef\xbb\xbf" + dump(small_bank_data()).encode("utf-8"))
    assert bank.id == "test-bank"


def test_a_file_over_two_megabytes_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_BANK_BYTES // 10 + 1))
    with pytest.raises(BankValidationError) as caught:
        load_bank(big)
    assert "at most 2 MB" in str(caught.value)


def test_yaml_aliases_are_refused_so_a_billion_laughs_cannot_expand() -> None:
    laughs = "a: &a [lol, lol, lol]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nid: x\n"
    (error,) = errors_for(laughs)
    assert "anchors and aliases" in error


def test_a_key_given_twice_is_refused_rather_than_silently_overwritten() -> None:
    text = dump(small_bank_data()).replace("title: Test bank", "title: Test bank\ntitle: Other", 1)
    (error,) = errors_for(text)
    assert "the key 'title' appears twice" in error
    assert line_of(text, int(error.split(":")[1])).startswith("title: Other")


def test_python_specific_yaml_tags_are_refused_because_only_safe_load_is_used() -> None:
    text = dump(small_bank_data()).replace(
        "title: Test bank", "title: !!python/object/apply:os.system [echo]", 1
    )
    (error,) = errors_for(text)
    assert "YAML syntax error" in error


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BankValidationError, match="cannot read the file"):
        load_bank(tmp_path / "nope.yaml")


def test_maturity_and_spectrum_items_keep_their_type_specific_fields() -> None:
    bank = small_bank()
    item = bank.item("purpose-stated")
    assert isinstance(item, MaturityItem)
    assert set(item.levels) == set(bank.level_ids)
    assert bank.item("purpose-stance").type == "spectrum"
    with pytest.raises(KeyError):
        bank.item("nope")


def test_a_bank_built_directly_in_code_is_checked_as_strictly_as_a_file() -> None:
    data = small_bank_data()
    _item(data)["levels"].pop("emerging")
    with pytest.raises(ValueError, match="missing a descriptor"):
        QuestionBank.model_validate(data)


def test_the_clarity_flag_lives_in_the_bank_beside_the_split_rule_and_is_a_share() -> None:
    assert small_bank().clarity_flag == 0.6
    assert small_bank(clarity_flag=0.8).clarity_flag == 0.8
    problems = errors_for(dump({**small_bank_data(), "clarity_flag": 1.5}))
    assert any("clarity_flag" in problem for problem in problems), problems
