"""Format dialogues with the model's chat template and build masked training features."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

from tide_exp.data.persona import render_persona, template_fields
from tide_exp.errors import ConfigError, check_choice

IGNORE_INDEX = -100
REASONING_MODES = ("skip", "think")
PERSONA_PLACEMENTS = ("system", "user")
PROMPT_FORMATS = ("chat", "plain")
# What Qwen3's template writes for enable_thinking=False, and what R1-Distill is given to skip.
EMPTY_THINK = "<think>\n\n</think>\n\n"


@dataclass
class ChatFormatter:
    """Turns a client message into the model's prompt, and (message, reply) into training ids.

    Attributes:
        tokenizer: The model's tokenizer; it must carry a chat template.
        system_prompt: Optional system message. Llama 3.2 and Granite put today's date in their
            default system block, so prompts change from day to day unless one is given.
        chat_template_kwargs: Extra variables for the template (``date_string`` for Llama 3.2).
        persona_template: Persona context built from each example's metadata (``{age}``,
            ``{occupation}`` ...; see :mod:`tide_exp.data.persona`); ``None``: none. The same
            text reaches training and evaluation prompts.
        persona_placement: ``system``: after the system prompt, in the system message;
            ``user``: in front of the client's message (for models advised against a system
            prompt, such as R1-Distill).
        reasoning: For chat templates with a ``<think>`` block (R1-Distill, Qwen3); other
            templates are left as they are. ``skip``: the prompt ends in an empty, closed think
            block (``enable_thinking=False`` for Qwen3, the block written out for R1-Distill),
            the way these models are asked not to reason; ``think``: the model reasons first,
            with ``think_max_new_tokens`` more tokens, and the reasoning is stripped before scoring
            (training targets then close the block empty: the references have no reasoning).
        think_max_new_tokens: Extra generation budget for the reasoning in ``think`` mode.
        prompt_format: ``chat``: the tokenizer's chat template (roles, system block); ``plain``:
            no template, the persona context (if any), a blank line, the client's message and
            ``plain_separator``, the reply following as text to continue (how a base checkpoint
            reads a prompt; see docs/data.md). The system prompt, ``chat_template_kwargs`` and
            the reasoning mode belong to the template and are not used in ``plain``.
        plain_separator: What ends a ``plain`` prompt, where the reply begins.
    """

    tokenizer: PreTrainedTokenizerBase
    system_prompt: str | None = None
    chat_template_kwargs: Mapping[str, Any] = field(default_factory=dict)
    persona_template: str | None = None
    persona_placement: str = "system"
    reasoning: str = "skip"
    think_max_new_tokens: int = 1024
    prompt_format: str = "chat"
    plain_separator: str = "\n"

    def __post_init__(self) -> None:
        check_choice("model.chat.prompt_format", self.prompt_format, PROMPT_FORMATS)
        if self.prompt_format == "chat" and not getattr(self.tokenizer, "chat_template", None):
            raise ConfigError(
                f"the tokenizer of {self.tokenizer.name_or_path or 'this model'} has no chat template "
                "(a base checkpoint?); set model.chat.prompt_format=plain or use an instruct checkpoint."
            )
        if self.reasoning not in REASONING_MODES:
            raise ConfigError(
                f"model.chat.reasoning is {self.reasoning!r}; choose one of {', '.join(REASONING_MODES)}."
            )
        if self.persona_placement not in PERSONA_PLACEMENTS:
            raise ConfigError(
                f"model.chat.persona_placement is {self.persona_placement!r}; "
                f"choose one of {', '.join(PERSONA_PLACEMENTS)}."
            )
        template_fields(self.persona_template or "")  # a bad template fails here, not mid-run

    @property
    def plain(self) -> bool:
        """Whether prompts are plain text (no chat template)."""
        return self.prompt_format == "plain"

    @property
    def reasons(self) -> bool:
        """Whether the prompts carry the chat template's reasoning (``<think>``) block."""
        return not self.plain and "</think>" in str(self.tokenizer.chat_template)

    def max_new_tokens(self, reply_tokens: int) -> int:
        """The generation cap for replies of ``reply_tokens``: plus the reasoning budget when thinking."""
        thinking = self.reasons and self.reasoning == "think"
        return reply_tokens + (self.think_max_new_tokens if thinking else 0)

    def describe(self) -> dict[str, Any]:
        """What results.json records about the prompt: every setting that shapes it, verbatim."""
        # Plain prompts use neither the system prompt nor the template kwargs: recorded as null
        # there, so results.json never states a setting that did not shape the prompt.
        return {
            "system_prompt": None if self.plain else self.system_prompt,
            "persona_template": self.persona_template,
            "persona_placement": self.persona_placement,
            "reasoning": self.reasoning if self.reasons else None,
            "think_max_new_tokens": self.think_max_new_tokens if self.reasons else None,
            "chat_template_kwargs": None if self.plain else dict(self.chat_template_kwargs),
            "prompt_format": self.prompt_format,
            "plain_separator": self.plain_separator if self.plain else None,
        }

    def _messages(
        self,
        user_input: str,
        reply: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> list[dict[str, str]]:
        persona = render_persona(self.persona_template, metadata)
        system = self.system_prompt
        if persona and self.persona_placement == "system":
            system = f"{system}\n\n{persona}" if system else persona
        elif persona:
            user_input = f"{persona}\n\n{user_input}"
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": user_input})
        if reply is not None:
            messages.append({"role": "assistant", "content": reply})
        return messages

    def template_variables(self) -> dict[str, Any]:
        """The variables the chat template is rendered with: ``chat_template_kwargs``, and
        ``enable_thinking`` for a template with a reasoning block (Qwen3's switch)."""
        kwargs = dict(self.chat_template_kwargs)
        if self.reasons:
            kwargs.setdefault("enable_thinking", self.reasoning == "think")  # Qwen3's switch
        return kwargs

    def _close_reasoning(self, prompt: str) -> str:
        """In ``skip`` mode, end the prompt in an empty closed think block (R1-Distill opens one)."""
        if not self.reasons or self.reasoning != "skip" or prompt.endswith(EMPTY_THINK):
            return prompt
        if prompt.endswith("<think>\n"):
            return prompt + "\n</think>\n\n"
        return prompt + EMPTY_THINK

    def _plain_prompt(self, user_input: str, metadata: Mapping[str, Any] | None) -> str:
        persona = render_persona(self.persona_template, metadata)
        text = f"{persona}\n\n{user_input}" if persona else user_input
        return self._bos_text + text + self.plain_separator

    @functools.cached_property
    def _bos_text(self) -> str:
        """The start token the tokenizer itself adds (Llama's ``<|begin_of_text|>``), else ''.

        Prompts are tokenized without special tokens, as a chat template writes its own.
        """
        ids = self.tokenizer("a")["input_ids"]
        adds = len(ids) > 1 and ids[0] == self.tokenizer.bos_token_id
        return self.tokenizer.bos_token if adds else ""

    def prompt(self, user_input: str, metadata: Mapping[str, Any] | None = None) -> str:
        """The prompt text, ending where the assistant's reply begins.

        Args:
            user_input: The client's message.
            metadata: The example's persona metadata, for ``persona_template``.
        """
        if self.plain:
            return self._plain_prompt(user_input, metadata)
        text = self.tokenizer.apply_chat_template(
            self._messages(user_input, metadata=metadata),
            tokenize=False,
            add_generation_prompt=True,
            **self.template_variables(),
        )
        return self._close_reasoning(text)

    def completion(
        self, user_input: str, reply: str, metadata: Mapping[str, Any] | None = None
    ) -> str:
        """The text the model should produce after the prompt: the reply and its end-of-turn marker."""
        if self.plain:
            return reply + self.tokenizer.eos_token
        prompt = self.prompt(user_input, metadata)
        full = self.tokenizer.apply_chat_template(
            self._messages(user_input, reply, metadata), tokenize=False, **self.template_variables()
        )
        if full.startswith(prompt):
            # Keep the end-of-turn token, drop the template's trailing newline after it.
            return full[len(prompt) :].rstrip("\n")
        # Templates that rewrite earlier turns (R1-Distill drops reasoning) do not extend the prompt.
        if prompt.endswith("<think>\n"):
            # think mode: the references carry no reasoning, so the target closes the block empty.
            return "\n</think>\n\n" + reply + self.tokenizer.eos_token
        return reply + self.tokenizer.eos_token

    def encode(
        self,
        user_input: str,
        reply: str,
        max_length: int,
        metadata: Mapping[str, Any] | None = None,
        max_target_tokens: int | None = None,
    ) -> dict[str, Any] | None:
        """Token ids and labels; prompt positions are masked with -100 so only the reply is learned.

        Returns ``None`` when the prompt alone fills ``max_length`` (nothing left to learn).
        The reply (with its end-of-turn marker) is cut to ``max_target_tokens`` if given, then
        the sequence on the right to ``max_length``. ``reply_tokens`` is the reply's length
        before either cut (:mod:`tide_exp.data.reply_budget` reads it).
        """
        prompt_ids = self.tokenizer(self.prompt(user_input, metadata), add_special_tokens=False)[
            "input_ids"
        ]
        completion_ids = self.tokenizer(
            self.completion(user_input, reply, metadata), add_special_tokens=False
        )["input_ids"]
        if len(prompt_ids) >= max_length:
            return None
        reply_tokens = len(completion_ids)
        completion_ids = completion_ids[:max_target_tokens]  # [:None] keeps all
        input_ids = (prompt_ids + completion_ids)[:max_length]
        labels = ([IGNORE_INDEX] * len(prompt_ids) + completion_ids)[:max_length]
        return {"input_ids": input_ids, "labels": labels, "reply_tokens": reply_tokens}


def collate_right_padded(features: list[dict[str, list[int]]], pad_token_id: int) -> dict[str, Any]:
    """Pad a batch on the right. Labels of padding come from the attention mask, not the pad id,
    because pad often equals eos and the reply's own eos must stay in the loss. Features with a
    ``dialogue`` number (validation) pass it on as a tensor of its own."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    input_ids = torch.full((len(features), width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(features), width), dtype=torch.long)
    labels = torch.full((len(features), width), IGNORE_INDEX, dtype=torch.long)
    for row, feature in enumerate(features):
        n = len(feature["input_ids"])
        input_ids[row, :n] = torch.tensor(feature["input_ids"])
        attention_mask[row, :n] = 1
        labels[row, :n] = torch.tensor(feature["labels"])
    labels[attention_mask == 0] = IGNORE_INDEX
    batch = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
    if "dialogue" in features[0]:  # validation: each row's dialogue (not a model input)
        batch["dialogue"] = torch.tensor([f["dialogue"] for f in features], dtype=torch.long)
    return batch
