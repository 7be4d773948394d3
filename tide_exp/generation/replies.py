"""Generate replies in batches: left padding, no grad, eval mode restored, prompt tokens stripped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

_THINK_CLOSE = re.compile(r"^.*?</think>", flags=re.DOTALL)


def strip_reasoning(text: str) -> str:
    """Drop a reasoning block that ends in ``</think>`` (R1-Distill opens it inside the prompt)."""
    return _THINK_CLOSE.sub("", text, count=1).strip()


@torch.no_grad()
def generate_replies(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    batch_size: int = 8,
    max_new_tokens: int = 64,
    generation_kwargs: Mapping[str, Any] | None = None,
    strip_think: bool = False,
    progress: bool = True,
) -> list[str]:
    """Replies to already chat-formatted prompts, in input order.

    Args:
        model: The causal LM (a peft model works as is).
        tokenizer: Its tokenizer; padding is switched to the left for the call and restored.
        prompts: Prompt texts ending where the reply begins.
        batch_size: Prompts per ``generate`` call.
        max_new_tokens: Cap on reply length.
        generation_kwargs: Extra ``generate`` arguments; greedy decoding unless they say otherwise.
        strip_think: Remove a ``...</think>`` reasoning block from each reply.
        progress: Show a progress bar.
    """
    was_training = model.training
    padding_side = tokenizer.padding_side
    model.eval()
    tokenizer.padding_side = "left"
    kwargs = {
        "do_sample": False,
        "max_new_tokens": max_new_tokens,
        "pad_token_id": tokenizer.pad_token_id,
    }
    kwargs.update(generation_kwargs or {})
    if not kwargs.get("do_sample"):
        # Greedy: drop sampling knobs a checkpoint's generation_config may carry, to avoid warnings.
        kwargs.update(temperature=None, top_p=None, top_k=None)
    replies: list[str] = []
    try:
        batches = range(0, len(prompts), batch_size)
        for start in tqdm(
            batches, desc="generating", unit="batch", disable=not progress, leave=False
        ):
            batch = tokenizer(
                prompts[start : start + batch_size],
                return_tensors="pt",
                padding=True,
                add_special_tokens=False,
            )
            batch = batch.to(model.device)
            output = model.generate(**batch, **kwargs)
            new_tokens = output[:, batch["input_ids"].shape[1] :]
            for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True):
                replies.append(strip_reasoning(text) if strip_think else text.strip())
    finally:
        tokenizer.padding_side = padding_side
        model.train(was_training)
    return replies
