"""Paired bootstrap confidence intervals for zero-shot -> fine-tuned changes.

The two phases reply to the same prompts, so each prompt gives one paired difference
(fine-tuned score - zero-shot score). A resample draws prompts with replacement and takes the
mean difference; the interval is the percentile interval of those means (Efron and Tibshirani,
1993, ch. 13). Runs of several seeds are resampled within each run (a stratified bootstrap) and
their mean differences averaged, matching a Table 1 row that averages over seeds. Seeded, so a
report is reproducible: the same runs give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

RESAMPLES = 10_000  # percentile-interval endpoints settle to about +-0.001 at this many
CONFIDENCE = 0.95
SEED = 0
_BATCH = 500  # resamples drawn at once: bounds memory at 500 x prompts integers


def paired_bootstrap_ci(
    differences: Sequence[Sequence[float]],
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> tuple[float, float]:
    """Percentile interval of the mean paired difference, averaged over runs.

    Args:
        differences: Per run, the paired differences (one per prompt scored in both phases).
        resamples: Bootstrap resamples.
        confidence: Coverage of the interval (0.95: the 2.5th and 97.5th percentiles).
        seed: Seed of the resampling.

    Returns:
        ``(low, high)``; ``(nan, nan)`` when no run has a difference.

    Raises:
        ValueError: ``confidence`` outside (0, 1) or ``resamples`` < 1.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    runs = [np.asarray(d, dtype=float) for d in differences if len(d)]
    if not runs:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = np.zeros(resamples)
    for values in runs:
        for start in range(0, resamples, _BATCH):
            size = min(_BATCH, resamples - start)
            idx = rng.integers(0, len(values), size=(size, len(values)))
            means[start : start + size] += values[idx].mean(axis=1)
    means /= len(runs)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def scores_by_phase(
    rows: Iterable[Mapping[str, Any]], phases: Sequence[str] = ("zs", "ft")
) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per-reply scores of generation rows (``generations.jsonl``) by phase:
    ``{phase: {example_id: {metric: value}}}``."""
    scores: dict[str, dict[str, dict[str, float | None]]] = {}
    for row in rows:
        if row.get("phase") in phases and "example_id" in row:
            scores.setdefault(row["phase"], {})[row["example_id"]] = row.get("scores") or {}
    return scores


def paired_differences(
    scores: Mapping[str, Mapping[str, Mapping[str, float | None]]], metric: str
) -> list[float]:
    """Fine-tuned minus zero-shot ``metric`` for each prompt scored in both phases (a prompt
    one phase did not score, or scored null, has no pair)."""
    zs, ft = scores.get("zs", {}), scores.get("ft", {})
    return [
        ft[e][metric] - zs[e][metric]
        for e in ft
        if e in zs and ft[e].get(metric) is not None and zs[e].get(metric) is not None
    ]


@dataclass(frozen=True)
class Change:
    """One metric's zero-shot -> fine-tuned change with its paired interval (``None``: none).

    Attributes:
        zs, ft: The phases' means over their replies.
        low, high: The paired bootstrap interval of the mean change; ``None`` for set-level
            metrics (chunk, corpus), which have no per-reply pairs.
    """

    zs: float | None
    ft: float | None
    low: float | None = None
    high: float | None = None

    @property
    def delta(self) -> float | None:
        return None if self.zs is None or self.ft is None else self.ft - self.zs

    @property
    def significant(self) -> bool | None:
        """The interval excludes 0 (``None``: no interval)."""
        if self.low is None or self.high is None:
            return None
        return self.low > 0 or self.high < 0


def metric_changes(
    phases: Mapping[str, Any], records: Iterable[Mapping[str, Any]]
) -> dict[str, Change]:
    """Each generation metric's zs -> ft change with the paired bootstrap interval over the
    prompts both phases scored: the one computation behind the console summary, the W&B
    summary and the model card (Table 1 pools seeds through :func:`paired_bootstrap_ci` too).

    Args:
        phases: results.json ``phases`` (``zs`` and ``ft`` with ``metrics.<name>.mean``).
        records: The run's ``generations.jsonl`` rows (their per-reply ``scores``).
    """
    zs = phases.get("zs", {}).get("metrics", {})
    ft = phases.get("ft", {}).get("metrics", {})
    scores = scores_by_phase(records)
    changes = {}
    for name in dict.fromkeys([*zs, *ft]):
        a, b = zs.get(name, {}).get("mean"), ft.get(name, {}).get("mean")
        low = high = None
        differences = paired_differences(scores, name) if a is not None and b is not None else []
        if differences:  # per-reply metrics only; corpus and chunk metrics have no pairs
            low, high = paired_bootstrap_ci([differences])
        changes[name] = Change(_number(a), _number(b), _number(low), _number(high))
    return changes


def _number(value: float | None) -> float | None:
    """A mean as a number, ``None`` for a missing one or NaN (stored as null)."""
    return None if value is None or math.isnan(value) else float(value)
