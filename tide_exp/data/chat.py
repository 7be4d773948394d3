"""Format dialogues with the model's chat template and build masked training features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

IGNORE_INDEX = -100


@dataclass
class ChatFormatter:
    """Turns a client message into the model's prompt, and (message, reply) into training ids.

    Attributes:
        tokenizer: The model's tokenizer; it must carry a chat template.
        system_prompt: Optional system message. Llama 3.2 and Granite put today's date in their
            default system block, so prompts change from day to day unless one is given.
        chat_template_kwargs: Extra variables for the template (``date_string`` for Llama 3.2).
    """

    tokenizer: PreTrainedTokenizerBase
    system_prompt: str | None = None
    chat_template_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(
                f"the tokenizer of {self.tokenizer.name_or_path or 'this model'} has no chat template; "
                "use an instruction-tuned checkpoint or set tokenizer.chat_template"
            )

    def _messages(self, user_input: str, reply: str | None = None) -> list[dict[str, str]]:
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages.append({"role": "user", "content": user_input})
        if reply is not None:
            messages.append({"role": "assistant", "content": reply})
        return messages

    def prompt(self, user_input: str) -> str:
        """The prompt text, ending where the assistant's reply begins."""
        return self.tokenizer.apply_chat_template(
            self._messages(user_input),
            tokenize=False,
            add_generation_prompt=True,
            **dict(self.chat_template_kwargs),
        )

    def completion(self, user_input: str, reply: str) -> str:
        """The text the model should produce after the prompt: the reply and its end-of-turn marker."""
        prompt = self.prompt(user_input)
        full = self.tokenizer.apply_chat_template(
            self._messages(user_input, reply), tokenize=False, **dict(self.chat_template_kwargs)
        )
        if full.startswith(prompt):
            # Keep the end-of-turn token, drop the template's trailing newline after it.
            return full[len(prompt) :].rstrip("\n")
        # Templates that rewrite earlier turns (R1-Distill drops reasoning) do not extend the prompt.
        return reply + self.tokenizer.eos_token

    def encode(self, user_input: str, reply: str, max_length: int) -> dict[str, list[int]] | None:
        """Token ids and labels; prompt positions are masked with -100 so only the reply is learned.

        Returns ``None`` when the prompt alone fills ``max_length`` (nothing left to learn).
        The sequence is truncated on the right to ``max_length``.
        """
        prompt_ids = self.tokenizer(self.prompt(user_input), add_special_tokens=False)["input_ids"]
        completion_ids = self.tokenizer(
            self.completion(user_input, reply), add_special_tokens=False
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
