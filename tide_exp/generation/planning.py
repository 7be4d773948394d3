"""Decisions made before generating: engine, merged copy, batch size, prompt order.

Each is a pure function of the device, the model and the config value, so the automatic rules
are documented in one place (docs/generation.md) and testable without a GPU.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

from tide_exp.errors import ConfigError

ENGINES = ("auto", "plain", "static", "continuous")
MERGE_CHOICES = ("auto", True, False)
# Share of free memory a merged copy or the KV cache may take; the rest is headroom for the
# activations of the scoring encoders and allocator fragmentation.
MEMORY_SHARE = 0.5
MAX_AUTO_BATCH = 512


def resolve_engine(engine: str, device: torch.device) -> str:
    """The engine a config value means on ``device``.

    ``auto``: ``plain`` on the CPU (measured fastest here: benchmarks/bench_generation.py; static
    caches are not compiled on the CPU and continuous batching pays seconds of set-up per call),
    ``static`` on CUDA (compiled decoding with CUDA graphs through ``generate``, which keeps every
    ``generate`` option; still to be measured against ``continuous`` on a GPU).

    Raises:
        ConfigError: an unknown engine name.
    """
    if engine not in ENGINES:
        raise ConfigError(
            f"eval.generation.engine is {engine!r}: set it to one of {', '.join(ENGINES)}."
        )
    if engine != "auto":
        return engine
    return "static" if device.type == "cuda" else "plain"


def free_memory_bytes(device: torch.device) -> int:
    """Free memory on ``device``: CUDA's free global memory, or the host's available RAM."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def model_bytes(model: torch.nn.Module) -> int:
    """Bytes held by the parameters and buffers of ``model``."""
    tensors = [*model.parameters(), *model.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def should_merge(
    merge: bool | str, is_adapter_model: bool, weights_bytes: int, free: int, on_cuda: bool
) -> bool:
    """Whether to decode with a merged copy of the model.

    ``auto`` merges on CUDA when the model carries adapters and a second copy of its weights fits
    in :data:`MEMORY_SHARE` of the free memory (the training weights stay as they are; the copy
    is freed after the phase). On the CPU ``auto`` does not merge: copying the weights cost more
    than the adapter's rank-8 products saved in benchmarks/bench_generation.py here.

    Raises:
        ConfigError: ``merge`` is neither a boolean nor ``auto``.
    """
    if merge not in MERGE_CHOICES:
        raise ConfigError(f"eval.generation.merge is {merge!r}: set it to auto, true or false.")
    if not is_adapter_model or merge is False:
        return False
    return merge is True or (on_cuda and weights_bytes <= MEMORY_SHARE * free)


def kv_bytes_per_token(config: object, dtype: torch.dtype) -> int:
    """Bytes of key and value cache one token takes across all layers of a decoder config."""
    text = getattr(config, "get_text_config", lambda: config)()
    heads = getattr(text, "num_attention_heads", 1)
    kv_heads = getattr(text, "num_key_value_heads", None) or heads
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // heads
    layers = text.num_hidden_layers
    return 2 * layers * kv_heads * head_dim * torch.finfo(dtype).bits // 8


def auto_batch_size(
    config: object, dtype: torch.dtype, tokens_per_sequence: int, vocab_size: int, free: int
) -> int:
    """The largest batch whose KV cache and last-step logits fit in a share of free memory.

    A power of two (stable shapes for compiled decoding), at least 1, at most
    :data:`MAX_AUTO_BATCH`.
    """
    per_sequence = kv_bytes_per_token(config, dtype) * tokens_per_sequence + 4 * vocab_size
    fit = max(1, int(MEMORY_SHARE * free // max(per_sequence, 1)))
    return min(MAX_AUTO_BATCH, 1 << (fit.bit_length() - 1))


def length_order(lengths: Sequence[int]) -> list[int]:
    """Indices that sort prompts longest first (stable), so each batch pads to similar lengths.

    Longest first puts the largest batch shape first, where running out of memory shows at once.
    """
    return sorted(range(len(lengths)), key=lambda i: -lengths[i])


def restore_order(items: Sequence, order: Sequence[int]) -> list:
    """Undo :func:`length_order`: ``items[k]`` belongs to input ``order[k]``."""
    out: list = [None] * len(order)
    for k, i in enumerate(order):
        out[i] = items[k]
    return out
