"""METEOR through NLTK's ``meteor_score`` with WordNet 3.0 synonyms (the reference implementation).

NLTK's own scoring code runs unchanged; only its two pure lookups (Porter stems and WordNet synsets
per word) are memoised, which makes scoring thousands of pairs several times faster and cannot change
a score.
"""

from __future__ import annotations

import functools
from typing import Any

from tide_exp.metrics.tokenization import get_tokenizer


class _CachedStemmer:
    """NLTK's default METEOR stemmer (``PorterStemmer()``) with ``stem`` memoised."""

    def __init__(self) -> None:
        from nltk.stem.porter import PorterStemmer

        self.stem = functools.lru_cache(maxsize=200_000)(PorterStemmer().stem)


class _CachedWordNet:
    """The WordNet reader with ``synsets`` memoised (METEOR calls nothing else on it)."""

    def __init__(self, wordnet: Any) -> None:
        self._wordnet = wordnet
        self._synsets = functools.lru_cache(maxsize=200_000)(
            lambda word: tuple(wordnet.synsets(word))
        )

    def synsets(self, word: str) -> tuple:
        return self._synsets(word)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wordnet, name)


@functools.lru_cache(maxsize=1)
def _cached_lookups() -> tuple[_CachedStemmer, _CachedWordNet]:
    from tide_exp.metrics.wordnet import load_wordnet

    return _CachedStemmer(), _CachedWordNet(load_wordnet())


def meteor(
    predictions: list[str],
    references: list[str],
    tokenizer: str = "treebank",
    alpha: float = 0.9,
    beta: float = 3.0,
    gamma: float = 0.5,
) -> list[float]:
    """METEOR of each prediction against its single reference (NLTK ``single_meteor_score``).

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        tokenizer: A name from :data:`tide_exp.metrics.tokenization.TOKENIZERS`; NLTK lower-cases
            the tokens itself.
        alpha: Precision/recall weight (NLTK default).
        beta: Fragmentation penalty shape (NLTK default).
        gamma: Fragmentation penalty weight (NLTK default).

    Returns:
        One score per pair; 0.0 when nothing matches (NLTK's convention, also for empty text).

    Raises:
        WordNetMissingError: WordNet is not installed; the message gives the command that fixes it.
    """
    from nltk.translate.meteor_score import single_meteor_score

    tokenize = get_tokenizer(tokenizer)
    stemmer, wordnet = _cached_lookups()
    return [
        single_meteor_score(
            tokenize(ref),
            tokenize(pred),
            stemmer=stemmer,
            wordnet=wordnet,
            alpha=alpha,
            beta=beta,
            gamma=gamma,
        )
        for pred, ref in zip(predictions, references, strict=True)
    ]


def describe_meteor(
    tokenizer: str = "treebank", alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5
) -> dict[str, Any]:
    """What scores.json records about a METEOR run."""
    import nltk

    from tide_exp.metrics.wordnet import load_wordnet

    wordnet = load_wordnet()
    return {
        "implementation": "nltk.translate.meteor_score.single_meteor_score",
        "tokenizer": tokenizer,
        "preprocess": "lowercase",
        "stemmer": "nltk PorterStemmer",
        "wordnet": f"WordNet {wordnet.get_version()} ({wordnet.root})",
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "versions": {"nltk": nltk.__version__},
    }
