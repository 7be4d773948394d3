"""The development split: carved from the training side, persona-disjoint, never the test prompts."""

from __future__ import annotations

import json

import pytest

from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import ConfigError


def _dm(tiny_model, tmp_path, **kwargs):
    return DialogueDataModule(
        load_tide_folder,
        ChatFormatter(tiny_model.tokenizer),
        max_length=160,
        manifest_dir=str(tmp_path),
        **kwargs,
    )


def test_dev_is_persona_disjoint_from_train_and_eval(tiny_model, tmp_path):
    dm = _dm(tiny_model, tmp_path, dev_fraction=0.25)
    dm.setup("fit")
    personas = {
        side: {e.persona_id for e in examples}
        for side, examples in (
            ("train", dm.train_examples),
            ("eval", dm.eval_examples),
            ("dev", dm.dev_examples),
        )
    }
    assert personas["dev"] and not personas["dev"] & personas["train"]
    assert not personas["dev"] & personas["eval"]
    manifest = json.loads((tmp_path / "split_manifest.json").read_text())
    assert manifest["dev"] == [e.example_id for e in dm.dev_examples]
    assert manifest["settings"]["dev_fraction"] == 0.25
    # The held-out side is the same as without a dev split: the test prompts do not move.
    plain = _dm(tiny_model, tmp_path / "plain")
    plain.setup("fit")
    assert [e.example_id for e in plain.eval_examples] == [e.example_id for e in dm.eval_examples]


def test_no_dev_split_by_default_and_bad_fraction(tiny_model, tmp_path):
    dm = _dm(tiny_model, tmp_path)
    dm.setup("fit")
    assert dm.dev_examples == []
    with pytest.raises(ConfigError, match="data.dev_fraction"):
        _dm(tiny_model, tmp_path / "bad", dev_fraction=1.5).setup("fit")
