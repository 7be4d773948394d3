"""Each Lightning private name tide_exp uses still exists and still means what we rely on.

An upgrade of Lightning that moves one fails here, naming it, rather than in the middle of a run
(tide_exp/tracking/compat.py holds the adapters).
"""

from __future__ import annotations

import inspect

import pytorch_lightning as pl
from pytorch_lightning.loggers.csv_logs import ExperimentWriter

from tide_exp.tracking import compat
from tide_exp.tracking.loggers import ResumableCSVLogger


def test_lightning_logging_step_counter(tmp_path):
    trainer = pl.Trainer(default_root_dir=tmp_path, logger=False, enable_checkpointing=False)
    assert compat.batches_that_stepped(trainer) == 0
    assert compat.add_prefix({"loss": 1.0}, "run", "-") == {"run-loss": 1.0}


def test_lightning_csv_writer_still_checks_its_folder_through_the_method_we_override(tmp_path):
    name = compat.CSV_LOG_DIR_CHECK
    inits = [
        inspect.getsource(c.__init__)
        for c in ExperimentWriter.__mro__[:-1]
        if "__init__" in c.__dict__
    ]
    assert any(f"self.{name}()" in source for source in inits), f"{name} no longer called"
    writer = ResumableCSVLogger(tmp_path, name="csv", version="").experiment
    assert type(writer).__dict__.get(name) is not None  # our override, by that name
