"""The reply budget: learned reply tokens per split, recorded, and a starved split refused."""

from __future__ import annotations

import logging

import pytest

from tide_exp.data.chat import IGNORE_INDEX, ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.reply_budget import measure_replies
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import ConfigError


def _feature(prompt: int, learned: int, whole: int) -> dict:
    return {
        "input_ids": [1] * (prompt + learned),
        "labels": [IGNORE_INDEX] * prompt + [7] * learned,
        "reply_tokens": whole,
    }


def test_cut_dropped_and_short_replies_are_told_apart():
    budget = measure_replies(
        [
            _feature(10, 40, 40),  # whole
            _feature(10, 5, 5),  # a short reply, learned whole: not starved
            _feature(70, 10, 50),  # cut to 10 of 50: starved
            None,  # prompt alone too long: dropped, starved
        ],
        min_reply_tokens=16,
    )
    assert (budget.examples, budget.dropped, budget.cut) == (4, 1, 1)
    assert budget.mean_learned == (40 + 5 + 10 + 0) / 4
    assert budget.mean_reply == round((40 + 5 + 50) / 3, 2)
    assert budget.kept_share == round((1 + 1 + 0.2 + 0) / 4, 4)
    assert budget.starved_share == 0.5
    assert budget.counts("train")["reply_starved_share_train"] == 0.5


def test_datamodule_records_the_learned_reply_tokens_per_split(tiny_model, caplog):
    dm = DialogueDataModule(
        load_tide_folder, ChatFormatter(tiny_model.tokenizer), max_length=160, max_target_tokens=32
    )
    with caplog.at_level(logging.INFO, logger="tide_exp.data.dialogue_datamodule"):
        dm.setup()
    for split, features in (("train", dm._train_features), ("eval_loss", dm._eval_features)):
        learned = [sum(x != IGNORE_INDEX for x in f["labels"]) for f in features]
        assert max(learned) == 32  # the reply cap, below max_length
        assert dm.counts[f"reply_learned_mean_{split}"] == round(sum(learned) / len(learned), 2)
        assert dm.counts[f"reply_starved_share_{split}"] == 0.0
        assert "reply_tokens" not in features[0]  # batches carry ids and labels only
    assert dm.counts["max_target_tokens"] == 32 and dm.counts["min_reply_tokens"] == 16
    assert "train: " in caplog.text and "reply tokens learned per example" in caplog.text


def test_a_split_that_would_learn_almost_nothing_stops_before_training(tiny_model):
    chat = ChatFormatter(tiny_model.tokenizer)  # ~50-token prompts with the tiny BPE
    dm = DialogueDataModule(load_tide_folder, chat, max_length=64)
    with pytest.raises(ConfigError) as err:
        dm.setup()
    message = str(err.value)
    assert message.startswith("data.max_length=64 starves the train split (")
    assert "with fewer than 16 learned" in message and "raise data.max_length" in message
    assert not dm._train_features  # nothing half-built
    # The same data with room for the replies trains.
    DialogueDataModule(load_tide_folder, chat, max_length=256).setup()
