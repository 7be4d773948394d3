import json

import pytest
from data_fixtures import FLAT_ROWS, write_flat

from tide_exp.data.flat_file import load_flat_file
from tide_exp.data.sources import detect_source
from tide_exp.errors import BadRecordError, DataError

EXPECTED = [
    (r["example_id"], r["persona_id"], r["user_input"], r["reference_response"]) for r in FLAT_ROWS
]


@pytest.mark.parametrize(
    "name", ["rows.jsonl", "rows.json", "rows.csv", "rows.tsv", "rows.parquet"]
)
def test_every_format_loads_the_same_rows(tmp_path, name):
    examples = load_flat_file(write_flat(tmp_path / name))
    assert [
        (e.example_id, e.persona_id, e.user_input, e.reference_response) for e in examples
    ] == EXPECTED
    assert (
        examples[0].theme == "panic" and int(examples[0].metadata["age"]) == 34
    )  # other columns ride along
    assert detect_source(tmp_path / name) == "flat_file"


def test_field_names_are_configurable_and_ids_default_to_lines(tmp_path):
    rows = [{"prompt": r["user_input"], "answer": r["reference_response"]} for r in FLAT_ROWS]
    examples = load_flat_file(
        write_flat(tmp_path / "qa.csv", rows),
        user_field="prompt",
        reply_field="answer",
        persona_field=None,
        id_field=None,
    )
    assert [e.example_id for e in examples] == [
        "qa-2",
        "qa-3",
        "qa-4",
        "qa-5",
    ]  # CSV line numbers (1 is the header)
    assert [e.persona_id for e in examples] == [
        e.example_id for e in examples
    ]  # no personas: each row its own
    assert examples[1].user_input == FLAT_ROWS[1]["user_input"]


def test_json_object_with_a_records_list_and_jsonl_saved_as_json(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"version": 1, "data": FLAT_ROWS}))
    assert len(load_flat_file(tmp_path / "a.json")) == 4
    write_flat(tmp_path / "b.jsonl").rename(tmp_path / "b.json")
    assert len(load_flat_file(tmp_path / "b.json")) == 4


def _jsonl(tmp_path, *lines):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n"
    )
    return path


GOOD = json.dumps(FLAT_ROWS[0])
BAD_LINES = [
    ('{"user_input": "hi", ', r"bad\.jsonl:2: malformed JSON at column \d+"),
    (
        json.dumps({**FLAT_ROWS[1], "reference_response": None}),
        r"bad\.jsonl:2: field 'reference_response' is missing",
    ),
    (
        json.dumps({**FLAT_ROWS[1], "user_input": ["a"]}),
        r"bad\.jsonl:2: field 'user_input' is not a string \(got list\)",
    ),
    (
        json.dumps({**FLAT_ROWS[1], "user_input": "   "}),
        r"bad\.jsonl:2: field 'user_input' is empty",
    ),
    (  # the byte offset is the file's: line 1 and its newline, then 19 bytes into line 2
        b'{"user_input": "caf\xe9"}',
        rf"bad\.jsonl:2: not valid UTF-8 at line 2 \(byte {len(GOOD) + 1 + 19} of the file\)",
    ),
    (GOOD, r"bad\.jsonl:2: duplicate example id 'e0' \(first at .*bad\.jsonl:1\)"),
    (
        json.dumps({**FLAT_ROWS[1], "persona_id": {"x": 1}}),
        r"bad\.jsonl:2: field 'persona_id' is missing or not a string or number",
    ),
    ("[1, 2]", r"bad\.jsonl:2: expected a JSON object, got list"),
]


@pytest.mark.parametrize(
    ("line", "message"), BAD_LINES, ids=[m.split(": ")[1][:28] for _, m in BAD_LINES]
)
def test_bad_rows_stop_with_file_line_and_what_is_wrong(tmp_path, line, message):
    path = _jsonl(tmp_path, GOOD, line, json.dumps(FLAT_ROWS[2]))
    with pytest.raises(BadRecordError, match=message):
        load_flat_file(path)
    corpus = load_flat_file(path, on_error="skip")
    assert [e.example_id for e in corpus] == ["e0", "e2"]
    assert [s.where for s in corpus.skipped] == ["line 2"]


def test_duplicate_rows_under_new_ids_and_over_long_texts(tmp_path):
    path = _jsonl(tmp_path, GOOD, json.dumps({**FLAT_ROWS[0], "example_id": "copy"}))
    with pytest.raises(
        BadRecordError,
        match=r"bad\.jsonl:2: duplicate row: same persona, message and reply as .*bad\.jsonl:1",
    ):
        load_flat_file(path)
    assert len(load_flat_file(path, duplicates="keep")) == 2
    with pytest.raises(BadRecordError, match=r"bad\.jsonl:1: field 'user_input' is over-long"):
        load_flat_file(path, max_chars=10)


def test_malformed_csv_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        'user_input,reference_response,persona_id\nhi,hello,p1\n"a, b",c,p2,extra\n"unclosed,x,p3\n',
        encoding="utf-8",
    )
    with pytest.raises(BadRecordError, match=r"bad\.csv:3: has 4 fields, the header has 3"):
        load_flat_file(path, id_field=None)
    corpus = load_flat_file(
        path, id_field=None, on_error="skip", skip_report=str(tmp_path / "skipped.jsonl")
    )
    assert [e.user_input for e in corpus] == ["hi"]
    report = [json.loads(line) for line in (tmp_path / "skipped.jsonl").read_text().splitlines()]
    assert [(r["where"], r["reason"].split(" (")[0]) for r in report] == [
        ("line 3", "has 4 fields, the header has 3"),
        ("line 4", "a quote opened on this line is never closed; close or remove it"),
    ]


def test_corrupt_parquet_and_missing_paths(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(
        BadRecordError, match=r"x\.parquet: whole file: not a readable Parquet file"
    ):
        load_flat_file(tmp_path / "x.parquet")
    with pytest.raises(DataError, match="no such file or folder"):
        load_flat_file(tmp_path / "missing.jsonl")
    with pytest.raises(DataError, match="no data path given: set data.source.path"):
        load_flat_file(None)
    (tmp_path / "x.parquet").unlink()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="no .jsonl, .json, .csv, .tsv or .parquet files"):
        load_flat_file(tmp_path)


def test_a_folder_of_files_loads_in_name_order(tmp_path):
    write_flat(tmp_path / "b.jsonl", FLAT_ROWS[2:])
    write_flat(tmp_path / "a.csv", FLAT_ROWS[:2])
    assert [e.example_id for e in load_flat_file(tmp_path)] == ["e0", "e1", "e2", "e3"]
