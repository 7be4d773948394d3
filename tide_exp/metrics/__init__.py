"""Automatic metrics: pure text-in, number-out functions and the suite that runs a configured set.

Importable without Lightning. The generation callback, the scoring CLI and the report all call
:func:`score_texts`, so a number means the same thing wherever it appears (docs/metrics.md).

Modules: ``embedding`` (cosine), ``bertscore``, ``meteor`` (+ ``wordnet`` set-up), ``rouge``,
``distinct``, ``lexicon`` (Study B advice/empathy/prescriptive markers), ``generic`` (stock
replies), ``perplexity`` (Study B, needs the model), ``text_metric`` (torchmetrics wrapper),
``tokenization`` (named word tokenizers).
"""

from tide_exp.metrics.suite import METRICS, STUDY_A_METRICS, MetricSpec, score_texts

__all__ = ["METRICS", "STUDY_A_METRICS", "MetricSpec", "score_texts"]
