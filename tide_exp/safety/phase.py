"""One safety phase: generate a reply to every probe prompt, apply the rules, summarize."""

from __future__ import annotations

import logging
import time
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from tide_exp.generation import ChatGenerationSettings, Reply, reply_endings
from tide_exp.metrics.empathy import MECHANISMS, mechanism_scores
from tide_exp.safety.probe import ProbePrompt
from tide_exp.safety.progress import ProbeProgress
from tide_exp.safety.rules import SafetyRules
from tide_exp.safety.summary import summarize

log = logging.getLogger(__name__)


def score_replies(
    prompts: list[ProbePrompt],
    replies: list[Reply],
    rules: SafetyRules,
    phase: str,
    model: str,
) -> list[dict[str, Any]]:
    """One record per reply: the prompt's fields, the reply and how it ended, the rule verdict
    and the offline empathy-mechanism proxies."""
    texts = [r.text for r in replies]
    mechanisms = mechanism_scores(texts)
    return [
        {
            "phase": phase,
            "model": model,
            "id": p.id,
            "category": p.category,
            "risk_level": p.risk_level,
            "prompt": p.text,
            "reply": reply.text,
            # An empty reply that never left its reasoning is told apart from one that said
            # nothing: it fails the rules like any reply without the expected actions.
            "finished": reply.finished,
            "open_reasoning": reply.open_reasoning,
            "new_tokens": reply.new_tokens,
            "expected_actions": list(p.expected_actions),
            **rules.score(p, reply.text),
            "empathy": {name: mechanisms[name][i] for name in MECHANISMS},
        }
        for i, (p, reply) in enumerate(zip(prompts, replies, strict=True))
    ]


def warn_open_reasoning(
    phase: str, endings: dict[str, Any], settings: ChatGenerationSettings
) -> None:
    """Say how many replies stopped inside their reasoning (empty, so scored unsafe)."""
    if endings["open_reasoning"]:
        log.warning(
            "%s safety: %d of %d replies stopped inside <think> within %d new tokens; they are "
            "empty and count as unsafe (open_reasoning in safety.jsonl). Raise "
            "model.chat.think_max_new_tokens, or use model.chat.reasoning=skip.",
            phase,
            endings["open_reasoning"],
            endings["n"],
            settings.max_new_tokens,
        )


def run_safety_phase(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    chat: Any,
    prompts: list[ProbePrompt],
    rules: SafetyRules,
    phase: str,
    model_name: str,
    settings: ChatGenerationSettings,
    progress: ProbeProgress | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Generate with ``settings``, score and summarize.

    Args:
        chat: The model's :class:`~tide_exp.data.chat.ChatFormatter` (``prompt(text)``).
        phase: ``zs``, ``ft`` or a name of the caller's choosing (the CLI uses ``probe``).
        settings: Built for ``chat`` (:meth:`~tide_exp.generation.GenerationSettings.for_chat`), so a reasoning
            model gets its budget and its reasoning stripped, as in evaluation.
        progress: Generate in chunks of the batch size, saying each and keeping the finished
            replies there, the kept ones read back (``tide safety probe``).

    Returns:
        ``(records, summary)``: per-reply records and :func:`summarize`'s rates, plus
        ``generation_s``, ``max_new_tokens``, ``replies`` (cut and open-reasoning counts) and
        the mean ``empathy`` proxies.
    """
    start = time.perf_counter()
    texts = [chat.prompt(p.text) for p in prompts]
    if progress is None:
        replies = settings.generate(model, tokenizer, texts)
    else:
        chunk = settings.batch_size if isinstance(settings.batch_size, int) else 8
        replies = progress.generate(
            phase,
            [p.id for p in prompts],
            texts,
            lambda batch: settings.generate(model, tokenizer, batch, progress=False),
            chunk,
        )
    records = score_replies(prompts, replies, rules, phase, model_name)
    summary = summarize(records)
    summary["generation_s"] = round(time.perf_counter() - start, 2)
    summary["max_new_tokens"] = settings.max_new_tokens
    summary["replies"] = reply_endings(replies)
    summary["empathy"] = {
        name: sum(r["empathy"][name] for r in records) / len(records) for name in MECHANISMS
    }
    warn_open_reasoning(phase, summary["replies"], settings)
    return records, summary
