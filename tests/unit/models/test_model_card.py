from __future__ import annotations

import json
from types import SimpleNamespace

from peft import LoraConfig, PeftModel, get_peft_model

from tests.tiny_models import build_tiny_random_model
from tide_exp.models.model_card import render_model_card
from tide_exp.runs.run import save_adapter

PHASES = {
    "zs": {"metrics": {"rouge_l": {"mean": 0.1234, "n": 16}, "cosine": {"mean": 0.5}}},
    "val": [{"metrics": {"rouge_l": {"mean": 0.2}}}],
    "ft": {"metrics": {"rouge_l": {"mean": 0.25, "n": 16}}},
}


def card(**overrides):
    args = {
        "base_model": "Qwen/Qwen2.5-0.5B-Instruct",
        "display_name": "Qwen2.5-0.5B-Instruct",
        "data": {"loader": "tide_exp.data.tide_folder.load_tide_folder", "train_examples": 64},
        "settings": {"lora.r": 8, "module.optimizer.lr": 1e-5, "data.max_length": None},
        "phases": PHASES,
        "versions": {"peft": "0.21.2"},
    }
    return render_model_card(**{**args, **overrides})


def test_card_names_the_hub_model_data_settings_and_scores():
    text = card()
    assert text.startswith("---\nlibrary_name: peft\nbase_model: Qwen/Qwen2.5-0.5B-Instruct\n")
    assert "# LoRA adapter for Qwen2.5-0.5B-Instruct" in text
    assert "- `train_examples`: `64`" in text and "- `lora.r`: `8`" in text
    assert "data.max_length" not in text  # unset settings are left out
    assert "| rouge_l | 0.1234 | 0.2500 |" in text
    assert "| cosine | 0.5000 | n/a |" in text
    assert "over 16 prompts" in text
    assert 'AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")' in text
    assert "[More Information Needed]" not in text  # not peft's template


def test_card_without_a_hub_id_or_scores():
    text = card(base_model=None, phases={})
    assert "base_model:" not in text and "No generation metrics" in text


def test_saved_adapter_carries_the_card_and_the_hub_id(tmp_path):
    loaded = build_tiny_random_model()
    model = get_peft_model(loaded.model, LoraConfig(r=2, target_modules=["q_proj"]))
    module = SimpleNamespace(model=model, tokenizer=loaded.tokenizer)
    target = save_adapter(module, tmp_path / "adapter", card(), "Qwen/Qwen2.5-0.5B-Instruct")
    assert (target / "README.md").read_text() == card()
    config = json.loads((target / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "Qwen/Qwen2.5-0.5B-Instruct" and config["r"] == 2
    reloaded = PeftModel.from_pretrained(build_tiny_random_model().model, target)
    assert reloaded.peft_config["default"].r == 2
    assert not list(tmp_path.glob(".adapter-*"))


def test_card_for_run_reads_the_config_and_results(compose_cfg):
    from tide_exp.models.model_card import card_for_run

    cfg = compose_cfg("model=qwen2_5_0_5b", "lora.r=16", tiny=False)
    text = card_for_run(cfg, {"phases": PHASES, "data": {"train_examples": 64}})
    assert "base_model: Qwen/Qwen2.5-0.5B-Instruct" in text
    assert "- `lora.r`: `16`" in text and "- `train_examples`: `64`" in text
    assert "tide_exp.data.tide_folder.load_tide_folder" in text
