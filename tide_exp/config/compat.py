"""Hydra's and OmegaConf's private names tide_exp relies on, each behind one small adapter.

Hydra and OmegaConf keep a few things we need under private names. Every use goes through a
function here, and ``tests/unit/config/test_config_compat.py`` exercises each against the
installed library, so an upgrade that moves one fails there, loudly and by name, instead of
somewhere deep in a run. (Lightning's are in :mod:`tide_exp.tracking.compat`.)
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
