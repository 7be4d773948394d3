"""The reference for the module's ``val/perplexity`` (test-only): teacher-forced perplexity of
reference replies, each pair laid out by the chat formatter as training lays it out, prompt
masked, token-weighted through :class:`~tide_exp.metrics.perplexity.TokenPerplexity`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from tide_exp.metrics.perplexity import TokenPerplexity


@dataclass
class PerplexityResult:
    """Token-weighted loss and perplexity of a set, with per-sample NLL sums and token counts."""

    loss: float
    perplexity: float
    tokens: int
    per_sample: list[dict[str, float]] = field(default_factory=list)


def chat_token_ids(
    tokenizer: Any, prompt: str, reference: str, system_prompt: str | None = None
) -> tuple[list[int], int]:
    """Token ids of the templated conversation and how many of them belong to the prompt.

    Laid out by :class:`~tide_exp.data.chat.ChatFormatter`, exactly as training encodes a pair,
    so this perplexity and the module's ``val/perplexity`` score the same tokens.
    """
    from tide_exp.data.chat import ChatFormatter

    chat = ChatFormatter(tokenizer, system_prompt=system_prompt)
    prompt_ids = tokenizer(chat.prompt(prompt), add_special_tokens=False)["input_ids"]
    completion = chat.completion(prompt, reference)
    completion_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    return list(prompt_ids) + list(completion_ids), len(prompt_ids)


@torch.no_grad()
def reference_perplexity(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    references: list[str],
    system_prompt: str | None = None,
    batch_size: int = 8,
    max_length: int | None = None,
) -> PerplexityResult:
    """Teacher-forced perplexity of ``references`` given ``prompts`` under ``model``.

    Args:
        model: A causal LM (``logits`` output); its train/eval mode is restored afterwards.
        tokenizer: Its tokenizer, with a chat template.
        prompts: User turns.
        references: Reference replies, aligned with ``prompts``.
        system_prompt: Optional system turn before each prompt.
        batch_size: Sequences per forward pass (right-padded).
        max_length: Keep at most this many tokens of each sequence (the tail is cut).

    Returns:
        Loss, perplexity and token count over all reference tokens, and per sample
        ``{"nll", "tokens", "perplexity"}`` (perplexity NaN for a sample with no scored token).
    """
    if len(prompts) != len(references):
        raise ValueError(f"{len(prompts)} prompts but {len(references)} references")
    rows = []
    for prompt, reference in zip(prompts, references, strict=True):
        ids, n_prompt = chat_token_ids(tokenizer, prompt, reference, system_prompt)
        if max_length is not None:
            ids = ids[:max_length]
        labels = [-100] * min(n_prompt, len(ids)) + ids[n_prompt:]
        rows.append((ids, labels))
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was_training = model.training
    model.eval()
    per_sample: list[dict[str, float]] = []
    total = TokenPerplexity()
    try:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            width = max(len(ids) for ids, _ in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for i, (ids, lab) in enumerate(batch):
                input_ids[i, : len(ids)] = torch.tensor(ids)
                labels[i, : len(lab)] = torch.tensor(lab)
                mask[i, : len(ids)] = 1
            logits = model(
                input_ids=input_ids.to(device), attention_mask=mask.to(device)
            ).logits.float()
            shift_logits, shift_labels = logits[:, :-1], labels[:, 1:].to(device)
            nll = torch.nn.functional.cross_entropy(
                shift_logits.transpose(1, 2), shift_labels, ignore_index=-100, reduction="none"
            ).sum(dim=1)
            counts = (shift_labels != -100).sum(dim=1)
            total.update(nll.detach().cpu(), counts.cpu())
            for value, count in zip(nll.tolist(), counts.tolist(), strict=True):
                per_sample.append(
                    {
                        "nll": value,
                        "tokens": count,
                        "perplexity": math.exp(value / count) if count else math.nan,
                    }
                )
    finally:
        model.train(was_training)
    summary = total.compute()
    return PerplexityResult(
        loss=summary["loss"],
        perplexity=summary["perplexity"],
        tokens=summary["tokens"],
        per_sample=per_sample,
    )
