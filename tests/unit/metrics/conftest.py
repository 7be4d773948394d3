"""Fixture texts for the metric tests: real English replies vs references, Chinese for Study B."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "metrics"

# Edge cases every per-pair metric is checked on (the reference implementations too).
EDGE_PAIRS = [
    ("Okay.", "It sounds like today was a lot; I'm here if you want to talk."),  # one word
    ("...", "That sounds really painful."),  # punctuation only
    ("!!! ??", "?!"),  # punctuation only, both sides
    (
        "Ça va, I'm naïve about café résumés — sorry!",
        "I'm sorry; that café sounds stressful.",
    ),  # non-ASCII
    ("I hear you.", "I hear you."),  # identical
]


def _read(name: str) -> list[dict]:
    with (ASSETS / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def english_pairs() -> tuple[list[str], list[str]]:
    rows = _read("pairs_en.jsonl")
    return [r["prediction"] for r in rows], [r["reference"] for r in rows]


@pytest.fixture(scope="session")
def english_rows() -> list[dict]:
    return _read("pairs_en.jsonl")


@pytest.fixture(scope="session")
def chinese_rows() -> list[dict]:
    return _read("pairs_zh.jsonl")


@pytest.fixture(scope="session")
def pairs_with_edges(english_pairs) -> tuple[list[str], list[str]]:
    preds, refs = english_pairs
    return preds + [p for p, _ in EDGE_PAIRS], refs + [r for _, r in EDGE_PAIRS]
