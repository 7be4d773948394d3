"""What a finished run prints: zero-shot vs fine-tuned means, and where the files are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tide_exp.rundir import RunFolder


def format_run_summary(results: dict[str, Any], output_dir: Path) -> str:
    """A short plain-text report of one run."""
    phases = results.get("phases", {})
    zs = phases.get("zs", {}).get("metrics", {})
    ft = phases.get("ft", {}).get("metrics", {})
    lines = [
        f"tide_exp: {results['model']['name']} finished in {results['timings']['total_s']:.0f} s"
    ]
    if zs or ft:
        names = list(dict.fromkeys([*zs, *ft]))
        width = max(16, *(len(n) + 2 for n in names))
        lines.append(f"  {'metric':<{width}}{'zero-shot':>12}{'fine-tuned':>12}{'delta':>10}")
        for name in names:
            a, b = zs.get(name, {}).get("mean"), ft.get(name, {}).get("mean")
            cells = [f"{v:>12.4f}" if v is not None else f"{'-':>12}" for v in (a, b)]
            delta = f"{b - a:>+10.4f}" if a is not None and b is not None else f"{'-':>10}"
            lines.append(f"  {name:<{width}}{''.join(cells)}{delta}")
    folder = RunFolder(output_dir)
    lines.append(f"results:     {folder.results_path}")
    if folder.generations_path.exists():
        lines.append(f"generations: {folder.generations_path}")
    if results.get("outputs", {}).get("adapter"):
        lines.append(f"adapter:     {results['outputs']['adapter']}")
    return "\n".join(lines)
