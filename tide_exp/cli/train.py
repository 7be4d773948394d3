"""``tide train`` / ``python -m tide_exp``: compose the Hydra config and run one job (or a sweep).

Hydra parses the command line (overrides, ``-m`` for a sweep, ``--cfg job``); the overrides are
checked first so a typo is one sentence (:mod:`tide_exp.cli.overrides`). ``--help`` is Hydra's,
its header and footer set in conf/hydra/default.yaml; the footer's companion commands come from
the registry (``${tide_commands:train}``).
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig, OmegaConf

from tide_exp.cli.conventions import cli_entry
from tide_exp.cli.overrides import check_overrides
from tide_exp.cli.registry import Command, companions
from tide_exp.config.compose import config_dir
from tide_exp.config.resolvers import register_resolvers
from tide_exp.runs.job import run_job

COMMAND = Command(
    name="train",
    summary="fine-tune and evaluate one model, or sweep with -m (Hydra overrides)",
    example="tide train model=qwen2_5_0_5b trainer=gpu lora.r=16",
    order=0,
    all_or_nothing=False,
)

register_resolvers()
if not OmegaConf.has_resolver("tide_commands"):  # the help footer's companion commands
    OmegaConf.register_new_resolver("tide_commands", companions)


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
