"""How a reply is generated: the settings as configured, and as applied to a model's chat format.

Two types, so that the model's reasoning mode is applied exactly once:

- :class:`GenerationSettings` is what the config says (``eval.generation``, instantiated by Hydra
  from its ``_target_``; the callbacks take it whole as ``generation: ${eval.generation}``). Its
  defaults live in conf/eval/default.yaml alone, and it checks its own values on construction.
- :class:`ChatGenerationSettings` is what generates: :meth:`GenerationSettings.for_chat` adds the
  chat formatter's reasoning budget to the cap and strips the reasoning in ``think`` mode.

The evaluation callback, the safety probe (callback and command), ``tide chat`` and the model
judge all generate through :meth:`ChatGenerationSettings.generate`, so the same prompt gets the
same reply everywhere: the reasoning mode, the engine, the merged copy, length sorting,
``batch_size: auto`` and the decoding settings (:mod:`tide_exp.generation.decoding`) are decided
here once (docs/generation.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from omegaconf import ListConfig

from tide_exp.errors import ConfigError
from tide_exp.generation.decoding import DECODING_BASES, decoding_config, split_kwargs
from tide_exp.generation.planning import ENGINES, MERGE_CHOICES
from tide_exp.generation.replies import Reply, generate_reply_records, stop_token_ids
from tide_exp.generation.seeding import seeded

KEY = "eval.generation"  # where the settings are configured; errors name the key to change


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# Values a field's type allows but that cannot mean anything: (check, what is expected).
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "batch_size": (lambda v: v == "auto" or _whole(v), "a whole number >= 1 or auto"),
    "max_new_tokens": (_whole, "a whole number >= 1"),
}
CHOICES: dict[str, tuple[Any, ...]] = {
    "engine": ENGINES,
    "merge": MERGE_CHOICES,
    "decoding": DECODING_BASES,
}


def _plain(value: Any) -> Any:
    """``value`` with every mapping a dict and every list a list (OmegaConf nodes included);
    other objects (an instantiated logits processor) as they are."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if type(value) in (list, tuple) or isinstance(value, ListConfig):  # not LogitsProcessorList
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True, kw_only=True)
class _Fields:
    """The eight settings, named once for both types.

    Attributes:
        batch_size: Prompts per ``generate`` call, or ``auto`` (from free memory on CUDA).
        max_new_tokens: Cap on reply length (with the reasoning budget once applied).
        generation_kwargs: ``GenerationConfig`` settings over greedy search, and ``generate``
            arguments such as ``logits_processor``.
        strip_think: Remove a ``...</think>`` reasoning block (an unclosed one leaves the reply
            empty, flagged ``open_reasoning``); configured as ``model.strip_think``.
        engine: ``auto``, ``plain``, ``static`` or ``continuous``.
        merge: Decode with a merged copy of an adapter model: ``auto``, ``True`` or ``False``.
        sort_by_length: Batch prompts of similar length together (replies unchanged).
        decoding: What ``generation_kwargs`` apply over: ``greedy`` (ours: neutral settings,
            the checkpoint's token ids only) or ``checkpoint`` (the checkpoint's own
            ``generation_config``: its sampling and penalty defaults).
    """

    batch_size: int | str
    max_new_tokens: int
    generation_kwargs: Mapping[str, Any] | None
    strip_think: bool
    engine: str
    merge: bool | str
    sort_by_length: bool
    decoding: str = "greedy"

    def __post_init__(self) -> None:
        # Plain dicts and lists all the way down, whether the config gave None, {} or an OmegaConf
        # node: a GenerationConfig saved with a ListConfig inside (suppress_tokens=[...]) is a
        # JSON error when an exported model's generation_config.json is written.
        object.__setattr__(self, "generation_kwargs", _plain(self.generation_kwargs or {}))


@dataclass(frozen=True, kw_only=True)
class GenerationSettings(_Fields):
    """The settings replies are generated with, as configured (``eval.generation``).

    Built by Hydra from conf/eval/default.yaml (every field there, none defaulted here), and
    checked on construction: a batch size or cap below 1, an unknown engine or merge choice, or
    a misspelt decoding setting is one sentence naming ``eval.generation.<field>``.
    Apply a model's reasoning mode with :meth:`for_chat` before generating.

    Raises:
        ConfigError: A value no generation could use.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        for name, (check, expected) in RULES.items():
            value = getattr(self, name)
            if not check(value):
                raise ConfigError(
                    f"{KEY}.{name}={value!r} is not {expected}; fix the setting or override."
                )
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(
                    f"{KEY}.{name}={value!r} is not one of {', '.join(map(repr, allowed))}; "
                    "pick one of them."
                )
        split_kwargs(self.generation_kwargs, self.engine)  # a misspelt decoding setting, named

    @classmethod
    def from_config(cls, cfg: Any) -> GenerationSettings:
        """The settings a composed root config (or a run's saved one) gives: its
        ``eval.generation`` node, instantiated, for a command that loads a model outside a run."""
        from hydra.utils import instantiate

        return instantiate(cfg.eval.generation)

    def replace(self, **changes: Any) -> GenerationSettings:
        """These settings with ``changes`` (``None`` values ignored): a command's flags
        (``--max-new-tokens``, ``--batch-size``) over the config's."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def for_chat(self, chat: Any) -> ChatGenerationSettings:
        """These settings under ``chat``'s reasoning mode.

        Args:
            chat: The model's :class:`~tide_exp.data.chat.ChatFormatter`. In ``think`` mode the
                cap grows by its ``think_max_new_tokens`` and the reasoning is stripped.
        """
        thinking = getattr(chat, "reasoning", None) == "think"
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(_Fields)}
        return ChatGenerationSettings(
            **fields
            | {
                "max_new_tokens": chat.max_new_tokens(int(self.max_new_tokens)),
                "strip_think": bool(self.strip_think) or thinking,
            }
        )


@dataclass(frozen=True, kw_only=True)
class ChatGenerationSettings(_Fields):
    """The settings applied to one chat formatter's reasoning mode: what generates.

    Made by :meth:`GenerationSettings.for_chat`, not by hand, so the reasoning budget is added
    once.
    """

    def generate(
        self,
        model: Any,
        tokenizer: Any,
        prompts: list[str],
        progress: bool = True,
        seed: int | None = None,
    ) -> list[Reply]:
        """Replies to chat-formatted ``prompts`` with these settings, in input order; sampled
        from a random state seeded with ``seed`` when given (:mod:`tide_exp.generation.seeding`)."""
        with seeded(seed):
            return generate_reply_records(
                model,
                tokenizer,
                prompts,
                batch_size=self.batch_size,
                max_new_tokens=self.max_new_tokens,
                generation_kwargs=self.generation_kwargs,
                strip_think=self.strip_think,
                progress=progress,
                engine=self.engine,
                merge=self.merge,
                sort_by_length=self.sort_by_length,
                decoding_base=self.decoding,
            )

    def saved_config(self, model: Any, tokenizer: Any) -> Any:
        """These settings as a standalone ``GenerationConfig`` (an exported model's
        ``generation_config.json``): what the replies were decoded with, so ``generate`` with no
        arguments decodes the same way, every setting evaluation resets included, and the
        reply ends where evaluation ended it (every stop token as an eos id).

        ``generate`` arguments (``logits_processor``) and the phase's seed cannot be saved in a
        config: a model card names them (:attr:`unsaved`).
        """
        options, _ = split_kwargs(self.generation_kwargs, self.engine)
        config = decoding_config(
            model.generation_config, tokenizer, self.max_new_tokens, options, base=self.decoding
        )
        config.eos_token_id = sorted(stop_token_ids(model, tokenizer))
        return config

    @property
    def unsaved(self) -> list[str]:
        """The ``generate`` arguments of ``generation_kwargs``, which no config file holds."""
        return sorted(split_kwargs(self.generation_kwargs, self.engine)[1])
