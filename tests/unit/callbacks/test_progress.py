from __future__ import annotations

import pytorch_lightning as pl
from pytorch_lightning.demos.boring_classes import BoringModel

from tide_exp.callbacks.progress import AdaptiveLogEvery, EpochProgressBar


class LossLogger(BoringModel):
    def training_step(self, batch, batch_idx):
        out = super().training_step(batch, batch_idx)
        self.log("train/loss", out["loss"])
        return out


def fit(tmp_path, log_every_n_steps: int, callbacks, max_epochs: int = 2, batches: int = 8):
    seen: list[str] = []

    class Spy(pl.Callback):
        def on_train_epoch_start(self, trainer, pl_module):
            bar = next(c for c in trainer.callbacks if isinstance(c, EpochProgressBar))
            seen.append(bar.train_progress_bar.desc)

    trainer = pl.Trainer(
        default_root_dir=tmp_path,
        max_epochs=max_epochs,
        limit_train_batches=batches,
        limit_val_batches=0,
        log_every_n_steps=log_every_n_steps,
        logger=pl.loggers.CSVLogger(tmp_path),
        callbacks=[EpochProgressBar(), *callbacks, Spy()],
        enable_model_summary=False,
        enable_checkpointing=False,
    )
    trainer.fit(LossLogger())
    return trainer, seen


def logged_steps(trainer) -> int:
    import csv
    from pathlib import Path

    path = Path(trainer.logger.experiment.metrics_file_path)
    if not path.is_file():  # nothing was logged
        return 0
    with path.open() as f:
        return sum(1 for row in csv.DictReader(f) if row.get("train/loss"))


def test_short_run_logs_a_curve_and_the_bar_counts_epochs_from_one(tmp_path):
    plain, _ = fit(tmp_path / "plain", 50, [])
    assert logged_steps(plain) == 0  # Lightning's default: 16 steps, no point at all
    adapted, seen = fit(tmp_path / "adapted", 50, [AdaptiveLogEvery(min_points=8)])
    assert adapted.log_every_n_steps == 2
    assert logged_steps(adapted) == 8
    assert seen == ["Epoch 1/2: ", "Epoch 2/2: "]


def test_long_run_keeps_the_configured_interval(tmp_path):
    trainer, _ = fit(tmp_path, 5, [AdaptiveLogEvery(min_points=2)], max_epochs=1, batches=40)
    assert trainer.log_every_n_steps == 5 and logged_steps(trainer) == 8
