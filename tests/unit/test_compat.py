"""Each third-party private name tide_exp uses still exists and still means what we rely on.

An upgrade of Hydra, OmegaConf or Lightning that moves one fails here, naming it, rather than
in the middle of a run (tide_exp/compat.py holds the adapters).
"""

from __future__ import annotations

import inspect

import pytorch_lightning as pl
from omegaconf import OmegaConf
from pytorch_lightning.loggers.csv_logs import ExperimentWriter

from tide_exp import compat
from tide_exp.loggers import ResumableCSVLogger


def test_hydra_parser_splits_flags_from_overrides():
    args, _ = compat.hydra_args_parser().parse_known_args(["-m", "lora.r=4,8", "--cfg", "job"])
    assert args.multirun and args.overrides == ["lora.r=4,8"] and args.cfg == "job"


def test_omegaconf_raw_node_and_value_leave_interpolations_unresolved():
    cfg = OmegaConf.create({"eval": {"n": 4}, "cb": {"n": "${eval.n}", "sub": {"_target_": "x"}}})
    assert compat.raw_value(cfg.cb, "n") == "${eval.n}"
    assert OmegaConf.is_config(compat.raw_node(cfg.cb, "sub"))


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
