"""A second version of the shipped bank, made by editing its text as the bank editor would save it."""

from __future__ import annotations

from tests.conftest import PROJECT_ROOT

SHIPPED_BANK_TEXT = (PROJECT_ROOT / "questions.yaml").read_text(encoding="utf-8")

STATED_BEFORE = (
    "Our partnership has a written statement of purpose, framed around local people's needs, "
    "that every partner organisation has agreed."
)
STATED_AFTER = (
    "Our partnership has a written purpose, built on residents' needs, that every partner has agreed."
)
DESCRIPTOR_BEFORE = "Hard decisions are settled by the biggest budget holder or by national instruction"
DESCRIPTOR_AFTER = (
    "Hard decisions are settled by whoever holds the largest budget, or by national instruction"
)

# Version 2 of the shipped bank, as a facilitator's editor would save it: one question reworded,
# one level descriptor changed, one question replaced by a new one (a new id), the rest unchanged.
SECOND_VERSION = (
    SHIPPED_BANK_TEXT.replace('version: "1.0.0"', 'version: "2.0.0"', 1)
    .replace(STATED_BEFORE, STATED_AFTER, 1)
    .replace(DESCRIPTOR_BEFORE, DESCRIPTOR_AFTER, 1)
    .replace("id: shared-purpose-community-voice", "id: shared-purpose-community-say", 1)
)
