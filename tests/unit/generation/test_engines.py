"""Every engine gives the plain path's greedy replies token for token (tiny model, float32, CPU)."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, get_peft_model

from tide_exp.data.chat import ChatFormatter
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.generation import evaluation_model, generate_reply_records

CPU_ENGINES = ["plain", "static", "continuous", "auto"]


@pytest.fixture(scope="module")
def lora_model():
    """A tiny random Llama with a LoRA adapter whose B matrices are non-zero (merging matters)."""
    from tests.tiny_models import build_tiny_random_model

    loaded = build_tiny_random_model()
    model = get_peft_model(
        loaded.model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    )
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(std=0.2)
    return model, loaded.tokenizer


@pytest.fixture(scope="module")
def prompts(lora_model):
    chat = ChatFormatter(lora_model[1])
    # Varied lengths, so sorting reorders them and batches are padded.
    return [chat.prompt(e.user_input) for e in load_tide_folder()[:12]]


def _plain(model, tok, prompts, n):
    return generate_reply_records(
        model, tok, prompts, batch_size=1, max_new_tokens=n, progress=False, sort_by_length=False
    )


@pytest.mark.parametrize("engine", CPU_ENGINES)
@pytest.mark.parametrize("merge", [False, True])
def test_engines_match_per_prompt_generate(lora_model, prompts, engine, merge):
    model, tok = lora_model
    reference = _plain(model, tok, prompts, 12)
    fast = generate_reply_records(
        model,
        tok,
        prompts,
        batch_size=5,
        max_new_tokens=12,
        progress=False,
        engine=engine,
        merge=merge,
    )
    assert fast == reference


def test_reply_reports_end_and_token_count(lora_model, prompts):
    model, tok = lora_model
    replies = _plain(model, tok, prompts, 12)
    eos = tok.eos_token_id
    # Ban the end token: every reply runs to the cap.
    cut = generate_reply_records(
        model,
        tok,
        prompts[:3],
        max_new_tokens=7,
        progress=False,
        generation_kwargs={"suppress_tokens": [eos]},
    )
    assert all(not r.finished and r.new_tokens == 7 for r in cut)
    # Force the end token first: every reply ends at once, with no text.
    ended = generate_reply_records(
        model,
        tok,
        prompts[:3],
        max_new_tokens=7,
        progress=False,
        generation_kwargs={"begin_suppress_tokens": [i for i in range(len(tok)) if i != eos]},
    )
    assert all(r.finished and r.new_tokens == 1 and r.text == "" for r in ended)
    assert all(1 <= r.new_tokens <= 12 for r in replies)


def test_merged_copy_leaves_training_weights_untouched(lora_model):
    model, _ = lora_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with evaluation_model(model, merge=True) as merged:
        assert merged is not model
        assert not any("lora" in name for name, _ in merged.named_parameters())
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    with evaluation_model(model, merge=False) as same:
        assert same is model


@pytest.mark.gpu
@pytest.mark.parametrize("engine", ["plain", "static", "continuous"])
@pytest.mark.parametrize("merge", [False, True])
def test_cuda_engines_match_per_prompt_generate(lora_model, prompts, engine, merge):
    """On CUDA in float32 (static: compiled decoding) the replies are the plain path's."""
    model, tok = lora_model
    model.to("cuda")
    try:
        reference = _plain(model, tok, prompts, 12)
        fast = generate_reply_records(
            model,
            tok,
            prompts,
            batch_size="auto",
            max_new_tokens=12,
            progress=False,
            engine=engine,
            merge=merge,
        )
        assert fast == reference
    finally:
        model.to("cpu")
