"""Questions of two bank versions are matched by id: rewording is always marked, sameness never."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assessment.cohorts import version_wording_note
from assessment.framework import DEFAULT_BANK_PATH, load_bank
from assessment.trends import (
    ADDED,
    REMOVED,
    REWORDED,
    QuestionChange,
    Worded,
    question_changes,
    worded_questions,
)

DOMAINS = ("governance", "purpose", "trust")
ids = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
words = st.text(alphabet="xyz ", min_size=1, max_size=6)


@st.composite
def two_versions(draw: st.DrawFn) -> tuple[list[Worded], list[Worded], set[str]]:
    """A version, and a next one that rewords some questions, drops some, adds some; plus the ids
    it rewords."""
    before = [
        Worded(domain=draw(st.sampled_from(DOMAINS)), id=i, text=t, wording=(t, *levels))
        for i, t, levels in draw(
            st.lists(st.tuples(ids, words, st.lists(words, max_size=3)), unique_by=lambda q: q[0], max_size=8)
        )
    ]
    after: list[Worded] = []
    reworded: set[str] = set()
    for question in before:
        fate = draw(st.sampled_from(("keep", "reword text", "reword a level", "drop")))
        if fate == "keep":
            after.append(question)
        elif fate == "reword text":
            text = question.text + " now"
            after.append(Worded(question.domain, question.id, text, (text, *question.wording[1:])))
            reworded.add(question.id)
        elif fate == "reword a level":
            after.append(
                Worded(question.domain, question.id, question.text, (*question.wording, "new level"))
            )
            reworded.add(question.id)
    taken = {q.id for q in before}
    for new in draw(st.lists(ids, unique=True, max_size=3)):
        if new not in taken:
            after.append(Worded(draw(st.sampled_from(DOMAINS)), new, "a new question", ("a new question",)))
    return before, after, reworded


@given(two_versions(), st.randoms())
def test_matching_by_id_does_not_depend_on_the_order_of_the_questions(
    versions: tuple[list[Worded], list[Worded], set[str]], random: object
) -> None:
    before, after, _ = versions
    shuffled_before, shuffled_after = list(before), list(after)
    random.shuffle(shuffled_before)  # type: ignore[attr-defined]
    random.shuffle(shuffled_after)  # type: ignore[attr-defined]
    assert set(question_changes(before, after, DOMAINS)) == set(
        question_changes(shuffled_before, shuffled_after, DOMAINS)
    )


@given(two_versions())
def test_a_reworded_question_is_always_marked_and_an_unchanged_one_never(
    versions: tuple[list[Worded], list[Worded], set[str]],
) -> None:
    before, after, reworded = versions
    found = {(question, change) for _, question, _, change in question_changes(before, after, DOMAINS)}
    assert {q for q, change in found if change == REWORDED} == reworded
    kept = {q.id for q in before} & {q.id for q in after}
    assert {q for q, change in found if change == ADDED} == {q.id for q in after} - kept
    assert {q for q, change in found if change == REMOVED} == {q.id for q in before} - kept
    unchanged = kept - reworded
    assert not any(q in unchanged for q, _ in found)


@given(two_versions())
def test_a_version_compared_with_itself_marks_nothing(
    versions: tuple[list[Worded], list[Worded], set[str]],
) -> None:
    before, after, _ = versions
    assert question_changes(before, before, DOMAINS) == question_changes(after, after, DOMAINS) == []
    assert version_wording_note([], "bank 1", "bank 2") == ""


def test_a_question_moved_to_another_domain_is_matched_by_its_id_not_added() -> None:
    before = [Worded("purpose", "q1", "Text", ("Text", "a"))]
    after = [Worded("trust", "q1", "Text", ("Text", "a"))]
    assert question_changes(before, after, {"trust"}) == []
    assert question_changes(before, after, {"purpose"}) == []


def test_the_shipped_bank_words_every_level_descriptor_into_a_question() -> None:
    bank = load_bank(DEFAULT_BANK_PATH)
    worded = {q.id: q for q in worded_questions(bank)}
    stated = worded["shared-purpose-stated"]
    assert stated.domain == "shared-purpose" and len(stated.wording) == 1 + len(bank.scale)
    assert len(worded) == sum(len(d.items) for d in bank.domains)


def test_each_kind_of_change_reads_in_words_naming_both_rounds() -> None:
    def change(kind: str) -> QuestionChange:
        return QuestionChange("Round 3", "Round 1", "purpose", "q", "Text", kind)

    assert change(REWORDED).words() == "wording changed in Round 3"
    assert change(ADDED).words() == "new in Round 3: absent from Round 1's version"
    assert change(REMOVED).words() == "absent from Round 3's version: asked in Round 1"
