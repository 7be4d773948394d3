"""Distinct-n per reply and per chunk of 100 replies: the value does not grow or shrink with the set."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.util import ngrams as nltk_ngrams

from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.metrics import score_texts
from tide_exp.metrics.distinct import distinct_n_chunks, distinct_n_corpus, distinct_n_response
from tide_exp.metrics.tokenization import treebank_tokenize

REPLIES = [e.reference_response for e in load_tide_folder()]


def _reference_distinct(texts: list[str], n: int) -> float:
    """Distinct-n counted with NLTK's ngrams over the same (tested) tokens."""
    grams = [g for t in texts for g in nltk_ngrams([w.lower() for w in treebank_tokenize(t)], n)]
    return len(set(grams)) / len(grams)


def test_chunks_equal_the_reference_on_each_run_of_100_replies():
    texts = REPLIES[:250]
    for n in (1, 2):
        chunks = distinct_n_chunks(texts, n, 100)
        assert len(chunks) == 2  # the last 50 replies are left out: every value covers 100
        assert chunks == [
            _reference_distinct(texts[0:100], n),
            _reference_distinct(texts[100:200], n),
        ]


def test_chunk_value_does_not_fall_with_the_set_size_as_corpus_distinct_does():
    small, large = REPLIES[:100], REPLIES[:400]
    assert distinct_n_corpus(large, 1) < distinct_n_corpus(small, 1) - 0.01
    chunk_small = statistics.fmean(distinct_n_chunks(small, 1, 100))
    chunk_large = statistics.fmean(distinct_n_chunks(large, 1, 100))
    assert abs(chunk_large - chunk_small) < abs(
        distinct_n_corpus(large, 1) - distinct_n_corpus(small, 1)
    )


@given(st.lists(st.sampled_from(REPLIES[:30]), min_size=1, max_size=300))
@settings(max_examples=30, deadline=None)
def test_repeating_the_set_leaves_the_chunk_mean_unchanged(texts):
    size = 10
    whole = texts[: len(texts) - len(texts) % size] or texts
    once = statistics.fmean(distinct_n_chunks(whole, 2, size))
    twice = statistics.fmean(distinct_n_chunks(whole + whole, 2, size))
    if len(whole) >= size:
        assert abs(once - twice) < 1e-12


def test_suite_reports_chunks_and_reply_level():
    texts = REPLIES[:230]
    out = score_texts(
        texts, texts, {"distinct_1_chunk100": {}, "distinct_1_reply": {}, "distinct_1": {}}
    )
    chunk = out["metrics"]["distinct_1_chunk100"]
    values = distinct_n_chunks(texts, 1, 100)
    assert chunk["level"] == "chunk" and chunk["chunks"] == 2 and not chunk["partial"]
    assert chunk["mean"] == statistics.fmean(values)
    assert chunk["std"] == statistics.pstdev(values)
    reply = out["metrics"]["distinct_1_reply"]
    assert reply["mean"] == statistics.fmean(distinct_n_response(texts, 1))
    assert "distinct_1_chunk100" not in out["per_sample"][0]
    short = score_texts(texts[:8], texts[:8], {"distinct_1_chunk100": {}})["metrics"]
    assert short["distinct_1_chunk100"]["partial"] and short["distinct_1_chunk100"]["chunks"] == 1
    assert out["config"]["distinct_1_chunk100"]["chunk_size"] == 100
