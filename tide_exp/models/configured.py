"""A configured model (``conf/model/<slug>.yaml``) loaded as every caller loads it.

``run(cfg)``, ``tide chat`` and ``tide export``, ``tide safety probe``, the model judge and
``tide stats`` all take the model, its tokenizer and its chat formatter from here: the config's
``model.loader`` (embedded GGUF, a local folder or the hub, offline first), ``model.chat`` on that
tokenizer, and optionally a saved adapter on top. Third-party noise is silenced and
``threads`` applied first, the same for every caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.utils import instantiate

from tide_exp.models.adapter import load_adapter
from tide_exp.tracking.console import quiet_third_party_logs


@dataclass(frozen=True)
class ConfiguredModel:
    """A model as its config builds it.

    Attributes:
        model: The causal LM (a ``PeftModel`` when an adapter was loaded); ``None`` when only
            the tokenizer was asked for.
        tokenizer: Its tokenizer.
        chat: Its :class:`~tide_exp.data.chat.ChatFormatter` (``model.chat``) on that tokenizer.
        source: Where the weights (or the tokenizer) came from, for the log and results.json.
    """

    model: Any
    tokenizer: Any
    chat: Any
    source: str


def set_threads(threads: int | None) -> None:
    """``torch.set_num_threads`` when the config sets ``threads`` (null: torch's default)."""
    if threads:
        import logging

        import torch

        torch.set_num_threads(int(threads))
        logging.getLogger(__name__).info("torch threads: %d", torch.get_num_threads())


def load_configured(
    cfg: Any, adapter: str | Path | None = None, weights: bool = True, **loader_overrides: Any
) -> ConfiguredModel:
    """The model, tokenizer and chat formatter of ``cfg.model``.

    Args:
        cfg: A composed root config (or a run's saved one).
        adapter: A saved LoRA adapter folder to load on top (a damaged one: one sentence).
        weights: ``False``: the tokenizer only (``model`` is ``None``); a hub model's tokenizer
            files are read without its weights (cache first), an embedded or test model is
            built whole and its tokenizer taken.
        **loader_overrides: Arguments of ``model.loader`` to replace (``dtype="float32"``);
            ones the loader does not take are left out.
    """
    quiet_third_party_logs()  # before any "Loading weights" bar
    set_threads(cfg.get("threads"))
    loader = cfg.model.loader
    if not weights and loader.get("pretrained_model_name_or_path"):
        from transformers import AutoTokenizer

        from tide_exp.models.loading import resolve_local_folder

        name = loader.pretrained_model_name_or_path
        folder = resolve_local_folder(name, loader.get("revision"), bool(loader.get("gated")))
        tokenizer, model, source = AutoTokenizer.from_pretrained(folder), None, str(folder)
    else:
        kwargs = {k: v for k, v in loader_overrides.items() if k in loader}
        loaded = instantiate(loader, **kwargs)
        tokenizer, model, source = loaded.tokenizer, loaded.model, loaded.source
        if not weights:
            model = None
        elif adapter is not None:
            model = load_adapter(model, Path(adapter))
    chat = instantiate(cfg.model.chat, _partial_=True)(tokenizer=tokenizer)
    return ConfiguredModel(model, tokenizer, chat, source)
