from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder


def test_batches_and_fixed_eval_subset(tiny_model):
    dm = DialogueDataModule(
        load_tide_folder,
        ChatFormatter(tiny_model.tokenizer),
        max_length=160,
        batch_size=4,
        max_train_examples=12,
    )
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["input_ids"].shape[0] == 4 and batch["input_ids"].shape[1] <= 160
    assert len(dm.train_examples) == 12
    subset = [e.example_id for e in dm.eval_subset(8)]
    assert subset == [e.example_id for e in dm.eval_subset(16)][:8]  # sizes nest
    assert len({e.persona_id for e in dm.eval_subset(8)}) > 1  # spans personas
    assert set(subset) <= {e.example_id for e in dm.eval_examples}


def _flat_with_long_prompts(tmp_path, long_every: int = 3):
    """Twelve personas of two rows; every ``long_every``-th message alone is over 64 tokens."""
    import json

    rows = [
        {
            "example_id": f"e{i}",
            "persona_id": f"p{i // 2}",
            "user_input": ("word " * 200 if i % long_every == 0 else f"short message {i}"),
            "reference_response": f"reply {i}",
        }
        for i in range(24)
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_examples_too_long_to_train_on_are_counted_everywhere(tmp_path, tiny_model):
    import functools
    import json

    from tide_exp.data.flat_file import load_flat_file

    path = _flat_with_long_prompts(tmp_path)
    dm = DialogueDataModule(
        functools.partial(load_flat_file, path),
        ChatFormatter(tiny_model.tokenizer),
        max_length=64,
        eval_fraction=0.25,
        manifest_dir=str(tmp_path / "run"),
    )
    dm.setup()
    long_ids = {f"e{i}" for i in range(0, 24, 3)}
    trained = {e.example_id for e in dm.train_examples}
    assert trained and not trained & long_ids  # what train_examples says is what trains
    assert len(dm._train_features) == len(dm.train_examples) == dm.counts["train_examples"]
    manifest = json.loads((tmp_path / "run" / "split_manifest.json").read_text())
    assert set(manifest["train"]) == trained
    assert manifest["counts"]["train"] == len(trained)
    assert set(manifest["too_long"]["train"]) | set(manifest["too_long"]["eval_loss"]) == long_ids
    assert dm.counts["too_long_train"] == manifest["counts"]["too_long_train"] > 0
    assert dm.counts["val_loss_examples"] == len(dm._eval_features)
    assert dm.counts["val_loss_examples"] + dm.counts["too_long_eval_loss"] == len(dm.eval_examples)


def test_eval_subset_of_zero_is_empty_not_everything(tiny_model):
    dm = DialogueDataModule(load_tide_folder, ChatFormatter(tiny_model.tokenizer), max_length=160)
    dm.setup()
    assert dm.eval_subset(0) == [] and len(dm.eval_subset(None)) == len(dm.eval_examples)


def test_a_stale_skip_report_is_removed_by_a_clean_run(tmp_path, tiny_model):
    stale = tmp_path / "skipped_rows.jsonl"
    stale.write_text('{"source": "old.jsonl", "where": "line 3", "reason": "old"}\n')
    dm = DialogueDataModule(
        load_tide_folder,
        ChatFormatter(tiny_model.tokenizer),
        max_length=160,
        manifest_dir=str(tmp_path),
    )
    dm.setup()
    assert not stale.exists() and (tmp_path / "split_manifest.json").is_file()
