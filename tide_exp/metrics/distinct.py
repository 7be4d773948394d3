"""Distinct-n (Li et al., 2016): the share of n-grams that are unique, two ways.

- Corpus-level (``distinct_1``, ``distinct_2``): distinct n-grams over all replies of the evaluated
  set divided by all n-grams of the set. One number per set; it falls as the set grows. This is
  the definition the paper's Distinct column is consistent with (see docs/metrics.md).
- Per-response (``distinct_1_response``, ``distinct_2_response``): the same ratio inside each reply,
  averaged over replies; a reply with no n-gram (empty, or one word for n=2) scores 0.

Tokens: words from :mod:`tide_exp.metrics.tokenization` (``treebank`` by default, as METEOR),
then lower-cased; punctuation marks are tokens too.
"""

from __future__ import annotations

from typing import Any

from tide_exp.metrics.tokenization import get_tokenizer


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """The n-grams of a token list, in order."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _tokens(texts: list[str], tokenizer: str, lowercase: bool) -> list[list[str]]:
    tokenize = get_tokenizer(tokenizer)
    return [[t.lower() for t in tokenize(text)] if lowercase else tokenize(text) for text in texts]


def distinct_n_response(
    texts: list[str], n: int, tokenizer: str = "treebank", lowercase: bool = True
) -> list[float]:
    """Per-reply distinct-n: unique n-grams / n-grams of each reply (0 when it has none)."""
    scores = []
    for tokens in _tokens(texts, tokenizer, lowercase):
        grams = ngrams(tokens, n)
        scores.append(len(set(grams)) / len(grams) if grams else 0.0)
    return scores


def distinct_n_corpus(
    texts: list[str], n: int, tokenizer: str = "treebank", lowercase: bool = True
) -> float:
    """Corpus distinct-n: unique n-grams over the whole set / all n-grams of the set (0 if none)."""
    grams = [g for tokens in _tokens(texts, tokenizer, lowercase) for g in ngrams(tokens, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def describe_distinct(
    n: int, level: str, tokenizer: str = "treebank", lowercase: bool = True
) -> dict[str, Any]:
    """What scores.json records about a distinct-n run."""
    import nltk

    return {
        "n": n,
        "level": level,
        "definition": "unique n-grams / n-grams over the set"
        if level == "corpus"
        else "mean over replies of unique n-grams / n-grams",
        "tokenizer": tokenizer,
        "lowercase": lowercase,
        "versions": {"nltk": nltk.__version__},
    }
