"""Format dialogues with the model's chat template and build masked training features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

from tide_exp.data.persona import render_persona, template_fields
from tide_exp.errors import ConfigError

IGNORE_INDEX = -100
REASONING_MODES = ("skip", "think")
PERSONA_PLACEMENTS = ("system", "user")
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
    """

    tokenizer: PreTrainedTokenizerBase
    system_prompt: str | None = None
    chat_template_kwargs: Mapping[str, Any] = field(default_factory=dict)
    persona_template: str | None = None
    persona_placement: str = "system"
    reasoning: str = "skip"
    think_max_new_tokens: int = 1024

    def __post_init__(self) -> None:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(
                f"the tokenizer of {self.tokenizer.name_or_path or 'this model'} has no chat template; "
                "use an instruction-tuned checkpoint or set tokenizer.chat_template"
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
    def reasons(self) -> bool:
        """Whether the chat template has a reasoning (``<think>``) block."""
        return "</think>" in str(self.tokenizer.chat_template)

    def max_new_tokens(self, reply_tokens: int) -> int:
        """The generation cap for replies of ``reply_tokens``: plus the reasoning budget when thinking."""
        thinking = self.reasons and self.reasoning == "think"
        return reply_tokens + (self.think_max_new_tokens if thinking else 0)

    def describe(self) -> dict[str, Any]:
        """What results.json records about the prompt: every setting that shapes it, verbatim."""
        return {
            "system_prompt": self.system_prompt,
            "persona_template": self.persona_template,
            "persona_placement": self.persona_placement,
            "reasoning": self.reasoning if self.reasons else None,
            "think_max_new_tokens": self.think_max_new_tokens if self.reasons else None,
            "chat_template_kwargs": dict(self.chat_template_kwargs),
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

    def _template_kwargs(self) -> dict[str, Any]:
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

    def prompt(self, user_input: str, metadata: Mapping[str, Any] | None = None) -> str:
        """The prompt text, ending where the assistant's reply begins.

        Args:
            user_input: The client's message.
            metadata: The example's persona metadata, for ``persona_template``.
        """
        text = self.tokenizer.apply_chat_template(
            self._messages(user_input, metadata=metadata),
            tokenize=False,
            add_generation_prompt=True,
            **self._template_kwargs(),
        )
        return self._close_reasoning(text)

    def completion(
        self, user_input: str, reply: str, metadata: Mapping[str, Any] | None = None
    ) -> str:
        """The text the model should produce after the prompt: the reply and its end-of-turn marker."""
        prompt = self.prompt(user_input, metadata)
        full = self.tokenizer.apply_chat_template(
            self._messages(user_input, reply, metadata), tokenize=False, **self._template_kwargs()
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
    ) -> dict[str, list[int]] | None:
        """Token ids and labels; prompt positions are masked with -100 so only the reply is learned.

        Returns ``None`` when the prompt alone fills ``max_length`` (nothing left to learn).
        The sequence is truncated on the right to ``max_length``.
        """
        prompt_ids = self.tokenizer(self.prompt(user_input, metadata), add_special_tokens=False)[
            "input_ids"
        ]
        completion_ids = self.tokenizer(
            self.completion(user_input, reply, metadata), add_special_tokens=False
        )["input_ids"]
        if len(prompt_ids) >= max_length:
            return None
        input_ids = (prompt_ids + completion_ids)[:max_length]
        labels = ([IGNORE_INDEX] * len(prompt_ids) + completion_ids)[:max_length]
        return {"input_ids": input_ids, "labels": labels}


def collate_right_padded(features: list[dict[str, list[int]]], pad_token_id: int) -> dict[str, Any]:
    """Pad a batch on the right. Labels of padding come from the attention mask, not the pad id,
    because pad often equals eos and the reply's own eos must stay in the loss."""
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
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
