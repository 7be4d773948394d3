"""The steps of one generation-evaluation phase, one verb each: generate, score, save, log.

:class:`~tide_exp.callbacks.GenerationMetricsCallback` only decides when a phase runs and calls
these in order; each is testable without a Trainer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tide_exp.generation import ChatGenerationSettings, Reply, decoding, reply_endings
from tide_exp.metrics import score_texts
from tide_exp.runs.folder import RunFolder
from tide_exp.tracking.loggers import log_row

# A reviewer's columns (the per-reply scores follow); "reply" is the record's "prediction".
TABLE_COLUMNS = [
    "epoch",
    "phase",
    "example_id",
    "persona_id",
    "theme",
    "prompt",
    "reference",
    "reply",
    "finished",
    "looping",
]
_RECORD_FIELD = {"reply": "prediction"}
# Phase -> scalar prefixes; zero-shot also goes on the val curve at step 0, so W&B plots start
# from the baseline.
SCALAR_PREFIXES = {
    "zs": ["zs/gen", "val/gen"],
    "val": ["val/gen"],
    "ft": ["ft/gen"],
    "dev": ["dev/gen"],
    "fixed_zs": ["fixed_zs/gen"],  # the prompts file's prompts (eval.prompts_file)
    "fixed_ft": ["fixed_ft/gen"],
}


def build_prompts(datamodule: Any, examples: Sequence[Any]) -> list[str]:
    """The chat-formatted prompt of each example, with its history if any (the one place
    prompts are built)."""
    return [datamodule.prompt(e) for e in examples]


def generate_phase(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    settings: ChatGenerationSettings,
    seed: int | None = None,
) -> tuple[list[Reply], dict[str, Any]]:
    """Replies to ``prompts`` (sampled from ``seed``'s random state) and the phase's figures.

    Returns:
        ``(replies, stats)``; ``stats`` has ``generation_s``, ``new_tokens``,
        ``generation_tokens_per_s``, ``cut_rate`` (share of replies stopped at the cap) and
        ``decoding`` (every setting that shaped the replies: docs/generation.md) and ``seed``.
    """
    start = time.perf_counter()
    replies = settings.generate(model, tokenizer, prompts, seed=seed)
    seconds = time.perf_counter() - start
    new_tokens = sum(r.new_tokens for r in replies)
    return replies, {
        "generation_s": round(seconds, 2),
        "new_tokens": new_tokens,
        "generation_tokens_per_s": round(new_tokens / seconds, 1) if seconds > 0 else None,
        "cut_rate": sum(not r.finished for r in replies) / len(replies) if replies else 0.0,
        "replies": reply_endings(replies),
        "decoding": phase_decoding(model, tokenizer, settings),
        **({"seed": seed} if seed is not None else {}),
    }


def phase_decoding(model: Any, tokenizer: Any, settings: ChatGenerationSettings) -> dict[str, Any]:
    """The effective decoding settings of a phase, from the config the replies were decoded with."""
    checkpoint = model.generation_config
    options, arguments = decoding.split_kwargs(settings.generation_kwargs)
    config = decoding.decoding_config(
        checkpoint, tokenizer, settings.max_new_tokens, options, base=settings.decoding
    )
    return decoding.effective_settings(config, checkpoint, arguments)


def score_phase(
    replies: Sequence[Reply], examples: Sequence[Any], metrics: Mapping[str, Any]
) -> tuple[dict[str, Any], float]:
    """``score_texts`` of the replies against the references, and the seconds it took."""
    start = time.perf_counter()
    scores = score_texts(
        [r.text for r in replies],
        [e.reference_response for e in examples],
        metrics,
        prompts=[e.user_input for e in examples],  # topic shift compares a reply with it
    )
    return scores, time.perf_counter() - start


def unscored(count: int) -> dict[str, Any]:
    """What :func:`score_phase` gives for replies that have no references: no metric at all."""
    return {"metrics": {}, "config": {}, "per_sample": [{} for _ in range(count)]}


def phase_records(
    phase: str,
    epoch: int | None,
    step: int,
    model_name: str,
    examples: Sequence[Any],
    replies: Sequence[Reply],
    per_sample: Sequence[Mapping[str, float]],
) -> list[dict[str, Any]]:
    """One ``generations.jsonl`` record per example (reply end state kept for later counts);
    a multi-turn example's earlier turns the model saw go with it (``history``: the survey
    shows them)."""
    return [
        {
            "phase": phase,
            "epoch": epoch,
            "step": step,
            "model": model_name,
            "example_id": e.example_id,
            "persona_id": e.persona_id,
            "theme": e.theme,
            "prompt": e.user_input,
            "reference": e.reference_response,
            "prediction": reply.text,
            "finished": reply.finished,
            "open_reasoning": reply.open_reasoning,
            "new_tokens": reply.new_tokens,
            "looping": reply.looping,
            "repetition": reply.repetition,
            "scores": dict(sample),
            **({"history": [list(turn) for turn in e.history]} if e.history else {}),
        }
        for e, reply, sample in zip(examples, replies, per_sample, strict=True)
    ]


def phase_summary(
    epoch: int | None,
    step: int,
    examples: Sequence[Any],
    scores: Mapping[str, Any],
    generation: Mapping[str, Any],
    scoring_s: float,
) -> dict[str, Any]:
    """What results.json keeps of a phase: metric means, which prompts, timings."""
    return {
        "epoch": epoch,
        "step": step,
        "metrics": scores["metrics"],
        # Plain JSON types only: the summary travels in checkpoints, which torch loads with
        # weights_only=True (a TorchVersion in the versions would refuse to load).
        "metric_config": json.loads(json.dumps(scores["config"], default=str)),
        "prompts": {"count": len(examples), "example_ids": [e.example_id for e in examples]},
        **generation,
        "scoring_s": round(scoring_s, 2),
    }


def save_records(output_dir: Path, records: list[dict[str, Any]]) -> None:
    """Rewrite the run folder's ``generations.jsonl`` with every record so far (atomically)."""
    RunFolder(output_dir).write_generations(records)


def phase_scalars(phase: str, summary: Mapping[str, Any]) -> dict[str, float]:
    """Scalars to log: metric means, cut rate and generation speed under the phase's prefixes."""
    values = {name: m["mean"] for name, m in summary["metrics"].items()}
    values["cut_rate"] = summary.get("cut_rate")
    values["open_reasoning_rate"] = summary.get("replies", {}).get("open_reasoning_rate")
    values["looping_rate"] = summary.get("replies", {}).get("looping_rate")
    values["tokens_per_s"] = summary.get("generation_tokens_per_s")
    return {
        f"{prefix}/{k}": v
        for prefix in SCALAR_PREFIXES[phase]
        for k, v in values.items()
        if v is not None
    }


def table_key(phase: str, epoch: int | None) -> str:
    """W&B table key, never reused: one per phase, one per epoch of the val curve.

    Kept out of ``val/`` so the tables are not plotted against the epoch axis.
    """
    return f"generations/val_epoch{epoch}" if phase == "val" else f"generations/{phase}"


def table(
    summary: Mapping[str, Any], records: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a phase's table; corpus-level metrics (distinct-n) have no per-reply
    value, so they stay out (they are logged as scalars)."""
    names = [n for n, m in summary["metrics"].items() if m.get("level", "sample") == "sample"]
    rows = [
        [r.get(_RECORD_FIELD.get(c, c)) for c in TABLE_COLUMNS]
        + [r["scores"].get(n) for n in names]
        for r in records
    ]
    return TABLE_COLUMNS + names, rows


def log_phase(
    trainer: Any,
    phase: str,
    summary: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
) -> None:
    """Log a phase's scalars to every logger and its table to W&B, in one row."""
    tables = {table_key(phase, summary["epoch"]): table(summary, records)}
    log_row(trainer, phase_scalars(phase, summary), tables)
