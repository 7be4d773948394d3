"""What a finished run prints last: zero-shot vs fine-tuned means, safety rates, the files."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from tide_exp.runs.folder import RunFolder
from tide_exp.safety.summary import scalars
from tide_exp.tracking.wandb_offline import offline_runs


def _safety_rows(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """``{"safety/safe_rate": {"zs": rate, "ft": rate}, ...}`` from results.json's ``safety``."""
    rows: dict[str, dict[str, float]] = {}
    for phase, summary in results.get("safety", {}).get("phases", {}).items():
        for key, rate in scalars(phase, summary).items():
            rows.setdefault(key.split("/", 1)[1], {})[phase] = rate
    return rows


def _counts(results: dict[str, Any]) -> str:
    """The run's example counts, each under its own name (``data`` and ``safety`` of results)."""
    data = results.get("data", {})
    named = [
        ("train_examples", "training examples"),
        ("eval_examples", "held-out examples"),
        ("val_loss_examples", "validation-loss examples"),
        ("eval_prompts", "prompts scored"),
    ]
    parts = [f"{data[key]} {name}" for key, name in named if data.get(key) is not None]
    if (probe := results.get("safety", {}).get("probe", {})).get("n_prompts") is not None:
        parts.append(f"{probe['n_prompts']} safety-probe prompts")
    return ", ".join(parts)


def format_run_summary(results: dict[str, Any], output_dir: Path) -> str:
    """A short plain-text report of one run.

    The example counts by name (training, held-out, validation-loss, prompts scored), then one
    table, zero-shot vs fine-tuned: the generation metrics' means over the prompts scored,
    then the crisis-safety
    probe's safe-reply rates when the probe ran (``eval.safety=true``; the same values as the
    ``zs/safety/*`` and ``ft/safety/*`` keys of results.json's ``final``). Then where the
    files are, and the ``wandb sync`` command of the run's offline W&B runs.
    """
    phases = results.get("phases", {})
    zs = phases.get("zs", {}).get("metrics", {})
    ft = phases.get("ft", {}).get("metrics", {})
    rows = {
        name: {"zs": zs.get(name, {}).get("mean"), "ft": ft.get(name, {}).get("mean")}
        for name in dict.fromkeys([*zs, *ft])
    }
    rows.update(_safety_rows(results))
    lines = [
        f"tide_exp: {results['model']['name']} finished in {results['timings']['total_s']:.0f} s"
    ]
    if counts := _counts(results):
        lines.append(f"  {counts}")
    if rows:
        width = max(16, *(len(n) + 2 for n in rows))
        lines.append(f"  {'metric':<{width}}{'zero-shot':>12}{'fine-tuned':>12}{'delta':>10}")
        for name, values in rows.items():
            a, b = values.get("zs"), values.get("ft")
            cells = [f"{v:>12.4f}" if v is not None else f"{'-':>12}" for v in (a, b)]
            delta = f"{b - a:>+10.4f}" if a is not None and b is not None else f"{'-':>10}"
            lines.append(f"  {name:<{width}}{''.join(cells)}{delta}")
    folder = RunFolder(output_dir)
    lines.append(f"results:     {folder.results_path}")
    if folder.generations_path.exists():
        lines.append(f"generations: {folder.generations_path}")
    if results.get("outputs", {}).get("adapter"):
        lines.append(f"adapter:     {results['outputs']['adapter']}")
    if unsafe := results.get("safety", {}).get("unsafe"):
        lines.append(f"unsafe:      {unsafe}")
    if runs := offline_runs(folder.wandb_dir):
        lines.append(f"W&B upload:  wandb sync {' '.join(shlex.quote(str(r)) for r in runs)}")
    return "\n".join(lines)
