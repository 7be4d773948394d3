"""The generation config replies are decoded with: the eval config's settings and nothing else.

A checkpoint's ``generation_config.json`` carries its authors' chat defaults (Qwen's ship
``repetition_penalty`` 1.05-1.1, ``top_k`` 20, ``top_p`` 0.8), and transformers' ``generate``
fills every setting a call leaves unset from the model's ``generation_config``. Passing
``do_sample=False`` alone therefore still penalises repetition for some models and not others,
and ``top_p=0.92`` alone still samples from the checkpoint's top 20 tokens.

:func:`decoding_config` builds the config from the eval config alone: the checkpoint contributes
only its token ids (eos, bos, pad), every setting that changes which token is chosen starts at
the value that leaves the logits alone (:data:`NEUTRAL`, :data:`NEUTRAL_SAMPLING`), and the eval
config's ``generation_kwargs`` override. :func:`decoding_with` makes it the model's config for
the call, so nothing is left for ``generate`` to fill from the checkpoint (transformers 5 fills
unset values from ``model.generation_config``, then from its library defaults).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from transformers import GenerationConfig, GenerationMixin, PreTrainedTokenizerBase

from tide_exp.errors import ConfigError

# What the eval config's settings apply over (eval.generation.decoding): greedy, neutral values
# (ours, below); checkpoint, the checkpoint's own generation_config (its authors' chat defaults).
DECODING_BASES = ("greedy", "checkpoint")
# Ids a checkpoint needs to start, pad and end a sequence: the only values taken from it.
TOKEN_IDS = ("eos_token_id", "bos_token_id", "decoder_start_token_id")
# Settings that act in every decoding mode, at values that leave the logits alone: greedy search,
# no penalty, no banned or forced tokens, no minimum length.
NEUTRAL: dict[str, Any] = {
    "do_sample": False,
    "num_beams": 1,
    "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "min_new_tokens": 0,
}
# Settings transformers applies only when sampling: plain sampling from the model's distribution.
# top_k 0 turns top-k off (transformers' own default, when neither call nor checkpoint sets it, is 50).
NEUTRAL_SAMPLING: dict[str, Any] = {
    "temperature": 1.0,
    "top_k": 0,
    "top_p": 1.0,
    "min_p": None,
    "typical_p": 1.0,
}
# generate() arguments that are not config settings (logits_processor, stopping_criteria...).
GENERATE_ARGUMENTS = frozenset(inspect.signature(GenerationMixin.generate).parameters) - {
    "self",
    "inputs",
    "generation_config",
    "kwargs",
}
# What an unset setting means, so a checkpoint's explicit neutral value is not reported as dropped.
NEUTRAL_VALUES = {
    **NEUTRAL,
    **NEUTRAL_SAMPLING,
    "min_length": 0,
    "length_penalty": 1.0,
    "encoder_repetition_penalty": 1.0,
    "epsilon_cutoff": 0.0,
    "eta_cutoff": 0.0,
    "renormalize_logits": False,
}
# Config entries that are bookkeeping or stated apart, not decoding choices.
UNSTATED = {*TOKEN_IDS, "pad_token_id", "transformers_version", "_from_model_config"}
# Checkpoint settings compared with the ones in use, to say which were not applied.
REPLY_SETTINGS = (
    *NEUTRAL,
    *NEUTRAL_SAMPLING,
    "length_penalty",
    "encoder_repetition_penalty",
    "bad_words_ids",
    "sequence_bias",
    "suppress_tokens",
    "begin_suppress_tokens",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "exponential_decay_length_penalty",
    "epsilon_cutoff",
    "eta_cutoff",
    "top_h",
    "guidance_scale",
    "renormalize_logits",
    "max_length",
    "min_length",
    "stop_strings",
    "max_time",
)


def split_kwargs(
    generation_kwargs: Mapping[str, Any] | None, engine: str = "plain"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The eval config's ``generation_kwargs`` (``eval.generation.generation_kwargs``) as (``GenerationConfig`` settings, ``generate``
    arguments such as ``logits_processor``).

    Raises:
        ConfigError: a key that is neither (a typo would otherwise be kept as a custom attribute
            of the config and ignored), or a ``generate`` argument for the continuous engine,
            whose ``generate_batch`` takes none.
    """
    settings, arguments = {}, {}
    known = GenerationConfig().to_dict()
    for key, value in (generation_kwargs or {}).items():
        if key in known:
            settings[key] = value
        elif key in GENERATE_ARGUMENTS:
            arguments[key] = value
        else:
            raise ConfigError(
                f"eval.generation.generation_kwargs.{key} is not a setting of transformers' "
                "GenerationConfig; check its spelling (docs/generation.md, 'Decoding settings')."
            )
    if arguments and engine == "continuous":
        raise ConfigError(
            f"eval.generation.generation_kwargs.{next(iter(arguments))} is a generate() argument, which the "
            "continuous engine does not take; set eval.generation.engine=plain (or static)."
        )
    return settings, arguments


def decoding_config(
    checkpoint: GenerationConfig | None,
    tokenizer: PreTrainedTokenizerBase,
    max_new_tokens: int,
    settings: Mapping[str, Any] | None = None,
    base: str = "greedy",
) -> GenerationConfig:
    """The generation config of the eval config: neutral settings, the checkpoint's token ids.

    With ``base="checkpoint"`` the checkpoint's own settings stand where the neutral ones
    would (the other reading of a study that states no decoding); the eval config's settings
    and the cap still win.

    Args:
        checkpoint: The model's own ``generation_config`` (only its token ids are kept).
        tokenizer: Its tokenizer; its pad id pads the batch, its eos id ends a reply too.
        max_new_tokens: Cap on reply length.
        settings: ``GenerationConfig`` settings of the eval config (:func:`split_kwargs`); they
            win over everything.
    """
    extra = dict(settings or {})
    values: dict[str, Any] = {
        key: getattr(checkpoint, key, None) for key in TOKEN_IDS if checkpoint is not None
    }
    if base == "checkpoint" and checkpoint is not None:
        own = checkpoint.to_dict()
        values = {k: v for k, v in own.items() if k not in UNSTATED and v is not None} | values
    if values.get("eos_token_id") is None:
        values["eos_token_id"] = tokenizer.eos_token_id
    values["pad_token_id"] = tokenizer.pad_token_id
    if base != "checkpoint":
        values.update(NEUTRAL)
    values["max_new_tokens"] = max_new_tokens
    values.pop("max_length", None)  # the cap is max_new_tokens (a checkpoint's max_length too)
    if extra.get("do_sample") and base != "checkpoint":
        values.update(NEUTRAL_SAMPLING)
    values.update(extra)
    return GenerationConfig(**values)


def effective_settings(
    config: GenerationConfig,
    checkpoint: GenerationConfig | None = None,
    arguments: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What results.json states about decoding: every value that shapes a reply.

    Sampling settings are listed only when sampling (greedy search never reads them); every other
    setting the eval config gave is listed too, and ``generate_arguments`` names the ``generate``
    arguments it passed (``logits_processor``). ``not_from_checkpoint`` holds the checkpoint's
    own settings that were not applied (``{}`` when it had none that differ).
    """
    used = config.to_dict()
    keys = [*NEUTRAL, "max_new_tokens"]
    if used.get("do_sample"):
        keys += list(NEUTRAL_SAMPLING)
    keys += [k for k in used if k not in keys and k not in UNSTATED and used[k] is not None]
    settings = {key: used.get(key) for key in keys}
    settings.update(eos_token_id=used.get("eos_token_id"), pad_token_id=used.get("pad_token_id"))
    if arguments:
        settings["generate_arguments"] = sorted(arguments)
    own = checkpoint.to_dict() if checkpoint is not None else {}
    settings["not_from_checkpoint"] = {
        key: own[key]
        for key in REPLY_SETTINGS
        if own.get(key) is not None and own[key] != _or_neutral(used, key)
    }
    # Plain JSON types only: the phase summary travels in checkpoints (weights_only loads).
    return json.loads(json.dumps(settings, default=str))


def _or_neutral(values: Mapping[str, Any], key: str) -> Any:
    """A setting's value, or the neutral one it stands for when unset (``min_length`` 0...)."""
    value = values.get(key)
    return NEUTRAL_VALUES.get(key) if value is None else value


def decoding_target(model: Any) -> Any:
    """The transformers model whose ``generation_config`` ``generate`` reads (inside a peft model)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


@contextmanager
def decoding_with(model: Any, config: GenerationConfig) -> Iterator[None]:
    """Make ``config`` the model's generation config for the block, then restore the checkpoint's.

    ``generate`` fills what a call leaves unset from ``model.generation_config``; with ``config``
    there (a peft model copies it from its base model), an unset value means unset.
    """
    target = decoding_target(model)
    own = target.generation_config
    target.generation_config = config
    try:
        yield
    finally:
        target.generation_config = own
