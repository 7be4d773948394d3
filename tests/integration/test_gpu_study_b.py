"""Study B's recipe on a GPU: a 4-bit NF4 base and paged 8-bit AdamW (bitsandbytes), end to end.

experiment=relational_qwen15 as configured, on a folder holding a random-weight model of
Qwen1.5-1.8B-Chat's architecture (no download: the GPU machines here reach no hub) with the tiny
tokenizer, and the Study B fixture corpus. Skipped without CUDA (tests/conftest.py) or without
bitsandbytes; ``make gpu-check`` runs it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from omegaconf import open_dict

from tide_exp.data.prepare import prepare
from tide_exp.runs.run import run

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

STUDY_B = Path(__file__).resolve().parents[1] / "assets" / "data" / "study_b"
# Qwen/Qwen1.5-1.8B-Chat's config.json (benchmarks/bench_gpu.py checks the parameter count).
QWEN1_5_1_8B = dict(
    model_type="qwen2",
    hidden_size=2048,
    intermediate_size=5504,
    num_hidden_layers=24,
    num_attention_heads=16,
    num_key_value_heads=16,
    vocab_size=151936,
    max_position_embeddings=32768,
    tie_word_embeddings=False,
)


@pytest.fixture(scope="module")
def study_b_shaped_folder(tmp_path_factory) -> Path:
    """A saved random-weight Qwen1.5-1.8B-shaped model (bf16 safetensors) and the tiny tokenizer."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from tests.tiny_models import build_tiny_tokenizer

    folder = tmp_path_factory.mktemp("qwen1_5_1_8b_random")
    tokenizer = build_tiny_tokenizer()
    config = AutoConfig.for_model(
        **QWEN1_5_1_8B,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    with torch.device("cuda"):  # seconds on the GPU, minutes on the CPU
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    assert abs(sum(p.numel() for p in model.parameters()) / 1.84e9 - 1) < 0.02
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    torch.cuda.empty_cache()
    return folder


def test_nf4_base_and_paged_adamw_8bit_train_and_evaluate(
    compose_cfg, tmp_path, study_b_shaped_folder
):
    pytest.importorskip("bitsandbytes")
    prepare([STUDY_B], tmp_path / "prepared")
    cfg = compose_cfg(
        "experiment=relational_qwen15",
        f"model.loader.pretrained_model_name_or_path={study_b_shaped_folder}",
        f"data.source.path={tmp_path / 'prepared' / 'pairs.jsonl'}",
        "logger=csv",
        "data.eval_fraction=0.4",
        "data.max_length=384",  # the tiny BPE spends about three tokens per Chinese character
        "data.batch_size=2",
        "data.eval_batch_size=2",
        "trainer.max_epochs=1",
        "trainer.accumulate_grad_batches=1",
        "eval.num_prompts=2",
        "eval.generation.max_new_tokens=4",
        tiny=False,
    )
    with open_dict(cfg):
        cfg.eval.metrics = {"rouge_l": {}, "distinct_1": {}}  # no encoder model needed
    metrics, objects = run(cfg)

    model = objects["module"].model
    quantized = [m for m in model.modules() if type(m).__name__ == "Linear4bit"]
    assert len(quantized) >= 24 * 7  # every linear layer of the 24 blocks, LoRA on top
    for layer in quantized:
        assert layer.weight.quant_state.quant_type == "nf4"
        assert layer.weight.numel() * 2 == layer.in_features * layer.out_features  # 4 bits each
    optimizer = objects["trainer"].optimizers[0]
    assert type(optimizer).__name__ == "PagedAdamW8bit"
    assert any(optimizer.state.values())  # it stepped
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "ok"
    assert set(results["validation"]) == {"zs", "ft"}
    assert all(math.isfinite(results["validation"][p]["loss"]) for p in ("zs", "ft"))
    assert torch.isfinite(torch.tensor(metrics["ft/val/loss"]))
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
