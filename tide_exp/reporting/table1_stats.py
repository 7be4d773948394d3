"""Table 1's numbers: per-row aggregates over seeds, paired zs -> ft intervals, reply endings.

A row (a :class:`~tide_exp.reporting.grouping.RunGroup`) of one run shows that run's mean ± std
over replies; of several runs (seeds), the mean ± std of the run means. Each change's interval
comes from the per-reply scores in ``generations.jsonl`` (:mod:`tide_exp.metrics.bootstrap`).
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

from tide_exp.metrics.bootstrap import paired_bootstrap_ci, paired_differences, scores_by_phase
from tide_exp.reporting.grouping import RunGroup
from tide_exp.runs.folder import RunFolder

PHASES = ("zs", "ft")


def read_paired_scores(run: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """Per-reply scores of a run by phase: ``{phase: {example_id: {metric: value}}}``.

    Read from the run's ``generations.jsonl`` (a bad line is a ``FileError`` naming it); an
    absent file gives ``{}`` (no intervals).
    """
    folder = RunFolder(Path(run.get("run_dir", ".")))
    if not folder.generations_path.is_file():
        return {}
    return scores_by_phase(folder.read_generations(), PHASES)


def _phase_metrics(run: dict[str, Any], phase: str) -> dict[str, dict[str, Any]]:
    return run.get("phases", {}).get(phase, {}).get("metrics", {})


def summarise(groups: list[RunGroup]) -> list[dict[str, Any]]:
    """One row per (group, metric, phase).

    One run: its mean ± std over replies (across chunks for chunk metrics). Several runs
    (seeds): mean ± std of the run means, ``aggregate: seeds``.
    """
    rows = []
    for index, group in enumerate(groups):
        names = dict.fromkeys(m for r in group.runs for p in PHASES for m in _phase_metrics(r, p))
        for metric in names:
            for phase in PHASES:
                values = [
                    _phase_metrics(r, phase)[metric]
                    for r in group.runs
                    if metric in _phase_metrics(r, phase)
                ]
                if not values:
                    continue
                # results.json stores a NaN mean as null
                means = [math.nan if v["mean"] is None else v["mean"] for v in values]
                several = len(values) > 1
                rows.append(
                    {
                        "group": index,
                        "model": group.model,
                        "display_name": group.display_name,
                        "hf_id": group.hf_id,
                        "dataset": group.dataset,
                        "settings": json.dumps(group.settings, default=str),
                        "metric": metric,
                        "phase": phase,
                        "mean": statistics.fmean(means),
                        "std": statistics.stdev(means) if several else values[0].get("std"),
                        "aggregate": "seeds" if several else values[0].get("level", "sample"),
                        "n": sum(v["n"] for v in values),
                        "seeds": len(values),
                        "partial": any(v.get("partial") for v in values),
                    }
                )
    return rows


def change_intervals(groups: list[RunGroup], rows: list[dict[str, Any]]) -> dict[tuple, dict]:
    """Per (group, metric): the zs -> ft change and its paired bootstrap interval.

    Only per-reply metrics have an interval (corpus and chunk metrics have no paired value per
    prompt). Prompts scored in one phase only are left out of the pairing.
    """
    index = {(r["group"], r["metric"], r["phase"]): r for r in rows}
    changes = {}
    for g, group in enumerate(groups):
        paired = [read_paired_scores(run) for run in group.runs]
        for (gi, metric, phase), row in index.items():
            if gi != g or phase != "ft" or (g, metric, "zs") not in index:
                continue
            delta = row["mean"] - index[(g, metric, "zs")]["mean"]
            differences = [paired_differences(scores, metric) for scores in paired]
            low, high = (
                paired_bootstrap_ci(differences)
                if any(differences)
                else (float("nan"), float("nan"))
            )
            changes[(g, metric)] = {
                "delta": delta,
                "low": low,
                "high": high,
                "pairs": sum(len(d) for d in differences),
                "distinguishable": bool(low > 0 or high < 0),
            }
    return changes


def reply_endings(group: RunGroup, phase: str) -> dict[str, float | None]:
    """Mean share of cut, open-reasoning and looping replies of a phase over the group's runs."""
    out = {}
    for name in ("cut_rate", "open_reasoning_rate", "looping_rate"):
        values = [
            r["phases"][phase]["replies"][name]
            for r in group.runs
            if name in r.get("phases", {}).get(phase, {}).get("replies", {})
        ]
        out[name] = statistics.fmean(values) if values else None
    return out


def tuned_epoch(run: dict[str, Any]) -> str:
    """Which epoch's weights a run's fine-tuned phase is: ``2 of 2 (last)``, ``1 of 3 (best by
    val/loss)`` (``phases.ft.selection``), or ``-`` for runs from before it was recorded."""
    phases = run.get("phases", {})
    selection = phases.get("ft", {}).get("selection")
    if not selection:
        return "-"
    epochs = max((e.get("epoch") or 0 for e in phases.get("val") or []), default=0)
    how = "last" if selection["select"] == "last" else f"best by {selection['monitor']}"
    return f"{selection['epoch']} of {epochs} ({how})"


def prompts_scored(run: dict[str, Any], phase: str) -> str:
    """How many prompts a run scored in a phase (``phases.<phase>.prompts.count``), or ``-``."""
    prompts = run.get("phases", {}).get(phase, {}).get("prompts")
    count = prompts.get("count") if isinstance(prompts, dict) else None
    return "-" if count is None else str(count)


def prompts_configured(run: dict[str, Any]) -> int | None:
    """Prompts the run was configured to score zero-shot and after training.

    ``eval.final_num_prompts`` from the run's recorded settings (``results.json["config"]``);
    ``null`` there means every held-out example (``data.eval_examples``). A run that recorded
    neither gives ``None`` (no warning can be judged).
    """
    config = run.get("config", {})
    key = "eval.final_num_prompts" if "eval.final_num_prompts" in config else "eval.num_prompts"
    if key not in config:
        return None
    wanted = config[key]
    return run.get("data", {}).get("eval_examples") if wanted is None else wanted


def scoring_warnings(groups: list[RunGroup]) -> list[str]:
    """Per run: phases that scored fewer prompts than configured, chunk metrics under one chunk."""
    warnings = []
    for group in groups:
        for run in group.runs:
            short, partial, undefined = [], set(), []
            wanted = prompts_configured(run)
            for phase in PHASES:
                summary = run.get("phases", {}).get(phase, {})
                got = prompts_scored(run, phase)
                if wanted and got != "-" and int(got) < wanted:
                    short.append(f"{phase} scored {got}")
                partial |= {m for m, v in summary.get("metrics", {}).items() if v.get("partial")}
                undefined += [
                    f"{m} {phase}"
                    for m, v in summary.get("metrics", {}).items()
                    if v.get("mean") is None
                ]
            where = f"{group.display_name} ({run.get('run_dir')})"
            if undefined:  # a dash in the table says nothing on its own
                warnings.append(
                    f"{where}: {', '.join(undefined)} undefined (the run's results.json holds no "
                    "value, null: e.g. no reply had what the metric divides by); shown as a dash, "
                    "and so is its change."
                )
            if short:
                warnings.append(
                    f"{where}: {', '.join(short)} prompts, fewer than the {wanted} configured "
                    "(eval.final_num_prompts; the held-out split may be smaller)."
                )
            if partial:
                warnings.append(
                    f"{where}: under one full chunk of replies for {', '.join(sorted(partial))}: "
                    "those values depend on the set size."
                )
    return warnings
