"""Seconds per phase of a run, for results.json's ``timings``."""

from __future__ import annotations

from typing import Any


def _seconds(entry: dict[str, Any]) -> dict[str, float]:
    return {
        "generation_s": entry.get("generation_s", 0.0),
        "scoring_s": entry.get("scoring_s", 0.0),
    }


def phase_timings(phases: dict[str, Any], fit_s: float) -> dict[str, Any]:
    """Seconds per phase: zero-shot, each evaluation, fine-tuned (generation and scoring), and
    training (the fit time less the evaluations run inside it).

    A fine-tuned phase that reused the last evaluation (same step) took no time of its own. A
    resumed job's earlier phases carry the times of the process that ran them.
    """
    timings: dict[str, Any] = {}
    val = list(phases.get("val") or [])
    if phases.get("zs"):
        timings["zs"] = _seconds(phases["zs"])
    if val:
        timings["val"] = [{"epoch": e.get("epoch"), **_seconds(e)} for e in val]
    ft = phases.get("ft")
    if ft:
        # The callback marks a reused phase; same step alone is not enough (ft may see more prompts).
        reused = bool(val) and "reused_from" in ft
        timings["ft"] = (
            {"generation_s": 0.0, "scoring_s": 0.0, "reused_epoch": val[-1].get("epoch")}
            if reused
            else _seconds(ft)
        )
    for fixed in ("fixed_zs", "fixed_ft"):  # the prompts file's, answered inside fit too
        if phases.get(fixed):
            timings[fixed] = _seconds(phases[fixed])
    rows = ("zs", "ft", "fixed_zs", "fixed_ft")
    spent = sum(
        row["generation_s"] + row["scoring_s"]
        for row in [*(timings.get(k) for k in rows), *timings.get("val", [])]
        if row
    )
    timings["train_s"] = round(max(fit_s - spent, 0.0), 2)
    return timings
