"""``tide train`` / ``python -m tide_exp``: compose the Hydra config and call ``run(cfg)``."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from tide_exp.cli.overrides import check_overrides
from tide_exp.commands import cli_entry
from tide_exp.config.compose import config_dir
from tide_exp.config.resolvers import register_resolvers
from tide_exp.runs.job import run_job

register_resolvers()


@hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")
def train(cfg: DictConfig) -> float | None:
    """One Hydra job; returns the optimised metric for sweepers."""
    return run_job(cfg)


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Check the overrides parse (one sentence if not), then hand the arguments to Hydra."""
    args = sys.argv[1:] if argv is None else list(argv)
    check_overrides(args)
    sys.argv = [sys.argv[0], *args]  # Hydra reads its arguments from sys.argv
    train()
    return 0


if __name__ == "__main__":
    sys.exit(main())
