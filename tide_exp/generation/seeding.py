"""Sampled replies that depend on the run's seed and the phase, not on what ran before them.

With sampling (``do_sample``, Study B's top-p 0.92) every drawn token comes from torch's global
random state, which training, resuming or another training length leave in another state: the
same weights would sample other replies. Each phase therefore generates inside a forked random
state seeded from the run's seed and the phase's name and epoch (:func:`phase_seed`), so a
killed-and-resumed job samples the same replies as an uninterrupted one, and the global state
that training goes on with is left as it was. The seed is recorded per phase (results.json
``phases.<phase>.seed``). Greedy decoding draws nothing; the seed is recorded all the same.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import torch


def phase_seed(run_seed: int, phase: str, epoch: int | None = None) -> int:
    """A seed for one phase's replies: stable across processes (not Python's salted ``hash``)."""
    return zlib.crc32(f"{run_seed}/{phase}/{epoch}".encode()) & 0x7FFFFFFF


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Inside, torch's random state (CPU and the current CUDA device) starts from ``seed``;
    after, it is what it was before. ``None``: the global state, unchanged."""
    if seed is None:
        yield
        return
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
