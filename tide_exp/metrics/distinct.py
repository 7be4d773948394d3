"""Distinct-n (Li et al., 2016): the share of n-grams that are unique, three ways.

- Per reply (``distinct_1_reply``, ``distinct_2_reply``): the ratio inside each reply, averaged
  over replies (mean +- std); a reply with no n-gram (empty, or one word for n=2) scores 0.
- Over chunks of 100 replies (``distinct_1_chunk100``, ``distinct_2_chunk100``): the corpus
  ratio inside each run of 100 consecutive replies, mean +- std across chunks. The value does not
  depend on how many replies were evaluated (leftover replies after the last full chunk are left
  out; a set under 100 replies is one short chunk, flagged ``partial``).
- Corpus-level (``distinct_1``, ``distinct_2``): distinct n-grams over all replies of the set
  divided by all its n-grams. One number per set, and it falls as the set grows (0.23 on 32
  replies, 0.15 on 96, a few hundredths on 4,000), so it is comparable only between sets of the
  same size. Study A reports Distinct with a std on 4,000 replies and does not say how; none of
  these is known to be its definition.

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


def distinct_n_chunks(
    texts: list[str],
    n: int,
    chunk_size: int = 100,
    tokenizer: str = "treebank",
    lowercase: bool = True,
) -> list[float]:
    """Corpus distinct-n inside each run of ``chunk_size`` consecutive replies.

    Replies after the last full chunk are left out, so every value covers the same number of
    replies; fewer than ``chunk_size`` replies give one value over all of them (a short chunk).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    texts = list(texts)
    if len(texts) < chunk_size:
        return [distinct_n_corpus(texts, n, tokenizer, lowercase)] if texts else []
    full = len(texts) - len(texts) % chunk_size
    return [
        distinct_n_corpus(texts[i : i + chunk_size], n, tokenizer, lowercase)
        for i in range(0, full, chunk_size)
    ]


def distinct_n_corpus(
    texts: list[str], n: int, tokenizer: str = "treebank", lowercase: bool = True
) -> float:
    """Corpus distinct-n: unique n-grams over the whole set / all n-grams of the set (0 if none)."""
    grams = [g for tokens in _tokens(texts, tokenizer, lowercase) for g in ngrams(tokens, n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def describe_distinct(
    n: int,
    level: str,
    tokenizer: str = "treebank",
    lowercase: bool = True,
    chunk_size: int | None = None,
) -> dict[str, Any]:
    """What scores.json records about a distinct-n run."""
    import nltk

    definitions = {
        "corpus": "unique n-grams / n-grams over the set (falls as the set grows)",
        "reply": "mean over replies of unique n-grams / n-grams",
        "chunk": f"mean over chunks of {chunk_size} consecutive replies of unique n-grams / "
        "n-grams in the chunk (leftover replies left out)",
    }
    return {
        "n": n,
        "level": level,
        "chunk_size": chunk_size,
        "definition": definitions[level],
        "tokenizer": tokenizer,
        "lowercase": lowercase,
        "versions": {"nltk": nltk.__version__},
    }
