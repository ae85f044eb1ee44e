"""One hierarchy of refusals: whatever a person can be refused, the pages and the command line
recognise it as a refusal and show its words, never a traceback."""

from __future__ import annotations

import pytest

from assessment.answers import IncompleteAnswer
from assessment.auth import SignInRefused
from assessment.cli import BadInput
from assessment.db import AnsweringClosed, AnswerNotComplete
from assessment.errors import Forbidden, Invalid, NotFound, Refused
from assessment.framework import BankValidationError
from assessment.io import ImportRejected
from assessment.lifecycle import TransitionRefused
from ui.errors import refusal_text


@pytest.mark.parametrize(
    ("refusal", "kind"),
    [
        (SignInRefused, Forbidden),
        (AnsweringClosed, Forbidden),
        (TransitionRefused, Invalid),
        (ImportRejected, Invalid),
        (BankValidationError, Invalid),
        (IncompleteAnswer, Invalid),
        (AnswerNotComplete, Invalid),
        (BadInput, Invalid),
        (NotFound, Refused),
    ],
)
def test_every_refusal_a_person_can_meet_has_the_one_root_and_says_why(refusal: type, kind: type) -> None:
    assert issubclass(refusal, kind)
    assert issubclass(refusal, Refused)


def test_a_refusal_is_shown_with_what_was_being_done_and_its_words_escaped() -> None:
    shown = refusal_text("rename the cohort", Invalid("a cohort called '*North*' already exists."))
    assert shown == r"Could not rename the cohort: a cohort called '\*North\*' already exists."


def test_a_refusal_without_words_still_says_something() -> None:
    assert refusal_text("close the workshop", Forbidden("")) == (
        "Could not close the workshop: the request was refused."
    )
