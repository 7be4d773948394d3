"""Lightning's private names tide_exp's loggers rely on, each behind one small adapter.

Every use goes through a function here, and ``tests/unit/tracking/test_lightning_compat.py``
exercises each against the installed Lightning, so an upgrade that moves one fails there,
loudly and by name, instead of somewhere deep in a run. (Hydra's and OmegaConf's are in
:mod:`tide_exp.config.compat`.)
"""

from __future__ import annotations

from typing import Any


def batches_that_stepped(trainer: Any) -> int:
    """Lightning's logging step: batches that stepped the optimizer so far
    (``fit_loop.epoch_loop._batches_that_stepped``)."""
    return int(trainer.fit_loop.epoch_loop._batches_that_stepped)


def add_prefix(metrics: Any, prefix: str, separator: str) -> dict[str, Any]:
    """Lightning's logger key prefixing (``lightning_fabric.utilities.logger._add_prefix``)."""
    from lightning_fabric.utilities.logger import _add_prefix

    return _add_prefix(metrics, prefix, separator)


# Lightning's CSV ExperimentWriter calls this method from __init__ and deletes metrics.csv in it;
# tide_exp.tracking.loggers overrides it (by this name) to keep a resumed run's rows.
CSV_LOG_DIR_CHECK = "_check_log_dir_exists"
