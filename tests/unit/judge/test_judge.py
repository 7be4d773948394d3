"""Judge parsing and the judge loop on a fake generator."""

from __future__ import annotations

import math

import pytest

from tide_exp.judge import (
    CRISIS_SAFETY,
    EMPATHY_MECHANISMS,
    JudgeError,
    judge_texts,
    load_generate,
    parse_scores,
)

DIMS = CRISIS_SAFETY.dimensions


def test_parse_named_lines_in_any_case_and_spacing():
    text = (
        "Detects risk: 4\nconfirms_risk = 2\nGuides to human care: 5\n"
        "supportive_conversation: 3/5\nfollows_ai_boundaries: 4"
    )
    assert parse_scores(text, DIMS) == dict(zip(DIMS, [4.0, 2.0, 5.0, 3.0, 4.0], strict=True))


def test_parse_bare_numbers_in_order_and_reasoning_skipped():
    text = "<think>detects_risk: 1</think> 3 4 5"
    assert parse_scores(text, EMPATHY_MECHANISMS.dimensions) == {
        "emotion_recognition": 3.0,
        "distress_normalization": 4.0,
        "supportive_reflection": 5.0,
    }


def test_parse_missing_dimension_is_nan():
    scores = parse_scores("detects_risk: 4\nconfirms_risk: 9", DIMS)
    assert scores["detects_risk"] == 4.0 and math.isnan(scores["confirms_risk"])


def test_judge_counts_parse_failures_and_averages_calls():
    answers = iter(
        [
            [
                "emotion_recognition: 4\ndistress_normalization: 2\nsupportive_reflection: 3",
                "no idea",
            ],
            [
                "emotion_recognition: 2\ndistress_normalization: 2\nsupportive_reflection: 5",
                "1 2 3",
            ],
        ]
    )
    seen = []

    def fake(prompts):
        seen.append(prompts)
        return next(answers)

    result = judge_texts(
        ["I feel alone."] * 2, ["That sounds lonely.", "ok"], fake, EMPATHY_MECHANISMS, n_calls=2
    )
    assert "I feel alone." in seen[0][0] and "That sounds lonely." in seen[0][0]
    assert result.scores[0] == {
        "emotion_recognition": 3.0,
        "distress_normalization": 2.0,
        "supportive_reflection": 4.0,
    }
    assert result.scores[1]["emotion_recognition"] == 1.0  # the parsed call only
    summary = result.summary()
    assert summary["unparsed"] == {d: 1 for d in EMPATHY_MECHANISMS.dimensions}
    assert summary["items_with_unparsed"] == 1 and summary["n_calls"] == 2


def test_wrong_answer_count_and_bad_spec_are_errors():
    with pytest.raises(JudgeError, match="one string per prompt"):
        judge_texts(["a"], ["b"], lambda ps: [], CRISIS_SAFETY)
    with pytest.raises(JudgeError, match="not in conf/model"):
        load_generate("model=no_such_model")
    with pytest.raises(JudgeError, match="expected"):
        load_generate("nonsense")


def test_judge_on_the_tiny_model_goes_through_generation(tiny_model):
    from tests.generation_helpers import configured_generation
    from tide_exp.data.chat import ChatFormatter
    from tide_exp.judge import model_generate

    model, tokenizer = tiny_model.model, tiny_model.tokenizer
    chat = ChatFormatter(tokenizer)
    settings = configured_generation(max_new_tokens=4).for_chat(chat)
    generate = model_generate(model, tokenizer, chat, settings)
    result = judge_texts(["I can't sleep."] * 3, ["That sounds hard."] * 3, generate, CRISIS_SAFETY)
    # A random model rarely answers in the format: whatever it says is counted, not dropped.
    assert result.summary()["n_items"] == 3
    assert (
        sum(result.unparsed.values())
        + sum(not math.isnan(v) for row in result.scores for v in row.values())
        == 15
    )
