"""What a finished run puts on the W&B dashboard besides its history: sortable summaries and tags.

The runs table of a project sorts and filters on a run's summary. For each metric it gets the
zero-shot and fine-tuned means and the change, ``delta/gen/<metric>``, with the paired bootstrap
interval over the prompts both phases scored (``delta/gen/<metric>_low`` / ``_high``, the same
interval as Table 1); the epoch whose evaluation scored best on ``eval.monitor``
(``best/epoch``) and the epoch whose weights are "fine-tuned" (``ft/epoch``, ``eval.select``); the
crisis-safety rates when the probe ran. Tags name the model, the dataset
fingerprint and the experiment, so runs of one study can be filtered without reading configs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pytorch_lightning.loggers import Logger, WandbLogger

from tide_exp.callbacks.selection import best_epoch
from tide_exp.metrics.bootstrap import metric_changes
from tide_exp.runs.folder import RunFolder


def summary_values(
    results: Mapping[str, Any], records: Iterable[Mapping[str, Any]], optimized: str | None
) -> dict[str, float | int]:
    """The run's summary for W&B: zs/ft means, deltas with paired intervals, best epoch, safety."""
    phases = results.get("phases", {})
    values: dict[str, float | int] = {}
    for name, change in metric_changes(phases, records).items():
        named = {"zs": change.zs, "ft": change.ft, "delta": change.delta}
        values |= {f"{key}/gen/{name}": v for key, v in named.items() if v is not None}
        if change.low is not None and change.high is not None:
            values[f"delta/gen/{name}_low"], values[f"delta/gen/{name}_high"] = (
                change.low,
                change.high,
            )
    best = best_of_run(phases, optimized)
    if best is not None:  # the per-epoch evaluation that scored best on the monitor
        monitor, epoch, value = best
        values["best/epoch"], values[f"best/{monitor.removeprefix('val/')}"] = epoch, value
    if (selected := phases.get("ft", {}).get("selection", {}).get("epoch")) is not None:
        values["ft/epoch"] = selected  # which epoch's weights are "fine-tuned" (eval.select)
    values |= {k: v for k, v in results.get("final", {}).items() if "/safety/" in k}
    # Validation before/after (both perplexity readings) and each relative change base -> ft.
    values |= {k: v for k, v in results.get("final", {}).items() if "/val/" in k}
    for name, change in results.get("changes", {}).items():
        if change.get("relative_change") is not None:
            values[f"change/{name}"] = change["relative_change"]
    return {k: v for k, v in values.items() if not (isinstance(v, float) and math.isnan(v))}


def best_of_run(
    phases: Mapping[str, Any], optimized: str | None = None
) -> tuple[str, int, float] | None:
    """``(monitor, epochs trained, value)`` of the best per-epoch evaluation: by the run's
    ``eval.monitor`` (``phases.ft.selection``), or for runs from before it by the optimised
    metric's generation mean (``ft/gen/cosine`` -> ``val/gen/cosine``, highest)."""
    selection = phases.get("ft", {}).get("selection")
    if selection:
        monitor, mode = selection["monitor"], selection["mode"]
    else:
        monitor, mode = f"val/gen/{(optimized or '').rsplit('/', 1)[-1]}", "max"
    best = best_epoch(phases.get("val") or [], monitor, mode)
    return None if best is None else (monitor, *best)


def run_tags(results: Mapping[str, Any], experiment: str | None) -> list[str]:
    """Tags a runs table filters on: model, dataset fingerprint, experiment."""
    data = results.get("data", {})
    fingerprint = data.get("dataset")
    tags = [f"model:{results['model']['name']}"]
    if fingerprint:
        tags.append(f"data:{str(fingerprint)[:12]}")
    tags.append(f"experiment:{experiment or 'default'}")
    return tags


def experiment_choice() -> str | None:
    """The ``experiment=...`` option this job was composed with (``None`` outside Hydra)."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return HydraConfig.get().runtime.choices.get("experiment")


def publish_run(
    loggers: Sequence[Logger], results: Mapping[str, Any], folder: RunFolder, optimized: str | None
) -> None:
    """Write the summary and tags to every W&B logger's run (other loggers have neither); the
    per-reply scores behind the intervals are read from ``folder`` only when W&B logs."""
    runs = [logger.experiment for logger in loggers if isinstance(logger, WandbLogger)]
    if not runs:
        return
    records = folder.read_generations() if folder.generations_path.is_file() else []
    summary = summary_values(results, records, optimized)
    tags = run_tags(results, experiment_choice())
    for run in runs:
        run.summary.update(summary)
        run.tags = tuple(dict.fromkeys([*run.tags, *tags]))
