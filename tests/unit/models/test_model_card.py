from __future__ import annotations

import json
from types import SimpleNamespace

from peft import LoraConfig, PeftModel, get_peft_model
from transformers import GenerationConfig

from tests.tiny_models import build_tiny_random_model
from tide_exp.models.model_card import render_model_card
from tide_exp.runs.model_files import ModelFiles
from tide_exp.runs.run import save_adapter

PHASES = {
    "zs": {
        "metrics": {"rouge_l": {"mean": 0.1234, "n": 16}, "cosine": {"mean": 0.5}},
        "replies": {"n": 16, "cut": 2, "looping": 1},
    },
    "val": [{"epoch": 1, "step": 8, "metrics": {"rouge_l": {"mean": 0.2}}}],
    "ft": {
        "metrics": {"rouge_l": {"mean": 0.25, "n": 16}},
        "replies": {"n": 16, "cut": 4, "looping": 10},
        "selection": {
            "select": "best",
            "monitor": "val/loss",
            "mode": "min",
            "epoch": 1,
            "best_epoch": 1,
            "best_value": 3.1,
        },
    },
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
    assert "- 64 training examples" in text and "- `lora.r`: `8`" in text
    assert "- 8 optimizer steps" in text
    assert (
        "- Weights: epoch 1 (`eval.select: best`; the best epoch by `val/loss` (min) was 1)" in text
    )
    assert "data.max_length" not in text  # unset settings are left out
    assert "| rouge_l | 0.1234 | 0.2500 | +0.1266 | - |" in text  # no replies: no interval
    assert "| cosine | 0.5000 | n/a | n/a | - |" in text
    assert "| replies cut at the token cap | 2 of 16 | 4 of 16 | | |" in text
    assert "| replies looping | 1 of 16 | 10 of 16 | | |" in text
    assert "over 16 prompts" in text and "synthetic" not in text
    assert 'AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")' in text
    assert "[More Information Needed]" not in text  # not peft's template


def test_card_states_synthetic_data_intervals_and_what_the_files_cannot_carry():
    from tide_exp.models.card_usage import CardUsage

    changes = {"rouge_l": {"zs": 0.1, "ft": 0.2, "low": 0.05, "high": 0.15}}
    data = {"train_examples": 32, "synthetic": True, "dataset": "7ee490b18026", "split": "ab"}
    prompt = {
        "system_prompt": "Reply with empathy.",
        "persona_template": "Age: {age}",
        "persona_placement": "system",
        "prompt_format": "chat",
    }
    decoding = {"do_sample": True, "top_p": 0.92, "max_new_tokens": 256, "repetition_penalty": 1.0}
    usage = CardUsage(
        prompt=prompt, template_baked=True, decoding=decoding, unsaved=("logits_processor",), seed=7
    )
    text = card(data=data, changes=changes, usage=usage)
    assert "**synthetic** sample corpus" in text and "dataset `7ee490b18026`" in text
    assert "| rouge_l | 0.1000 | 0.2000 | +0.1000 | [+0.0500, +0.1500] * |" in text
    assert "nothing about empathy" in text
    assert "opens with the run's system prompt `Reply with empathy.`" in text
    assert "render_persona(template, metadata)" in text  # the block no template can carry
    assert "sampling (top_p 0.92)" in text and "torch.manual_seed(7)" in text
    assert "logits_processor" in text
    plain = card(usage=CardUsage(prompt={"prompt_format": "plain", "plain_separator": "\n"}))
    assert "used no chat template" in plain and "apply_chat_template" not in plain


def test_card_without_a_hub_id_or_scores():
    text = card(base_model=None, phases={})
    assert "base_model:" not in text and "No generation metrics" in text


def test_saved_adapter_carries_the_card_and_the_hub_id(tmp_path):
    loaded = build_tiny_random_model()
    model = get_peft_model(loaded.model, LoraConfig(r=2, target_modules=["q_proj"]))
    module = SimpleNamespace(model=model, tokenizer=loaded.tokenizer)
    files = ModelFiles(loaded.tokenizer, None, GenerationConfig(max_new_tokens=5), card())
    target = save_adapter(module, tmp_path / "adapter", files, "Qwen/Qwen2.5-0.5B-Instruct")
    assert (target / "README.md").read_text() == card()
    assert GenerationConfig.from_pretrained(target).max_new_tokens == 5
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
    assert "- `lora.r`: `16`" in text and "- 64 training examples" in text
    assert "tide_exp.data.tide_folder.load_tide_folder" in text
