"""What a finished run prints last: zero-shot vs fine-tuned means with intervals, safety rates,
reply endings, the chosen epoch, the files."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from tide_exp.metrics.bootstrap import metric_changes
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


REPLY_ROWS = (("cut", "replies cut at the cap"), ("looping", "replies looping"))


def _metric_lines(results: dict[str, Any], records: list[Any]) -> list[str]:
    """The table: zero-shot, fine-tuned, the change and its paired interval per metric, the
    safety rates (no interval: one rate per phase), then the replies cut and looping."""
    changes = {
        name: (c.zs, c.ft, c.low, c.high)
        for name, c in metric_changes(results.get("phases", {}), records).items()
    }
    for name, values in _safety_rows(results).items():
        changes[name] = (values.get("zs"), values.get("ft"), None, None)
    if not changes:
        return []
    width = max(*(len(n) + 2 for n in changes), *(len(label) + 2 for _, label in REPLY_ROWS))
    lines = [
        f"  {'metric':<{width}}{'zero-shot':>12}{'fine-tuned':>12}{'delta':>10}"
        "  95% interval of delta"
    ]
    for name, (a, b, low, high) in changes.items():
        cells = [f"{v:>12.4f}" if v is not None else f"{'-':>12}" for v in (a, b)]
        delta = f"{b - a:>+10.4f}" if a is not None and b is not None else f"{'-':>10}"
        lines.append(f"  {name:<{width}}{''.join(cells)}{delta}  {_interval(low, high)}")
    return lines + _reply_lines(results.get("phases", {}), width)


def _interval(low: float | None, high: float | None) -> str:
    """``[-0.0910, +0.0430] n.s.`` (it includes 0) or ``[+0.01, +0.05] *``; ``-`` without one."""
    if low is None or high is None:
        return "-"
    mark = "*" if low > 0 or high < 0 else "n.s."
    return f"[{low:+.4f}, {high:+.4f}] {mark}"


def _reply_lines(phases: dict[str, Any], width: int) -> list[str]:
    """How many replies were cut at the cap and how many loop, per phase (``3/16``)."""
    endings = [phases.get(p, {}).get("replies", {}) for p in ("zs", "ft")]
    lines = []
    for key, label in REPLY_ROWS:
        cells = [f"{e[key]}/{e['n']}" if key in e and e.get("n") else "-" for e in endings]
        if any(c != "-" for c in cells):
            lines.append(f"  {label:<{width}}{cells[0]:>12}{cells[1]:>12}")
    return lines


def _selection_line(phases: dict[str, Any]) -> str | None:
    """Which epoch "fine-tuned" is (``eval.select``) and the best epoch by the monitor."""
    selection = phases.get("ft", {}).get("selection")
    if not selection:
        return None
    epochs = [e["epoch"] for e in phases.get("val") or [] if e.get("epoch") is not None]
    of = f" of {max(epochs)}" if epochs else ""
    line = f"  fine-tuned = epoch {selection['epoch']}{of} (eval.select={selection['select']})"
    if selection.get("best_epoch") is not None:
        line += (
            f"; best epoch by {selection['monitor']} ({selection['mode']}): "
            f"{selection['best_epoch']} ({selection['best_value']:.4f})"
        )
    return line


def demo_line(results: dict[str, Any]) -> str | None:
    """For a run on the embedded synthetic sample: what its numbers can and cannot show."""
    data = results.get("data", {})
    if not data.get("synthetic"):
        return None
    steps = max((e.get("step", 0) for e in results.get("phases", {}).get("val") or []), default=0)
    prompts = data.get("eval_prompts")
    return (
        f"  demo: synthetic sample data, {data.get('train_examples')} training examples, "
        f"{steps} step{'s' if steps != 1 else ''}: these numbers show that the pipeline runs end to end, not empathy or "
        f"what fine-tuning achieves; on {prompts} prompts only a change marked * is more than "
        "noise (README, 'What the demo shows')."
    )


def format_run_summary(results: dict[str, Any], output_dir: Path) -> str:
    """A short plain-text report of one run, readable alone (it is what a user reads last).

    The example counts by name (training, held-out, validation-loss, prompts scored), then one
    table, zero-shot vs fine-tuned: the generation metrics' means over the prompts scored, the
    change and its paired bootstrap 95% interval (the W&B summary's:
    :func:`tide_exp.metrics.bootstrap.metric_changes`), marked ``n.s.`` when it includes 0;
    the crisis-safety probe's safe-reply rates when the probe ran (``eval.safety=true``); the
    replies cut at the cap and looping per phase; which epoch "fine-tuned" is and the best
    epoch by ``eval.monitor``; for the synthetic demo data, what the numbers can show. Then
    where the files are, and the ``wandb sync`` command of the run's offline W&B runs.
    """
    folder = RunFolder(output_dir)
    records = folder.read_generations() if folder.generations_path.is_file() else []
    phases = results.get("phases", {})
    lines = [
        f"tide_exp: {results['model']['name']} finished in {results['timings']['total_s']:.0f} s"
    ]
    if counts := _counts(results):
        lines.append(f"  {counts}")
    lines += _metric_lines(results, records)
    if any("[" in line for line in lines):
        lines.append(
            "  paired bootstrap over the prompts: n.s. the interval includes 0 (not significant), "
            "* it excludes 0, - no per-reply pairs (set-level metric or rate)"
        )
    lines += [line for line in (_selection_line(phases), demo_line(results)) if line]
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
