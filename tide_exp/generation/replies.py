"""Generate replies in batches: left padding, no grad, eval mode restored, prompt tokens stripped.

Three engines give the same greedy replies (tests/unit/generation): ``plain`` (``generate`` on
length-sorted, left-padded batches), ``static`` (the same with a static KV cache, which
transformers compiles into CUDA graphs on a GPU) and ``continuous`` (transformers' continuous
batching, ``generate_batch``, paged attention). ``auto`` picks one per device
(:func:`tide_exp.generation.planning.resolve_engine`). Every engine decodes with the one config
:func:`tide_exp.generation.decoding.decoding_config` builds from the eval config.
"""

from __future__ import annotations

import copy
import gc
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm
from transformers import GenerationConfig, PreTrainedModel, PreTrainedTokenizerBase

from tide_exp.generation import decoding, planning
from tide_exp.metrics.repetition import is_looping, repeated_ngram_share

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
class Reply:
    """One generated reply and how it ended.

    Attributes:
        text: The reply as scored: stripped, and without its reasoning block when asked (empty
            when it stopped inside an open one: the model never got to its reply).
        finished: An end token (eos / end of turn) came within ``max_new_tokens``; ``False``:
            cut by the cap.
        new_tokens: Tokens generated, the end token included.
        raw: The decoded new tokens, before any stripping.
        open_reasoning: The reply stopped inside an unclosed ``<think>`` block.
    """

    text: str
    finished: bool
    new_tokens: int
    raw: str = ""
    open_reasoning: bool = False

    @property
    def looping(self) -> bool:
        """The reply repeats itself (:func:`tide_exp.metrics.repetition.is_looping`), cut or not."""
        return is_looping(self.text)

    @property
    def repetition(self) -> float:
        """Share of the reply's word 4-grams that repeat an earlier one."""
        return round(repeated_ngram_share(self.text), 4)


def reply_endings(outputs: Sequence[Reply]) -> dict[str, Any]:
    """How the replies of one phase ended: counts and rates of cut, open-reasoning and looping
    replies (a looping reply may also be cut)."""
    n = len(outputs)
    cut = sum(not o.finished for o in outputs)
    open_reasoning = sum(o.open_reasoning for o in outputs)
    looping = sum(o.looping for o in outputs)
    return {
        "n": n,
        "cut": cut,
        "cut_rate": cut / n if n else float("nan"),
        "open_reasoning": open_reasoning,
        "open_reasoning_rate": open_reasoning / n if n else float("nan"),
        "looping": looping,
        "looping_rate": looping / n if n else float("nan"),
    }


def stop_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    """Token ids that end a reply: the generation config's eos ids and the tokenizer's eos."""
    config_eos = getattr(model.generation_config, "eos_token_id", None)
    ids = config_eos if isinstance(config_eos, list) else [config_eos]
    return {int(i) for i in [*ids, tokenizer.eos_token_id] if i is not None}


def trim_reply(ids: Sequence[int], stop: set[int]) -> tuple[list[int], bool]:
    """The generated ids up to and including the first end token, and whether there was one."""
    ids = [int(i) for i in ids]
    for k, token in enumerate(ids):
        if token in stop:
            return ids[: k + 1], True
    return ids, False


@contextmanager
def evaluation_model(model: PreTrainedModel, merge: bool | str = "auto") -> Iterator[Any]:
    """The model to decode with: ``model`` itself, or a merged copy freed on exit.

    The copy is a deep copy of the adapter model with the adapter merged into the copy's base
    weights, so LoRA's extra matrix products are gone while the training weights stay untouched
    (merging and unmerging in place would round the frozen base each time in bf16).
    """
    from peft import PeftModel

    is_adapter = isinstance(model, PeftModel)
    device = next(model.parameters()).device
    if not planning.should_merge(
        merge,
        is_adapter,
        planning.model_bytes(model),
        planning.free_memory_bytes(device),
        device.type == "cuda",
    ):
        yield model
        return
    merged = copy.deepcopy(model).merge_and_unload()
    merged.eval()
    try:
        yield merged
    finally:
        del merged
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()


def _batched_ids(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    batch_size: int,
    config: GenerationConfig,
    arguments: dict[str, Any],
    progress: bool,
) -> list[list[int]]:
    """New token ids per prompt from ``generate`` on left-padded batches (plain and static)."""
    out: list[list[int]] = []
    device = next(model.parameters()).device
    for start in tqdm(
        range(0, len(prompts), batch_size),
        desc="generating",
        unit="batch",
        disable=None if progress else True,  # None: no bar when stderr is not a terminal
        leave=False,  # (a log file or a pipe got bar frames run into its log lines)
    ):
        batch = tokenizer(
            prompts[start : start + batch_size],
            return_tensors="pt",
            padding=True,
            add_special_tokens=False,
        ).to(device)
        output = model.generate(**batch, generation_config=config, **arguments)
        out.extend(output[:, batch["input_ids"].shape[1] :].tolist())
    return out


def _continuous_ids(
    model: Any,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    config: GenerationConfig,
    progress: bool,
) -> list[list[int]]:
    """New token ids per prompt from transformers' continuous batching (``generate_batch``)."""
    base = decoding.decoding_target(model)
    inputs = tokenizer(prompts, add_special_tokens=False)["input_ids"]
    results = base.generate_batch(
        inputs,
        generation_config=config,
        max_new_tokens=config.max_new_tokens,
        progress_bar=progress,
    )
    # generate_batch returns the results in input order.
    return [list(r.generated_tokens) for r in results.values()]


@torch.no_grad()
def generate_reply_records(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    batch_size: int | str = 8,
    max_new_tokens: int = 64,
    generation_kwargs: Mapping[str, Any] | None = None,
    strip_think: bool = False,
    progress: bool = True,
    engine: str = "plain",
    merge: bool | str = False,
    sort_by_length: bool = True,
    decoding_base: str = "greedy",
) -> list[Reply]:
    """Replies to already chat-formatted prompts, in input order, with their end state.

    Args:
        model: The causal LM (a peft model works as is).
        tokenizer: Its tokenizer; padding is switched to the left for the call and restored.
        prompts: Prompt texts ending where the reply begins.
        batch_size: Prompts per ``generate`` call, or ``auto``: from free memory on CUDA
            (:func:`~tide_exp.generation.planning.auto_batch_size`), 8 on the CPU.
        max_new_tokens: Cap on reply length.
        generation_kwargs: ``GenerationConfig`` settings over greedy search, and ``generate``
            arguments (``logits_processor``); nothing else applies, not the checkpoint's own
            sampling or penalty settings (:mod:`tide_exp.generation.decoding`).
        strip_think: Remove a ``...</think>`` reasoning block from each reply.
        progress: Show a progress bar.
        engine: ``plain``, ``static``, ``continuous`` or ``auto`` (see module docstring).
        merge: Decode with a merged copy of an adapter model: ``True``, ``False`` or ``auto``
            (when a second copy of the weights fits in memory).
        sort_by_length: Batch prompts of similar length together (less padding); the order of
            the returned replies is the input order either way.
        decoding_base: ``greedy`` (neutral settings under ``generation_kwargs``) or ``checkpoint``
            (the checkpoint's own generation config under them).
    """
    was_training = model.training
    padding_side = tokenizer.padding_side
    device = next(model.parameters()).device
    engine = planning.resolve_engine(engine, device)
    settings, arguments = decoding.split_kwargs(generation_kwargs, engine)
    config = decoding.decoding_config(
        model.generation_config, tokenizer, max_new_tokens, settings, base=decoding_base
    )
    if engine == "static":
        config.cache_implementation = "static"  # how, not what: the replies are the same
    lengths = [len(ids) for ids in tokenizer(prompts, add_special_tokens=False)["input_ids"]]
    order = planning.length_order(lengths) if sort_by_length else list(range(len(prompts)))
    ordered = [prompts[i] for i in order]
    if batch_size == "auto":
        batch_size = 8
        if device.type == "cuda" and prompts:
            batch_size = planning.auto_batch_size(
                model.config,
                next(model.parameters()).dtype,
                max(lengths) + max_new_tokens,
                len(tokenizer),
                planning.free_memory_bytes(device),
            )
    model.eval()
    tokenizer.padding_side = "left"
    try:
        with (
            evaluation_model(model, merge) as decoder,
            decoding.decoding_with(decoder, config),
        ):
            if engine == "continuous":
                new_ids = _continuous_ids(decoder, tokenizer, ordered, config, progress)
            else:
                new_ids = _batched_ids(
                    decoder, tokenizer, ordered, int(batch_size), config, arguments, progress
                )
    finally:
        tokenizer.padding_side = padding_side
        model.train(was_training)
    stop = stop_token_ids(model, tokenizer)
    replies = []
    for prompt, ids in zip(ordered, new_ids, strict=True):
        kept, finished = trim_reply(ids, stop)
        raw = tokenizer.decode(kept, skip_special_tokens=True)
        is_open = has_open_reasoning(prompt, raw)
        text = raw.strip()
        if strip_think:
            text = "" if is_open else strip_reasoning(raw)
        replies.append(Reply(text, finished, len(kept), raw, is_open))
    return planning.restore_order(replies, order)
