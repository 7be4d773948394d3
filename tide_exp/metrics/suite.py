"""Run a configured set of metrics over aligned predictions and references."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from typing import Any

from tide_exp.metrics.embedding import cosine
from tide_exp.metrics.rouge import rouge_l

# name -> function(predictions, references, **options) -> per-sample scores
METRICS: dict[str, Callable[..., list[float]]] = {
    "rouge_l": rouge_l,
    "cosine": cosine,
}


def score_texts(
    predictions: list[str],
    references: list[str],
    metrics: Mapping[str, Mapping[str, Any] | None],
) -> dict[str, Any]:
    """Score predictions against references with each configured metric.

    Args:
        predictions: Generated replies.
        references: Reference replies, aligned with ``predictions``.
        metrics: Metric name -> keyword options for its function (``None`` for defaults).

    Returns:
        ``{"metrics": {name: {"mean", "std", "n"}}, "config": {name: options},
        "per_sample": [{name: value, ...}, ...]}`` with ``per_sample`` in input order.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise KeyError(f"unknown metric(s) {unknown}; available: {sorted(METRICS)}")
    per_sample: list[dict[str, float]] = [{} for _ in predictions]
    summary: dict[str, dict[str, float | int]] = {}
    for name, options in metrics.items():
        values = METRICS[name](list(predictions), list(references), **dict(options or {}))
        for row, value in zip(per_sample, values, strict=True):
            row[name] = float(value)
        summary[name] = {
            "mean": statistics.fmean(values) if values else float("nan"),
            "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "n": len(values),
        }
    config = {name: dict(options or {}) for name, options in metrics.items()}
    return {"metrics": summary, "config": config, "per_sample": per_sample}
