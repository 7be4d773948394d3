"""Automatic metrics: pure text-in, number-out functions and the suite that runs a configured set.

Importable without Lightning. The generation callback, the scoring CLI and the report all call
:func:`score_texts`, so a number means the same thing wherever it appears.
"""

from tide_exp.metrics.suite import METRICS, score_texts

__all__ = ["METRICS", "score_texts"]
