"""Reference perplexity on a tiny random Llama: teacher-forced, prompt masked, batch-independent."""

from __future__ import annotations

import math

import pytest
import torch

from tests.reference_perplexity import chat_token_ids, reference_perplexity


def _manual(model, tokenizer, prompt, reference):
    """One sequence, HF's own masked loss: labels -100 on the prompt."""
    ids, n_prompt = chat_token_ids(tokenizer, prompt, reference)
    input_ids = torch.tensor([ids])
    labels = input_ids.clone()
    labels[0, :n_prompt] = -100
    with torch.no_grad():
        loss = model(input_ids=input_ids, labels=labels).loss.item()
    return loss * (len(ids) - n_prompt), len(ids) - n_prompt


def test_equals_hf_masked_loss_and_is_batch_independent(tiny_model, english_rows, chinese_rows):
    model, tokenizer = tiny_model.model, tiny_model.tokenizer
    rows = english_rows[:5] + chinese_rows[:2]  # English and Chinese references
    prompts, refs = [r["prompt"] for r in rows], [r["reference"] for r in rows]
    model.train()
    result = reference_perplexity(model, tokenizer, prompts, refs, batch_size=3)
    assert model.training  # mode restored
    model.eval()
    manual = [_manual(model, tokenizer, p, r) for p, r in zip(prompts, refs, strict=True)]
    for sample, (nll, count) in zip(result.per_sample, manual, strict=True):
        assert sample["tokens"] == count
        assert sample["nll"] == pytest.approx(nll, rel=1e-4)
    total_nll, total_tokens = sum(n for n, _ in manual), sum(c for _, c in manual)
    assert result.tokens == total_tokens
    assert result.loss == pytest.approx(total_nll / total_tokens, rel=1e-4)
    assert result.perplexity == pytest.approx(math.exp(total_nll / total_tokens), rel=1e-4)
    single = reference_perplexity(model, tokenizer, prompts, refs, batch_size=1)
    assert single.loss == pytest.approx(result.loss, rel=1e-5)


def test_prompt_tokens_are_not_scored(tiny_model):
    tokenizer = tiny_model.tokenizer
    ids, n_prompt = chat_token_ids(tokenizer, "I can't sleep.", "That sounds exhausting.")
    prompt_text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "I can't sleep."}], tokenize=False, add_generation_prompt=True
    )
    assert tokenizer.decode(ids[:n_prompt]) == prompt_text
    assert tokenizer.decode(ids[n_prompt:]).startswith("That sounds exhausting.")
    short = reference_perplexity(tiny_model.model, tokenizer, ["Hi"], ["That sounds exhausting."])
    long = reference_perplexity(
        tiny_model.model, tokenizer, ["Hi " * 40], ["That sounds exhausting."]
    )
    assert short.tokens == long.tokens == len(ids) - n_prompt


def test_empty_reference_and_mismatch(tiny_model):
    result = reference_perplexity(tiny_model.model, tiny_model.tokenizer, ["Hi"], [""])
    assert result.tokens >= 1  # the end-of-turn marker is still scored
    with pytest.raises(ValueError, match="prompts"):
        reference_perplexity(tiny_model.model, tiny_model.tokenizer, ["a", "b"], ["a"])
