"""Offline empathy-mechanism proxies on hand-written replies, and their place in the suite."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tide_exp.metrics import score_texts
from tide_exp.metrics.empathy import MECHANISMS, mechanism_score

CASES = [
    ("It sounds like you feel completely overwhelmed right now.", "emotion_recognition", 1.0),
    ("You must be exhausted after all of that.", "emotion_recognition", 1.0),
    ("That is a lot of stress.", "emotion_recognition", 0.0),
    ("Being scared is hard.", "emotion_recognition", 0.5),
    ("Have you tried going for a walk?", "emotion_recognition", 0.0),
    (
        "It's completely understandable to feel angry after what happened.",
        "distress_normalization",
        1.0,
    ),
    ("Many survivors feel numb for months afterwards.", "distress_normalization", 1.0),
    ("You're not alone.", "distress_normalization", 0.5),
    ("You should exercise more.", "distress_normalization", 0.0),
    ("What I'm hearing is that the nights are the hardest part.", "supportive_reflection", 1.0),
    ("You mentioned your sister helps.", "supportive_reflection", 1.0),
    ("Thank you for sharing this with me.", "supportive_reflection", 0.5),
    ("Drink water and sleep early.", "supportive_reflection", 0.0),
]


@pytest.mark.parametrize(("reply", "mechanism", "score"), CASES)
def test_proxy_on_hand_written_replies(reply, mechanism, score):
    assert mechanism_score(reply, mechanism) == score


def test_curly_apostrophes_read_as_straight():
    assert (
        mechanism_score("It\u2019s completely normal to feel that way.", "distress_normalization")
        == 1.0
    )


def test_registered_in_the_suite_per_sample():
    replies = ["It sounds like you feel alone. You're not alone.", "ok"]
    result = score_texts(replies, ["", ""], {m: {} for m in MECHANISMS})
    assert result["per_sample"][0] == {
        "emotion_recognition": 1.0,
        "distress_normalization": 0.5,
        "supportive_reflection": 1.0,
    }
    assert result["metrics"]["supportive_reflection"]["mean"] == 0.5


@given(st.text(max_size=300))
def test_scores_are_one_of_three_levels(text):
    assert {mechanism_score(text, m) for m in MECHANISMS} <= {0.0, 0.5, 1.0}
