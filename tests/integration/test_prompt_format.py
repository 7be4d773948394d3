"""The recipe's variants end to end on the tiny model: plain-text prompts, the reply guard, checkpoints."""

from __future__ import annotations

import json

import pytest

from tide_exp.errors import ConfigError
from tide_exp.runs.run import run


def test_plain_text_prompts_train_and_evaluate_the_same_way(compose_cfg, tmp_path):
    cfg = compose_cfg("trainer.max_epochs=1", "model.chat.prompt_format=plain")
    _, objects = run(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["prompt"]["prompt_format"] == "plain"
    rows = [json.loads(line) for line in (tmp_path / "generations.jsonl").read_text().splitlines()]
    dm = objects["datamodule"]
    by_id = {e.example_id: e for e in dm.eval_examples}
    for row in rows:  # the bare message, as a base checkpoint would read it; no chat roles
        example = by_id[row["example_id"]]
        assert dm.prompt(example) == example.user_input + "\n"
        assert row["prompt"].strip() == example.user_input.strip()  # the file strips the newline
    tok = dm.chat.tokenizer
    trained = tok.decode(dm._train_features[0]["input_ids"])
    example = dm.train_examples[0]
    assert trained.startswith(example.user_input + "\n" + example.reference_response[:20])
    assert "<|im_start|>" not in trained
    assert results["data"]["reply_starved_share_train"] <= 0.5
    assert results["data"]["reply_learned_mean_train"] > 16


def test_the_guard_stops_a_run_before_the_model_trains(compose_cfg, tmp_path):
    cfg = compose_cfg("data.max_length=64")
    with pytest.raises(ConfigError, match=r"^data.max_length=64 starves the train split"):
        run(cfg)
    assert not (tmp_path / "results.json").exists()
    assert not list(tmp_path.rglob("*.ckpt")) and not (tmp_path / "generations.jsonl").exists()


@pytest.mark.parametrize(
    ("model", "hub_id"),
    [("qwen2_5_3b", "Qwen/Qwen2.5-3B"), ("llama3_2_1b", "meta-llama/Llama-3.2-1B")],
)
def test_the_base_checkpoint_is_one_setting(compose_cfg, model, hub_id):
    cfg = compose_cfg(f"model={model}", "model.checkpoint=base", tiny=False)
    assert cfg.model.hf_id == cfg.model.loader.pretrained_model_name_or_path == hub_id
    default = compose_cfg(f"model={model}", tiny=False)
    assert default.model.hf_id == f"{hub_id}-Instruct"


def test_a_model_without_a_base_checkpoint_says_so(compose_cfg):
    from tide_exp.config.validation import check_values

    cfg = compose_cfg("model=phi3_5_mini", "model.checkpoint=base", tiny=False)
    with pytest.raises(ConfigError, match=r"conf/model/phi3_5_mini.yaml lists instruct only"):
        check_values(cfg)
