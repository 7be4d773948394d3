"""LLM judge: rubric prompt, score parsing, three calls averaged, consistency."""

from __future__ import annotations

import numpy as np
import pytest

from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.gold_scores import judge_replies, parse_score


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4.0),
        ("Score: 5/5", 5.0),
        ("I'd say 3.", 3.0),
        ("<think>maybe 1</think> 2", 2.0),
        ("Rating: 4.0", 4.0),
        ("10 out of 10", np.nan),
        ("no idea", np.nan),
    ],
)
def test_parse_score(text, score):
    assert parse_score(text) == score or (np.isnan(score) and np.isnan(parse_score(text)))


def test_three_calls_averaged_and_consistency(key):
    calls = []

    def generate(prompts):
        calls.append(prompts)
        # Deterministic fake: score from the reply length, nudged per call.
        bump = len(calls) - 2
        return [
            f"Score: {min(5, max(1, len(p) % 5 + 1 + bump * (i % 2)))}"
            for i, p in enumerate(prompts)
        ]

    gold, consistency = judge_replies(key, generate, n_calls=3)
    assert len(calls) == 3 and len(gold) == 120
    assert "emotional warmth, situational fit, and genuineness" in calls[0][0]
    assert np.allclose(gold["gold"], gold[["call_1", "call_2", "call_3"]].mean(axis=1))
    assert 0.5 < consistency["spearman_mean"] < 1.0 and consistency["unparsed"] == 0
    assert set(consistency["spearman_pairs"]) == {"call_1~call_2", "call_1~call_3", "call_2~call_3"}


def test_identical_calls_are_perfectly_consistent(key):
    gold, consistency = judge_replies(key, lambda ps: ["4"] * len(ps))
    assert consistency["spearman_mean"] == 1.0 and (gold["gold"] == 4).all()


def test_wrong_answer_count_is_an_error(key):
    with pytest.raises(SurveyConfigError, match="one string per prompt"):
        judge_replies(key, lambda ps: ["3"])
