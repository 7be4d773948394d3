"""What a saved adapter (``adapter/``) or an exported model (``tide export``) carries besides its
weights, so that plain transformers prompts and decodes it as the run did:

- the tokenizer, its chat template carrying the run's chat settings as defaults (system prompt,
  template variables, reasoning mode: :func:`tide_exp.data.chat_export.baked_chat_template`,
  checked against the run's own prompt before it is used);
- ``generation_config.json``: evaluation's decoding (greedy, ``max_new_tokens``, every setting
  evaluation resets; :meth:`tide_exp.generation.ChatGenerationSettings.saved_config`);
- the model card (``README.md``), with the data, the scores and their paired intervals, and
  what no file can carry (the persona block, ``plain`` prompts, ``generate`` arguments).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tide_exp.data.chat_export import baked_chat_template, template_mismatch
from tide_exp.generation import GenerationSettings
from tide_exp.metrics.bootstrap import metric_changes
from tide_exp.models.card_usage import CardUsage
from tide_exp.models.model_card import card_for_run, write_model_card

log = logging.getLogger(__name__)


@dataclass
class ModelFiles:
    """The files beside the weights, ready to write (:func:`write_model_files`)."""

    tokenizer: Any
    chat_template: str | None  # None: the tokenizer's own (plain prompts, or it could not bake)
    generation_config: Any  # transformers.GenerationConfig
    card: str


def run_chat_template(chat: Any) -> str | None:
    """The chat template that gives the run's prompts, or ``None`` (with a warning when the
    model's template could not be made to)."""
    template = baked_chat_template(chat)
    problem = template and template_mismatch(chat, template)
    if problem:
        log.warning(
            "the saved chat template is the checkpoint's own: with the run's settings baked in, %s;"
            " the model card names the settings to pass",
            problem,
        )
        return None
    return template


def model_files(
    cfg: Any,
    results: Mapping[str, Any],
    records: Iterable[Mapping[str, Any]],
    chat: Any,
    model: Any,
    kind: str = "adapter",
    saved_as: str | None = None,
) -> ModelFiles:
    """The tokenizer, chat template, generation config and card of a run's ``adapter`` or
    ``merged`` model (``model``: the one whose checkpoint token ids the config keeps;
    ``saved_as``: an exported model's dtype)."""
    settings = GenerationSettings.from_config(cfg).for_chat(chat)
    template = run_chat_template(chat)
    ft = results.get("phases", {}).get("ft", {})
    usage = CardUsage(
        kind=kind,
        prompt=results.get("prompt", {}),
        template_baked=template is not None,
        decoding=ft.get("decoding", {}),
        unsaved=tuple(settings.unsaved),
        seed=ft.get("seed"),
        saved_as=saved_as,
    )
    changes = {
        name: {"zs": c.zs, "ft": c.ft, "low": c.low, "high": c.high}
        for name, c in metric_changes(results.get("phases", {}), records).items()
    }
    card = card_for_run(cfg, results, changes, usage)
    return ModelFiles(chat.tokenizer, template, settings.saved_config(model, chat.tokenizer), card)


def write_model_files(folder: Path, files: ModelFiles, base_model: str | None = None) -> None:
    """Write the tokenizer (with the run's chat template), ``generation_config.json`` and
    ``README.md`` into ``folder`` (a temp folder about to be moved into place); ``base_model``:
    the hub id an adapter's ``adapter_config.json`` records."""
    tokenizer = files.tokenizer
    own = tokenizer.chat_template
    try:
        if files.chat_template is not None:
            tokenizer.chat_template = files.chat_template
        tokenizer.save_pretrained(folder)
    finally:
        tokenizer.chat_template = own  # the run's own formatter keeps the checkpoint's template
    files.generation_config.save_pretrained(folder)
    write_model_card(folder, files.card, base_model)
