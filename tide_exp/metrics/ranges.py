"""The values each metric can take: one rule for every reader of a score (results.json means,
generations.jsonl per-reply scores), so an impossible number is refused wherever it is read.

A metric missing here is unbounded (a new metric is never refused for lack of an entry); its
registration in :mod:`tide_exp.metrics.suite` is the place to add its range beside it.
"""

from __future__ import annotations

import math
from typing import Any

INF = math.inf

# (low, high), inclusive. Cosine and BERTScore are cosines (BERTScore rescaled with a baseline can
# go below 0, never above 1); counts of markers have no upper bound; rates and shares are in [0, 1].
RANGES: dict[str, tuple[float, float]] = {
    "cosine": (-1.0, 1.0),
    "bertscore_f1": (-INF, 1.0),
    "bertscore_precision": (-INF, 1.0),
    "bertscore_recall": (-INF, 1.0),
    "meteor": (0.0, 1.0),
    "rouge_l": (0.0, 1.0),
    **{f"distinct_{n}{kind}": (0.0, 1.0) for n in (1, 2) for kind in ("", "_reply", "_chunk100")},
    "advice_markers": (0.0, INF),
    "empathy_markers": (0.0, INF),
    "advice_empathy_ratio": (0.0, INF),
    "prescriptive_rate": (0.0, 1.0),
    "generic_reply_rate": (0.0, 1.0),
    "emotion_recognition": (0.0, 1.0),
    "distress_normalization": (0.0, 1.0),
    "supportive_reflection": (0.0, 1.0),
    "prescriptive_markers": (0.0, INF),  # counts per reply (Study B's Table 2)
    "first_person_imperatives": (0.0, INF),
    "topic_shift": (0.0, 1.0),  # 1 for a reply that leaves the client's topic
}


def impossible(metric: str, value: Any) -> str | None:
    """Why ``value`` cannot be a score of ``metric`` (``None``: it can, or it is null).

    A null is a score the metric left undefined (an empty set, no empathy marker): allowed,
    and shown as a dash with its reason. NaN and infinity in a file are never a score.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is {value!r}, not a number"
    if not math.isfinite(value):
        return f"is {value!r}, not a finite number (an undefined score is written as null)"
    low, high = RANGES.get(metric, (-INF, INF))
    if not low <= value <= high:
        return f"is {value!r}, outside {metric}'s range [{low:g}, {high:g}]"
    return None
