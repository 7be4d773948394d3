"""Loggers: CSV rows kept across a resume; W&B steps monotonic and no anonymous-setting warning."""

from __future__ import annotations

import csv

import wandb
from pytorch_lightning.loggers import CSVLogger

from tide_exp.tracking.loggers import (
    EVAL_EPOCH,
    ResumableCSVLogger,
    StepWandbLogger,
    epochs_trained,
    flatten,
    log_step,
)


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
        self.axes = {}

    def log(self, data, step=None):
        self.calls.append((step, dict(data)))

    def define_metric(self, name, step_metric=None, **_):
        self.axes[name] = step_metric


def test_wandb_rows_carry_the_trainer_step_so_a_resume_continues_it(tmp_path):
    from tide_exp.tracking.loggers import StepWandbLogger

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


def test_wandb_row_below_the_current_step_is_kept_at_that_step(tmp_path, caplog):
    """W&B refuses a row below its current step; the logger never asks for one."""
    logger = StepWandbLogger(save_dir=str(tmp_path), offline=True, id="abc", prefix="")
    logger._experiment = _Recorder()
    logger.log_metrics({"val/gen/rouge_l": 0.2}, step=8)
    logger.log_metrics({"val/loss": 0.4, "epoch": 0}, step=7)  # Lightning's validation step
    assert [step for step, _ in logger._experiment.calls] == [8, 8]
    assert logger._experiment.calls[1][1]["trainer/global_step"] == 8
    assert "val/loss" in caplog.text and "asked for step 7 after step 8" in caplog.text
    # Per-epoch evaluation is plotted against the epochs trained.
    assert logger._experiment.axes["val/loss"] == EVAL_EPOCH
    assert logger._experiment.axes["val/gen/rouge_l"] == EVAL_EPOCH
    assert "epoch" not in logger._experiment.axes


def test_config_is_flattened_to_dotted_keys():
    assert flatten({"model": {"name": "x", "chat": {"kw": {}}}, "tags": ["a"], "seed": 1}) == {
        "model.name": "x",
        "model.chat.kw": {},
        "tags": ["a"],
        "seed": 1,
    }


def test_lightning_still_keeps_the_logging_step_and_epoch_counters_we_read(tmp_path):
    """tide_exp.tracking.loggers reads two Lightning internals; an upgrade that moves them fails here."""
    import pytorch_lightning as pl

    trainer = pl.Trainer(default_root_dir=tmp_path, logger=False, enable_checkpointing=False)
    assert log_step(trainer) == 0
    assert epochs_trained(trainer) == 0


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


def test_a_resumed_run_logs_again_what_a_killed_process_sent_but_wandb_never_wrote(tmp_path):
    """Issue 31: a job killed with no grace lost the rows W&B's process had not written yet,
    those before the checkpoint among them, which the resumed training never logs again.

    The first process here logs steps 0-5 but W&B writes only 0-2 (its run ends there, as a
    kill before W&B's next write leaves it; the journal has all six, as the logger wrote it
    through). The resumed process starts at the checkpoint's step 4: it logs 3 again, once,
    then its own rows; 4 and 5 are the resumed training's to log.
    """
    import wandb

    from tide_exp.tracking.wandb_journal import Journal, journal_path
    from tide_exp.tracking.wandb_offline import offline_runs, read_run

    first = StepWandbLogger(save_dir=str(tmp_path), offline=True, id="run1", prefix="")
    try:
        for step in range(3):
            first.log_metrics({"train/loss": 1.0 - step / 10}, step=step)
    finally:
        wandb.finish()
    journal = Journal(journal_path(tmp_path / "wandb", "run1"))
    for step in range(3, 6):  # sent, never written by W&B: the kill
        journal.add(step, {"train/loss": 1.0 - step / 10, "trainer/global_step": step})

    resumed = StepWandbLogger(save_dir=str(tmp_path), offline=True, id="run1", prefix="")
    try:
        resumed.log_metrics({"train/loss": 0.55}, step=4)
    finally:
        wandb.finish()
    old, new = (read_run(f, wait_s=30) for f in offline_runs(tmp_path))
    assert [r["_step"] for r in old.history] == [0, 1, 2]
    assert [(r["_step"], r["train/loss"]) for r in new.history] == [(3, 0.7), (4, 0.55)]
    lines = journal_path(tmp_path / "wandb", "run1").read_text().splitlines()
    assert len(lines) == 3 + 3 + 1  # the first process's, then the new row (3 was there)

    again = StepWandbLogger(save_dir=str(tmp_path), offline=True, id="run1", prefix="")
    try:  # a third process: nothing is missing any more, nothing is logged twice
        again.log_metrics({"train/loss": 0.5}, step=5)
    finally:
        wandb.finish()
    latest = read_run(offline_runs(tmp_path)[-1], wait_s=30)
    assert [r["_step"] for r in latest.history] == [5]
