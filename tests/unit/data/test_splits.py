import json

import pytest
from data_fixtures import write_tide_folder

from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.examples import DialogueExample, split_examples
from tide_exp.data.split_manifest import apply_split_manifest
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import DataError


def _corpus(personas=500, per_persona=20):
    return [
        DialogueExample(f"p{p:03d}-d{d:02d}", f"p{p:03d}", f"message {p} {d}", f"reply {p} {d}")
        for p in range(personas)
        for d in range(per_persona)
    ]


def test_study_a_counts_by_sample_and_by_persona():
    corpus = _corpus()
    train, held = split_examples(corpus, by="sample", seed=42, train_size=6000, eval_size=4000)
    assert (len(train), len(held)) == (6000, 4000) and not {e.example_id for e in train} & {
        e.example_id for e in held
    }
    train, held = split_examples(corpus, by="persona", seed=42, train_size=6000, eval_size=4000)
    assert (len(train), len(held)) == (6000, 4000)
    assert not {e.persona_id for e in train} & {e.persona_id for e in held}
    small_train, _ = split_examples(corpus, by="sample", seed=42, train_size=100, eval_size=4000)
    assert len(small_train) == 100  # the rest is in neither side
    with pytest.raises(ValueError, match="exceeds the 10000 examples"):
        split_examples(corpus, by="sample", train_size=7000, eval_size=4000)


def test_fraction_split_is_unchanged_by_the_count_option():
    corpus = load_tide_folder()
    assert split_examples(corpus, 0.2, "persona", 3) == split_examples(
        corpus, 0.2, "persona", 3, None, None
    )


def test_datamodule_saves_the_manifest_and_it_recreates_the_split(tmp_path, tiny_chat):
    dm = DialogueDataModule(
        load_tide_folder,
        tiny_chat,
        max_length=160,
        max_train_examples=20,
        manifest_dir=str(tmp_path),
        seed=5,
    )
    dm.setup()
    manifest = json.loads((tmp_path / "split_manifest.json").read_text())
    assert manifest["train"] == [e.example_id for e in dm.train_examples]
    assert manifest["eval"] == [e.example_id for e in dm.eval_examples]
    assert manifest["counts"]["personas_on_both_sides"] == 0 and manifest["counts"][
        "unused"
    ] == 800 - 20 - len(dm.eval_examples)
    assert manifest["settings"]["seed"] == 5 and len(manifest["corpus"]["sha256"]) == 64
    again = DialogueDataModule(
        load_tide_folder, tiny_chat, max_length=160, split_manifest=str(tmp_path), seed=99
    )
    again.setup()
    assert [e.example_id for e in again.train_examples] == manifest["train"]
    assert [e.example_id for e in again.eval_examples] == manifest["eval"]


def test_manifest_for_another_corpus_is_refused(tmp_path, tiny_chat):
    (tmp_path / "split_manifest.json").write_text(json.dumps({"train": ["nope"], "eval": []}))
    with pytest.raises(DataError, match="1 ids of the manifest are not in this corpus"):
        apply_split_manifest(load_tide_folder(), tmp_path)
    (tmp_path / "split_manifest.json").write_text("{")
    with pytest.raises(DataError, match="not a readable split manifest"):
        apply_split_manifest(load_tide_folder(), tmp_path / "split_manifest.json")


def test_datamodule_writes_the_skip_report_into_the_run_dir(tmp_path, tiny_chat):
    data = write_tide_folder(tmp_path / "data", "sample")
    (data / "conversations" / "3_conversation.json").write_text(
        json.dumps(
            [
                {"user_input": "", "reference_response": "x"},
                {"user_input": "a", "reference_response": "b"},
            ]
        )
    )
    (data / "conversations" / "4_conversation.json").write_text(
        json.dumps([{"user_input": "c", "reference_response": "d"}])
    )
    source = lambda: load_tide_folder(data, on_error="skip")  # noqa: E731
    dm = DialogueDataModule(
        source, tiny_chat, max_length=64, eval_fraction=0.5, manifest_dir=str(tmp_path / "run")
    )
    dm.setup()
    rows = [
        json.loads(line)
        for line in (tmp_path / "run" / "skipped_rows.jsonl").read_text().splitlines()
    ]
    assert [(r["where"], r["reason"]) for r in rows] == [
        ("dialogue 0", "field 'user_input' is empty; set data.source.user_field / reply_field")
    ]
    assert (
        json.loads((tmp_path / "run" / "split_manifest.json").read_text())["corpus"]["skipped_rows"]
        == 1
    )


def test_a_split_that_holds_out_every_persona_names_the_fraction(tmp_path, tiny_chat):
    """``data.eval_fraction=0.95`` on ten personas said "raise data.max_length"."""
    from tide_exp.errors import ConfigError

    corpus = [
        DialogueExample(f"p{p}-d{d}", f"p{p}", f"message {p} {d}", f"reply {p} {d}")
        for p in range(10)
        for d in range(2)
    ]
    dm = DialogueDataModule(lambda: corpus, tiny_chat, max_length=64, eval_fraction=0.95)
    with pytest.raises(ConfigError, match=r"no training example left .* data\.eval_fraction=0\.95"):
        dm.setup()
