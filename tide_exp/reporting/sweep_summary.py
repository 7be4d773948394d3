"""Hydra callback: at the end of a multirun, list every job with its status and headline numbers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from tide_exp.errors import FileError
from tide_exp.files.atomic import write_text
from tide_exp.files.writers import write_json
from tide_exp.reporting.grouping import format_setting, setting_columns
from tide_exp.reporting.table_writers import markdown_table
from tide_exp.runs.finding import iter_runs
from tide_exp.runs.names import STATUS

log = logging.getLogger(__name__)


def collect_jobs(sweep_dir: Path) -> list[dict[str, Any]]:
    """One row per job folder under ``sweep_dir``: status, error, and zs/ft metric means."""
    rows = []
    for job in iter_runs([sweep_dir], marker=STATUS):
        try:
            row = {"job": job.name, **job.read_status()}
        except FileError as err:  # a damaged status.json is one row, not a crashed summary
            row = {"job": job.name, "model": "?", "status": "unreadable", "error": str(err)}
        results = job.read_results()
        if results is not None:
            final = results.get("final", {})
            row["metrics"] = {
                k: v
                for k, v in final.items()
                if k.startswith(("zs/gen/", "ft/gen/", "dev/gen/", "zs/safety/", "ft/safety/"))
            }
            row["config"] = results.get("config", {})
            row["dataset"] = results.get("data", {}).get("dataset")
            row["seed"] = results.get("seed")
        rows.append(row)
    return rows


def _metric_names(rows: list[dict[str, Any]]) -> list[str]:
    """The metrics of the ok jobs in the order the runs wrote them (``rouge_l`` for
    ``*/gen/rouge_l``, ``safety/safe_rate`` as it is)."""
    names: dict[str, None] = {}
    for row in rows:
        for key in row.get("metrics", {}) if row["status"] == "ok" else ():
            names[key.split("/", 1)[1].removeprefix("gen/")] = None
    return list(names)


def _metric_cells(metrics: dict[str, float | None], name: str, dev: bool) -> list[str]:
    """Zero-shot, fine-tuned and the change (and the dev split's value) of one metric."""
    key = name if name.startswith("safety/") else f"gen/{name}"
    zs, ft = metrics.get(f"zs/{key}"), metrics.get(f"ft/{key}")
    delta = ft - zs if zs is not None and ft is not None else None
    cells = [_number(zs, f"zs/{key}" in metrics), _number(ft, f"ft/{key}" in metrics)]
    cells.append("-" if delta is None else f"{delta:+.3f}")
    return cells + ([_number(metrics.get(f"dev/{key}"), f"dev/{key}" in metrics)] if dev else [])


def format_summary(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the jobs: settings that differ between jobs of a model are columns
    (the same columns as Table 1), seeds included; then per metric the zero-shot and fine-tuned
    means and the change (and the dev split's mean where a job scored one); the error of a job
    that did not end ok last."""
    finished = [
        {
            "model": {"name": r.get("model")},
            "config": r["config"],
            "data": {"dataset": r.get("dataset")},
        }
        for r in rows
        if "config" in r
    ]
    columns = setting_columns(finished)
    seeds = len({r.get("seed") for r in rows if "seed" in r}) > 1
    metrics = _metric_names(rows)
    dev = any(k.startswith("dev/") for r in rows for k in r.get("metrics", {}))
    errors = any(r["status"] != "ok" for r in rows)
    phases = ["zs", "ft", "delta", *(["dev"] if dev else [])]
    header = [
        "job",
        "model",
        *columns,
        *(["seed"] if seeds else []),
        "status",
        *(f"{name} {phase}" for name in metrics for phase in phases),
        *(["error"] if errors else []),
    ]
    table = []
    for row in rows:
        config, ok = row.get("config", {}), row["status"] == "ok"
        values = row.get("metrics", {}) if ok else {}
        table.append(
            [row["job"], row.get("model", "-")]
            + [format_setting(config.get(c, "-")) for c in columns]
            + ([str(row.get("seed", "-"))] if seeds else [])
            + [row["status"]]
            + [cell for name in metrics for cell in _metric_cells(values, name, dev)]
            + ([row.get("error") or "" if not ok else ""] if errors else [])
        )
    return markdown_table(header, table) + "\n"


def _number(value: float | None, present: bool = True) -> str:
    """Three decimals; ``nan`` for a value results.json stores as null, ``-`` for none."""
    if not present:
        return "-"
    return "nan" if value is None else f"{value:.3f}"


class SweepSummaryCallback(Callback):
    """Writes ``summary.json`` and ``summary.md`` in the sweep folder and prints the table.

    Args:
        exit_on_failure: After the summary, end the sweep with exit status 1 when any job did
            not end ok (failed, killed while ``running``, or unreadable), so a script can tell.
    """

    def __init__(self, exit_on_failure: bool = True) -> None:
        self.exit_on_failure = exit_on_failure

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        rows = collect_jobs(sweep_dir)
        write_json(sweep_dir / "summary.json", rows)
        table = format_summary(rows)
        write_text(sweep_dir / "summary.md", table)
        failed = sum(r["status"] != "ok" for r in rows)
        log.info(
            "sweep summary (%d jobs, %d failed) in %s\n%s",
            len(rows),
            failed,
            sweep_dir / "summary.md",
            table,
        )
        if failed < len(rows):
            from tide_exp.reporting.table1 import write_report
            from tide_exp.reporting.wandb_report import log_table1

            files = write_report([sweep_dir], sweep_dir / "report")
            log.info("Table 1 report: %s", files["markdown"])
            log_table1(config, sweep_dir, files["csv"])
        if failed and self.exit_on_failure:
            # SystemExit passes Hydra's callback guard (it catches Exception only).
            raise SystemExit(1)
