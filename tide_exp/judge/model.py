"""A judge backed by a configured model (``conf/model/<slug>.yaml``) or an imported callable."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tide_exp.judge.core import Generate, JudgeError

if TYPE_CHECKING:  # importing the judge loads no torch
    from tide_exp.generation import ChatGenerationSettings


def compose_model_config(model: str, overrides: Sequence[str] = ()) -> Any:
    """The root config composed with ``model=<slug>`` and ``overrides`` (Hydra syntax)."""
    from tide_exp.config.compose import compose_config, config_dir

    models = config_dir() / "model"  # the checkout's conf/ or the wheel's tide_exp/conf
    if not (models / f"{model}.yaml").is_file():
        known = sorted(p.stem for p in models.glob("*.yaml"))
        raise JudgeError(f"model={model!r} is not in conf/model; use one of {known}.")
    return compose_config([f"model={model}", *overrides])


def model_generate(
    model: Any, tokenizer: Any, chat: Any, settings: ChatGenerationSettings
) -> Generate:
    """A ``generate(prompts)`` that formats each judge input with ``chat`` and generates in
    batches with ``settings`` (:class:`~tide_exp.generation.ChatGenerationSettings` built for
    ``chat``: a reasoning judge gets its budget, and an answer still inside ``<think>`` comes
    back empty, so it parses as no score rather than as a number from the reasoning)."""

    def generate(prompts: list[str]) -> list[str]:
        replies = settings.generate(model, tokenizer, [chat.prompt(p) for p in prompts])
        return [r.text for r in replies]

    return generate


def load_model_judge(
    model: str,
    overrides: Sequence[str] = (),
    batch_size: int | None = None,
    max_new_tokens: int = 64,
    generation_kwargs: Mapping[str, Any] | None = None,
) -> Generate:
    """Load ``conf/model/<model>.yaml`` (embedded, local weights or the hub) as a judge.

    The judge generates with the composed config's ``eval.generation`` (engine, merge, sorting),
    as evaluation does, except for the arguments below.

    Args:
        model: A conf/model slug (``qwen2_5_3b``); ``overrides`` adjust it (``model.loader.dtype=bfloat16``).
        batch_size: Judge inputs per ``generate`` call (``None``: ``eval.generation.batch_size``,
            the model's eval batch size, else 16).
        max_new_tokens: Room for the answer (plus the reasoning budget in ``think`` mode).
        generation_kwargs: ``generate`` options; sample (``{do_sample: true}``) for several calls.
    """
    from tide_exp.generation import GenerationSettings
    from tide_exp.models.configured import load_configured

    cfg = compose_model_config(model, overrides)
    loaded = load_configured(cfg)
    settings = GenerationSettings.from_config(cfg).replace(
        batch_size=batch_size,
        max_new_tokens=max_new_tokens,
        generation_kwargs=dict(generation_kwargs or {}),  # the judge's own, never eval's
    )
    return model_generate(
        loaded.model, loaded.tokenizer, loaded.chat, settings.for_chat(loaded.chat)
    )


def load_generate(spec: str, **model_options: Any) -> Generate:
    """The judge named by ``spec``: ``model=<slug>`` (a configured model, loaded now) or
    ``module:attr`` (a ``generate(prompts) -> list[str]`` callable).

    An imported object with ``is_generate_factory = True`` is called once with no arguments and
    must return the callable (so a model is loaded only when the judge runs).
    """
    if spec.startswith("model="):
        return load_model_judge(spec.removeprefix("model="), **model_options)
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise JudgeError(f"--generate {spec!r}: expected 'model=<slug>' or 'module:function'")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise JudgeError(f"--generate {spec!r}: cannot import ({exc})") from None
    if getattr(obj, "is_generate_factory", False):
        obj = obj()
    return obj
