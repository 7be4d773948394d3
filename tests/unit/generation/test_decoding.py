"""Replies depend on the eval config alone, not on a checkpoint's generation_config.json."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, get_peft_model

from tests.generation_helpers import configured_generation
from tests.tiny_models import build_tiny_random_model
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import ConfigError
from tide_exp.generation import decoding_config, effective_settings, generate_reply_records
from tide_exp.generation.decoding import split_kwargs

# What a chat checkpoint ships (Qwen2.5-Instruct: repetition_penalty 1.05, top_k 20, top_p 0.8,
# temperature 0.7, do_sample true), made strong enough to change every reply of the tiny model.
CHATTY = {
    "do_sample": True,
    "repetition_penalty": 1.3,
    "no_repeat_ngram_size": 2,
    "top_k": 1,
    "top_p": 0.5,
    "temperature": 0.3,
}
STUDY_B = {"do_sample": True, "top_p": 0.92}


def _pair(engine_model):
    """The same random weights twice: one plain checkpoint, one with :data:`CHATTY` settings."""
    plain = build_tiny_random_model()
    chatty = build_tiny_random_model(generation_config=CHATTY)
    return engine_model(plain.model), engine_model(chatty.model), plain.tokenizer


def _with_adapter(model):
    """A LoRA adapter with seeded, non-zero weights, so the merged copy differs from the base."""
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj"]))
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    return peft_model


@pytest.fixture(scope="module")
def prompts():
    tok = build_tiny_random_model().tokenizer
    chat = ChatFormatter(tok)
    return [chat.prompt(e.user_input) for e in load_tide_folder()[:4]]


def _replies(model, tok, prompts, engine="plain", merge=False, **kwargs):
    return generate_reply_records(
        model,
        tok,
        prompts,
        batch_size=3,
        max_new_tokens=12,
        progress=False,
        engine=engine,
        merge=merge,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("engine", "merge", "adapter"),
    [
        ("plain", False, False),
        ("static", False, False),
        ("plain", False, True),
        ("plain", True, True),
        ("continuous", True, True),  # the slow one (seconds of set-up per call): once
    ],
)
def test_greedy_replies_ignore_the_checkpoints_sampling_and_penalties(
    prompts, engine, merge, adapter
):
    plain, chatty, tok = _pair(_with_adapter if adapter else (lambda m: m))
    expected = _replies(plain, tok, prompts, engine, merge)
    assert _replies(chatty, tok, prompts, engine, merge) == expected
    # The settings are potent on this model: asked for in the eval config, they change replies.
    penalised = _replies(plain, tok, prompts, generation_kwargs={"repetition_penalty": 1.3})
    assert penalised != expected
    assert chatty.generation_config.repetition_penalty == 1.3  # the checkpoint's own, restored


def test_sampling_takes_only_the_eval_configs_settings(prompts):
    plain, chatty, tok = _pair(lambda m: m)
    runs = []
    for model in (plain, chatty):
        torch.manual_seed(3)
        runs.append(_replies(model, tok, prompts, generation_kwargs=STUDY_B))
    assert runs[0] == runs[1]  # not the checkpoint's top_k 1 (which would be greedy search)
    greedy = _replies(plain, tok, prompts)
    assert runs[0] != greedy


def test_study_b_states_every_effective_value(compose_cfg):
    kwargs = dict(compose_cfg("eval=study_b").eval.generation.generation_kwargs)
    assert kwargs.items() >= STUDY_B.items()
    chatty = build_tiny_random_model(generation_config=CHATTY)
    checkpoint = chatty.model.generation_config
    config = decoding_config(checkpoint, chatty.tokenizer, 256, kwargs)
    eos = chatty.tokenizer.eos_token_id
    assert effective_settings(config, checkpoint) == {
        "do_sample": True,
        "num_beams": 1,
        "repetition_penalty": 1.0,
        "no_repeat_ngram_size": 0,
        "min_new_tokens": 0,
        "max_new_tokens": 256,
        "temperature": 1.0,
        "top_k": 0,  # no top-k filter: neither the checkpoint's 1 nor transformers' default 50
        "top_p": 0.92,
        "min_p": None,
        "typical_p": 1.0,
        "eos_token_id": eos,
        "pad_token_id": chatty.tokenizer.pad_token_id,
        "not_from_checkpoint": {
            "repetition_penalty": 1.3,
            "no_repeat_ngram_size": 2,
            "temperature": 0.3,
            "top_k": 1,
            "top_p": 0.5,
        },
    }


def test_greedy_states_no_sampling_values_and_lists_what_the_config_adds():
    loaded = build_tiny_random_model()
    config = decoding_config(
        loaded.model.generation_config, loaded.tokenizer, 48, {"suppress_tokens": [5]}
    )
    settings = effective_settings(config, loaded.model.generation_config)
    assert settings["do_sample"] is False and settings["repetition_penalty"] == 1.0
    assert "top_p" not in settings and "temperature" not in settings
    assert settings["suppress_tokens"] == [5] and settings["max_new_tokens"] == 48
    assert settings["not_from_checkpoint"] == {}


def test_a_misspelt_setting_names_the_key(prompts):
    loaded = build_tiny_random_model()
    with pytest.raises(
        ConfigError, match=r"eval\.generation\.generation_kwargs\.top_pp .*spelling"
    ):
        _replies(loaded.model, loaded.tokenizer, prompts, generation_kwargs={"top_pp": 0.9})
    with pytest.raises(ConfigError, match=r"logits_processor .*eval\.generation\.engine=plain"):
        split_kwargs({"logits_processor": []}, engine="continuous")


def test_a_misspelt_setting_stops_the_run_before_the_model_loads(compose_cfg):
    from tide_exp.config.validation import validate_config

    with pytest.raises(ConfigError, match=r"eval\.generation\.generation_kwargs\.top_pp "):
        validate_config(compose_cfg("+eval.generation.generation_kwargs.top_pp=0.9"))
    validate_config(compose_cfg("eval=study_b"))


def test_decoding_checkpoint_takes_the_checkpoints_own_settings(prompts):
    """eval.generation.decoding=checkpoint, the other reading: the checkpoint's own sampling
    and penalty settings shape the replies (as its chat users get them), the eval config's
    kwargs and cap still win, and results.json's decoding says so."""
    chatty = build_tiny_random_model(generation_config=CHATTY)
    tok = chatty.tokenizer
    base = decoding_config(chatty.model.generation_config, tok, 12, base="checkpoint")
    assert (base.repetition_penalty, base.no_repeat_ngram_size, base.top_k) == (1.3, 2, 1)
    assert base.max_new_tokens == 12 and base.pad_token_id == tok.pad_token_id
    settings = effective_settings(base, chatty.model.generation_config)
    assert settings["repetition_penalty"] == 1.3 and settings["not_from_checkpoint"] == {}
    over = decoding_config(
        chatty.model.generation_config, tok, 12, {"do_sample": False}, base="checkpoint"
    )
    assert over.do_sample is False and over.repetition_penalty == 1.3
    # The replies are the ones the checkpoint's settings give when passed explicitly.
    torch.manual_seed(0)
    own = _replies(chatty.model, tok, prompts, decoding_base="checkpoint")
    torch.manual_seed(0)
    explicit = _replies(chatty.model, tok, prompts, generation_kwargs=CHATTY)
    torch.manual_seed(0)
    greedy = _replies(chatty.model, tok, prompts)
    assert [r.text for r in own] == [r.text for r in explicit]
    assert [r.text for r in own] != [r.text for r in greedy]
    with pytest.raises(ConfigError, match=r"eval.generation.decoding='sampled' is not one of"):
        configured_generation(decoding="sampled")
