"""Table 1 on the W&B dashboard: at the end of a sweep, one extra run in the sweep's group.

The run (``job_type: report``, named ``table1``) holds the report's long table (one row per
model, setting, metric and phase; fine-tuned rows carry the ZS -> FT change and its paired
interval) as a W&B table ``table1``, next to the runs that made it. Nothing is logged when the
sweep's jobs did not log to W&B (``logger`` without ``wandb``); a failure to start W&B (no login
for a live run) is a warning, never a failed sweep.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from tide_exp.tracking.loggers import wandb_switched_off

log = logging.getLogger(__name__)


def _setting(node: DictConfig, key: str, default: Any) -> Any:
    """One key of the W&B logger's config, resolved; ``default`` when it cannot be resolved."""
    try:
        value = OmegaConf.select(node, key, throw_on_resolution_failure=True)
    except Exception:  # an interpolation that needs a job (${model.name}) outside one
        return default
    return default if value is None else value


def log_table1(config: DictConfig, sweep_dir: Path, table_csv: Path) -> Path | None:
    """Log ``table_csv`` (the report's ``table1.csv``) to a ``report`` run of the sweep's group.

    Returns:
        The run's local folder, or ``None`` when nothing was logged.
    """
    node = OmegaConf.select(config, "logger.wandb")
    if node is None or not table_csv.is_file() or wandb_switched_off():
        return None
    import wandb

    with open(table_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        return None
    group = _setting(node, "group", None) or str(sweep_dir).replace("/", "_")
    offline = bool(_setting(node, "offline", True))
    out = sweep_dir / "report"
    out.mkdir(parents=True, exist_ok=True)
    try:
        run = wandb.init(
            project=_setting(node, "project", "tide_exp"),
            group=group,
            job_type="report",
            name="table1",
            tags=["report", "table1"],
            dir=str(out),
            mode="offline" if offline else "online",
            config={"sweep_dir": str(sweep_dir)},
            # No banners at the sweep's end (version, "You can sync this run", log folder),
            # as the jobs' runs (conf/logger/wandb.yaml): the line below names the folder.
            settings=wandb.Settings(quiet=True, silent=True),
        )
    except Exception as err:  # no login, no network: the files on disk are the report
        log.warning("Table 1 not logged to W&B (%s); it is in %s", err, table_csv)
        return None
    try:
        run.log({"table1": wandb.Table(columns=rows[0], data=rows[1:])})
        folder = Path(run.dir).parent
    finally:
        run.finish()
    log.info("Table 1 logged to W&B: group %s, run table1 (%s)", group, folder)
    return folder
