import json

import pytest
from data_fixtures import DIALOGUES, METADATA, TIDE_SHAPES, write_tide_folder

from tide_exp.data.records import write_skip_report
from tide_exp.data.sources import detect_source, load_corpus
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import BadRecordError, DataError, DataSchemaError


@pytest.mark.parametrize("shape", TIDE_SHAPES)
def test_every_accepted_shape_loads_the_same_dialogues_with_metadata(tmp_path, shape):
    examples = load_tide_folder(write_tide_folder(tmp_path, shape))
    assert [(e.user_input, e.reference_response) for e in examples] == [
        p for pairs in DIALOGUES.values() for p in pairs
    ]
    by_persona = {}
    for e in examples:
        by_persona.setdefault(e.persona_id, []).append(e)
    assert len(by_persona) == 2 and all(len(v) == 2 for v in by_persona.values())
    assert sorted(e.metadata["age"] for e in examples) == [
        34,
        34,
        61,
        61,
    ]  # metadata travels with each example
    assert len({e.example_id for e in examples}) == 4
    assert detect_source(tmp_path) == "tide_folder" and load_corpus(tmp_path) == examples


def test_sample_shape_keeps_persona_ids_and_ids_stable(tmp_path):
    examples = load_tide_folder(write_tide_folder(tmp_path, "sample"))
    assert [e.example_id for e in examples] == ["1-d00", "1-d01", "2-d00", "2-d01"]
    assert examples[0].metadata == METADATA["1"] and examples[0].theme == "panic"


def test_unknown_schema_names_the_file_and_keys_found(tmp_path):
    (tmp_path / "conversations").mkdir()
    (tmp_path / "conversations" / "9_conversation.json").write_text(
        json.dumps({"persona": "9", "notes": "x"})
    )
    with pytest.raises(
        DataSchemaError,
        match=r"9_conversation\.json: no dialogues found \(top-level keys: notes, persona\)",
    ):
        load_tide_folder(tmp_path)


def test_dialogue_without_known_fields_lists_its_keys(tmp_path):
    (tmp_path / "1_conversation.json").write_text(
        json.dumps([{"speaker_a": "hi", "speaker_b": "hello"}])
    )
    with pytest.raises(
        BadRecordError,
        match=r"1_conversation\.json: dialogue 0: no message field \(tried person, client, user_input, user; keys found: speaker_a, speaker_b\)",
    ):
        load_tide_folder(tmp_path)
    assert (
        load_tide_folder(tmp_path, user_field="speaker_a", reply_field="speaker_b")[
            0
        ].reference_response
        == "hello"
    )


def test_missing_folder_says_so(tmp_path):
    with pytest.raises(DataError, match="no conversations/.*the folder does not exist"):
        load_tide_folder(tmp_path / "nope")


def test_skip_mode_reports_every_bad_dialogue_and_file(tmp_path):
    write_tide_folder(tmp_path, "sample")
    bad = {
        "persona_id": "3",
        "dialogues": [
            {"user_input": "", "reference_response": "x"},
            {"user_input": 5, "reference_response": "y"},
            "oops",
            {"user_input": "fine", "reference_response": "fine too"},
        ],
    }
    (tmp_path / "conversations" / "3_conversation.json").write_text(json.dumps(bad))
    (tmp_path / "conversations" / "4_conversation.json").write_text('{"dialogues": [')
    with pytest.raises(
        BadRecordError, match=r"3_conversation\.json: dialogue 0: field 'user_input' is empty"
    ):
        load_tide_folder(tmp_path)
    report = tmp_path / "skipped.jsonl"
    corpus = load_tide_folder(tmp_path, on_error="skip", skip_report=str(report))
    assert len(corpus) == 5 and corpus[-1].persona_id == "3"
    reasons = [(s.where, s.reason.split(" (")[0]) for s in corpus.skipped]
    assert reasons == [
        ("dialogue 0", "field 'user_input' is empty; set data.source.user_field / reply_field"),
        ("dialogue 1", "field 'user_input' is not a string"),
        ("dialogue 2", "expected an object or two turns, got str"),
        ("1:16", "malformed JSON"),
    ]
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert [
        (r["where"], r["source"].endswith(("3_conversation.json", "4_conversation.json")))
        for r in lines
    ] == [("dialogue 0", True), ("dialogue 1", True), ("dialogue 2", True), ("1:16", True)]
    write_skip_report(tmp_path / "again.jsonl", corpus.skipped)
    assert (tmp_path / "again.jsonl").read_bytes() == report.read_bytes()


def test_duplicates_and_over_long_texts_are_bad_data(tmp_path):
    dialogues = [
        {"user_input": "a", "reference_response": "b"},
        {"user_input": "a", "reference_response": "b"},
    ]
    (tmp_path / "5_conversation.json").write_text(json.dumps(dialogues))
    with pytest.raises(
        BadRecordError,
        match=r"dialogue 1: duplicate row: same persona, message and reply as .*dialogue 0",
    ):
        load_tide_folder(tmp_path)
    assert len(load_tide_folder(tmp_path, duplicates="keep")) == 2
    (tmp_path / "5_conversation.json").write_text(
        json.dumps([{"user_input": "a" * 50, "reference_response": "b"}])
    )
    with pytest.raises(
        BadRecordError, match=r"field 'user_input' is over-long \(50 characters, max_chars=10\)"
    ):
        load_tide_folder(tmp_path, max_chars=10)


def test_invalid_utf8_names_the_file(tmp_path):
    (tmp_path / "6_conversation.json").write_bytes(
        b'[{"user_input": "caf\xe9", "reference_response": "ok"}]'
    )
    with pytest.raises(
        BadRecordError,
        match=r"6_conversation\.json: whole file: not valid UTF-8 at line 1 \(byte 20 of the file\)",
    ):
        load_tide_folder(tmp_path)


@pytest.mark.parametrize("kind", ["conversation", "metadata"])
def test_a_file_named_for_one_persona_that_declares_another_is_named(tmp_path, kind):
    """Issue 31: p2's conversation file declaring p1 was merged into p1 silently; a metadata
    file declaring another persona gave its demographics to the wrong one."""

    root = write_tide_folder(tmp_path / "d", "sample")
    first, second = sorted(DIALOGUES)[:2]
    path = (
        root / ("conversations" if kind == "conversation" else "metadata") / f"{second}_{kind}.json"
    )
    data = json.loads(path.read_text())
    data["persona_id"] = first if kind == "conversation" else "someone_else"
    path.write_text(json.dumps(data))
    declared = first if kind == "conversation" else "someone_else"
    with pytest.raises(
        DataError, match=rf"{second}_{kind}\.json.*declares persona_id '{declared}'"
    ):
        load_tide_folder(root)
    corpus = load_tide_folder(root, on_error="skip")
    assert second not in {e.persona_id for e in corpus} and len(corpus.skipped) == 1
    assert f"persona {second!r}" in corpus.skipped[0].reason or second in corpus.skipped[0].reason
