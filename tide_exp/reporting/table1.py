"""Table 1 from run folders: one row per model, dataset and setting; zero-shot vs fine-tuned.

Runs are grouped by :mod:`tide_exp.reporting.grouping` (only seeds are aggregated); each
zs -> ft change carries a paired bootstrap interval (:mod:`tide_exp.reporting.bootstrap`) from
the per-reply scores in ``generations.jsonl``; tables go through the one writer in
:mod:`tide_exp.reporting.tables`. Study A's published numbers sit beside ours where the model
matches, with a note on what is comparable.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from pathlib import Path
from typing import Any

from tide_exp.files import save_figure, write_text
from tide_exp.reporting.bootstrap import CONFIDENCE, RESAMPLES, SEED, paired_bootstrap_ci
from tide_exp.reporting.grouping import RunGroup, format_setting, group_runs
from tide_exp.reporting.tables import latex_table, markdown_table
from tide_exp.rundir import RunFolder, iter_runs

PAPER_TABLE = Path(__file__).with_name("paper_table1.csv")  # Study A, Table 1 (arXiv 2505.15065)
STUDY_A_METRICS = [
    "cosine",
    "bertscore_f1",
    "meteor",
    "rouge_l",
    "distinct_1_reply",
    "distinct_2_reply",
    "distinct_1_chunk100",
    "distinct_2_chunk100",
    "distinct_1",
    "distinct_2",
]
PHASES = ("zs", "ft")
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


def read_paired_scores(run: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """Per-reply scores of a run by phase: ``{phase: {example_id: {metric: value}}}``.

    Read from the run's ``generations.jsonl`` (a bad line is a ``FileError`` naming it); an
    absent file gives ``{}`` (no intervals).
    """
    folder = RunFolder(Path(run.get("run_dir", ".")))
    if not folder.generations_path.is_file():
        return {}
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for row in folder.read_generations():
        if row.get("phase") in PHASES and "example_id" in row:
            scores.setdefault(row["phase"], {})[row["example_id"]] = row.get("scores") or {}
    return scores


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
            differences = []
            for scores in paired:
                zs, ft = scores.get("zs", {}), scores.get("ft", {})
                common = [e for e in ft if e in zs and metric in ft[e] and metric in zs[e]]
                differences.append([ft[e][metric] - zs[e][metric] for e in common])
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
    """Mean share of cut and open-reasoning replies of a phase over the group's runs."""
    out = {}
    for name in ("cut_rate", "open_reasoning_rate"):
        values = [
            r["phases"][phase]["replies"][name]
            for r in group.runs
            if name in r.get("phases", {}).get(phase, {}).get("replies", {})
        ]
        out[name] = statistics.fmean(values) if values else None
    return out


def scoring_warnings(groups: list[RunGroup]) -> list[str]:
    """Per run: phases that scored fewer prompts than configured, chunk metrics under one chunk."""
    warnings = []
    for group in groups:
        for run in group.runs:
            short, partial = [], set()
            for phase in PHASES:
                summary = run.get("phases", {}).get(phase, {})
                wanted, got = summary.get("prompts_requested"), summary.get("prompts")
                if wanted and got is not None and got < wanted:
                    short.append(f"{phase} scored {got}")
                partial |= {m for m, v in summary.get("metrics", {}).items() if v.get("partial")}
            where = f"{group.display_name} ({run.get('run_dir')})"
            if short:
                wanted = max(
                    run["phases"][p].get("prompts_requested") or 0
                    for p in PHASES
                    if p in run.get("phases", {})
                )
                warnings.append(
                    f"{where}: {', '.join(short)} prompts, fewer than the {wanted} configured "
                    "(eval.num_prompts)."
                )
            if partial:
                warnings.append(
                    f"{where}: under one full chunk of replies for {', '.join(sorted(partial))}: "
                    "those values depend on the set size."
                )
    return warnings


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
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
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
    fig.tight_layout()
    written = [save_figure(fig, stem.with_suffix(suffix)) for suffix in (".png", ".pdf")]
    plt.close(fig)
    return written


def _label(row: dict[str, Any]) -> str:
    settings = json.loads(row["settings"])
    extra = ", ".join(f"{k}={format_setting(v)}" for k, v in settings.items())
    return f"{row['display_name']} ({extra})" if extra else row["display_name"]


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
    return files
