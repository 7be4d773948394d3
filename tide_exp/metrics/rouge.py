"""ROUGE-L F1 through Google's rouge-score package (the reference implementation)."""

from __future__ import annotations

from rouge_score import rouge_scorer


def rouge_l(predictions: list[str], references: list[str], use_stemmer: bool = True) -> list[float]:
    """ROUGE-L F1 of each prediction against its reference.

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        use_stemmer: Porter-stem tokens before matching (rouge-score's option).

    Returns:
        One F1 per pair. rouge-score tokenizes by lower-casing and splitting on non-alphanumerics,
        so text without ASCII letters or digits scores 0.
    """
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=use_stemmer)
    return [scorer.score(ref, pred)["rougeL"].fmeasure for pred, ref in zip(predictions, references, strict=True)]
