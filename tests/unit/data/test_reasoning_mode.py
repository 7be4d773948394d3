"""Reasoning mode: R1-Distill-style templates get an empty closed think block unless thinking."""

from __future__ import annotations

import copy

import pytest

from tests.tiny_models import R1_TEMPLATE  # the generation-prompt part of R1-Distill's
from tide_exp.data.chat import EMPTY_THINK, ChatFormatter
from tide_exp.errors import ConfigError

# Qwen3's switch: enable_thinking=False writes the empty block itself.
QWEN3_TEMPLATE = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}{% endif %}"
)


@pytest.fixture
def tokenizer_with(tiny_model):
    def make(template: str):
        tok = copy.deepcopy(tiny_model.tokenizer)
        tok.chat_template = template
        return tok

    return make


def test_skip_closes_r1s_open_block_in_prompt_and_training(tokenizer_with):
    chat = ChatFormatter(tokenizer_with(R1_TEMPLATE))
    prompt = chat.prompt("I can't sleep.")
    assert prompt.endswith("<｜Assistant｜><think>\n\n</think>\n\n")
    assert chat.max_new_tokens(64) == 64
    feature = chat.encode("I can't sleep.", "That sounds exhausting.", 256)
    prompt_ids = chat.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert feature["input_ids"][: len(prompt_ids)] == prompt_ids  # the same prompt trains


def test_skip_uses_qwen3s_own_switch_without_doubling(tokenizer_with):
    chat = ChatFormatter(tokenizer_with(QWEN3_TEMPLATE))
    prompt = chat.prompt("hi")
    assert prompt.endswith("<|im_start|>assistant\n" + EMPTY_THINK)
    assert prompt.count("<think>") == 1


def test_think_leaves_the_block_open_and_adds_its_budget(tokenizer_with):
    chat = ChatFormatter(tokenizer_with(R1_TEMPLATE), reasoning="think", think_max_new_tokens=300)
    assert chat.prompt("hi").endswith("<think>\n")
    assert chat.max_new_tokens(64) == 364
    # Training targets close the (empty) reasoning, then the reference reply.
    assert chat.completion("hi", "I hear you.").startswith("\n</think>\n\nI hear you.")
    assert chat.describe()["reasoning"] == "think"


def test_templates_without_reasoning_are_untouched(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer, reasoning="skip")
    assert "<think>" not in chat.prompt("hi")
    assert chat.describe()["reasoning"] is None


def test_unknown_mode_is_a_config_error(tiny_model):
    with pytest.raises(ConfigError, match="model.chat.reasoning"):
        ChatFormatter(tiny_model.tokenizer, reasoning="maybe")
