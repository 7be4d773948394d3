"""Generic-reply rate: the share of replies that contain stock phrases.

A reply counts as generic when it contains (a) a phrase of a configurable stock list, the ones Study
A found small models repeat, or (b) a word n-gram that recurs in more than ``max_share`` of the
replies of the evaluated set (at least two replies), i.e. the model's own boilerplate. Matching is on
lower-cased tokens (``treebank`` by default) with punctuation dropped, so "Have you considered
joining a support group?" matches whatever follows the phrase. Chinese text: use ``tokenizer:
chars``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from tide_exp.metrics.distinct import ngrams
from tide_exp.metrics.tokenization import get_tokenizer

STOCK_PHRASES = (
    "have you considered joining a support group",
    "consider joining a support group",
    "reach out to a mental health professional",
    "it's important to remember that you're not alone",
    "i'm not a therapist",
    "i am not a therapist",
    "as an ai",
    "i'm just an ai",
    "it's okay to feel this way",
    "remember to take care of yourself",
    "don't hesitate to reach out",
)


def _words(text: str, tokenize) -> list[str]:
    return [t.lower() for t in tokenize(text) if any(c.isalnum() for c in t)]


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def generic_reply_flags(
    predictions: list[str],
    references: list[str] | None = None,
    stock_phrases: Sequence[str] = STOCK_PHRASES,
    ngram: int = 6,
    max_share: float = 0.1,
    tokenizer: str = "treebank",
) -> list[float]:
    """1.0 for each generic reply (stock phrase or set-wide recurring n-gram), else 0.0.

    Args:
        predictions: Replies of one evaluated set (the recurrence test is over this set).
        references: Unused; accepted so the metric fits the suite's call shape.
        stock_phrases: Phrases that mark a reply as generic.
        ngram: Length in words of the recurring n-grams; 0 turns the recurrence test off.
        max_share: An n-gram found in more than this share of replies (and in two or more) is
            boilerplate.
        tokenizer: A name from :data:`tide_exp.metrics.tokenization.TOKENIZERS`.
    """
    tokenize = get_tokenizer(tokenizer)
    words = [_words(p, tokenize) for p in predictions]
    phrases = [_words(s, tokenize) for s in stock_phrases]
    recurring: set[tuple[str, ...]] = set()
    if ngram > 0 and predictions:
        document_freq = Counter(g for w in words for g in set(ngrams(w, ngram)))
        recurring = {
            g for g, c in document_freq.items() if c >= 2 and c / len(predictions) > max_share
        }
    return [
        float(
            any(_contains(w, p) for p in phrases) or any(g in recurring for g in ngrams(w, ngram))
        )
        for w in words
    ]


def describe_generic(
    stock_phrases: Sequence[str] = STOCK_PHRASES,
    ngram: int = 6,
    max_share: float = 0.1,
    tokenizer: str = "treebank",
) -> dict[str, Any]:
    """What scores.json records about a generic-reply run."""
    return {
        "definition": "share of replies containing a stock phrase or an n-gram found in > max_share of replies (>= 2)",
        "stock_phrases": list(stock_phrases),
        "ngram": ngram,
        "max_share": max_share,
        "tokenizer": tokenizer,
    }
