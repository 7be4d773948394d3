"""A finished-looking run folder on the tiny model: saved config, adapter, generations."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf


@pytest.fixture
def tiny_run(tmp_path: Path, compose_cfg) -> Path:
    """``.hydra/config.yaml`` and an adapter with non-zero LoRA weights, as a run leaves them."""
    from peft import LoraConfig, get_peft_model

    from tests.tiny_models import build_tiny_random_model

    run = tmp_path / "run_tiny"
    cfg = compose_cfg()
    (run / ".hydra").mkdir(parents=True)
    OmegaConf.save(cfg, run / ".hydra" / "config.yaml")
    loaded = build_tiny_random_model()
    torch.manual_seed(1)
    lora = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    peft_model = get_peft_model(loaded.model, lora)
    peft_model.save_pretrained(run / "adapter")
    loaded.tokenizer.save_pretrained(run / "adapter")
    return run
