"""``python -m tide_exp``: compose the Hydra config and call :func:`tide_exp.run.run`."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from tide_exp.config import register_resolvers
from tide_exp.job import run_job

register_resolvers()


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """One Hydra job; returns the optimised metric for sweepers."""
    return run_job(cfg)


if __name__ == "__main__":
    main()
