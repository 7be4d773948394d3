import json

import pytest

from tide_exp.data.chat_corpus import load_chat_corpus
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.multiturn import prompt_text
from tide_exp.data.sources import detect_source
from tide_exp.errors import BadRecordError

OPENAI = {
    "id": "conv1",
    "category": "anxiety",
    "messages": [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "I can't sleep."},
        {"role": "assistant", "content": "That sounds hard. What keeps you up?"},
        {"role": "user", "content": "Nightmares about the fire."},
        {"role": "assistant", "content": "Nightmares after a fire are common. You are safe here."},
    ],
}
SHAREGPT = {
    "conversations": [
        {"from": "human", "value": "My dad shouts a lot."},
        {"from": "gpt", "value": "That must feel frightening at home."},
    ]
}


def _write(tmp_path, *records, name="chats.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_openai_and_sharegpt_records_become_pairs(tmp_path):
    path = _write(tmp_path, OPENAI, SHAREGPT)
    examples = load_chat_corpus(path)
    assert [(e.example_id, e.persona_id, e.user_input) for e in examples] == [
        ("conv1-t01", "conv1", "I can't sleep."),
        ("conv1-t03", "conv1", "Nightmares about the fire."),
        ("chats-2-t01", "chats-2", "My dad shouts a lot."),
    ]
    last = load_chat_corpus(path, targets="last", history_turns=None)  # one row per target reply
    assert [(e.example_id, len(e.history)) for e in last] == [("conv1-t03", 2), ("chats-2-t01", 0)]
    assert examples[0].theme == "anxiety" and all(e.history == () for e in examples)
    # The conversation's system turn is kept as its system prompt, not as a turn of the history.
    assert [e.system_prompt for e in examples] == ["Be kind.", "Be kind.", ""]
    assert detect_source(path) == "chat_corpus"
    assert (
        load_chat_corpus(path, style="sharegpt", on_error="skip")
        .skipped[0]
        .reason.startswith("no 'conversations' list")
    )


def test_history_rides_along_and_is_rendered_as_turns(tmp_path, tiny_chat):
    examples = load_chat_corpus(_write(tmp_path, OPENAI), history_turns=None)
    assert examples[1].history == (
        ("user", "I can't sleep."),
        ("assistant", "That sounds hard. What keeps you up?"),
    )
    assert prompt_text(tiny_chat, examples[1]) == (
        "<|im_start|>system\nBe kind.<|im_end|>\n"
        "<|im_start|>user\nI can't sleep.<|im_end|>\n"
        "<|im_start|>assistant\nThat sounds hard. What keeps you up?<|im_end|>\n"
        "<|im_start|>user\nNightmares about the fire.<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert load_chat_corpus(_write(tmp_path, OPENAI), history_turns=1)[1].history == (
        ("assistant", "That sounds hard. What keeps you up?"),
    )


def test_datamodule_keeps_the_history_that_fits_max_length(tmp_path, tiny_chat):
    long_turns = [
        {"role": r, "content": f"turn {i} " + "words " * 12}
        for i, r in enumerate(["user", "assistant"] * 3)
    ]
    records = [
        {
            "id": f"c{k}",
            "messages": [
                *long_turns,
                {"role": "user", "content": "Now?"},
                {"role": "assistant", "content": "Yes."},
            ],
        }
        for k in range(4)
    ]
    source = lambda: load_chat_corpus(_write(tmp_path, *records), history_turns=None)  # noqa: E731
    for max_length, kept in (
        (400, 6),
        (300, 4),
        (200, 2),
        (100, 0),
    ):  # 21, 147, 273, 399 tokens needed
        dm = DialogueDataModule(
            source, tiny_chat, max_length=max_length, eval_fraction=0.5, split_by="persona"
        )
        dm.setup()
        example = next(e for e in dm.eval_examples if e.reference_response == "Yes.")
        assert len(example.history) == kept
        assert example.user_input == "Now?" and example.history == tuple(
            (m["role"], m["content"].strip()) for m in long_turns[6 - kept :]
        )
        subset = {e.example_id: dm.prompt(e) for e in dm.eval_subset(None)}
        # Generation sees the prompt training saw: the same turns, rendered the same way.
        assert subset[example.example_id] == prompt_text(tiny_chat, example)
        assert subset[example.example_id].count("<|im_start|>user") == kept // 2 + 1


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"messages": [{"role": "user", "content": "hi"}]},
            "no user turn followed by an assistant turn",
        ),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, r"messages\[0\] has role 'wizard'"),
        ({"messages": [{"role": "user", "content": 3}]}, r"messages\[0\].content is a int"),
        ({"messages": "hi"}, "'messages' is a str, not a list"),
        ({"text": "hi"}, r"no 'messages' or 'conversations' list \(keys found: text\)"),
        (
            {"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": "x"}]},
            "turn 0 is empty",
        ),
    ],
)
def test_bad_chat_records_name_line_and_problem(tmp_path, record, message):
    path = _write(tmp_path, OPENAI, record)
    with pytest.raises(BadRecordError, match=r"chats\.jsonl:2: " + message):
        load_chat_corpus(path)
    corpus = load_chat_corpus(path, on_error="skip")
    assert len(corpus) == 2 and len(corpus.skipped) == 1
