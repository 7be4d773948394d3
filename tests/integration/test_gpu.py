"""The GPU path (`trainer=gpu`: CUDA, bf16-mixed) end to end on the tiny random model.

The overfit test in tests/unit/modules runs on the GPU too, under the same `gpu` marker.

Skipped without CUDA (conftest.py), so CI on a CPU machine skips these; run them on a GPU node
with ``pytest -m gpu``. Only metrics that need no encoder model are scored here, so the tests
run on a GPU machine that has none of the offline model packages.
"""

from __future__ import annotations

import json

import pytest
import torch
from omegaconf import open_dict

from tide_exp.runs.run import run

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


def test_gpu_run_trains_in_bf16_mixed_and_generates(compose_cfg, tmp_path):
    cfg = compose_cfg("trainer=gpu", "eval.generation.max_new_tokens=16")
    with open_dict(cfg):
        cfg.eval.metrics = {"rouge_l": {"use_stemmer": True}, "distinct_1": {}}
    metrics, objects = run(cfg)

    assert objects["trainer"].precision == "bf16-mixed"
    assert objects["trainer"].strategy.root_device.type == "cuda"  # fit moves the module back
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "ok"
    assert set(results["phases"]) == {"zs", "val", "ft"}
    assert torch.isfinite(torch.tensor(metrics["val/loss"]))
    rows = [json.loads(line) for line in (tmp_path / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 4 + 8 + 4 and all(isinstance(r["prediction"], str) for r in rows)
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
