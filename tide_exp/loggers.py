"""Loggers that keep a resumed run's history (CSV rows, W&B steps)."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from typing import Any

from lightning_fabric.loggers.logger import rank_zero_experiment
from lightning_fabric.utilities.logger import _add_prefix
from pytorch_lightning.loggers import CSVLogger, WandbLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter


class _AppendingWriter(ExperimentWriter):
    """Lightning's CSV writer, except that an existing ``metrics.csv`` is continued.

    Lightning deletes ``metrics.csv`` when its folder is not empty, so a run resumed from a
    checkpoint kept only the epochs after the resume. Here the old rows stay and the header's
    keys are taken up, so new rows append under the same columns (new keys rewrite the header,
    as Lightning does). Steps between the last checkpoint and a kill are logged twice: the later
    row of a step is the one the resumed run took.
    """

    def _check_log_dir_exists(self) -> None:
        if not os.path.isfile(self.metrics_file_path):
            return
        with open(self.metrics_file_path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        self.metrics_keys = sorted(set(header))


class ResumableCSVLogger(CSVLogger):
    """``CSVLogger`` whose ``metrics.csv`` survives a resume (same arguments as CSVLogger)."""

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            os.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _AppendingWriter(log_dir=self.log_dir)
        return self._experiment


class StepWandbLogger(WandbLogger):
    """``WandbLogger`` that gives W&B the trainer's global step as the row's ``_step``.

    It also drops W&B's per-run "anonymous setting" warning: Lightning always passes
    ``anonymous=None`` to ``wandb.init``, and current W&B warns whenever the key is present.

    Lightning's logger lets W&B count ``_step`` itself, from 0 in every process. A job resumed
    from a checkpoint continues the same W&B run (same id), so its rows reuse steps the first
    process already wrote; W&B ignores rows logged below a run's current step ("Steps must be
    monotonically increasing"), so syncing the resumed offline run can drop its epochs.
    The trainer's global step is restored from the checkpoint, so it only goes up.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if step is None or self._wandb_init.get("sync_tensorboard"):
            super().log_metrics(metrics, step)
            return
        metrics = _add_prefix(metrics, self._prefix, self.LOGGER_JOIN_CHAR)
        self.experiment.log({**metrics, "trainer/global_step": step}, step=step)
