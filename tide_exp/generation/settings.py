"""How a reply is generated: one settings object every caller builds and decodes with.

The evaluation callback, the safety probe (callback and command), ``tide chat`` and the model
judge all build a :class:`GenerationSettings` with :meth:`GenerationSettings.for_chat` (or
:meth:`GenerationSettings.from_config` from a composed config) and generate through
:meth:`GenerationSettings.generate`, so the same prompt gets the same reply everywhere: the
model's reasoning mode (budget and stripping), the engine, the merged copy, length sorting,
``batch_size: auto`` and the decoding settings (:mod:`tide_exp.generation.decoding`) are
decided here once (docs/generation.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tide_exp.generation.replies import Reply, generate_reply_records


@dataclass(frozen=True)
class GenerationSettings:
    """The settings replies are generated with (the ``eval`` config group, docs/generation.md).

    Build it with :meth:`for_chat` so the model's reasoning mode is applied; the constructor
    takes the fields as they are.

    Attributes:
        batch_size: Prompts per ``generate`` call, or ``auto`` (from free memory on CUDA).
        max_new_tokens: Cap on reply length, the reasoning budget included.
        generation_kwargs: ``GenerationConfig`` settings over greedy search (``eval.generation_kwargs``).
        strip_think: Remove a ``...</think>`` reasoning block (an unclosed one leaves the reply
            empty, flagged ``open_reasoning``).
        engine: ``auto``, ``plain``, ``static`` or ``continuous``.
        merge: Decode with a merged copy of an adapter model: ``auto``, ``True`` or ``False``.
        sort_by_length: Batch prompts of similar length together (replies unchanged).
    """

    batch_size: int | str = 8
    max_new_tokens: int = 64
    generation_kwargs: Mapping[str, Any] | None = field(default_factory=dict)
    strip_think: bool = False
    engine: str = "auto"
    merge: bool | str = "auto"
    sort_by_length: bool = True

    def __post_init__(self) -> None:
        # A plain dict, whether the config gave None, {} or an OmegaConf node.
        object.__setattr__(self, "generation_kwargs", dict(self.generation_kwargs or {}))

    @classmethod
    def for_chat(
        cls,
        chat: Any,
        max_new_tokens: int = 64,
        strip_think: bool = False,
        generation_kwargs: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> GenerationSettings:
        """The settings for replies of ``max_new_tokens`` under ``chat``'s reasoning mode.

        Args:
            chat: The model's :class:`~tide_exp.data.chat.ChatFormatter`. In ``think`` mode
                the cap grows by its ``think_max_new_tokens`` and the reasoning is stripped.
            max_new_tokens: The reply's own budget (``eval.max_new_tokens``).
            strip_think: Strip a reasoning block in any mode (``model.strip_think``).
            generation_kwargs: ``eval.generation_kwargs``.
            **options: ``batch_size``, ``engine``, ``merge``, ``sort_by_length``.
        """
        thinking = getattr(chat, "reasoning", None) == "think"
        return cls(
            max_new_tokens=chat.max_new_tokens(int(max_new_tokens)),
            strip_think=bool(strip_think) or thinking,
            generation_kwargs=generation_kwargs,
            **options,
        )

    @classmethod
    def from_config(cls, cfg: Any, chat: Any, **overrides: Any) -> GenerationSettings:
        """:meth:`for_chat` with the settings of a composed root config (``cfg.eval`` and
        ``cfg.model.strip_think``), for commands that load a model outside a run.

        Args:
            cfg: The root config (composed, or a run's ``.hydra/config.yaml``).
            chat: The model's chat formatter.
            **overrides: Fields to take instead of the config's (``None`` values are ignored):
                a command's ``--max-new-tokens`` or ``--batch-size``.
        """
        evaluation = cfg.get("eval") or {}
        defaults = cls()
        options: dict[str, Any] = {
            name: evaluation.get(name, getattr(defaults, name))
            for name in ("batch_size", "max_new_tokens", "engine", "merge", "sort_by_length")
        }
        options["generation_kwargs"] = evaluation.get("generation_kwargs")
        options["strip_think"] = bool((cfg.get("model") or {}).get("strip_think", False))
        options.update({k: v for k, v in overrides.items() if v is not None})
        return cls.for_chat(chat, **options)

    def generate(
        self, model: Any, tokenizer: Any, prompts: list[str], progress: bool = True
    ) -> list[Reply]:
        """Replies to chat-formatted ``prompts`` with these settings, in input order."""
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
        )
