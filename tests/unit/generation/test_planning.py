"""The automatic rules: engine per device, merged copy, batch size, length order."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from transformers import LlamaConfig

from tide_exp.errors import ConfigError
from tide_exp.generation import planning


def test_auto_engine_per_device_and_unknown_engine():
    assert planning.resolve_engine("auto", torch.device("cpu")) == "plain"
    assert planning.resolve_engine("auto", torch.device("cuda")) == "static"
    assert planning.resolve_engine("continuous", torch.device("cpu")) == "continuous"
    with pytest.raises(ConfigError, match="eval.generation.engine"):
        planning.resolve_engine("vllm", torch.device("cpu"))


def test_merge_rule():
    gib = 2**30
    assert planning.should_merge("auto", True, 1 * gib, 4 * gib, on_cuda=True)
    assert not planning.should_merge("auto", True, 1 * gib, 4 * gib, on_cuda=False)
    assert not planning.should_merge("auto", True, 3 * gib, 4 * gib, on_cuda=True)  # no room
    assert not planning.should_merge(True, False, 1, 4 * gib, on_cuda=True)  # nothing to merge
    assert planning.should_merge(True, True, 3 * gib, 4 * gib, on_cuda=False)
    assert not planning.should_merge(False, True, 1, 4 * gib, on_cuda=True)
    with pytest.raises(ConfigError, match="eval.generation.merge"):
        planning.should_merge("yes", True, 1, 4 * gib, on_cuda=True)


def test_auto_batch_size_from_kv_cache():
    config = LlamaConfig(
        hidden_size=896, num_attention_heads=14, num_key_value_heads=2, num_hidden_layers=24
    )
    per_token = planning.kv_bytes_per_token(config, torch.bfloat16)
    assert per_token == 2 * 24 * 2 * 64 * 2
    free = 40 * 2**30
    batch = planning.auto_batch_size(config, torch.bfloat16, 256, 151_936, free)
    assert batch & (batch - 1) == 0 and 1 <= batch <= planning.MAX_AUTO_BATCH
    per_seq = per_token * 256 + 4 * 151_936
    assert batch * per_seq <= planning.MEMORY_SHARE * free or batch == 1
    assert planning.auto_batch_size(config, torch.bfloat16, 256, 151_936, 1) == 1


@given(st.lists(st.integers(min_value=0, max_value=500), max_size=60))
def test_length_order_sorts_and_restores(lengths):
    order = planning.length_order(lengths)
    sorted_lengths = [lengths[i] for i in order]
    assert sorted_lengths == sorted(lengths, reverse=True)
    assert planning.restore_order(sorted_lengths, order) == lengths
