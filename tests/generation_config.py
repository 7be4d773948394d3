"""Generation settings for tests, taken from the config: its defaults are the only ones."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import instantiate
from omegaconf import OmegaConf

from tide_exp.generation import GenerationSettings

EVAL_CONFIG = Path(__file__).resolve().parents[1] / "conf" / "eval" / "default.yaml"


def configured_generation(**changes) -> GenerationSettings:
    """``GenerationSettings`` as conf/eval/default.yaml configures them (for a model without an
    eval batch size of its own, ``strip_think`` off), with ``changes``."""
    node = OmegaConf.load(EVAL_CONFIG).generation
    cfg = OmegaConf.create({"model": {"strip_think": False}, "eval": {"generation": node}})
    return instantiate(cfg.eval.generation).replace(**changes)
