"""Automatic metrics: pure text-in, number-out functions and the suite that runs a configured set.

Importable without Lightning. The generation callback, the scoring CLI and the report all call
:func:`score_texts`, so a number means the same thing wherever it appears (docs/metrics.md).

Modules: ``embedding`` (cosine), ``bertscore``, ``meteor`` (+ ``wordnet`` set-up), ``rouge``,
``distinct``, ``lexicon`` (Study B advice/empathy/prescriptive markers), ``generic`` (stock
replies), ``perplexity`` (Study B's token-weighted loss, needs the model), ``tokenization``
(named word tokenizers).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["METRICS", "STUDY_A_METRICS", "MetricSpec", "score_texts"]


def __getattr__(name: str) -> Any:
    # Lazy: the suite imports torch, and the report only needs the torch-free ``sets`` module.
    if name in __all__:
        return getattr(importlib.import_module("tide_exp.metrics.suite"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
