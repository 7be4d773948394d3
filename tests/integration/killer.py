"""A test-only callback that kills its process mid-epoch once, as a crash or preemption would."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytorch_lightning as pl


class KillOnceAtStep(pl.Callback):
    """SIGKILL the process after ``step`` optimizer steps, the first time only (``marker`` file).

    ``sleep`` seconds pass first: 0 kills with no grace, before W&B's process wrote the rows
    of its last 2 s (conf/logger/wandb.yaml), which the resumed job must log again; 3 is past
    that write, as a preemption minutes into an epoch is.
    """

    def __init__(self, step: int, marker: str, sleep: float = 0.0) -> None:
        self.step = step
        self.marker = Path(marker)
        self.sleep = sleep

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step >= self.step and not self.marker.exists():
            self.marker.write_text("killed")
            time.sleep(self.sleep)
            os.kill(os.getpid(), signal.SIGKILL)


class FailForRank(pl.Callback):
    """Raise a plain RuntimeError (not a TideError) at the first step when ``lora.r`` is ``rank``."""

    def __init__(self, rank: int, lora_r: int) -> None:
        self.fail = rank == lora_r

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.fail:
            raise RuntimeError("simulated crash inside training")


class KillOnceAtTrainEnd(pl.Callback):
    """SIGKILL the process once training ended (its last checkpoint saved), before the final
    evaluation: a preemption between the last epoch and the fine-tuned replies."""

    def __init__(self, marker: str) -> None:
        self.marker = Path(marker)

    def on_train_end(self, trainer, pl_module) -> None:
        if not self.marker.exists():
            self.marker.write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)


class InterruptOnceAtStep(pl.Callback):
    """Ctrl-C once after ``step`` optimizer steps: SIGINT to the whole process group, as a
    terminal sends it (W&B's service process gets it too)."""

    def __init__(self, step: int, marker: str) -> None:
        self.step = step
        self.marker = Path(marker)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step >= self.step and not self.marker.exists():
            self.marker.write_text("interrupted")
            os.killpg(os.getpgid(0), signal.SIGINT)
