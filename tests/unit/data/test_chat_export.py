"""The exported chat template gives the run's prompt for every shipped model's template shape."""

from __future__ import annotations

import copy

import pytest
from model_templates import TEMPLATES
from test_reasoning_mode import QWEN3_TEMPLATE

from tests.tiny_models import R1_TEMPLATE
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.chat_export import PROBE_MESSAGES, baked_chat_template, template_mismatch

SYSTEM = 'Reply with empathy in at most three sentences. Say "I hear you" first.\nÇa va.'
SHAPES = {
    **{slug: t for slug, t in TEMPLATES.items() if t is not None},
    "qwen3": QWEN3_TEMPLATE,
    "r1_generation_prompt": R1_TEMPLATE,
}
SETTINGS = [
    {},
    {"system_prompt": SYSTEM},
    {"system_prompt": SYSTEM, "chat_template_kwargs": {"date_string": "01 Jan 2026"}},
    {"reasoning": "think"},
]


@pytest.fixture
def formatter(tiny_model):
    def make(template: str | None, **settings) -> ChatFormatter:
        tok = copy.deepcopy(tiny_model.tokenizer)
        if template is not None:
            tok.chat_template = template
        return ChatFormatter(tok, **settings)

    return make


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "+".join(s) or "defaults")
@pytest.mark.parametrize("shape", sorted(SHAPES) + ["smollm2_135m"])
def test_the_baked_template_gives_the_runs_prompt(formatter, shape, settings):
    chat = formatter(SHAPES.get(shape), **settings)
    baked = baked_chat_template(chat)
    assert template_mismatch(chat, baked) is None
    tok = copy.deepcopy(chat.tokenizer)
    tok.chat_template = baked
    for message in PROBE_MESSAGES:
        got = tok.apply_chat_template(
            [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
        )
        assert got == chat.prompt(message)
        if settings.get("system_prompt") and "system" in chat.tokenizer.chat_template:
            assert SYSTEM in got  # the run's, not the checkpoint's default system prompt
    if settings.get("system_prompt"):
        # A caller's own system message still wins over the run's default.
        mine = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
        text = tok.apply_chat_template(mine, tokenize=False, add_generation_prompt=True)
        assert SYSTEM not in text


def test_the_check_names_a_template_that_differs(formatter):
    chat = formatter(SHAPES["qwen2_5_0_5b"], system_prompt=SYSTEM)
    problem = template_mismatch(chat, chat.tokenizer.chat_template)  # the checkpoint's own
    assert problem is not None and "You are Qwen" in problem
    assert chat.tokenizer.chat_template == SHAPES["qwen2_5_0_5b"]  # left as it was


def test_plain_prompts_use_no_template(formatter):
    assert baked_chat_template(formatter(None, prompt_format="plain")) is None
