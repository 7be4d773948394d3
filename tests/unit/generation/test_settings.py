"""One way to generate: the settings object, and the same reply from every caller."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from hydra.utils import instantiate

from tests.generation_helpers import configured_generation
from tests.tiny_models import build_tiny_tokenizer
from tide_exp.cli.chat import reply_to
from tide_exp.data.chat import ChatFormatter
from tide_exp.data.tide_folder import load_tide_folder
from tide_exp.errors import ConfigError
from tide_exp.generation import ChatGenerationSettings, GenerationSettings


def test_for_chat_adds_the_reasoning_budget_and_strips_in_think_mode():
    r1 = build_tiny_tokenizer(chat_template="r1")
    thinking = ChatFormatter(r1, reasoning="think", think_max_new_tokens=300)
    configured = configured_generation(max_new_tokens=64, batch_size="auto")
    settings = configured.for_chat(thinking)
    assert (settings.max_new_tokens, settings.strip_think, settings.batch_size) == (
        364,
        True,
        "auto",
    )
    assert isinstance(settings, ChatGenerationSettings) and not hasattr(settings, "for_chat")
    assert configured.max_new_tokens == 64  # the configured settings stay as configured
    skipping = configured_generation(max_new_tokens=64).for_chat(ChatFormatter(r1))
    assert (skipping.max_new_tokens, skipping.strip_think) == (64, False)
    # model.strip_think holds in any mode; a template without <think> gets no budget.
    chatml = ChatFormatter(build_tiny_tokenizer(), reasoning="think", think_max_new_tokens=300)
    plain = configured_generation(max_new_tokens=64, strip_think=True).for_chat(chatml)
    assert (plain.max_new_tokens, plain.strip_think) == (64, True)


def test_from_config_takes_the_eval_generation_node_and_a_commands_flags(compose_cfg):
    cfg = compose_cfg(
        "eval.generation.engine=static",
        "eval.generation.batch_size=3",
        "eval.generation.sort_by_length=false",
    )
    settings = GenerationSettings.from_config(cfg).replace(max_new_tokens=None)
    assert settings == configured_generation(
        batch_size=3, max_new_tokens=8, engine="static", merge="auto", sort_by_length=False
    )
    flags = GenerationSettings.from_config(cfg).replace(max_new_tokens=5, batch_size=1)
    assert (flags.max_new_tokens, flags.batch_size) == (5, 1)


def test_the_config_holds_the_only_defaults_and_the_class_checks_its_values():
    with pytest.raises(TypeError, match="missing"):
        GenerationSettings(max_new_tokens=8)  # no defaults here: conf/eval/default.yaml's
    cases = {
        "batch_size": (0, r"eval\.generation\.batch_size=0 is not a whole number >= 1 or auto"),
        "max_new_tokens": (True, r"eval\.generation\.max_new_tokens=True is not a whole"),
        "engine": ("turbo", r"eval\.generation\.engine='turbo' is not one of 'auto'"),
        "merge": ("maybe", r"eval\.generation\.merge='maybe' is not one of 'auto', True"),
        "generation_kwargs": ({"top_pp": 0.9}, r"generation_kwargs\.top_pp is not a setting"),
    }
    for field, (value, message) in cases.items():
        with pytest.raises(ConfigError, match=message):
            configured_generation(**{field: value})
    assert configured_generation(batch_size="auto").batch_size == "auto"


def _trainer(chat):
    return SimpleNamespace(
        datamodule=SimpleNamespace(chat=chat, prompt=lambda e: chat.prompt(e.user_input)),
        loggers=[],
        global_step=0,
        current_epoch=0,
        is_global_zero=True,
        sanity_checking=False,
        state=SimpleNamespace(fn="fit"),
        fit_loop=SimpleNamespace(
            epoch_loop=SimpleNamespace(_batches_that_stepped=0),
            epoch_progress=SimpleNamespace(current=SimpleNamespace(completed=0)),
        ),
    )


def test_the_callback_the_probe_chat_and_the_judge_give_the_same_reply(compose_cfg, monkeypatch):
    import tide_exp.judge.model as judge_model

    cfg = compose_cfg("eval.safety=true", "callbacks.safety_probe.max_new_tokens=8")
    loaded = instantiate(cfg.model.loader)
    chat = instantiate(cfg.model.chat, tokenizer=loaded.tokenizer)
    trainer, module = (
        _trainer(chat),
        SimpleNamespace(model=loaded.model, tokenizer=loaded.tokenizer),
    )
    example = load_tide_folder()[0]
    message = example.user_input

    evaluation = instantiate(cfg.callbacks.generation_metrics)
    evaluation.evaluate(trainer, module, "dev", 0, [example])
    probe = instantiate(cfg.callbacks.safety_probe)
    probe.probe_run.prompts = [dataclasses.replace(probe.probe_run.prompts[0], text=message)]
    probe.probe(trainer, module, "zs")
    chat_settings = GenerationSettings.from_config(cfg).replace(batch_size=1).for_chat(chat)
    monkeypatch.setattr(judge_model, "compose_model_config", lambda model, overrides: cfg)
    judge = judge_model.load_model_judge("tiny_llama", max_new_tokens=8)

    replies = {
        "callback": evaluation.records[-1]["prediction"],
        "probe": probe.records[-1]["reply"],
        "chat": reply_to(loaded.model, loaded.tokenizer, chat, message, chat_settings).text,
        "judge": judge([message])[0],
    }
    assert replies["callback"], "the tiny model says something"
    assert set(replies.values()) == {replies["callback"]}, replies
