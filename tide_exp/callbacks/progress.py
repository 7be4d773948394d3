"""Console progress and logging cadence for short runs."""

from __future__ import annotations

import math
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, TQDMProgressBar


class EpochProgressBar(TQDMProgressBar):
    """Lightning's progress bar, counting epochs as people do: ``Epoch 1/3`` ... ``Epoch 3/3``.

    Lightning labels the bar with the zero-based epoch index alone (``Epoch 0`` for the first of
    three), which reads as one epoch fewer than the run does.
    """

    def on_train_epoch_start(self, trainer: pl.Trainer, *args: Any) -> None:
        super().on_train_epoch_start(trainer, *args)
        total = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else None
        label = f"Epoch {trainer.current_epoch + 1}" + (f"/{total}" if total else "")
        self.train_progress_bar.set_description(label)


class AdaptiveLogEvery(Callback):
    """Lower ``trainer.log_every_n_steps`` so a short run still logs a training-loss curve.

    With the usual 50 (or the configured 5), a 16-step CPU run logs one or three points. At
    the start of training this sets the interval to ``min(configured, steps // min_points)``,
    never below 1, so the run logs at least about ``min_points`` values; long runs keep the
    configured interval.

    Args:
        min_points: Training-loss points wanted over the whole run.
    """

    def __init__(self, min_points: int = 20) -> None:
        self.min_points = min_points

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        steps = trainer.estimated_stepping_batches
        if not trainer.log_every_n_steps or not math.isfinite(steps):
            return
        every = max(1, min(trainer.log_every_n_steps, int(steps) // self.min_points))
        trainer.log_every_n_steps = every
