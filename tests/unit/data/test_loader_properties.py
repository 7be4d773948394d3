"""Random and corrupted records: every loader either loads or raises our DataError, nothing else."""

import functools
import json
import random
import re

import pytest
from data_fixtures import FLAT_ROWS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tide_exp.data.chat_corpus import load_chat_corpus
from tide_exp.data.flat_file import load_flat_file
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import DataError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
KEYS = st.sampled_from(
    [
        "user_input",
        "reference_response",
        "persona_id",
        "example_id",
        "theme",
        "person",
        "chatbot",
        "messages",
        "conversations",
        "role",
        "content",
        "from",
        "value",
        "dialogues",
        "x",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=12,
)
SUFFIXES = st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".parquet"])


def _corrupt(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(3)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[pos % len(data)]
        elif op == 1:
            data.insert(pos, rng.choice(b'{}[]",:\n\xff\xfe\x00ab'))
        elif data:
            data[pos % len(data)] = rng.randrange(256)
    return bytes(data)


def _loads_or_data_error(load, *args, **kwargs):
    for on_error in ("raise", "skip"):
        try:
            corpus = load(*args, on_error=on_error, **kwargs)
        except DataError:
            continue
        assert all(isinstance(e.user_input, str) and e.user_input for e in corpus)


@SETTINGS
@given(records=st.lists(JSON, max_size=5), suffix=SUFFIXES)
def test_flat_loader_on_random_records(tmp_path_factory, records, suffix):
    path = tmp_path_factory.mktemp("flat") / f"rows{suffix}"
    path.write_text(
        "\n".join(json.dumps(r) for r in records) if suffix != ".json" else json.dumps(records),
        encoding="utf-8",
    )
    _loads_or_data_error(load_flat_file, path)


@SETTINGS
@given(seed=st.integers(0, 10_000), suffix=SUFFIXES)
def test_flat_loader_on_corrupted_files(tmp_path_factory, seed, suffix):
    from data_fixtures import write_flat

    folder = tmp_path_factory.mktemp("corrupt")
    path = write_flat(folder / f"rows{suffix}", FLAT_ROWS)
    path.write_bytes(_corrupt(path.read_bytes(), seed))
    _loads_or_data_error(load_flat_file, path)


@SETTINGS
@given(records=st.lists(JSON, max_size=5), seed=st.integers(0, 10_000))
def test_chat_loader_on_random_and_corrupted_records(tmp_path_factory, records, seed):
    path = tmp_path_factory.mktemp("chat") / "chats.jsonl"
    good = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    }
    path.write_bytes(_corrupt("\n".join(json.dumps(r) for r in [good, *records]).encode(), seed))
    _loads_or_data_error(load_chat_corpus, path)


@SETTINGS
@given(conversation=JSON, metadata=JSON, seed=st.integers(0, 10_000), corrupt=st.booleans())
def test_tide_folder_loader_on_random_files(
    tmp_path_factory, conversation, metadata, seed, corrupt
):
    root = tmp_path_factory.mktemp("tide")
    raw = json.dumps(conversation).encode()
    (root / "1_conversation.json").write_bytes(_corrupt(raw, seed) if corrupt else raw)
    (root / "1_metadata.json").write_text(json.dumps(metadata))
    _loads_or_data_error(load_tide_folder, root)


# --- hostile input classes (issue 14 items 1 and 7) ------------------------------------------
# Every reader, fed good rows mixed with rows of these classes, either raises our error naming
# the first bad line or, skipping, loads every good row and reports every bad one:
# loaded + reported == rows in the file.

HOSTILE_JSONL = {
    "deep": b'{"user_input": ' + b"[" * 3000 + b"]" * 3000 + b', "reference_response": "r"}',
    "deep_but_parsable": b'{"user_input": "u", "x": ' + b"[" * 200 + b"]" * 200 + b"}",
    "big_int": b'{"user_input": 1' + b"0" * 4400 + b', "reference_response": "r"}',
    "lone_surrogate": b'{"user_input": "a\\ud800b", "reference_response": "r"}',
    "surrogate_key": b'{"user_input": "a", "reference_response": "r", "\\udfff": 1}',
    "invalid_utf8": b'{"user_input": "caf\xe9", "reference_response": "r"}',
    "malformed": b'{"user_input": "a", "reference_response": ',
    "not_object": b"[1, 2]",
}
HOSTILE_CSV = {
    "unterminated_quote": b'x,"never closed,r,p',
    "text_after_quote": b'x,"hi" there,r,p',
    "too_many_fields": b"x,a,b,c,d",
    "too_few_fields": b"x,a",
    "invalid_utf8": b"x,caf\xe9,r,p",
    "over_long_field": b'x,"' + b"w" * 140_000 + b'",r,p',  # over csv's 128 KB field limit
}


def _with_ids(record: bytes, n: int) -> bytes:
    """A hostile object with a unique id and a persona, so only its hostile part makes it bad."""
    if not record.startswith(b"{"):
        return record
    return b'{"example_id": "bad%d", "persona_id": "px", ' % n + record[1:]


def _good_jsonl(i: int) -> bytes:
    row = {
        "example_id": f"e{i}",
        "persona_id": f"p{i % 3}",
        "user_input": f"message {i}",
        "reference_response": f"reply {i}",
    }
    return json.dumps(row).encode()


def _good_csv(i: int, quoted: bool) -> bytes:
    user = f'"message {i}, with a comma and ""quotes"""' if quoted else f"message {i}"
    reply = f'"reply {i}\nover two lines"' if quoted and i % 2 else f"reply {i}"
    return f"e{i},{user},{reply},p{i % 3}".encode()


def _mix(draw_kinds: list[str], n_good: int, seed: int) -> list[tuple[str | None, int]]:
    """Good rows (kind None) and bad ones in a seeded order: ``(kind, good index)``."""
    rows: list[tuple[str | None, int]] = [(None, i) for i in range(n_good)]
    rows += [(kind, -1) for kind in draw_kinds]
    random.Random(seed).shuffle(rows)
    return rows


def _assert_loads_or_reports(path, rows, lines_of, load, good_ids):
    """Raise mode names the first bad row's line; skip mode: every row loaded or reported."""
    from tide_exp.errors import BadRecordError

    bad_lines = [line for (kind, _), line in zip(rows, lines_of, strict=True) if kind is not None]
    if bad_lines:
        with pytest.raises(BadRecordError) as err:
            load(path, on_error="raise")
        assert f"{path}:{bad_lines[0]}:" in str(err.value)
    corpus = load(path, on_error="skip")
    assert {e.example_id for e in corpus} == good_ids
    assert sorted(int(s.where.split()[-1]) for s in corpus.skipped) == bad_lines
    assert len(corpus) + len(corpus.skipped) == len(rows)


@SETTINGS
@given(
    kinds=st.lists(st.sampled_from(sorted(HOSTILE_JSONL)), min_size=0, max_size=4),
    n_good=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    bom=st.booleans(),
)
def test_flat_jsonl_every_row_loaded_or_reported(tmp_path_factory, kinds, n_good, seed, bom):
    rows = _mix(kinds, n_good, seed)
    raw = [
        _with_ids(HOSTILE_JSONL[kind], n) if kind else _good_jsonl(i)
        for n, (kind, i) in enumerate(rows)
    ]
    path = tmp_path_factory.mktemp("hostile") / "rows.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"\n".join(raw) + b"\n")
    load = functools.partial(load_flat_file, theme_field=None)
    # deep_but_parsable has no reply: a bad row for the loader, though valid JSON
    good = {f"e{i}" for kind, i in rows if kind is None}
    _assert_loads_or_reports(path, rows, list(range(1, len(rows) + 1)), load, good)


@SETTINGS
@given(
    kinds=st.lists(st.sampled_from(sorted(HOSTILE_CSV)), min_size=0, max_size=4),
    n_good=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    quoted=st.booleans(),
    bom=st.booleans(),
)
def test_flat_csv_every_row_loaded_or_reported(tmp_path_factory, kinds, n_good, seed, quoted, bom):
    rows = _mix(kinds, n_good, seed)
    raw = [HOSTILE_CSV[kind] if kind else _good_csv(i, quoted) for kind, i in rows]
    header = b"example_id,user_input,reference_response,persona_id"
    path = tmp_path_factory.mktemp("hostile") / "rows.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"\n".join([header, *raw]) + b"\n")
    lines_of, line = [], 2  # the header is line 1; a good quoted row may span two lines
    for record in raw:
        lines_of.append(line)
        line += record.count(b"\n") + 1
    good = {f"e{i}" for kind, i in rows if kind is None}
    _assert_loads_or_reports(path, rows, lines_of, load_flat_file, good)


@SETTINGS
@given(kinds=st.lists(st.sampled_from(sorted(HOSTILE_JSONL)), min_size=1, max_size=4))
def test_scorer_every_row_scored_or_reported(tmp_path_factory, kinds):
    from tide_exp.metrics.score_file import BadInputError, read_pairs

    path = tmp_path_factory.mktemp("score") / "pairs.jsonl"
    good = b'{"prediction": "a", "reference": "b"}'
    raw = [good, *(HOSTILE_JSONL[k].replace(b"user_input", b"prediction") for k in kinds)]
    path.write_bytes(b"\n".join(raw) + b"\n")
    with pytest.raises(BadInputError, match=rf"^{re.escape(str(path))}:2: "):
        read_pairs(path)
    pairs = read_pairs(path, skip_bad_rows=True)
    assert pairs.lines == [1] and len(pairs.lines) + len(pairs.skipped) == len(raw)


@SETTINGS
@given(kinds=st.lists(st.sampled_from(sorted(HOSTILE_JSONL)), min_size=1, max_size=4))
def test_chat_and_prepare_report_every_hostile_line(tmp_path_factory, kinds):
    from tide_exp.data.prepare import prepare
    from tide_exp.errors import BadRecordError

    folder = tmp_path_factory.mktemp("chat")
    path = folder / "chats.jsonl"
    good = json.dumps(
        {
            "messages": [
                {"role": "user", "content": "hi there"},
                {"role": "assistant", "content": "hello, how are you feeling today?"},
            ]
        }
    ).encode()
    hostile = [HOSTILE_JSONL[k].replace(b"user_input", b"messages") for k in kinds]
    path.write_bytes(b"\n".join([good, *hostile]) + b"\n")
    with pytest.raises(BadRecordError, match=rf"{re.escape(str(path))}:2: "):
        load_chat_corpus(path)
    corpus = load_chat_corpus(path, on_error="skip")
    assert len(corpus) == 1
    assert sorted(int(s.where.split()[-1]) for s in corpus.skipped) == list(
        range(2, 2 + len(kinds))
    )
    report = prepare([path], folder / "out", skip_bad=True)
    counts = report["steps"]["read"]
    assert counts["records"] + counts["unreadable"] + counts["blank"] == counts["lines"]


TIDE_HOSTILE = {
    "deep": b'{"dialogues": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "big_int": b'{"dialogues": [{"user_input": 1' + b"0" * 4400 + b"}]}",
    "lone_surrogate": b'{"dialogues": [{"user_input": "\\ud800", "reference_response": "r"}]}',
    "invalid_utf8": b'{"dialogues": [{"user_input": "caf\xe9", "reference_response": "r"}]}',
    "folder": None,
    "broken_link": None,
}


@SETTINGS
@given(
    kinds=st.lists(st.sampled_from(sorted(TIDE_HOSTILE)), min_size=1, max_size=3),
    keys=st.lists(st.sampled_from(["1", "2", "10", "²", "٣", "turn_b", "x1"]), unique=True),
)
def test_tide_folder_reports_every_hostile_file(tmp_path_factory, kinds, keys):
    from tide_exp.errors import BadRecordError

    root = tmp_path_factory.mktemp("tide")
    dialogues = {k: {"user_input": f"message {k}", "reference_response": "reply"} for k in keys}
    dialogues["0"] = {"user_input": "always here", "reference_response": "reply"}
    (root / "1_conversation.json").write_text(json.dumps({"dialogues": dialogues}))
    for n, kind in enumerate(kinds, start=2):
        target = root / f"{n}_conversation.json"
        if kind == "folder":
            target.mkdir()
        elif kind == "broken_link":
            target.symlink_to(root / "missing.json")
        else:
            target.write_bytes(TIDE_HOSTILE[kind])
    with pytest.raises(BadRecordError, match=r"2_conversation\.json"):
        load_tide_folder(root)
    corpus = load_tide_folder(root, on_error="skip")
    assert len(corpus) == len(dialogues)  # non-numeric keys ("²") are ids, not crashes
    assert sorted(s.source.rsplit("/", 1)[-1] for s in corpus.skipped) == sorted(
        f"{n}_conversation.json" for n in range(2, 2 + len(kinds))
    )


def test_folders_and_broken_links_named_like_data_files_are_reported(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(_good_jsonl(0) + b"\n")
    (tmp_path / "b.jsonl").mkdir()
    (tmp_path / "c.csv").symlink_to(tmp_path / "gone.csv")
    corpus = load_flat_file(tmp_path, on_error="skip")
    assert [e.example_id for e in corpus] == ["e0"]
    assert [(s.source.rsplit("/", 1)[-1], s.where) for s in corpus.skipped] == [
        ("b.jsonl", "whole file"),
        ("c.csv", "whole file"),
    ]


def test_a_clean_load_removes_a_stale_skip_report(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"\n".join(_good_jsonl(i) for i in range(3)) + b"\n")
    report = tmp_path / "skipped.jsonl"
    report.write_text('{"where": "line 9", "reason": "from an earlier run"}\n')
    load_flat_file(path, on_error="skip", skip_report=str(report))
    assert not report.exists()


@SETTINGS
@given(
    kinds=st.lists(st.sampled_from(["deep_but_parsable", "lone_surrogate", "surrogate_key"])),
    n_good=st.integers(1, 4),
    seed=st.integers(0, 10_000),
)
def test_flat_json_array_reports_each_bad_record(tmp_path_factory, kinds, n_good, seed):
    """In a .json array one deep or surrogate-bearing record is one bad record, not the file."""
    rows = _mix(kinds, n_good, seed)
    deep = {"user_input": "u", "reference_response": "r", "x": json.loads("[" * 100 + "]" * 100)}
    hostile = {
        "deep_but_parsable": json.dumps(deep),
        "lone_surrogate": '{"user_input": "a\\ud800b", "reference_response": "r"}',
        "surrogate_key": '{"user_input": "a", "reference_response": "r", "\\udfff": 1}',
    }
    items = [
        _with_ids(hostile[kind].encode(), n).decode() if kind else _good_jsonl(i).decode()
        for n, (kind, i) in enumerate(rows)
    ]
    path = tmp_path_factory.mktemp("array") / "rows.json"
    path.write_text("[" + ",\n".join(items) + "]", encoding="utf-8")
    corpus = load_flat_file(path, on_error="skip", theme_field=None)
    assert {e.example_id for e in corpus} == {f"e{i}" for kind, i in rows if kind is None}
    bad = [f"record {n}" for n, (kind, _) in enumerate(rows) if kind is not None]
    assert [s.where for s in corpus.skipped] == bad


def test_scorer_csv_unterminated_quote_costs_one_row(tmp_path):
    """Before: skip mode reported one bad row and scored the rows above it only."""
    from tide_exp.metrics.score_file import read_pairs

    lines = ["prediction,reference", *(f"p{i},r{i}" for i in range(30))]
    lines[5] = 'p4,"r4 never closed'
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs = read_pairs(path, skip_bad_rows=True)
    assert len(pairs.lines) == 29 and pairs.lines[4] == 7
    assert [s.split(": ")[0] for s in pairs.skipped] == [f"{path}:6"]


INVISIBLE = st.text(
    st.characters(whitelist_categories=("Zs", "Zl", "Zp", "Cf"), whitelist_characters="\t\n\r\x85"),
    min_size=1,
    max_size=8,
)


@SETTINGS
@given(blank=INVISIBLE, where=st.sampled_from(["user_input", "reference_response"]))
def test_a_text_of_invisible_characters_only_is_empty_in_every_loader(
    tmp_path_factory, blank, where
):
    """Issue 31: a reply of zero-width spaces, word joiners or byte-order marks (Unicode ``Cf``,
    which ``str.strip`` keeps) was a training target; any mix of them with Unicode whitespace
    is an empty field, reported like one, in the flat and the chat loader alike."""
    folder = tmp_path_factory.mktemp("invisible")
    rows = [dict(r) for r in FLAT_ROWS]
    rows[1][where] = blank
    flat = folder / "rows.jsonl"
    flat.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = load_flat_file(flat, on_error="skip")
    assert [e.example_id for e in corpus] == [r["example_id"] for r in rows if r is not rows[1]]
    assert len(corpus.skipped) == 1 and f"field '{where}' is empty" in corpus.skipped[0].reason

    role = "user" if where == "user_input" else "assistant"
    chat = folder / "chat.jsonl"
    turns = [
        {"role": "user", "content": "I cannot sleep."},
        {"role": "assistant", "content": "Hm."},
    ]
    turns[0 if role == "user" else 1]["content"] = blank
    chat.write_text(json.dumps({"messages": turns}) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"chat\.jsonl:1: turn [01] is empty"):
        load_chat_corpus(chat)
