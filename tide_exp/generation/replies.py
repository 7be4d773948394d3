"""Generate replies in batches: left padding, no grad, eval mode restored, prompt tokens stripped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

_THINK_CLOSE = re.compile(r"^.*?</think>", flags=re.DOTALL)


def strip_reasoning(text: str) -> str:
    """Drop a reasoning block that ends in ``</think>`` (R1-Distill opens it inside the prompt)."""
    return _THINK_CLOSE.sub("", text, count=1).strip()


def has_open_reasoning(prompt: str, raw: str) -> bool:
    """Whether a reply is still inside a reasoning block: one opened (in the prompt or the reply)
    and never closed."""
    text = prompt + raw
    opened = text.rfind("<think>")
    return opened >= 0 and text.find("</think>", opened) < 0


@dataclass(frozen=True)
class GeneratedReply:
    """One generated reply and how it ended.

    Attributes:
        text: The reply as scored: stripped, and without its reasoning block when asked.
        raw: The decoded new tokens, before any stripping.
        finished: An end-of-turn token came within ``max_new_tokens``; ``False``: cut by the cap.
        open_reasoning: The reply stopped inside an unclosed ``<think>`` block; its ``text`` is
            then empty when reasoning is stripped (the model never got to its reply).
    """

    text: str
    raw: str
    finished: bool
    open_reasoning: bool


def end_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    """Token ids that end a reply: the generation config's eos ids and the tokenizer's."""
    ids = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return set(ids)


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
    """Replies to already chat-formatted prompts, in input order (texts of :func:`generate_outputs`)."""
    outputs = generate_outputs(
        model,
        tokenizer,
        prompts,
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        generation_kwargs=generation_kwargs,
        strip_think=strip_think,
        progress=progress,
    )
    return [o.text for o in outputs]


@torch.no_grad()
def generate_outputs(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    batch_size: int = 8,
    max_new_tokens: int = 64,
    generation_kwargs: Mapping[str, Any] | None = None,
    strip_think: bool = False,
    progress: bool = True,
) -> list[GeneratedReply]:
    """Replies to already chat-formatted prompts, in input order, with how each one ended.

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
    replies: list[GeneratedReply] = []
    stop = end_token_ids(model, tokenizer)
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
            texts = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
            for offset, (ids, raw) in enumerate(zip(new_tokens.tolist(), texts, strict=True)):
                is_open = has_open_reasoning(prompts[start + offset], raw)
                text = raw.strip()
                if strip_think:
                    text = "" if is_open else strip_reasoning(raw)
                finished = any(token in stop for token in ids)
                replies.append(GeneratedReply(text, raw, finished, is_open))
    finally:
        tokenizer.padding_side = padding_side
        model.train(was_training)
    return replies
