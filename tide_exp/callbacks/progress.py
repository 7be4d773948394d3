"""Console progress and logging cadence for short runs."""

from __future__ import annotations

import contextlib
import logging
import math
import sys
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, TQDMProgressBar
from pytorch_lightning.callbacks.progress.tqdm_progress import Tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

log = logging.getLogger(__name__)


class EpochProgressBar(TQDMProgressBar):
    """Lightning's progress bar on a terminal, one log line per epoch elsewhere.

    Epochs count as people count them (``Epoch 1/3`` ... ``Epoch 3/3``; Lightning labels the bar
    with the zero-based index alone). On a terminal, log records go through ``tqdm.write`` while
    a bar is up, so a line never lands on the end of a bar. When stdout is a pipe or a file
    (``tide train ... | tee log``, a SLURM log) there are no bars, whose ``\\r`` frames and cursor
    escapes would fill it, and each epoch ends with one log line instead:
    ``epoch 1/3: train/loss=2.310, val/loss=2.250``.

    Args:
        refresh_rate: Batches between bar updates (0: no bar, and no epoch lines either).
        terminal_only: ``False`` draws the bars into pipes and files too (the old behaviour).
    """

    def __init__(self, refresh_rate: int = 1, terminal_only: bool = True) -> None:
        super().__init__(refresh_rate=refresh_rate)
        self.terminal_only = terminal_only
        self._redirect: contextlib.ExitStack | None = None

    @property
    def on_terminal(self) -> bool:
        """Whether Lightning's bars (written to stdout) land on a terminal."""
        isatty = getattr(sys.stdout, "isatty", None)
        return bool(isatty and isatty())

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        super().setup(trainer, pl_module, stage)
        if self.terminal_only and not self.on_terminal:
            self.disable()
        elif self.is_enabled and self._redirect is None:
            self._redirect = contextlib.ExitStack()
            self._redirect.enter_context(logging_redirect_tqdm(tqdm_class=Tqdm))

    def _restore_logging(self) -> None:
        if self._redirect is not None:
            self._redirect.close()
            self._redirect = None

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._restore_logging()
        super().teardown(trainer, pl_module, stage)

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self._restore_logging()  # Lightning skips teardown when fit or validate raises
        super().on_exception(trainer, pl_module, exception)

    def _epoch_label(self, trainer: pl.Trainer) -> str:
        total = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else None
        return f"Epoch {trainer.current_epoch + 1}" + (f"/{total}" if total else "")

    def on_train_epoch_start(self, trainer: pl.Trainer, *args: Any) -> None:
        super().on_train_epoch_start(trainer, *args)
        self.train_progress_bar.set_description(self._epoch_label(trainer))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        # Rank zero only: other ranks' bars are disabled by Lightning, not by a missing terminal.
        if self.is_disabled and self.refresh_rate > 0 and trainer.is_global_zero:
            metrics = {
                k: v for k, v in self.get_metrics(trainer, pl_module).items() if k != "v_num"
            }
            values = ", ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()
            )
            log.info("%s%s", self._epoch_label(trainer).lower(), f": {values}" if values else "")


class AdaptiveLogEvery(Callback):
    """Lower ``trainer.log_every_n_steps`` so a short run still logs a training-loss curve.

    With the usual 50 (or the configured 5), a 16-step CPU run logs one or three points. Before
    fitting this sets the interval to ``min(configured, steps // min_points)``, never below 1,
    so the run logs at least about ``min_points`` values; long runs keep the configured
    interval.

    It runs in ``setup``, before Lightning first loads the training batches: that load is where
    Lightning warns when an epoch has fewer batches than the interval, so a short run that this
    callback handles gets no warning about the interval it replaces.

    Args:
        min_points: Training-loss points wanted over the whole run.
    """

    def __init__(self, min_points: int = 20) -> None:
        self.min_points = min_points

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        configured = trainer.log_every_n_steps
        if stage != "fit" or not configured:
            return
        # Counting the steps loads the training batches, which checks the interval against
        # them: the smallest interval passes, and the chosen one replaces it just after.
        trainer.log_every_n_steps = 1
        steps = trainer.estimated_stepping_batches
        if not math.isfinite(steps):
            trainer.log_every_n_steps = configured
            return
        trainer.log_every_n_steps = max(1, min(configured, int(steps) // self.min_points))
