"""Cosine, METEOR and ROUGE-L equal their reference implementations pair by pair."""

from __future__ import annotations

import pytest

from tide_exp.metrics.embedding import cosine, load_sentence_encoder
from tide_exp.metrics.meteor import meteor
from tide_exp.metrics.rouge import rouge_l
from tide_exp.metrics.tokenization import get_tokenizer, treebank_tokenize


def test_cosine_equals_sentence_transformers(pairs_with_edges):
    from sentence_transformers import util

    preds, refs = pairs_with_edges
    encoder = load_sentence_encoder()
    # Reference: each text encoded on its own (no batching, no dedup), sentence-transformers' cosine.
    expected = [
        util.cos_sim(
            encoder.encode(p, convert_to_tensor=True), encoder.encode(r, convert_to_tensor=True)
        ).item()
        for p, r in zip(preds, refs, strict=True)
    ]
    assert cosine(preds, refs) == pytest.approx(expected, abs=1e-4)
    assert cosine(["I hear you."], ["I hear you."])[0] == pytest.approx(1.0, abs=1e-5)


def test_cosine_of_empty_text_is_defined():
    value = cosine([""], ["I'm here for you."])[0]
    assert -1.0 <= value <= 1.0


def test_meteor_equals_nltk(pairs_with_edges):
    from nltk.corpus import wordnet
    from nltk.translate.meteor_score import meteor_score

    preds, refs = pairs_with_edges
    expected = [
        meteor_score([treebank_tokenize(r)], treebank_tokenize(p), wordnet=wordnet)
        for p, r in zip(preds, refs, strict=True)
    ]
    assert meteor(preds, refs) == pytest.approx(expected, abs=1e-12)
    assert max(expected) > 0.2  # real overlap in the fixtures, not all zeros


def test_meteor_uses_wordnet_synonyms():
    # "hard" and "difficult" share a WordNet synset: only the synonym stage can match them. (NLTK
    # matches synonyms against the *stemmed* leftovers, so e.g. glad/happy -> "happi" never match.)
    from nltk.translate.meteor_score import meteor_score

    class NoSynonyms:
        def synsets(self, word):
            return []

    pred, ref = (
        ["that", "sounds", "so", "hard", "for", "you"],
        ["that", "sounds", "so", "difficult", "for", "you"],
    )
    with_wordnet = meteor([" ".join(pred)], [" ".join(ref)], tokenizer="whitespace")[0]
    assert with_wordnet > meteor_score([ref], pred, wordnet=NoSynonyms())
    assert with_wordnet == pytest.approx(meteor_score([ref], pred), abs=1e-12)


def test_meteor_edge_cases():
    assert meteor(["", "Okay."], ["I'm here.", ""]) == [0.0, 0.0]
    # A one-token exact match: F = 1, one chunk per match -> penalty 0.5 * 1**3.
    assert meteor(["你好"], ["你好"]) == [0.5]
    assert meteor(["Ça va"], ["ça va"]) == [pytest.approx(1 - 0.5 * 0.5**3)]  # lower-cased


@pytest.mark.parametrize("use_stemmer", [True, False])
def test_rouge_l_equals_rouge_score(pairs_with_edges, use_stemmer):
    from rouge_score import rouge_scorer

    preds, refs = pairs_with_edges
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=use_stemmer)
    expected = [scorer.score(r, p)["rougeL"].fmeasure for p, r in zip(preds, refs, strict=True)]
    assert rouge_l(preds, refs, use_stemmer=use_stemmer) == pytest.approx(expected, abs=1e-12)


def test_rouge_l_stemming_matters_and_chinese_scores_zero():
    assert (
        rouge_l(["she was running"], ["she runs"], use_stemmer=True)[0]
        > rouge_l(["she was running"], ["she runs"], use_stemmer=False)[0]
    )
    assert rouge_l(["我理解你"], ["我理解你"]) == [0.0]  # rouge-score keeps only [a-z0-9]


def test_treebank_tokenizer_splits_sentence_final_periods():
    assert treebank_tokenize("I hear you. That's hard!") == [
        "I",
        "hear",
        "you",
        ".",
        "That",
        "'s",
        "hard",
        "!",
    ]
    assert get_tokenizer("chars")("你 好") == ["你", "好"]
    with pytest.raises(KeyError, match="treebank"):
        get_tokenizer("nope")
