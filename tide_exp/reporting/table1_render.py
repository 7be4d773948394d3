"""Table 1's tables as text: Markdown, the long CSV, LaTeX, and a compact console summary.

:func:`tide_exp.reporting.table1.build_tables` makes the tables; this module only writes them
out (the Markdown and LaTeX through the one writer in :mod:`tide_exp.reporting.table_writers`).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from tide_exp.metrics.bootstrap import CONFIDENCE, RESAMPLES, SEED
from tide_exp.reporting.paper import COMPARABILITY
from tide_exp.reporting.table_writers import latex_table, markdown_table


def format_value(mean: float | None, std: float | None = None) -> str:
    """``0.412 ± 0.030`` (or ``-`` for a missing or NaN mean)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    return f"{mean:.3f}" + (f" ± {std:.3f}" if std is not None else "")


def format_change(change: dict[str, Any] | None) -> str:
    """``+0.043 [+0.010, +0.080]*``: the change, its interval, ``*`` where it excludes 0."""
    if change is None or _missing(change["delta"]):  # a NaN mean on either side: no change
        return "-"
    text = f"{change['delta']:+.3f}"
    if not (_missing(change["low"]) or _missing(change["high"])):
        text += f" [{change['low']:+.3f}, {change['high']:+.3f}]" + (
            "*" if change["distinguishable"] else ""
        )
    return text


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_rate(value: float | None) -> str:
    """A share as a percentage, ``-`` when unknown."""
    return "-" if value is None else f"{value:.0%}"


def to_markdown(tables: dict[str, Any]) -> str:
    """Table 1 in Markdown, reply endings, ours vs the paper, warnings and comparability notes."""
    lines = [
        "# Table 1: automatic metrics, zero-shot (zs) vs LoRA fine-tuned (ft)",
        "",
        "One row per model, dataset and setting"
        + (
            f" (differing settings as columns: {', '.join(tables['columns'])})"
            if tables["columns"]
            else ""
        )
        + ". A row with one seed shows mean ± std over the evaluated replies (across chunks of "
        "100 replies for `*_chunk100`). "
        + (
            "**Rows with several seeds aggregate across seeds: mean ± std of the run means.** "
            if tables["aggregates"]
            else ""
        )
        + f"Δ is ft - zs with a paired bootstrap {CONFIDENCE:.0%} interval ({RESAMPLES:,} "
        f"resamples of the prompts, percentile, seed {SEED}); `*`: the interval excludes 0. "
        "Metrics without a per-reply value have no interval.",
        "",
        markdown_table(tables["header"], tables["wide"]),
        "",
        "## How replies ended",
        "",
        "Cut: no end-of-turn token within the token cap. Open reasoning: the reply stopped inside "
        "a `<think>` block (its scored text is empty). Looping: the reply repeats itself, cut or "
        "not (docs/metrics.md). Mean share over the row's runs; prompts scored per run (their "
        "ids: `results.json`, `phases.<phase>.prompts.example_ids`); ft epoch: whose weights the "
        "fine-tuned replies are, per run (`eval.select`: the last epoch, or the best by "
        "`eval.monitor`).",
        "",
        markdown_table(tables["endings_header"], tables["endings"]),
    ]
    if tables["duplicates"]:
        lines += [
            "",
            "## Runs counted once",
            "",
            "The same run found twice (same model, data, settings and seed) is one run, not two "
            "seeds; these folders were set aside:",
            "",
            *[
                f"- `{d['run_dir']}`: same run as `{d['same_as']}` (seed {d['seed']})"
                for d in tables["duplicates"]
            ],
        ]
    if tables["warnings"]:
        lines += ["", "## Warnings", "", *[f"- {w}" for w in tables["warnings"]]]
    with_paper = [r for r in tables["long"] if r["paper"] is not None]
    if with_paper:
        lines += ["", "## Ours beside the paper (Study A, Table 1)", ""]
        lines.append(
            markdown_table(
                ["model", "settings", "metric", "phase", "ours", "paper", "comparable"],
                [
                    [
                        r["display_name"],
                        r["settings"],
                        r["metric"],
                        r["phase"],
                        format_value(r["mean"], r["std"]),
                        f"{r['paper']:.2f}",
                        "yes" if r["comparable"] else "no",
                    ]
                    for r in with_paper
                ],
            )
        )
    else:
        lines += [
            "",
            "None of these models is in the paper's Table 1, so there is no side-by-side comparison.",
        ]
    if tables.get("not_computed"):
        lines += ["", "## Not computed", ""]
        lines += [f"- **{name}**: {why}" for name, why in tables["not_computed"].items()]
    notes = [f"- **{m}**: {COMPARABILITY[m]}" for m in tables["metrics"] if m in COMPARABILITY]
    lines += [
        "",
        "## What is comparable",
        "",
        *notes,
        "- Numbers on the embedded synthetic sample corpus say the pipeline works, nothing about TIDE.",
    ]
    return "\n".join(lines) + "\n"


LONG_FIELDS = [
    "model",
    "display_name",
    "hf_id",
    "dataset",
    "settings",
    "metric",
    "phase",
    "mean",
    "std",
    "aggregate",
    "n",
    "seeds",
    "delta",
    "ci_low",
    "ci_high",
    "paper",
    "comparable",
]


def to_csv(tables: dict[str, Any]) -> str:
    """The long table: one row per group, metric and phase; ft rows carry the change and interval."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LONG_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r.get(k) for k in LONG_FIELDS} for r in tables["long"])
    return buffer.getvalue()


def to_latex(tables: dict[str, Any]) -> str:
    """Table 1 as a LaTeX table (booktabs), every name escaped."""
    caption = (
        "Automatic metrics, zero-shot (ZS) vs LoRA fine-tuned (FT); mean ± std "
        + ("(rows with several seeds: across seeds)" if tables["aggregates"] else "over replies")
        + f"; Δ with a paired bootstrap {CONFIDENCE:.0%} interval, * excludes 0."
    )
    return latex_table(tables["header"], tables["wide"], caption=caption)


# The console shows Table 1's headline metrics only; the files hold every metric.
CONSOLE_METRICS = 4


def console_summary(tables: dict[str, Any], files: dict[str, Path]) -> str:
    """A few lines for the terminal: what was read, a narrow table, warnings, the files.

    The narrow table has one row per Table 1 row and, per headline metric, ``zs -> ft`` means
    with ``*`` where the paired interval excludes 0; table1.md has the rest.
    """
    metrics = tables["metrics"][:CONSOLE_METRICS]
    lead = len(tables["header"]) - 3 * len(tables["metrics"])
    cells = {(r["group"], r["metric"], r["phase"]): r for r in tables["long"]}
    rows = []
    for g, line in enumerate(tables["wide"]):
        row = list(line[:lead])
        for metric in metrics:
            zs, ft = cells.get((g, metric, "zs")), cells.get((g, metric, "ft"))
            star = "*" if ft and ft["ci_low"] is not None and _excludes_zero(ft) else ""
            row.append(f"{_short(zs)} -> {_short(ft)}{star}")
        rows.append(row)
    runs = len(tables["runs"])
    text = [
        f"Table 1: {runs} run(s) in {len(rows)} row(s)"
        + (
            f"; {len(tables['duplicates'])} folder(s) set aside as the same run found twice"
            if tables["duplicates"]
            else ""
        ),
        *[f"  set aside {d['run_dir']} (same run as {d['same_as']})" for d in tables["duplicates"]],
        "",
        markdown_table(tables["header"][:lead] + [f"{m} zs -> ft" for m in metrics], rows),
        "",
        "*: the paired 95% interval of ft - zs excludes 0."
        + (f" Every metric and interval: {files['markdown']}" if "markdown" in files else ""),
    ]
    if tables["warnings"]:
        text += [
            "",
            f"{len(tables['warnings'])} warning(s):",
            *[f"- {w}" for w in tables["warnings"]],
        ]
    text += ["", *[f"{kind:>8}: {path}" for kind, path in files.items()]]
    return "\n".join(text)


def _short(cell: dict[str, Any] | None) -> str:
    return "-" if cell is None else format_value(cell["mean"])


def _excludes_zero(cell: dict[str, Any]) -> bool:
    low, high = cell["ci_low"], cell["ci_high"]
    return not (math.isnan(low) or math.isnan(high)) and (low > 0 or high < 0)
