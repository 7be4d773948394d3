"""Multi-turn examples through the model's chat template: real turns, masked labels, oldest turns cut.

An example with earlier turns (``DialogueExample.history``) or its own system prompt
(``DialogueExample.system_prompt``) is rendered as the conversation it is, the way TRL,
LLaMA-Factory and axolotl do: ``[system], user, assistant, ..., user, assistant`` through
``tokenizer.apply_chat_template``, never flattened into one user message. The prompt of the
final reply is what generation sees too (:func:`prompt_text`).

Labels: every token is masked (``-100``) except the assistant replies that are learned:

- ``loss_on="final"`` (default): the final reply and its end-of-turn marker;
- ``loss_on="all_assistant"``: every assistant turn kept in the context as well.

The spans come from rendering the conversation up to each learned reply with
``add_generation_prompt=True`` (where the reply starts) and with the reply (where it ends),
so whatever the template puts between turns (role headers, separators, a default system
block) is masked. When the conversation does not fit ``max_length`` tokens, whole turns are
dropped from the oldest on (the system prompt stays) and a cut context starts with a user turn;
only a final exchange that alone is too long is cut on the right.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from jinja2 import TemplateError

from tide_exp.data.chat import IGNORE_INDEX, ChatFormatter
from tide_exp.data.examples import DialogueExample
from tide_exp.errors import ConfigError, DataError, check_choice

LOSS_ON = ("final", "all_assistant")

Messages = list[dict[str, str]]


def is_multiturn(example: DialogueExample) -> bool:
    """Whether ``example`` needs a conversation of its own (earlier turns or a system prompt)."""
    return bool(example.history or example.system_prompt)


def example_messages(
    chat: ChatFormatter,
    example: DialogueExample,
    history: tuple[tuple[str, str], ...] | None = None,
    with_reply: bool = True,
) -> Messages:
    """The example's conversation: its own system prompt (else the config's), history, message, reply."""
    system = example.system_prompt or chat.system_prompt
    messages = [{"role": "system", "content": system}] if system else []
    turns = example.history if history is None else history
    messages += [{"role": role, "content": text} for role, text in turns]
    messages.append({"role": "user", "content": example.user_input})
    if with_reply:
        messages.append({"role": "assistant", "content": example.reference_response})
    return messages


def _render(chat: ChatFormatter, messages: Messages, generation_prompt: bool) -> str:
    try:
        return chat.tokenizer.apply_chat_template(
            messages,
            tokenize=False,
            add_generation_prompt=generation_prompt,
            **dict(chat.chat_template_kwargs),
        )
    except TemplateError as err:
        roles = "/".join(m["role"] for m in messages)
        raise DataError(
            f"the chat template of {chat.tokenizer.name_or_path or 'this model'} refuses a "
            f"{roles} conversation ({err}); drop the system turns or pick a model whose template "
            "takes them."
        ) from None


def check_plain(chat: ChatFormatter, example: DialogueExample) -> None:
    """Refuse a conversation (history or its own system turn) in the ``plain`` prompt format."""
    if chat.plain and is_multiturn(example):
        raise ConfigError(
            f"model.chat.prompt_format=plain takes two-turn examples, but {example.example_id} "
            "has earlier turns or a system turn; set data.source.history_turns=0 or use "
            "model.chat.prompt_format=chat."
        )


def prompt_text(chat: ChatFormatter, example: DialogueExample) -> str:
    """The prompt of the example's final reply, ending where the reply begins."""
    if not is_multiturn(example):
        return chat.prompt(example.user_input, example.metadata)  # persona context, if any
    check_plain(chat, example)
    return _render(chat, example_messages(chat, example, with_reply=False), True)


def _segments(chat: ChatFormatter, messages: Messages, loss_on: str) -> list[tuple[str, bool]]:
    """``(text, learned)`` pieces of the templated conversation, in order."""
    replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    learned = replies if loss_on == "all_assistant" else replies[-1:]
    segments: list[tuple[str, bool]] = []
    done = ""
    for index in learned:
        prompt = _render(chat, messages[:index], True)
        full = _render(chat, messages[: index + 1], False)
        if not prompt.startswith(done):
            raise ConfigError(
                f"the chat template of {chat.tokenizer.name_or_path or 'this model'} renders "
                "earlier assistant turns differently from how it prompts them, so their tokens "
                "cannot be located; set data.loss_on=final."
            )
        if full.startswith(prompt):
            # Keep the end-of-turn token, leave the template's trailing newline to the next span.
            reply = full[len(prompt) :].rstrip("\n")
        else:  # templates that rewrite the final turn (R1-Distill drops reasoning)
            reply = messages[index]["content"] + chat.tokenizer.eos_token
        segments += [(prompt[len(done) :], False), (reply, True)]
        done = prompt + reply
    return [(text, learn) for text, learn in segments if text]


def encode_messages(
    chat: ChatFormatter,
    messages: Messages,
    loss_on: str = "final",
    max_target_tokens: int | None = None,
) -> dict:
    """Token ids and labels of a whole conversation; see the module docstring.

    Each learned reply is cut to ``max_target_tokens`` (``None``: whole); ``reply_tokens`` is
    the final reply's length before the cut.
    """
    check_choice("data.loss_on", loss_on, LOSS_ON)
    input_ids: list[int] = []
    labels: list[int] = []
    reply_tokens = 0
    for text, learn in _segments(chat, messages, loss_on):
        ids = chat.tokenizer(text, add_special_tokens=False)["input_ids"]
        if learn:
            reply_tokens = len(ids)
            ids = ids[:max_target_tokens]
        input_ids += ids
        labels += ids if learn else [IGNORE_INDEX] * len(ids)
    return {"input_ids": input_ids, "labels": labels, "reply_tokens": reply_tokens}


def encode_example(
    chat: ChatFormatter,
    example: DialogueExample,
    max_length: int,
    loss_on: str = "final",
    max_target_tokens: int | None = None,
) -> tuple[DialogueExample, dict[str, Any] | None]:
    """The example with the longest history that fits ``max_length``, and its features.

    Whole turns go from the oldest on; a context this cuts starts with a user turn.
    Without any history, a too-long reply is cut on the right; ``None`` features when the
    prompt alone fills ``max_length``. Learned replies are first cut to ``max_target_tokens``.
    """
    check_plain(chat, example)
    history = example.history
    # Where a kept context may start: the whole history, or any later user turn.
    starts = sorted(
        {0, len(history)} | {i for i, (role, _) in enumerate(history) if role == "user"}
    )

    def encoded(start: int) -> dict[str, Any]:
        messages = example_messages(chat, example, history[start:])
        return encode_messages(chat, messages, loss_on, max_target_tokens)

    low, high = 0, len(starts) - 1  # the first start index (most history) whose encoding fits
    while low < high:
        middle = (low + high) // 2
        if len(encoded(starts[middle])["input_ids"]) <= max_length:
            high = middle
        else:
            low = middle + 1
    kept = history[starts[low] :]
    feature = encoded(starts[low])
    fitted = example if kept == history else dataclasses.replace(example, history=tuple(kept))
    if len(feature["input_ids"]) > max_length:
        first_label = next(
            (i for i, label in enumerate(feature["labels"]) if label != IGNORE_INDEX), None
        )
        if first_label is None or first_label >= max_length:
            return fitted, None
        feature = {
            "input_ids": feature["input_ids"][:max_length],
            "labels": feature["labels"][:max_length],
            "reply_tokens": feature["reply_tokens"],
        }
    return fitted, feature


def encode_for_training(
    chat: ChatFormatter,
    example: DialogueExample,
    max_length: int,
    loss_on: str = "final",
    max_target_tokens: int | None = None,
) -> dict[str, Any] | None:
    """Training features of any example, as the DataModule builds them (``None``: prompt too long)."""
    if is_multiturn(example):
        return encode_example(chat, example, max_length, loss_on, max_target_tokens)[1]
    return chat.encode(
        example.user_input,
        example.reference_response,
        max_length,
        example.metadata,
        max_target_tokens,
    )
