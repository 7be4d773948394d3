"""Optimizers from optional packages, imported when a run asks for them."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from tide_exp.errors import ConfigError


def paged_adamw_8bit(
    params: Iterable[torch.nn.Parameter], lr: float = 2e-5, weight_decay: float = 0.0, **kwargs
) -> torch.optim.Optimizer:
    """bitsandbytes' paged 8-bit AdamW (Study B's optimizer); needs bitsandbytes and a CUDA GPU."""
    try:
        from bitsandbytes.optim import PagedAdamW8bit
    except ImportError:
        raise ConfigError(
            "module.optimizer=paged_adamw_8bit needs bitsandbytes: pip install bitsandbytes (CUDA GPU), "
            "or use torch.optim.AdamW."
        ) from None
    if not torch.cuda.is_available():
        raise ConfigError(
            "Paged 8-bit AdamW (bitsandbytes) needs a CUDA GPU: use torch.optim.AdamW on this machine."
        )
    return PagedAdamW8bit(params, lr=lr, weight_decay=weight_decay, **kwargs)
