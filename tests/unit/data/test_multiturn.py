"""Multi-turn examples through real chat templates: labels mask exactly the non-assistant tokens."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tide_exp.data.chat import IGNORE_INDEX, ChatFormatter
from tide_exp.data.examples import DialogueExample
from tide_exp.data.multiturn import encode_example, encode_messages, example_messages, prompt_text
from tide_exp.errors import ConfigError

# Qwen2.5's template in short: a default system block when the conversation has none.
QWEN_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{%- if not (message.role == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
END = "<|im_end|>"


def _example(history=(), system="", message="Nightmares again.", reply="You are safe here."):
    return DialogueExample(
        "c1-t03", "c1", message, reply, history=tuple(history), system_prompt=system
    )


HISTORY = (("user", "I can't sleep."), ("assistant", "That sounds hard. What keeps you up?"))


@pytest.fixture(params=["tiny", "qwen"])
def chat(request, tiny_model):
    tokenizer = copy.deepcopy(tiny_model.tokenizer)
    if request.param == "qwen":
        tokenizer.chat_template = QWEN_TEMPLATE
    return ChatFormatter(tokenizer)


def _learned_spans(chat, feature) -> list[str]:
    """Decoded runs of consecutive learned tokens."""
    spans, current = [], []
    for token, label in zip(feature["input_ids"], feature["labels"], strict=True):
        if label == IGNORE_INDEX:
            if current:
                spans.append(current)
            current = []
        else:
            assert label == token  # a learned position predicts itself
            current.append(token)
    if current:
        spans.append(current)
    return [chat.tokenizer.decode(span) for span in spans]


def _check(chat, messages, loss_on):
    feature = encode_messages(chat, messages, loss_on)
    full = chat.tokenizer.apply_chat_template(messages, tokenize=False)
    # The ids spell the whole templated conversation (bar the trailing newline after the last turn).
    assert chat.tokenizer.decode(feature["input_ids"]) == full.rstrip("\n")
    replies = [m["content"] for m in messages if m["role"] == "assistant"]
    wanted = replies if loss_on == "all_assistant" else replies[-1:]
    # Exactly the assistant replies and their end-of-turn marker are learned; nothing else.
    assert _learned_spans(chat, feature) == [reply + END for reply in wanted]
    return feature


def test_history_renders_as_real_turns_and_only_the_final_reply_is_learned(chat):
    example = _example(HISTORY, system="Be kind.")
    prompt = prompt_text(chat, example)
    assert prompt == chat.tokenizer.apply_chat_template(
        example_messages(chat, example, with_reply=False),
        tokenize=False,
        add_generation_prompt=True,
    )
    assert "<|im_start|>user\nI can't sleep.<|im_end|>" in prompt  # a turn, not "User: ..." text
    assert "User:" not in prompt and prompt.startswith("<|im_start|>system\nBe kind.<|im_end|>")
    _check(chat, example_messages(chat, example), "final")
    _check(chat, example_messages(chat, example), "all_assistant")


def test_conversation_system_prompt_replaces_the_configured_one(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer, system_prompt="Config prompt.")
    assert "Config prompt." in prompt_text(chat, _example(HISTORY))
    own = prompt_text(chat, _example(HISTORY, system="Conversation prompt."))
    assert "Conversation prompt." in own and "Config prompt." not in own


def test_oldest_whole_turns_go_first_and_the_system_prompt_stays(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer)
    history = tuple(
        (role, f"turn {i} " + "words " * 10) for i, role in enumerate(["user", "assistant"] * 3)
    )
    example = _example(history, system="Be kind.")
    lengths = {
        kept: len(
            encode_messages(chat, example_messages(chat, example, history[6 - kept :]))["input_ids"]
        )
        for kept in (0, 2, 4, 6)
    }
    for kept in (6, 4, 2, 0):
        fitted, feature = encode_example(chat, example, lengths[kept], "final")
        assert fitted.history == history[6 - kept :]  # the latest turns, whole, user first
        assert len(feature["input_ids"]) == lengths[kept]
        assert prompt_text(chat, fitted).startswith("<|im_start|>system\nBe kind.")
    # One token short of the bare exchange: the reply is cut on the right, the prompt kept.
    fitted, feature = encode_example(chat, example, lengths[0] - 1, "final")
    assert fitted.history == () and len(feature["input_ids"]) == lengths[0] - 1
    assert encode_example(chat, example, 10, "final")[1] is None  # the prompt alone is too long


def test_all_assistant_needs_a_template_that_keeps_earlier_turns(tiny_model):
    tokenizer = copy.deepcopy(tiny_model.tokenizer)
    # R1-Distill style: the generation prompt opens a block the rendered history does not have.
    tokenizer.chat_template = tokenizer.chat_template.replace(
        "'<|im_start|>assistant\n'", "'<|im_start|>assistant\n<think>\n'"
    )
    chat = ChatFormatter(tokenizer)
    messages = example_messages(chat, _example(HISTORY))
    with pytest.raises(ConfigError, match="data.loss_on=final"):
        encode_messages(chat, messages, "all_assistant")
    feature = encode_messages(chat, messages, "final")  # the final reply still has its span
    assert _learned_spans(chat, feature) == ["You are safe here." + tokenizer.eos_token]
    with pytest.raises(ConfigError, match="data.loss_on"):
        encode_messages(chat, messages, "everything")


TEXT = st.text(alphabet="abcdefg hijk.,?!", min_size=1, max_size=30).map(str.strip).filter(bool)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    exchanges=st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=4),
    system=st.one_of(st.just(""), TEXT),
    loss_on=st.sampled_from(["final", "all_assistant"]),
)
def test_any_conversation_learns_exactly_its_assistant_turns(chat, exchanges, system, loss_on):
    history = tuple(
        t for user, reply in exchanges[:-1] for t in (("user", user), ("assistant", reply))
    )
    example = _example(history, system, *exchanges[-1])
    _check(chat, example_messages(chat, example), loss_on)


def test_datamodule_serves_the_loss_on_choice(tiny_model):
    from tide_exp.data.dialogue_datamodule import DialogueDataModule

    chat = ChatFormatter(tiny_model.tokenizer)
    corpus = [
        DialogueExample(f"c{k}-t03", f"c{k}", "Nightmares again.", "You are safe.", history=HISTORY)
        for k in range(4)
    ]
    learned = {}
    for loss_on in ("final", "all_assistant"):
        dm = DialogueDataModule(lambda: corpus, chat, max_length=256, loss_on=loss_on)
        dm.setup()
        labels = dm._train_features[0]["labels"]
        learned[loss_on] = chat.tokenizer.decode([t for t in labels if t != IGNORE_INDEX])
    assert learned["final"] == "You are safe." + END
    assert learned["all_assistant"] == HISTORY[1][1] + END + "You are safe." + END
    with pytest.raises(ConfigError, match="data.loss_on"):
        DialogueDataModule(lambda: corpus, chat, loss_on="everything")
