"""Learning-rate schedules that need the run's step count, built inside ``configure_optimizers``."""

from __future__ import annotations

import math

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler
from transformers import get_scheduler


def warmup_schedule(
    optimizer: Optimizer, num_training_steps: int, name: str = "linear", warmup_ratio: float = 0.0
) -> LRScheduler:
    """A transformers schedule (``linear``, ``cosine``, ``constant_with_warmup``...) with warm-up
    over ``warmup_ratio`` of the optimizer steps (Study B used 0.1)."""
    return get_scheduler(
        name,
        optimizer,
        num_warmup_steps=math.ceil(num_training_steps * warmup_ratio),
        num_training_steps=num_training_steps,
    )
