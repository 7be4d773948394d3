"""The run's chat settings as the defaults of a chat template: what an exported model carries.

A run formats every prompt with :class:`~tide_exp.data.chat.ChatFormatter`: the model's chat
template, plus the run's system prompt, template variables (Llama 3.2's ``date_string``,
Qwen3's ``enable_thinking``) and reasoning mode (``skip``: an empty closed think block after
the generation prompt). A model saved with the checkpoint's own template would be prompted
otherwise (SmolLM2's opens with "You are a helpful AI assistant named SmolLM"). The template
:func:`baked_chat_template` writes keeps the checkpoint's template whole and wraps it: before
it, each variable the run set becomes a default (``{% if date_string is not defined %}``) and
a conversation that does not open with a system message gets the run's; after it, in ``skip``
mode, the generation prompt is closed as the run closed it. So

``tokenizer.apply_chat_template([{"role": "user", "content": m}], add_generation_prompt=True)``

gives the run's prompt for ``m`` exactly (:func:`template_mismatch` checks it), and a caller's
own system message or variables still win. What no default can carry: the per-example persona
block (``model.chat.persona_template``) and ``plain`` prompts, which use no template at all;
the model card says how to build those.
"""

from __future__ import annotations

import json
from typing import Any

from tide_exp.data.chat import EMPTY_THINK, ChatFormatter

# Texts a check renders with both templates (an apostrophe, a quote, a line break, non-ASCII).
PROBE_MESSAGES = ("I keep reliving that night.", "She said \"it's fine\"\nbut it isn't. Ça va?")


def _literal(value: Any) -> str:
    """``value`` as a Jinja literal (``none``, ``true``, a string with its escapes, a list...)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_literal, value)) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_literal(str(k))}: {_literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    # Jinja reads a string literal's escapes as Python does (\n, \", \uXXXX from JSON's own).
    return json.dumps(value, ensure_ascii=False)


def baked_chat_template(chat: ChatFormatter) -> str | None:
    """The model's chat template with the run's chat settings as its defaults (module
    docstring); ``None`` for ``plain`` prompts or a tokenizer without a single template."""
    template = getattr(chat.tokenizer, "chat_template", None)
    if chat.plain or not isinstance(template, str):
        return None
    before = [
        f"{{%- if {name} is not defined %}}{{%- set {name} = {_literal(value)} %}}{{%- endif %}}"
        for name, value in chat.template_variables().items()
    ]
    if chat.system_prompt:
        system = _literal({"role": "system", "content": chat.system_prompt})
        before.append(
            "{%- if not messages or messages[0]['role'] != 'system' %}"
            f"{{%- set messages = [{system}] + messages %}}{{%- endif %}}"
        )
    if not (chat.reasons and chat.reasoning == "skip"):
        return "".join(before) + template
    # skip: the rendered prompt ends in an empty closed think block (R1-Distill opens one).
    close = (
        "{{- prompt }}{%- if add_generation_prompt and not prompt.endswith("
        f"{_literal(EMPTY_THINK)}) %}}{{%- if prompt.endswith('<think>\\n') %}}"
        "{{- '\\n</think>\\n\\n' }}{%- else %}"
        f"{{{{- {_literal(EMPTY_THINK)} }}}}{{%- endif %}}{{%- endif %}}"
    )
    return "".join(before) + "{% set prompt %}" + template + "{% endset %}" + close


def template_mismatch(chat: ChatFormatter, template: str) -> str | None:
    """Where ``template`` does not give the run's prompt for a user message (``None``: it does)."""
    original = chat.tokenizer.chat_template
    try:
        chat.tokenizer.chat_template = template
        for message in PROBE_MESSAGES:
            got = chat.tokenizer.apply_chat_template(
                [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
            )
            chat.tokenizer.chat_template = original
            expected = chat.prompt(message)
            chat.tokenizer.chat_template = template
            if got != expected:
                return f"for {message!r} it gives {got!r}, the run {expected!r}"
    finally:
        chat.tokenizer.chat_template = original
    return None
