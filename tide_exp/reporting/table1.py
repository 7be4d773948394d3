"""Table 1 from run folders: one row per model, dataset and setting; zero-shot vs fine-tuned.

Runs are grouped by :mod:`tide_exp.reporting.grouping` (only seeds are aggregated); each
zs -> ft change carries a paired bootstrap interval (:mod:`tide_exp.metrics.bootstrap`) from
the per-reply scores in ``generations.jsonl``; tables go through the one writer in
:mod:`tide_exp.reporting.table_writers`. Study A's published numbers sit beside ours where the model
matches, with a note on what is comparable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tide_exp.errors import FileError, NoRunsError
from tide_exp.files.atomic import write_text
from tide_exp.reporting.grouping import RunGroup, drop_duplicate_runs, format_setting, group_runs
from tide_exp.reporting.paper import (
    NOT_COMPARABLE,
    PAPER_COLUMN,
    PAPER_TABLE,
    STUDY_A_METRICS,
    read_paper_table,
)
from tide_exp.reporting.safety import safety_markdown
from tide_exp.reporting.table1_plot import plot_bars
from tide_exp.reporting.table1_render import (
    format_change,
    format_rate,
    format_value,
    to_csv,
    to_latex,
    to_markdown,
)
from tide_exp.reporting.table1_stats import (
    PHASES,
    change_intervals,
    prompts_scored,
    reply_endings,
    scoring_warnings,
    summarise,
    tuned_epoch,
)
from tide_exp.reporting.table2 import table2_csv, table2_markdown
from tide_exp.runs.finding import iter_runs

log = logging.getLogger(__name__)


def collect_runs(paths: list[Path]) -> list[dict[str, Any]]:
    """Every finished run (``results.json`` with status ok) under ``paths``."""
    runs = []
    for folder in iter_runs(paths):
        results = folder.read_results()
        status = folder.read_status() or {}
        if status.get("status", "ok") != "ok":  # a re-run in progress, or one that failed
            log.warning(
                "%s left out: its job is %s (status.json); its results.json is not the run's",
                folder.path,
                status.get("status"),
            )
            continue
        if results is not None and results.get("status") == "ok":
            for key in ("model.name", "phases"):  # what a Table 1 row cannot do without
                if _select(results, key) is None:
                    raise FileError(
                        folder.results_path,
                        f"results.{key} is missing",
                        "re-run the job to rewrite it, or leave this folder out of the report",
                    )
            runs.append({**results, "run_dir": str(folder.path)})
    return runs


def _select(data: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def build_tables(
    groups: list[RunGroup],
    columns: list[str],
    paper: dict[str, dict[str, float]],
    duplicates: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Table 1 (header and rows), the reply-endings table, ours beside the paper, long rows.

    ``duplicates``: runs set aside as the same run found twice (from
    :func:`~tide_exp.reporting.grouping.drop_duplicate_runs`), listed in the report.
    """
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
                line.append(format_value(cell["mean"], cell["std"]) if cell else "-")
            line.append(format_change(changes.get((g, metric))))
        wide.append(line)
        rates = {p: reply_endings(group, p) for p in PHASES}
        # Counts only: a run's prompt ids (4,000 on the real split) belong in results.json.
        prompts = {p: "/".join(prompts_scored(r, p) for r in group.runs) for p in PHASES}
        endings.append(
            [group.display_name, *line[1 : len(lead)]]
            + [format_rate(rates[p]["cut_rate"]) for p in PHASES]
            + [format_rate(rates[p]["open_reasoning_rate"]) for p in PHASES]
            + [format_rate(rates[p]["looping_rate"]) for p in PHASES]
            + [prompts[p] for p in PHASES]
            + ["/".join(tuned_epoch(r) for r in group.runs)]
        )
    endings_header = lead + [
        "cut zs",
        "cut ft",
        "open reasoning zs",
        "open reasoning ft",
        "looping zs",
        "looping ft",
        "prompts zs",
        "prompts ft",
        "ft epoch",
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
        "duplicates": duplicates or [],
        "not_computed": not_computed(r for g in groups for r in g.runs),
    }


def not_computed(runs) -> dict[str, str]:
    """What the runs' configs list as not computed (``results.json["not_computed"]``), once."""
    out: dict[str, str] = {}
    for run in runs:
        for name, why in (run.get("not_computed") or {}).items():
            out.setdefault(name, str(why))
    return out


def build_report(paths: list[Path], paper_table: Path = PAPER_TABLE) -> dict[str, Any]:
    """Table 1's tables from the finished runs under ``paths`` (each identical run once).

    Raises:
        NoRunsError: No finished run (results.json with status ok) under ``paths``.
    """
    runs = collect_runs(paths)
    if not runs:
        raise NoRunsError(
            f"no finished run (results.json with status ok) under {', '.join(map(str, paths))}; "
            "run `python -m tide_exp` first or point at its output folder"
        )
    runs, duplicates = drop_duplicate_runs(runs)
    groups, columns = group_runs(runs)
    tables = build_tables(groups, columns, read_paper_table(paper_table), duplicates)
    tables["runs"] = runs
    return tables


def write_tables(tables: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write table1.{md,csv,tex}, table1_bars.{png,pdf}; safety.md when runs probed safety;
    table2.{md,csv} (Study B) when runs validated the base model and the adapter."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "markdown": write_text(out_dir / "table1.md", to_markdown(tables)),
        "csv": write_text(out_dir / "table1.csv", to_csv(tables)),
        "latex": write_text(out_dir / "table1.tex", to_latex(tables)),
    }
    png, pdf = plot_bars(tables, out_dir / "table1_bars")
    files.update(png=png, pdf=pdf)
    safety = safety_markdown(tables["runs"])  # only when runs probed safety (eval.safety)
    if safety:
        files["safety"] = write_text(out_dir / "safety.md", safety)
    table2 = table2_markdown(tables["runs"])  # only when runs validated base and adapter
    if table2:
        files["table2"] = write_text(out_dir / "table2.md", table2)
        files["table2_csv"] = write_text(out_dir / "table2.csv", table2_csv(tables["runs"]))
    return files


def write_report(
    paths: list[Path], out_dir: Path, paper_table: Path = PAPER_TABLE
) -> dict[str, Path]:
    """Collect runs under ``paths`` and write Table 1's files (:func:`write_tables`) to ``out_dir``.

    Raises:
        NoRunsError: No finished run (results.json with status ok) under ``paths``.
    """
    return write_tables(build_report(paths, paper_table), out_dir)
