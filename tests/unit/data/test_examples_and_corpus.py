import json
from collections import Counter

import pytest

from tide_exp.data.examples import split_examples
from tide_exp.data.sample_corpus import SAMPLE_DIR, generate_corpus
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import DataError

THEMES = {
    "panic",
    "grief_anger",
    "depression",
    "abuse_memory",
    "noise_social_anxiety",
    "substance_use",
}


def test_sample_corpus_is_tide_shaped_and_covers_the_study_themes():
    examples = load_tide_folder()
    assert len(examples) == 40 * 20
    assert Counter(e.persona_id for e in examples) == {f"p{i:04d}": 20 for i in range(40)}
    assert {e.theme for e in examples} == THEMES
    assert examples[0].metadata["synthetic"] is True and "age" in examples[0].metadata
    assert len({e.example_id for e in examples}) == len(examples)


def test_shipped_sample_corpus_is_what_the_generator_writes(tmp_path):
    generate_corpus(tmp_path)
    shipped = sorted(p.relative_to(SAMPLE_DIR) for p in SAMPLE_DIR.rglob("*.json"))
    assert shipped == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    for rel in shipped:
        assert (tmp_path / rel).read_bytes() == (SAMPLE_DIR / rel).read_bytes(), rel


def test_persona_split_is_seeded_and_disjoint():
    examples = load_tide_folder()
    train, held = split_examples(examples, eval_fraction=0.2, by="persona", seed=1)
    assert not {e.persona_id for e in train} & {e.persona_id for e in held}
    assert len(held) == 8 * 20 and len(train) + len(held) == len(examples)
    again, _ = split_examples(examples, eval_fraction=0.2, by="persona", seed=1)
    other, _ = split_examples(examples, eval_fraction=0.2, by="persona", seed=2)
    assert [e.example_id for e in again] == [e.example_id for e in train]
    assert [e.example_id for e in other] != [e.example_id for e in train]


def test_sample_split_by_example():
    train, held = split_examples(load_tide_folder(), eval_fraction=0.25, by="sample", seed=0)
    assert len(held) == 200 and not {e.example_id for e in train} & {e.example_id for e in held}


def _write_folder(root, conversation_text):
    (root / "conversations").mkdir(parents=True)
    (root / "conversations" / "7_conversation.json").write_text(conversation_text, encoding="utf-8")
    return root


def test_malformed_json_names_file_and_line(tmp_path):
    _write_folder(tmp_path, '{"persona_id": "7",\n "dialogues": [}')
    with pytest.raises(DataError, match=r"7_conversation\.json:2:\d+: malformed JSON"):
        load_tide_folder(tmp_path)


def test_missing_field_names_the_keys_found(tmp_path):
    _write_folder(
        tmp_path,
        json.dumps({"persona_id": "7", "dialogues": [{"client": "hi", "chatbot": "hello"}]}),
    )
    with pytest.raises(
        DataError,
        match=r"dialogue 0: field 'user_input' is missing \(keys found: chatbot, client\)",
    ):
        load_tide_folder(tmp_path, user_field="user_input", reply_field="reference_response")
    examples = load_tide_folder(tmp_path)  # client / chatbot are detected
    assert examples[0].user_input == "hi" and examples[0].persona_id == "7"
    assert load_tide_folder(tmp_path, user_field="client", reply_field="chatbot") == examples


def test_empty_folder_says_what_is_expected(tmp_path):
    with pytest.raises(DataError, match="no conversations/"):
        load_tide_folder(tmp_path)
