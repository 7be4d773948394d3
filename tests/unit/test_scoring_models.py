"""A run whose scoring encoders are not available offline stops before the LM loads."""

from __future__ import annotations

import pytest

from tide_exp.errors import ModelUnavailableError
from tide_exp.metrics.suite import check_encoders_available
from tide_exp.runs.run import run


@pytest.fixture
def empty_hf_cache(monkeypatch, tmp_path):
    """A Hugging Face cache with nothing in it (whatever this machine has cached)."""
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))


def test_tide_paper_names_roberta_large_and_the_fix_before_the_lm_loads(
    compose_cfg, tmp_path, monkeypatch, empty_hf_cache
):
    loads = []
    monkeypatch.setattr("tests.tiny_models.build_tiny_random_model", lambda **kw: loads.append(kw))
    cfg = compose_cfg("experiment=tide_paper", "trainer=cpu")
    assert cfg.eval.metrics.bertscore_f1.model_name_or_path == "roberta-large"
    with pytest.raises(ModelUnavailableError) as error:
        run(cfg)
    message = str(error.value)
    assert message.startswith("Model 'roberta-large' is not available offline")
    assert "`hf download roberta-large`" in message
    assert "set eval.metrics.bertscore_f1.model_name_or_path to a local folder" in message
    assert "\n" not in message  # one sentence
    assert loads == [] and not (tmp_path / "results.json").exists()


def test_an_encoder_given_as_a_folder_or_left_embedded_passes(tmp_path, empty_hf_cache):
    check_encoders_available(
        {"cosine": {}, "bertscore_f1": {"model_name_or_path": str(tmp_path)}, "meteor": {}}
    )


def test_cosine_encoder_and_a_missing_folder_are_named(tmp_path, empty_hf_cache):
    with pytest.raises(ModelUnavailableError, match=r"eval\.metrics\.cosine\.model_name_or_path"):
        check_encoders_available({"cosine": {"model_name_or_path": "org/encoder"}})
    missing = str(tmp_path / "no" / "such" / "model")
    with pytest.raises(ModelUnavailableError, match="no such folder and not a hub id"):
        check_encoders_available({"bertscore_f1": {"model_name_or_path": missing}})
