"""Every choice Study A leaves open is a named switch: docs/report.md's table, read here, names
the key, our value and the alternative; each alternative composes, passes the check and bites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hydra.utils import instantiate
from omegaconf import OmegaConf

from tests.tiny_models import build_tiny_random_model
from tide_exp.config.validation import check_values
from tide_exp.metrics.rouge import rouge_l
from tide_exp.modules.lora_causal_lm_module import build_peft_model

DOC = Path(__file__).resolve().parents[3] / "docs" / "report.md"


def choices() -> list[tuple[str, str, str, str]]:
    """(choice, key, ours, alternative) per row of the doc's table."""
    text = DOC.read_text(encoding="utf-8").split("## Study A: choices its paper leaves open")[1]
    rows = re.findall(r"^\| ([^|]+) \| `([^`]+)` \| (.+?) \| `([^`]+)` \|$", text, re.M)
    return [(c.strip(), key, ours.strip(), alt) for c, key, ours, alt in rows]


def test_the_table_lists_the_issues_switches():
    keys = {key for _, key, _, _ in choices()}
    assert {
        "eval.generation.decoding",
        "lora.lora_dropout",
        "lora.target_modules",
        "trainer.precision",
        "trainer.gradient_clip_val",
        "eval.metrics.rouge_l.use_stemmer",
        "model.chat.persona_template",
    } <= keys


@pytest.mark.parametrize(("choice", "key", "ours", "alternative"), choices())
def test_each_choice_is_ours_in_the_recipe_and_its_alternative_bites(
    compose_cfg, choice, key, ours, alternative
):
    recipe = compose_cfg("experiment=tide_paper", "model=smollm2_135m")
    value = OmegaConf.select(recipe, key)
    if ours.startswith("`"):
        assert value == yaml.safe_load(ours.strip("`")), choice
    else:
        assert value, choice  # described in words: set, whatever its text
    other = compose_cfg("experiment=tide_paper", "model=smollm2_135m", alternative)
    check_values(other)
    assert OmegaConf.select(other, key) != value, choice


def test_peft_defaults_train_fewer_modules_without_dropout(compose_cfg):
    ours = instantiate(compose_cfg("lora=default").lora)
    peft = instantiate(compose_cfg("lora=peft_defaults").lora)
    assert (ours.lora_dropout, peft.lora_dropout) == (0.05, 0.0)
    adapted = build_peft_model(build_tiny_random_model().model, peft)
    names = {n.rsplit(".", 1)[-1] for n, _ in adapted.named_modules() if n.endswith(("_proj",))}
    targets = set(adapted.peft_config["default"].target_modules)
    assert targets == {"q_proj", "v_proj"} and targets < names


def test_rouge_stemmer_switch_changes_the_score():
    on = rouge_l(["I keep running away"], ["I run away"], use_stemmer=True)[0]
    off = rouge_l(["I keep running away"], ["I run away"], use_stemmer=False)[0]
    assert on > off
