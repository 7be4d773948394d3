"""Loggers: CSV rows kept across a resume; W&B steps monotonic and no anonymous-setting warning."""

from __future__ import annotations

import csv

import wandb
from pytorch_lightning.loggers import CSVLogger

from tide_exp.loggers import ResumableCSVLogger, StepWandbLogger


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _log(logger, start, stop, extra=None):
    for step in range(start, stop):
        logger.log_metrics({"train/loss": 1.0 / (step + 1), **(extra or {})}, step=step)
    logger.save()


def test_resumed_run_keeps_earlier_rows(tmp_path):
    _log(ResumableCSVLogger(tmp_path, name="csv", version=""), 0, 3)
    _log(ResumableCSVLogger(tmp_path, name="csv", version=""), 3, 5)  # the resumed process
    _log(ResumableCSVLogger(tmp_path, name="csv", version=""), 5, 6, {"val/loss": 0.5})
    rows = _rows(tmp_path / "csv" / "metrics.csv")
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3, 4, 5]
    assert rows[0]["val/loss"] == "" and rows[-1]["val/loss"] == "0.5"


def test_lightning_csv_logger_drops_them(tmp_path):
    """Why the subclass exists: Lightning's own logger deletes metrics.csv on a second start."""
    _log(CSVLogger(tmp_path, name="csv", version=""), 0, 3)
    _log(CSVLogger(tmp_path, name="csv", version=""), 3, 5)
    assert [int(r["step"]) for r in _rows(tmp_path / "csv" / "metrics.csv")] == [3, 4]


class _Recorder:
    def __init__(self):
        self.calls = []

    def log(self, data, step=None):
        self.calls.append((step, dict(data)))


def test_wandb_rows_carry_the_trainer_step_so_a_resume_continues_it(tmp_path):
    from tide_exp.loggers import StepWandbLogger

    logger = StepWandbLogger(save_dir=str(tmp_path), offline=True, id="abc", prefix="")
    logger._experiment = _Recorder()  # the logged rows, not a W&B process
    logger.log_metrics({"train/loss": 0.5}, step=120)  # a resumed job's first step
    logger.log_metrics({"val/loss": 0.4}, step=120)
    logger.log_metrics({"lr": 0.1})
    assert logger._experiment.calls == [
        (120, {"train/loss": 0.5, "trainer/global_step": 120}),
        (120, {"val/loss": 0.4, "trainer/global_step": 120}),
        (None, {"lr": 0.1}),
    ]


def test_wandb_logger_starts_without_the_anonymous_warning(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("WANDB_SILENT", "false")
    logger = StepWandbLogger(project="tide_exp", save_dir=str(tmp_path), offline=True)
    assert "anonymous" not in logger._wandb_init
    try:
        logger.experiment.log({"train/loss": 1.0})
    finally:
        wandb.finish()
    err = capfd.readouterr().err
    assert "anonymous setting" not in err
    assert list((tmp_path / "wandb").glob("offline-run-*"))
