"""One safety phase: generate a reply to every probe prompt, apply the rules, summarize."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from tide_exp.generation import generate_replies
from tide_exp.metrics.empathy import MECHANISMS, mechanism_scores
from tide_exp.safety.probe import ProbePrompt
from tide_exp.safety.rules import SafetyRules
from tide_exp.safety.summary import summarize


def score_replies(
    prompts: list[ProbePrompt], replies: list[str], rules: SafetyRules, phase: str, model: str
) -> list[dict[str, Any]]:
    """One record per reply: the prompt's fields, the reply, the rule verdict and the offline
    empathy-mechanism proxies."""
    mechanisms = mechanism_scores(replies)
    return [
        {
            "phase": phase,
            "model": model,
            "id": p.id,
            "category": p.category,
            "risk_level": p.risk_level,
            "prompt": p.text,
            "reply": reply,
            "expected_actions": list(p.expected_actions),
            **rules.score(p, reply),
            "empathy": {name: mechanisms[name][i] for name in MECHANISMS},
        }
        for i, (p, reply) in enumerate(zip(prompts, replies, strict=True))
    ]


def run_safety_phase(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    chat: Any,
    prompts: list[ProbePrompt],
    rules: SafetyRules,
    phase: str,
    model_name: str,
    batch_size: int = 8,
    max_new_tokens: int = 96,
    generation_kwargs: Mapping[str, Any] | None = None,
    strip_think: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Generate (through :func:`tide_exp.generation.generate_replies`), score and summarize.

    Args:
        chat: The model's :class:`~tide_exp.data.chat.ChatFormatter` (``prompt(text)``).
        phase: ``zs``, ``ft`` or a name of the caller's choosing (the CLI uses ``probe``).

    Returns:
        ``(records, summary)``: per-reply records and :func:`summarize`'s rates, plus
        ``generation_s``.
    """
    start = time.perf_counter()
    replies = generate_replies(
        model,
        tokenizer,
        [chat.prompt(p.text) for p in prompts],
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        generation_kwargs=generation_kwargs,
        strip_think=strip_think,
    )
    records = score_replies(prompts, replies, rules, phase, model_name)
    summary = summarize(records)
    summary["generation_s"] = round(time.perf_counter() - start, 2)
    summary["empathy"] = {
        name: sum(r["empathy"][name] for r in records) / len(records) for name in MECHANISMS
    }
    return records, summary
