from __future__ import annotations

import wandb

from tide_exp.loggers import QuietWandbLogger


def test_wandb_logger_starts_without_the_anonymous_warning(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("WANDB_SILENT", "false")
    logger = QuietWandbLogger(project="tide_exp", save_dir=str(tmp_path), offline=True)
    assert "anonymous" not in logger._wandb_init
    try:
        logger.experiment.log({"train/loss": 1.0})
    finally:
        wandb.finish()
    err = capfd.readouterr().err
    assert "anonymous setting" not in err
    assert list((tmp_path / "wandb").glob("offline-run-*"))
