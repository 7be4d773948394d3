"""Random and corrupted records: every loader either loads or raises our DataError, nothing else."""

import json
import random

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
