"""The third-party private names tide_exp relies on, each behind one small adapter.

Hydra, OmegaConf and Lightning keep a few things we need under private names. Every use goes
through a function here, and ``tests/unit/test_compat.py`` exercises each against the installed
library, so an upgrade that moves one fails there, loudly and by name, instead of somewhere
deep in a run.
"""

from __future__ import annotations

import argparse
from typing import Any


def hydra_args_parser() -> argparse.ArgumentParser:
    """Hydra's own command-line parser (``hydra._internal.utils.get_args_parser``): how
    ``python -m tide_exp`` splits flags from overrides."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def raw_node(node: Any, key: Any) -> Any:
    """The child node of an OmegaConf container without resolving it (``_get_node``)."""
    return node._get_node(key)


def raw_value(node: Any, key: Any) -> Any:
    """A key's value as written, ``${...}`` interpolations unresolved (``_get_node()._value()``)."""
    return node._get_node(key)._value()


def batches_that_stepped(trainer: Any) -> int:
    """Lightning's logging step: batches that stepped the optimizer so far
    (``fit_loop.epoch_loop._batches_that_stepped``)."""
    return int(trainer.fit_loop.epoch_loop._batches_that_stepped)


def add_prefix(metrics: Any, prefix: str, separator: str) -> dict[str, Any]:
    """Lightning's logger key prefixing (``lightning_fabric.utilities.logger._add_prefix``)."""
    from lightning_fabric.utilities.logger import _add_prefix

    return _add_prefix(metrics, prefix, separator)


# Lightning's CSV ExperimentWriter calls this method from __init__ and deletes metrics.csv in it;
# tide_exp.loggers overrides it (by this name) to keep a resumed run's rows.
CSV_LOG_DIR_CHECK = "_check_log_dir_exists"
