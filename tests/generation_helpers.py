"""Generation for tests: settings taken from the config (its defaults are the only ones), and
reply texts alone."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from tide_exp.generation import GenerationSettings, generate_reply_records

EVAL_CONFIG = Path(__file__).resolve().parents[1] / "conf" / "eval" / "default.yaml"


def configured_generation(**changes) -> GenerationSettings:
    """``GenerationSettings`` as conf/eval/default.yaml configures them (for a model without an
    eval batch size of its own, ``strip_think`` off), with ``changes``."""
    node = OmegaConf.load(EVAL_CONFIG).generation
    cfg = OmegaConf.create({"model": {"strip_think": False}, "eval": {"generation": node}})
    return instantiate(cfg.eval.generation).replace(**changes)


def generate_replies(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    batch_size: int | str = 8,
    max_new_tokens: int = 64,
    generation_kwargs: Mapping[str, Any] | None = None,
    strip_think: bool = False,
    progress: bool = True,
    **options: Any,
) -> list[str]:
    """Reply texts only; see :func:`generate_reply_records` for the arguments."""
    records = generate_reply_records(
        model,
        tokenizer,
        prompts,
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        generation_kwargs=generation_kwargs,
        strip_think=strip_think,
        progress=progress,
        **options,
    )
    return [r.text for r in records]
