"""Base -> fine-tuned with the relative change, for every figure a run has in both phases.

Study B reports its linguistic figures as relative changes ("28% fewer prescriptive markers",
"41% reduction in topic shifts", "63% fewer first-person imperatives", "142% more affective
alignment markers") and its Table 2 as base vs fine-tuned (validation loss, perplexity).
results.json ``changes`` holds, per figure, ``base`` (zero-shot / the base model's validation),
``fine_tuned`` and ``relative_change`` = (fine_tuned - base) / |base| (``null`` when base is 0
or either side is missing): ``gen/<metric>`` for each reply metric, ``val/<reading>`` for the
validation loss and both perplexity readings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

VALIDATION_FIGURES = ("loss", "perplexity_token", "perplexity_dialogue")


def relative_change(base: float | None, tuned: float | None) -> float | None:
    """(tuned - base) / |base|; ``None`` when undefined (a side missing or NaN, base 0)."""
    if base is None or tuned is None or math.isnan(base) or math.isnan(tuned) or base == 0:
        return None
    return (tuned - base) / abs(base)


def _change(base: float | None, tuned: float | None) -> dict[str, float | None]:
    return {"base": base, "fine_tuned": tuned, "relative_change": relative_change(base, tuned)}


def base_to_tuned(
    phases: Mapping[str, Any], validation: Mapping[str, Any]
) -> dict[str, dict[str, float | None]]:
    """Every figure with a base and a fine-tuned value: reply metrics (``gen/``, zero-shot vs
    fine-tuned means) and validation (``val/``, the base model vs the adapter)."""
    changes: dict[str, dict[str, float | None]] = {}
    zs = phases.get("zs", {}).get("metrics", {})
    ft = phases.get("ft", {}).get("metrics", {})
    for name in zs:
        if name in ft:
            changes[f"gen/{name}"] = _change(zs[name].get("mean"), ft[name].get("mean"))
    before, after = validation.get("zs") or {}, validation.get("ft") or {}
    for name in VALIDATION_FIGURES:
        if name in before and name in after:
            changes[f"val/{name}"] = _change(before[name], after[name])
    return changes
