"""The GPU path (`trainer=gpu`: CUDA, bf16-mixed, SDPA) end to end on the tiny random model.

Skipped without CUDA (conftest.py), so CI on a CPU machine skips these; run them on a GPU node
with ``pytest -m gpu``. Only metrics that need no encoder model are scored here, so the tests
run on a GPU machine that has none of the offline model packages.
"""

from __future__ import annotations

import functools
import json

import pytest
import pytorch_lightning as pl
import torch
from omegaconf import open_dict
from peft import LoraConfig

from tide_exp.data.chat import ChatFormatter
from tide_exp.data.dialogue_datamodule import DialogueDataModule
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.models.tiny import build_tiny_random_model
from tide_exp.modules import LoraCausalLMModule
from tide_exp.run import run

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


def test_gpu_run_trains_in_bf16_mixed_and_generates(compose_cfg, tmp_path):
    cfg = compose_cfg("trainer=gpu", "eval.max_new_tokens=16")
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


def test_loss_goes_down_when_overfitting_on_the_gpu(tmp_path):
    loaded = build_tiny_random_model(seed=1)
    module = LoraCausalLMModule(
        loaded.model,
        loaded.tokenizer,
        LoraConfig(task_type="CAUSAL_LM", r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]),
        optimizer=functools.partial(torch.optim.AdamW, lr=2e-2),
    )
    dm = DialogueDataModule(
        load_tide_folder,
        ChatFormatter(loaded.tokenizer),
        max_length=64,
        batch_size=8,
        max_train_examples=8,
    )
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))

    def loss() -> float:
        device = next(module.model.parameters()).device
        with torch.no_grad():
            return module.model(**{k: v.to(device) for k, v in batch.items()}).loss.item()

    before = loss()
    trainer = pl.Trainer(
        accelerator="gpu",
        devices=1,
        precision="bf16-mixed",
        max_steps=30,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        default_root_dir=tmp_path,
        limit_val_batches=0,
    )
    trainer.fit(module, train_dataloaders=dm.train_dataloader())
    assert trainer.strategy.root_device.type == "cuda"
    after = loss()
    assert after < 0.5 * before, (before, after)
