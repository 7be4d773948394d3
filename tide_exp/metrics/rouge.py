"""ROUGE-L F1 through Google's rouge-score package (the reference implementation)."""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any


@functools.lru_cache(maxsize=2)
def _scorer(use_stemmer: bool):
    """rouge-score's scorer with its default tokenizer, Porter stems memoised (same tokens, faster)."""
    from nltk.stem import porter
    from rouge_score import rouge_scorer, tokenize, tokenizers

    class CachedStemTokenizer(tokenizers.Tokenizer):
        """``tokenizers.DefaultTokenizer`` with ``PorterStemmer().stem`` behind an LRU cache."""

        def __init__(self) -> None:
            stemmer = porter.PorterStemmer() if use_stemmer else None
            if stemmer is not None:
                stemmer.stem = functools.lru_cache(maxsize=200_000)(stemmer.stem)
            self._stemmer = stemmer

        def tokenize(self, text: str) -> list[str]:
            return tokenize.tokenize(text, self._stemmer)

    return rouge_scorer.RougeScorer(
        ["rougeL"], use_stemmer=use_stemmer, tokenizer=CachedStemTokenizer()
    )


def rouge_l(predictions: list[str], references: list[str], use_stemmer: bool = True) -> list[float]:
    """ROUGE-L F1 of each prediction against its reference.

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        use_stemmer: Porter-stem tokens before matching (rouge-score's option).

    Returns:
        One F1 per pair. rouge-score tokenizes by lower-casing and splitting on non-alphanumerics
        (ASCII a-z0-9 only), so text without ASCII letters or digits, Chinese included, scores 0.
    """
    scorer = _scorer(bool(use_stemmer))
    return [
        scorer.score(ref, pred)["rougeL"].fmeasure
        for pred, ref in zip(predictions, references, strict=True)
    ]


def describe_rouge_l(use_stemmer: bool = True) -> dict[str, Any]:
    """What scores.json records about a ROUGE-L run."""
    return {
        "implementation": "rouge_score.rouge_scorer.RougeScorer(['rougeL']).fmeasure",
        "use_stemmer": bool(use_stemmer),
        "tokenizer": "rouge-score default: lowercase, non [a-z0-9] characters are separators",
        "versions": {"rouge-score": importlib.metadata.version("rouge-score")},
    }
