"""Each page run headless through Streamlit's AppTest, as a facilitator would use it."""

from __future__ import annotations

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from assessment.framework import QuestionBank, citation
from tests.app.conftest import open_as_facilitator
from tests.banks import small_bank_data
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.app

APP = str(PROJECT_ROOT / "app.py")


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def open_question_bank() -> AppTest:
    at = run_app()
    at.switch_page("views/question_bank.py")
    at.run()
    assert not at.exception, at.exception
    return at


def open_question_bank_signed_in(facilitator: int) -> AppTest:
    # Checking an uploaded file is for a signed-in facilitator; reading the bank is for anyone.
    return open_as_facilitator(facilitator, "views/question_bank.py")


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_home_page_explains_the_assessment_and_counts_the_bank(shipped_bank: QuestionBank) -> None:
    at = run_app()
    assert at.title[0].value == "ICS Readiness"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Domains": "14", "Questions": "56", "Maturity stages": "4"}
    text = all_markdown(at)
    assert "Everyone answers privately" in text
    assert f"fewer than {shipped_bank.anonymity_threshold} people is withheld" in text
    assert "Mind the gaps" in text and "Delegation to place" in text


def test_the_question_bank_page_lists_every_domain(shipped_bank: QuestionBank) -> None:
    at = open_question_bank()
    assert at.title[0].value == "Question bank"
    domain = at.selectbox(key="bank_domain")
    assert domain.options == [d.title for d in shipped_bank.domains]


def test_choosing_a_domain_shows_its_items_with_every_level_descriptor(shipped_bank: QuestionBank) -> None:
    at = open_question_bank()
    chosen = shipped_bank.domain("mind-the-gaps")
    at.selectbox(key="bank_domain").set_value("mind-the-gaps").run()
    assert not at.exception
    text = all_markdown(at).replace("\\", "")
    first = chosen.items[0]
    assert first.text in text
    for level in shipped_bank.scale:
        assert level.label in text
    assert first.type == "maturity" and all(d in text for d in first.levels.values())  # type: ignore[union-attr]
    captions = "\n".join(c.value for c in at.caption).replace("\\", "")
    assert f"Source: {citation(first.source)}" in captions


def test_a_spectrum_item_shows_both_poles(shipped_bank: QuestionBank) -> None:
    at = open_question_bank()
    at.selectbox(key="bank_domain").set_value("partnership-or-oversight").run()
    text = all_markdown(at).replace("\\", "")
    spectrum = next(i for i in shipped_bank.domain("partnership-or-oversight").items if i.type == "spectrum")
    assert spectrum.poles[0] in text and spectrum.poles[1] in text  # type: ignore[union-attr]


def test_uploading_a_valid_bank_says_it_is_valid_with_its_summary(facilitator: int) -> None:
    at = open_question_bank_signed_in(facilitator)
    at.file_uploader(key="bank_upload").set_value(
        ("mine.yaml", yaml.safe_dump(small_bank_data()).encode(), "application/x-yaml")
    )
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("This bank is valid: 3 domains, 6 items")
    assert not at.error


def test_uploading_a_broken_bank_lists_every_problem_as_a_table(facilitator: int) -> None:
    data = small_bank_data()
    del data["domains"][0]["items"][0]["help"]
    data["domains"][1]["items"][0]["levels"].pop("thriving")
    at = open_question_bank_signed_in(facilitator)
    at.file_uploader(key="bank_upload").set_value(
        ("broken.yaml", yaml.safe_dump(data, sort_keys=False).encode(), "application/x-yaml")
    )
    at.run()
    assert not at.exception
    assert "This bank has 2 problems" in at.error[0].value
    table = at.table[0].value
    assert list(table.columns) == ["Line", "Where", "What is wrong"]
    where = [w.replace("\\", "") for w in table["Where"]]
    assert any("domains[0].items[0].help" in w for w in where)
    assert any("'thriving'" in what for what in table["What is wrong"])


def test_hostile_text_in_an_uploaded_bank_is_shown_as_data_not_markup(facilitator: int) -> None:
    hostile = "<script>alert(1)</script>"
    at = open_question_bank_signed_in(facilitator)
    data = small_bank_data()
    data[hostile] = "[link](https://example.com)"
    at.file_uploader(key="bank_upload").set_value(
        ("x.yaml", yaml.safe_dump(data).encode(), "application/x-yaml")
    )
    at.run()
    assert not at.exception
    assert at.error, "the unknown field should be reported"
    assert all(hostile not in m.value for m in at.markdown)
    cells = " ".join(str(v) for v in at.table[0].value.to_numpy().ravel())
    assert "\\<script\\>" in cells  # escaped, so st.table shows it as text


def test_the_question_bank_page_cites_each_source_in_words_not_as_a_seed_number(
    shipped_bank: QuestionBank,
) -> None:
    at = open_question_bank()
    at.selectbox(key="bank_domain").set_value("mind-the-gaps").run()
    captions = [c.value.replace("\\", "") for c in at.caption if c.value.startswith("Source:")]
    assert len(captions) == len(shipped_bank.domain("mind-the-gaps").items)
    assert [c for c in captions if "seed" in c.lower()] == []
    assert any("“" in c for c in captions)  # a title in quotes, as a citation gives it


def test_the_question_bank_page_sends_a_signed_out_visitor_to_the_sign_in_form_itself() -> None:
    at = open_question_bank()
    said = " ".join(i.value for i in at.info)
    assert "Checking a bank file is for facilitators" in said
    links = " ".join(m.value for m in at.markdown)
    assert (
        'href="/account/sign-in' in links
    )  # the form that sets the sign-in, not a page that only points to it
    assert not at.get("page_link")
