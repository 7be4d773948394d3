import pytest

from tide_exp.data.chat import IGNORE_INDEX, ChatFormatter, collate_right_padded


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


def test_tokenizer_without_chat_template_is_refused(tiny_model):
    bare = tiny_model.tokenizer.__class__(tokenizer_object=tiny_model.tokenizer.backend_tokenizer)
    with pytest.raises(ValueError, match="no chat template"):
        ChatFormatter(bare)


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
