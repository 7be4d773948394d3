import pytest

from tide_exp.data.chat import IGNORE_INDEX, ChatFormatter, collate_right_padded
from tide_exp.errors import ConfigError


def test_labels_mask_prompt_and_keep_end_of_turn(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer)
    feature = chat.encode("I froze when he shouted.", "That sounds frightening.", max_length=256)
    prompt_len = len(
        tiny_model.tokenizer(chat.prompt("I froze when he shouted."), add_special_tokens=False)[
            "input_ids"
        ]
    )
    labels = feature["labels"]
    assert labels[:prompt_len] == [IGNORE_INDEX] * prompt_len
    assert labels[prompt_len:] == feature["input_ids"][prompt_len:]
    # The reply ends with the end-of-turn token, which is also the pad token of this tokenizer.
    assert (
        labels[-1]
        == tiny_model.tokenizer.convert_tokens_to_ids("<|im_end|>")
        == tiny_model.tokenizer.pad_token_id
    )
    assert (
        tiny_model.tokenizer.decode(feature["input_ids"][prompt_len:-1])
        == "That sounds frightening."
    )


def test_truncation_and_prompt_too_long(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer)
    feature = chat.encode("I froze.", "word " * 200, max_length=40)
    assert len(feature["input_ids"]) == len(feature["labels"]) == 40
    assert chat.encode("long prompt " * 100, "ok", max_length=40) is None


def test_system_prompt_and_template_kwargs_reach_the_prompt(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer, system_prompt="Be gentle.")
    assert chat.prompt("hi").startswith("<|im_start|>system\nBe gentle.<|im_end|>")
    assert chat.prompt("hi").endswith("<|im_start|>assistant\n")


def _bare(tokenizer):
    """The tiny tokenizer without a chat template, as many base checkpoints ship."""
    return tokenizer.__class__(
        tokenizer_object=tokenizer.backend_tokenizer,
        eos_token=tokenizer.eos_token,
        pad_token=tokenizer.pad_token,
    )


def test_tokenizer_without_chat_template_is_refused_with_the_fix(tiny_model):
    with pytest.raises(ConfigError, match="no chat template.*prompt_format=plain"):
        ChatFormatter(_bare(tiny_model.tokenizer))
    with pytest.raises(ConfigError, match="model.chat.prompt_format must be one of chat, plain"):
        ChatFormatter(tiny_model.tokenizer, prompt_format="raw")


def test_plain_format_is_text_to_continue_in_training_and_prompts(tiny_model):
    tok = _bare(tiny_model.tokenizer)
    chat = ChatFormatter(
        tok, system_prompt="Be gentle.", persona_template="Age: {age}", prompt_format="plain"
    )
    prompt = chat.prompt("I froze.", {"age": 62})
    assert prompt == "Age: 62\n\nI froze.\n"  # no roles, no system prompt, no template
    assert chat.prompt("I froze.") == "I froze.\n"  # a persona without fields: the message only
    feature = chat.encode("I froze.", "That sounds frightening.", 256, {"age": 62})
    n = len(tok(prompt, add_special_tokens=False)["input_ids"])
    assert feature["input_ids"][:n] == tok(prompt, add_special_tokens=False)["input_ids"]
    assert feature["labels"][:n] == [IGNORE_INDEX] * n
    assert tok.decode(feature["labels"][n:]) == "That sounds frightening." + tok.eos_token
    assert chat.describe()["prompt_format"] == "plain" and chat.describe()["reasoning"] is None
    # results.json's "prompt": the unused system prompt and template kwargs are not recorded
    # as if they shaped the prompt (issue 30, item 7); the chat format keeps them.
    assert chat.describe()["system_prompt"] is None
    assert chat.describe()["chat_template_kwargs"] is None
    chat = ChatFormatter(tiny_model.tokenizer, system_prompt="Be gentle.")
    assert chat.describe()["system_prompt"] == "Be gentle."


def test_max_target_tokens_cuts_the_reply_and_reports_its_whole_length(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer)
    whole = chat.encode("I froze.", "word " * 50, max_length=512)
    cut = chat.encode("I froze.", "word " * 50, max_length=512, max_target_tokens=8)
    learned = [label for label in cut["labels"] if label != IGNORE_INDEX]
    assert learned == [label for label in whole["labels"] if label != IGNORE_INDEX][:8]
    assert cut["reply_tokens"] == whole["reply_tokens"] > 8


def test_collate_masks_padding_even_when_pad_equals_eos():
    eos = 2
    features = [
        {"input_ids": [5, 6, 7, eos], "labels": [IGNORE_INDEX, IGNORE_INDEX, 7, eos]},
        {"input_ids": [5, eos], "labels": [IGNORE_INDEX, eos]},
    ]
    batch = collate_right_padded(features, pad_token_id=eos)
    assert batch["input_ids"].tolist() == [[5, 6, 7, eos], [5, eos, eos, eos]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 0, 0]]
    # The real eos of row 2 stays a label; the padding eos after it does not.
    assert batch["labels"].tolist() == [
        [IGNORE_INDEX, IGNORE_INDEX, 7, eos],
        [IGNORE_INDEX, eos, IGNORE_INDEX, IGNORE_INDEX],
    ]
