"""Distinct-n (both levels), Study B lexicon metrics and the generic-reply rate."""

from __future__ import annotations

import math

import pytest

from tide_exp.metrics.distinct import distinct_n_corpus, distinct_n_response
from tide_exp.metrics.generic import generic_reply_flags
from tide_exp.metrics.lexicon import (
    advice_empathy_ratio,
    advice_markers,
    count_markers,
    empathy_markers,
    prescriptive_rate,
)


def test_distinct_corpus_and_response_differ_as_defined():
    texts = ["I hear you, I hear you.", "I hear you."]
    # tokens: [i hear you , i hear you .] and [i hear you .]
    assert distinct_n_response(texts, 1) == pytest.approx([5 / 8, 1.0])
    assert distinct_n_corpus(texts, 1) == pytest.approx(5 / 12)
    assert distinct_n_response(texts, 2) == pytest.approx(
        [5 / 7, 1.0]
    )  # i-hear, hear-you, you-",", ",-i", you-"."
    assert distinct_n_corpus(texts, 2) == pytest.approx(5 / 10)


def test_distinct_edge_cases():
    assert distinct_n_response(["", "Okay", "..."], 2) == [0.0, 0.0, 0.0]
    assert distinct_n_response(["Okay"], 1) == [1.0]
    assert distinct_n_corpus([""], 1) == 0.0
    assert distinct_n_corpus(["Hello hello"], 1) == 0.5  # lower-cased
    assert distinct_n_corpus(["Hello hello"], 1, lowercase=False) == 1.0
    assert distinct_n_corpus(["我很好", "我不好"], 1, tokenizer="chars") == pytest.approx(4 / 6)


def test_english_markers_with_exceptions_and_curly_apostrophes():
    text = "That must be so hard. You must rest, and you shouldn\u2019t blame yourself. I\u2019m sorry."
    assert count_markers(text, ("prescriptive",)) == 2  # "must rest", "shouldn't"; not "must be"
    assert count_markers(text, ("empathy",)) == 2  # "must be hard", "i'm sorry"
    assert count_markers("Musty smell, mustard.", ("prescriptive",)) == 0  # word boundaries


def test_chinese_markers_with_exceptions(chinese_rows):
    assert count_markers("你应该休息，别人也会累，他应该是忙了。", ("prescriptive",)) == 1
    assert count_markers("千万别放弃，我理解你", ("prescriptive",)) == 1
    preds = [r["prediction"] for r in chinese_rows]
    refs = [r["reference"] for r in chinese_rows]
    assert prescriptive_rate(preds) == [
        1.0,
        1.0,
        0.0,
        1.0,
    ]  # row 3 advises (建议, 最好) without obligation
    assert sum(advice_markers(preds)) > sum(advice_markers(refs))
    assert sum(empathy_markers(refs)) > sum(empathy_markers(preds))
    assert math.isnan(advice_empathy_ratio(preds))  # no empathy marker at all: undefined, not inf
    assert advice_empathy_ratio(refs) == 0.0
    assert advice_empathy_ratio(preds + refs) == pytest.approx(
        6 / 7
    )  # 应该 必须 | 不要 | 建议 最好 | 应该 / 7


def test_aer_is_a_ratio_of_totals_and_nan_without_empathy():
    preds = ["You should rest. Try to sleep.", "I hear you. That sounds hard."]
    assert advice_markers(preds) == [2.0, 0.0] and empathy_markers(preds) == [0.0, 2.0]
    assert advice_empathy_ratio(preds) == 1.0
    assert math.isnan(advice_empathy_ratio(["You should rest."]))
    assert prescriptive_rate(["", "...", "Okay"]) == [0.0, 0.0, 0.0]


def test_lexicon_dir_override(tmp_path):
    for category in ("advice", "prescriptive", "empathy"):
        for lang in ("en", "zh"):
            (tmp_path / f"{category}_{lang}.txt").write_text(
                "# none\n" + ("wow\n" if category == "empathy" and lang == "en" else ""),
                encoding="utf-8",
            )
    assert empathy_markers(["Wow, wow."], lexicon_dir=str(tmp_path)) == [2.0]


def test_generic_stock_phrase_and_recurring_ngrams(english_pairs):
    preds, _ = english_pairs
    flags = generic_reply_flags(preds, ngram=0)
    stock = [float("Have you considered joining a support group" in p) for p in preds]
    assert flags == stock and sum(stock) == 4
    replies = [
        "Thank you for sharing that with me today.",
        "Thank you for sharing that with me, it matters.",
        "That sounds hard.",
        "Rest well.",
    ]
    assert generic_reply_flags(replies, stock_phrases=[], ngram=5, max_share=0.3) == [
        1.0,
        1.0,
        0.0,
        0.0,
    ]
    assert generic_reply_flags(replies, stock_phrases=[], ngram=5, max_share=0.5) == [
        0.0,
        0.0,
        0.0,
        0.0,
    ]
    assert generic_reply_flags(["", "...", "有没有考虑加入互助小组"], ngram=3) == [0.0, 0.0, 0.0]
