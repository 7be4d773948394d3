from __future__ import annotations

import io
import logging
import sys

import pytest
import pytorch_lightning as pl
from pytorch_lightning.demos.boring_classes import BoringModel

from tide_exp.callbacks.progress import AdaptiveLogEvery, EpochProgressBar


class LossLogger(BoringModel):
    def training_step(self, batch, batch_idx):
        out = super().training_step(batch, batch_idx)
        self.log("train/loss", out["loss"], prog_bar=True)
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


def interval_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "smaller than the logging interval" in str(w.message)]


def test_the_lowered_interval_is_set_before_lightning_warns_about_the_old_one(tmp_path, recwarn):
    fit(tmp_path / "plain", 50, [], batches=4)
    assert interval_warnings(recwarn.list)  # the warning this callback exists to prevent
    recwarn.clear()
    adapted, _ = fit(tmp_path / "adapted", 50, [AdaptiveLogEvery(min_points=8)], batches=4)
    assert adapted.log_every_n_steps == 1 and logged_steps(adapted) == 8
    assert interval_warnings(recwarn.list) == []


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class ChattyModel(LossLogger):
    def training_step(self, batch, batch_idx):
        logging.getLogger("tide_exp.test").info("MARK step %d", batch_idx)
        return super().training_step(batch, batch_idx)


def fit_chatty(tmp_path, bar: EpochProgressBar) -> None:
    pl.Trainer(
        default_root_dir=tmp_path,
        max_epochs=2,
        limit_train_batches=3,
        limit_val_batches=2,
        logger=False,
        callbacks=[bar],
        enable_model_summary=False,
        enable_checkpointing=False,
    ).fit(ChattyModel())


@pytest.fixture
def console(monkeypatch, caplog):
    """Swap stdout for ``stream`` and log to it the way Hydra's console handler does."""

    def _use(stream: io.StringIO) -> io.StringIO:
        monkeypatch.setattr(sys, "stdout", stream)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
        root = logging.getLogger()
        caplog.set_level(logging.INFO)  # setLevel: the loggers' cached levels follow
        monkeypatch.setattr(root, "handlers", [handler])
        return stream

    return _use


def test_a_pipe_gets_one_line_per_epoch_and_no_bar_frames(tmp_path, console):
    out = console(io.StringIO())
    fit_chatty(tmp_path, EpochProgressBar())
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text and "it/s" not in text
    epochs = [line for line in text.splitlines() if "epoch " in line]
    assert len(epochs) == 2 and epochs[0].startswith("[tide_exp.callbacks.progress] epoch 1/2: ")
    assert "train/loss=" in epochs[1] and "v_num" not in epochs[1]
    assert text.count("MARK step") == 6


def test_on_a_terminal_bars_are_drawn_and_log_lines_start_their_own_line(tmp_path, console):
    out = console(TTY())
    fit_chatty(tmp_path, EpochProgressBar())
    text = out.getvalue()
    assert "Epoch 2/2" in text and "\r" in text  # the bars are there
    marks = [line for line in text.split("\n") if "MARK step" in line]
    assert len(marks) == 6
    # Each record wiped the bar off its line first: nothing of a bar before it on that line.
    assert all(line.rsplit("\r", 1)[-1].startswith("[tide_exp.test] MARK") for line in marks)
    assert "epoch 1/2:" not in text  # the bar shows the epoch; no extra line


def test_bars_in_pipes_when_asked(tmp_path, console):
    out = console(io.StringIO())
    fit_chatty(tmp_path, EpochProgressBar(terminal_only=False))
    assert "Epoch 2/2" in out.getvalue()


class FailingModel(ChattyModel):
    def training_step(self, batch, batch_idx):
        raise RuntimeError("out of memory, say")


def test_a_failed_fit_gives_the_console_handler_back(tmp_path, console):
    console(TTY())
    before = list(logging.getLogger().handlers)
    trainer = pl.Trainer(
        default_root_dir=tmp_path,
        max_epochs=1,
        logger=False,
        callbacks=[EpochProgressBar()],
        enable_model_summary=False,
        enable_checkpointing=False,
    )
    with pytest.raises(RuntimeError, match="out of memory"):
        trainer.fit(FailingModel())
    assert logging.getLogger().handlers == before  # the error's traceback is logged as usual
