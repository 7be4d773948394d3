"""Table 1 from run folders: models x metrics, zero-shot vs fine-tuned, beside the paper's numbers."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from tide_exp.files import save_figure, write_text
from tide_exp.rundir import iter_runs

PAPER_TABLE = Path(__file__).with_name("paper_table1.csv")  # Study A, Table 1 (arXiv 2505.15065)
STUDY_A_METRICS = ["cosine", "bertscore_f1", "meteor", "rouge_l", "distinct_1", "distinct_2"]
PHASES = ("zs", "ft")

COMPARABILITY = {
    "rouge_l": "ours is ROUGE-L F1 of reply vs reference (rouge-score). The paper's 0.79-0.84 cannot be that: on "
    "real small-model replies from the study's own survey it averages about 0.25. Not comparable.",
    "bertscore_f1": "comparable only when computed with roberta-large, layer 17, no idf, no rescaling "
    "(experiment=tide_paper); the offline default uses all-MiniLM-L6-v2.",
    "distinct_1": "ours is corpus-level (unique n-grams over the evaluated set); the paper's range matches that "
    "definition. Per-reply averages are distinct_1_response.",
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


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (model, metric, phase): mean of the runs' means, mean std, total n, run count."""
    cells: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    models: dict[str, dict] = {}
    for run in runs:
        models[run["model"]["name"]] = run["model"]
        for phase in PHASES:
            for metric, values in run.get("phases", {}).get(phase, {}).get("metrics", {}).items():
                cells[(run["model"]["name"], metric, phase)].append(values)
    rows = []
    for (model, metric, phase), values in sorted(cells.items()):
        stds = [v["std"] for v in values if v.get("std") is not None]
        rows.append(
            {
                "model": model,
                "display_name": models[model]["display_name"],
                "hf_id": models[model].get("hf_id"),
                "metric": metric,
                "phase": phase,
                # results.json stores a NaN mean as null
                "mean": sum(math.nan if v["mean"] is None else v["mean"] for v in values)
                / len(values),
                "std": sum(stds) / len(stds) if stds else None,
                "n": sum(v["n"] for v in values),
                "runs": len(values),
            }
        )
    return rows


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


def build_tables(rows: list[dict[str, Any]], paper: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Wide per-model table and the long table with the paper's values joined."""
    metrics = [m for m in STUDY_A_METRICS if any(r["metric"] == m for r in rows)]
    metrics += sorted({r["metric"] for r in rows} - set(metrics))
    index = {(r["model"], r["metric"], r["phase"]): r for r in rows}
    models = list(dict.fromkeys(r["model"] for r in rows))
    long_rows = []
    for row in rows:
        published = paper.get(row["hf_id"] or "", {}).get(f"{row['metric']}_{row['phase']}")
        long_rows.append({**row, "paper": published})
    wide = []
    for model in models:
        display = next(r["display_name"] for r in rows if r["model"] == model)
        line = {"model": display}
        for metric in metrics:
            zs, ft = index.get((model, metric, "zs")), index.get((model, metric, "ft"))
            line[f"{metric} zs"] = _fmt(zs["mean"], zs["std"]) if zs else "-"
            line[f"{metric} ft"] = _fmt(ft["mean"], ft["std"]) if ft else "-"
            line[f"{metric} Δ"] = f"{ft['mean'] - zs['mean']:+.3f}" if zs and ft else "-"
        wide.append(line)
    return {"metrics": metrics, "models": models, "wide": wide, "long": long_rows}


def to_markdown(tables: dict[str, Any]) -> str:
    """Table 1 in Markdown, then ours vs the paper per metric, then the comparability notes."""
    lines = [
        "# Table 1: automatic metrics, zero-shot (zs) vs LoRA fine-tuned (ft)",
        "",
        "Mean ± std over the evaluated replies.",
        "",
    ]
    header = ["model"] + [f"{m} {p}" for m in tables["metrics"] for p in ("zs", "ft", "Δ")]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(row.get(h, "-")) for h in header) + " |" for row in tables["wide"]
    ]
    with_paper = [r for r in tables["long"] if r["paper"] is not None]
    if with_paper:
        lines += [
            "",
            "## Ours beside the paper (Study A, Table 1)",
            "",
            "| model | metric | phase | ours | paper |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['display_name']} | {r['metric']} | {r['phase']} | {_fmt(r['mean'], r['std'])} | {r['paper']:.2f} |"
            for r in with_paper
        ]
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


def to_csv(tables: dict[str, Any]) -> str:
    """The long table: one row per model, metric and phase, with the paper's value where it has one."""
    import io

    fields = [
        "model",
        "display_name",
        "hf_id",
        "metric",
        "phase",
        "mean",
        "std",
        "n",
        "runs",
        "paper",
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r.get(k) for k in fields} for r in tables["long"])
    return buffer.getvalue()


def to_latex(tables: dict[str, Any]) -> str:
    """Table 1 as a LaTeX tabular (booktabs): zs / ft means per metric, one row per model."""
    metrics = tables["metrics"]
    cols = "l" + "rr" * len(metrics)
    head1 = " & ".join(
        ["Model"] + [rf"\multicolumn{{2}}{{c}}{{{m.replace('_', chr(92) + '_')}}}" for m in metrics]
    )
    head2 = " & ".join([""] + ["ZS", "FT"] * len(metrics))
    body = []
    for row in tables["wide"]:
        cells = [row["model"]] + [
            row[f"{m} {p}"].replace("±", r"$\pm$") for m in metrics for p in ("zs", "ft")
        ]
        body.append(" & ".join(cells) + r" \\")
    return (
        "\n".join(
            [
                r"\begin{table}[t]",
                r"\centering",
                r"\small",
                rf"\begin{{tabular}}{{{cols}}}",
                r"\toprule",
                head1 + r" \\",
                head2 + r" \\",
                r"\midrule",
                *body,
                r"\bottomrule",
                r"\end{tabular}",
                r"\caption{Automatic metrics, zero-shot (ZS) vs LoRA fine-tuned (FT); mean $\pm$ std.}",
                r"\end{table}",
            ]
        )
        + "\n"
    )


def plot_bars(rows: list[dict[str, Any]], metrics: list[str], stem: Path) -> list[Path]:
    """Grouped bars per metric (models x zs/ft, std as error bars), saved as PNG and PDF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r["display_name"] for r in rows))
    index = {(r["display_name"], r["metric"], r["phase"]): r for r in rows}
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    width = 0.38
    for ax, metric in zip(axes.flat, metrics, strict=False):
        for offset, phase, color in ((-width / 2, "zs", "#9aa5b1"), (width / 2, "ft", "#2f6f9f")):
            cells = [index.get((m, metric, phase)) for m in models]
            means = [c["mean"] if c else 0.0 for c in cells]
            errs = [c["std"] if c and c["std"] is not None else 0.0 for c in cells]
            ax.bar(
                [i + offset for i in range(len(models))],
                means,
                width,
                yerr=errs,
                capsize=2,
                color=color,
                label={"zs": "zero-shot", "ft": "fine-tuned"}[phase],
            )
        ax.set_title(metric)
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    written = [save_figure(fig, stem.with_suffix(suffix)) for suffix in (".png", ".pdf")]
    plt.close(fig)
    return written


def write_report(
    paths: list[Path], out_dir: Path, paper_table: Path = PAPER_TABLE
) -> dict[str, Path]:
    """Collect runs under ``paths`` and write table1.{md,csv,tex} and table1_bars.{png,pdf}.

    Raises:
        FileNotFoundError: No finished run (results.json with status ok) under ``paths``.
    """
    runs = collect_runs(paths)
    if not runs:
        raise FileNotFoundError(
            f"no finished run (results.json with status ok) under {', '.join(map(str, paths))}"
        )
    rows = summarise(runs)
    tables = build_tables(rows, read_paper_table(paper_table))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "markdown": write_text(out_dir / "table1.md", to_markdown(tables)),
        "csv": write_text(out_dir / "table1.csv", to_csv(tables)),
        "latex": write_text(out_dir / "table1.tex", to_latex(tables)),
    }
    png, pdf = plot_bars(rows, tables["metrics"], out_dir / "table1_bars")
    files.update(png=png, pdf=pdf)
    return files
