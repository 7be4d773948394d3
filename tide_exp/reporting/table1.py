"""Table 1 from run folders: one row per model, dataset and setting; zero-shot vs fine-tuned.

Runs are grouped by :mod:`tide_exp.reporting.grouping` (only seeds are aggregated); each
zs -> ft change carries a paired bootstrap interval (:mod:`tide_exp.metrics.bootstrap`) from
the per-reply scores in ``generations.jsonl``; tables go through the one writer in
:mod:`tide_exp.reporting.tables`. Study A's published numbers sit beside ours where the model
matches, with a note on what is comparable.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from tide_exp.errors import NoRunsError
from tide_exp.files import write_text
from tide_exp.metrics import sets
from tide_exp.metrics.bootstrap import CONFIDENCE, RESAMPLES, SEED
from tide_exp.reporting.grouping import RunGroup, format_setting, group_runs
from tide_exp.reporting.safety import safety_markdown
from tide_exp.reporting.table1_plot import plot_bars
from tide_exp.reporting.table1_stats import (
    PHASES,
    change_intervals,
    reply_endings,
    scoring_warnings,
    summarise,
)
from tide_exp.reporting.tables import latex_table, markdown_table
from tide_exp.rundir import iter_runs

PAPER_TABLE = Path(__file__).with_name("paper_table1.csv")  # Study A, Table 1 (arXiv 2505.15065)
# The suite's Study A set, then corpus-level distinct (shown, but marked not comparable).
STUDY_A_METRICS = [*sets.STUDY_A_METRICS, "distinct_1", "distinct_2"]
# Our metric -> the paper's column it is shown beside (every distinct pairing is marked not comparable).
PAPER_COLUMN = {
    "cosine": "cosine",
    "bertscore_f1": "bertscore_f1",
    "meteor": "meteor",
    "rouge_l": "rouge_l",
    "distinct_1_chunk100": "distinct_1",
    "distinct_2_chunk100": "distinct_2",
}
NOT_COMPARABLE = {"rouge_l", "distinct_1_chunk100", "distinct_2_chunk100"}

_DISTINCT_NOTE = (
    "not comparable. The paper gives Distinct as mean ± std on 4,000 replies without saying over "
    "what; corpus-level Distinct falls as the set grows (0.23 on 32 replies, 0.15 on 96, a few "
    "hundredths on 4,000), so it cannot be the paper's 0.17-0.25. Ours is per reply "
    "(distinct_n_reply) and per chunk of 100 replies (distinct_n_chunk100, mean ± std across "
    "chunks, independent of the set size); the latter is shown beside the paper's column."
)
COMPARABILITY = {
    "rouge_l": "ours is ROUGE-L F1 of reply vs reference (rouge-score). The paper's 0.79-0.84 cannot "
    "be that: on real small-model replies from the study's own survey it averages about 0.25. "
    "Not comparable.",
    "bertscore_f1": "comparable only when computed with roberta-large, layer 17, no idf, no rescaling "
    "(experiment=tide_paper); the offline default uses all-MiniLM-L6-v2.",
    "distinct_1_chunk100": _DISTINCT_NOTE,
    "distinct_2_chunk100": "as distinct_1_chunk100: " + _DISTINCT_NOTE.split(". ", 1)[0] + ".",
    "distinct_1_reply": "per reply, mean ± std over replies; no paper counterpart.",
    "distinct_2_reply": "per reply, as distinct_1_reply.",
    "distinct_1": "corpus-level over the evaluated set: depends on its size; not comparable.",
    "distinct_2": "corpus-level, as distinct_1.",
    "cosine": "all-MiniLM-L6-v2 sentence embeddings, as in the paper.",
    "meteor": "NLTK meteor_score with WordNet 3.0; the paper's tokenization is not stated.",
}


def collect_runs(paths: list[Path]) -> list[dict[str, Any]]:
    """Every finished run (``results.json`` with status ok) under ``paths``."""
    runs = []
    for folder in iter_runs(paths):
        results = folder.read_results()
        if results is not None and results.get("status") == "ok":
            runs.append({**results, "run_dir": str(folder.path)})
    return runs


def read_paper_table(path: Path = PAPER_TABLE) -> dict[str, dict[str, float]]:
    """The paper's Table 1 keyed by hub id: ``{hf_id: {"cosine_zs": 0.56, ...}}``."""
    with path.open(encoding="utf-8") as handle:
        return {
            row["hf_id"]: {k: float(v) for k, v in row.items() if k not in {"model", "hf_id"}}
            for row in csv.DictReader(handle)
        }


def _fmt(mean: float | None, std: float | None = None) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    return f"{mean:.3f}" + (f" ± {std:.3f}" if std is not None else "")


def _fmt_change(change: dict[str, Any] | None) -> str:
    if change is None:
        return "-"
    text = f"{change['delta']:+.3f}"
    if not math.isnan(change["low"]):
        text += f" [{change['low']:+.3f}, {change['high']:+.3f}]" + (
            "*" if change["distinguishable"] else ""
        )
    return text


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def build_tables(
    groups: list[RunGroup], columns: list[str], paper: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """Table 1 (header and rows), the reply-endings table, ours beside the paper, long rows."""
    rows = summarise(groups)
    changes = change_intervals(groups, rows)
    present = {r["metric"] for r in rows}
    metrics = [m for m in STUDY_A_METRICS if m in present] + sorted(present - set(STUDY_A_METRICS))
    index = {(r["group"], r["metric"], r["phase"]): r for r in rows}
    datasets = len({g.dataset for g in groups}) > 1
    lead = ["model", *columns, *(["dataset"] if datasets else []), "seeds"]
    header = lead + [f"{m} {p}" for m in metrics for p in ("zs", "ft", "Δ [95% CI]")]
    wide = []
    endings = []
    for g, group in enumerate(groups):
        line: list[str] = [group.display_name]
        line += [format_setting(group.settings[c]) for c in columns]
        line += [group.dataset] if datasets else []
        line.append(str(group.seeds))
        for metric in metrics:
            for phase in PHASES:
                cell = index.get((g, metric, phase))
                line.append(_fmt(cell["mean"], cell["std"]) if cell else "-")
            line.append(_fmt_change(changes.get((g, metric))))
        wide.append(line)
        rates = {p: reply_endings(group, p) for p in PHASES}
        prompts = {
            p: "/".join(str(r.get("phases", {}).get(p, {}).get("prompts", "-")) for r in group.runs)
            for p in PHASES
        }
        endings.append(
            [group.display_name, *line[1 : len(lead)]]
            + [_rate(rates[p]["cut_rate"]) for p in PHASES]
            + [_rate(rates[p]["open_reasoning_rate"]) for p in PHASES]
            + [prompts[p] for p in PHASES]
        )
    endings_header = lead + [
        "cut zs",
        "cut ft",
        "open reasoning zs",
        "open reasoning ft",
        "prompts zs",
        "prompts ft",
    ]
    long_rows = []
    for row in rows:
        change = changes.get((row["group"], row["metric"])) if row["phase"] == "ft" else None
        column = PAPER_COLUMN.get(row["metric"])
        published = paper.get(row["hf_id"] or "", {}).get(f"{column}_{row['phase']}")
        long_rows.append(
            {
                **row,
                "paper": published if column else None,
                "comparable": row["metric"] not in NOT_COMPARABLE,
                "delta": change["delta"] if change else None,
                "ci_low": change["low"] if change else None,
                "ci_high": change["high"] if change else None,
            }
        )
    return {
        "metrics": metrics,
        "columns": columns,
        "header": header,
        "wide": wide,
        "endings_header": endings_header,
        "endings": endings,
        "long": long_rows,
        "warnings": scoring_warnings(groups),
        "aggregates": any(g.seeds > 1 for g in groups),
    }


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
        "a `<think>` block (its scored text is empty). Mean share over the row's runs; prompts "
        "scored per run.",
        "",
        markdown_table(tables["endings_header"], tables["endings"]),
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
                        _fmt(r["mean"], r["std"]),
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


def write_report(
    paths: list[Path], out_dir: Path, paper_table: Path = PAPER_TABLE
) -> dict[str, Path]:
    """Collect runs under ``paths`` and write table1.{md,csv,tex} and table1_bars.{png,pdf}.

    Raises:
        NoRunsError: No finished run (results.json with status ok) under ``paths``.
    """
    runs = collect_runs(paths)
    if not runs:
        raise NoRunsError(
            f"no finished run (results.json with status ok) under {', '.join(map(str, paths))}; "
            "run `python -m tide_exp` first or point at its output folder"
        )
    groups, columns = group_runs(runs)
    tables = build_tables(groups, columns, read_paper_table(paper_table))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "markdown": write_text(out_dir / "table1.md", to_markdown(tables)),
        "csv": write_text(out_dir / "table1.csv", to_csv(tables)),
        "latex": write_text(out_dir / "table1.tex", to_latex(tables)),
    }
    png, pdf = plot_bars(tables, out_dir / "table1_bars")
    files.update(png=png, pdf=pdf)
    safety = safety_markdown(runs)  # only when runs probed safety (eval.safety)
    if safety:
        files["safety"] = write_text(out_dir / "safety.md", safety)
    return files
