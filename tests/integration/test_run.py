"""run(cfg) end to end on the tiny random model."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from peft import PeftModel

from tests.tiny_models import build_tiny_random_model
from tide_exp.runs.run import run


def test_run_writes_results_generations_and_a_loadable_adapter(compose_cfg, tmp_path):
    cfg = compose_cfg()
    metrics, objects = run(cfg)

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "ok" and results["model"]["name"] == "tiny_llama"
    assert set(results["phases"]) == {"zs", "val", "ft"}
    assert [v["epoch"] for v in results["phases"]["val"]] == [1, 2]
    assert results["phases"]["zs"]["metrics"]["rouge_l"]["n"] == 4
    assert 0 < results["params"]["trainable"] < results["params"]["total"]
    datamodule = objects["datamodule"]
    fingerprints = {k: results["data"].pop(k) for k in ("dataset", "split")}
    assert all(len(v) == 12 for v in fingerprints.values())  # short hashes of corpus and split
    assert results["data"].pop("synthetic") is True  # the embedded sample, said in cards
    assert Path(results["data"].pop("corpus")).name == "sample_tide"
    assert results["data"] == {**datamodule.counts, "eval_prompts": 4}  # real counts
    assert results["data"]["train_examples"] == len(datamodule._train_features)
    assert {"zs/gen/rouge_l", "ft/gen/cosine", "val/loss", "train/loss"} <= set(metrics)

    rows = [json.loads(line) for line in (tmp_path / "generations.jsonl").read_text().splitlines()]
    assert [r["phase"] for r in rows] == ["zs"] * 4 + ["val"] * 8 + ["ft"] * 4
    assert len({r["example_id"] for r in rows}) == 4  # the same fixed prompts every phase
    assert {"prompt", "reference", "prediction", "persona_id", "theme", "scores"} <= set(rows[0])
    assert set(rows[0]["scores"]) == {
        "cosine",
        "bertscore_f1",
        "meteor",
        "rouge_l",
        "distinct_1_reply",
        "distinct_2_reply",
    }  # distinct per chunk of 100 replies has no per-reply value
    assert {"finished", "open_reasoning"} <= set(rows[0])
    assert (tmp_path / "csv" / "metrics.csv").is_file()

    base = build_tiny_random_model().model
    adapter = PeftModel.from_pretrained(base, tmp_path / "adapter")
    ids = torch.tensor([[1, 5, 8]])
    objects["module"].model.eval()
    torch.testing.assert_close(adapter(ids).logits, objects["module"].model(ids).logits)
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob(".adapter-*"))


def test_run_on_a_second_architecture_with_a_system_prompt(compose_cfg, tmp_path):
    metrics, _ = run(compose_cfg("model=tiny_qwen2", "trainer.max_epochs=1", "callbacks=none"))
    assert "train/loss" in metrics and not (tmp_path / "generations.jsonl").exists()
