"""How long a workshop's questions take to answer, from the domains chosen: a range in minutes.

Each kind of question takes its own time. A maturity question is read with every level's
descriptor and answered twice (where the partnership is now, where it should be), so its time
grows with the scale; a spectrum question is one position between two poles; an accountability
question asks a tier for each of its situations. The range runs from a quick, sure reader to a
careful one, plus the minute or two a participant spends joining (sector, role, the welcome).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from assessment.framework import AccountabilityItem, MaturityItem, QuestionBank, SpectrumItem

__all__ = ["AnsweringTime", "answering_time", "question_seconds"]

# Seconds, (quick, careful). A maturity question: a base for the question and its help, and per
# level of the scale, the descriptor read and weighed for two answers.
MATURITY_BASE = (20, 30)
MATURITY_PER_LEVEL = (5, 6)
SPECTRUM = (15, 25)
ACCOUNTABILITY_BASE = (10, 15)
ACCOUNTABILITY_PER_SITUATION = (8, 12)
JOINING = (60, 120)


@dataclass(frozen=True)
class AnsweringTime:
    """The answering time of a set of questions: ``low`` to ``high`` whole minutes."""

    questions: int
    low: int
    high: int

    def words(self) -> str:
        """'about 12 to 16 minutes' (or 'about 5 minutes' when the range rounds to one figure)."""
        if self.questions == 0:
            return "no questions chosen, so nothing to answer"
        if self.low == self.high:
            return f"about {self.low} {'minute' if self.low == 1 else 'minutes'}"
        return f"about {self.low} to {self.high} minutes"

    def sentence(self) -> str:
        """'56 questions: about 37 to 51 minutes to answer.'"""
        if self.questions == 0:
            return "No domains chosen: there are no questions to answer."
        noun = "question" if self.questions == 1 else "questions"
        return f"{self.questions} {noun}: {self.words()} to answer."


def question_seconds(item: MaturityItem | SpectrumItem | AccountabilityItem, levels: int) -> tuple[int, int]:
    """The quick and careful time of one question, in seconds, on a scale of ``levels`` levels."""
    if isinstance(item, MaturityItem):
        return (
            MATURITY_BASE[0] + MATURITY_PER_LEVEL[0] * levels,
            MATURITY_BASE[1] + MATURITY_PER_LEVEL[1] * levels,
        )
    if isinstance(item, SpectrumItem):
        return SPECTRUM
    situations = len(item.functions)
    return (
        ACCOUNTABILITY_BASE[0] + ACCOUNTABILITY_PER_SITUATION[0] * situations,
        ACCOUNTABILITY_BASE[1] + ACCOUNTABILITY_PER_SITUATION[1] * situations,
    )


def answering_time(bank: QuestionBank, domain_ids: Iterable[str]) -> AnsweringTime:
    """The time to answer the chosen domains' questions (ids not in the bank count for nothing,
    a domain chosen twice once): the quick total rounded down, the careful one rounded up."""
    chosen = set(domain_ids)
    low = high = questions = 0
    for domain in bank.domains:
        if domain.id not in chosen:
            continue
        for item in domain.items:
            quick, careful = question_seconds(item, bank.max_level)
            low, high, questions = low + quick, high + careful, questions + 1
    if questions == 0:
        return AnsweringTime(questions=0, low=0, high=0)
    low, high = low + JOINING[0], high + JOINING[1]
    return AnsweringTime(questions=questions, low=max(1, low // 60), high=math.ceil(high / 60))
