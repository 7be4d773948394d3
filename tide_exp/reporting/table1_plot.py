"""Table 1 as grouped bars: one panel per metric, rows x zs/ft, std as error bars."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tide_exp.files.writers import save_figure
from tide_exp.reporting.grouping import format_setting


def plot_bars(tables: dict[str, Any], stem: Path) -> list[Path]:
    """Grouped bars per metric (rows x zs/ft, std as error bars), saved as PNG and PDF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = tables["metrics"]
    labels = list(dict.fromkeys(_label(r) for r in tables["long"]))
    index = {(_label(r), r["metric"], r["phase"]): r for r in tables["long"]}
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    # Long setting labels under rotated ticks: each panel gets room for its longest label
    # (tight_layout gave up with "Tight layout not applied" and printed it to the console).
    longest = max((len(label) for label in labels), default=0)
    panel_w = max(4.2, 0.075 * longest + 0.3 * len(labels))
    panel_h = 3.4 + 0.06 * longest
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel_w * ncols, panel_h * nrows),
        squeeze=False,
        layout="constrained",
    )
    width = 0.38
    for ax, metric in zip(axes.flat, metrics, strict=False):
        for offset, phase, color in ((-width / 2, "zs", "#9aa5b1"), (width / 2, "ft", "#2f6f9f")):
            cells = [index.get((label, metric, phase)) for label in labels]
            means = [c["mean"] if c else 0.0 for c in cells]
            errs = [c["std"] if c and c["std"] is not None else 0.0 for c in cells]
            ax.bar(
                [i + offset for i in range(len(labels))],
                means,
                width,
                yerr=errs,
                capsize=2,
                color=color,
                label={"zs": "zero-shot", "ft": "fine-tuned"}[phase],
            )
        ax.set_title(metric)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    written = [save_figure(fig, stem.with_suffix(suffix)) for suffix in (".png", ".pdf")]
    plt.close(fig)
    return written


def _label(row: dict[str, Any]) -> str:
    settings = json.loads(row["settings"])
    extra = ", ".join(f"{k}={format_setting(v)}" for k, v in settings.items())
    return f"{row['display_name']} ({extra})" if extra else row["display_name"]
