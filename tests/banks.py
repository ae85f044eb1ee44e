"""Small question banks for tests, built as plain dicts so each test can break one field."""

from __future__ import annotations

import copy
from typing import Any

from assessment.framework import QuestionBank

LEVELS = {
    "emerging": "We talk about it but nothing is written down.",
    "developing": "Some partners act on it; others have not started.",
    "maturing": "Most partners act on it and review it together.",
    "thriving": "Everyone acts on it and can show the evidence.",
}


def maturity(item_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "maturity",
        "text": f"How far along is {item_id}?",
        "help": "It matters because partners need the same picture.",
        "source": "seed 001 (test), insight 1",
        "levels": dict(LEVELS),
        **extra,
    }


def spectrum(item_id: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "spectrum",
        "text": f"Where does {item_id} sit?",
        "help": "Partners may want different things.",
        "source": "seed 004 (test), partnership or oversight",
        "poles": ["A partnership serving its members", "An oversight body managing them"],
    }


def accountability(item_id: str, functions: list[str]) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "accountability",
        "text": "Who holds accountability today?",
        "help": "Clarity on who answers for what.",
        "source": "seed 003 (test), where the buck stops",
        "functions": [{"id": f, "label": f.replace("-", " ").capitalize()} for f in functions],
    }


SMALL_BANK: dict[str, Any] = {
    "id": "test-bank",
    "version": "1",
    "title": "Test bank",
    "scale": [
        {"id": "emerging", "label": "Emerging", "description": "Starting."},
        {"id": "developing", "label": "Developing", "description": "Growing."},
        {"id": "maturing", "label": "Maturing", "description": "Established."},
        {"id": "thriving", "label": "Thriving", "description": "Excellent."},
    ],
    "sectors": [
        {"id": "nhs-trust", "label": "NHS trust"},
        {"id": "local-authority", "label": "Local authority"},
        {"id": "vcse", "label": "VCSE"},
    ],
    "anonymity_threshold": 3,
    "split_rule": {"share": 0.25, "distance": 1},
    "domains": [
        {
            "id": "purpose",
            "title": "Shared purpose",
            "description": "Why we exist.",
            "items": [maturity("purpose-stated"), maturity("purpose-lived"), spectrum("purpose-stance")],
        },
        {
            "id": "trust",
            "title": "Trust momentum",
            "description": "Relationships.",
            "items": [
                maturity("trust-relationships", weight=2),
                accountability("trust-buck", ["quality-failure", "overspend"]),
            ],
        },
        {
            "id": "stance",
            "title": "Stance only",
            "description": "A domain with no maturity items.",
            "items": [spectrum("stance-local")],
        },
    ],
}


def small_bank_data() -> dict[str, Any]:
    return copy.deepcopy(SMALL_BANK)


def small_bank(**overrides: Any) -> QuestionBank:
    return QuestionBank.model_validate({**small_bank_data(), **overrides})
