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
    folder = {"model_name_or_path": str(tmp_path), "num_layers": 9}  # a folder has no default
    check_encoders_available({"cosine": {}, "bertscore_f1": folder, "meteor": {}})


def test_cosine_encoder_and_a_missing_folder_are_named(tmp_path, empty_hf_cache):
    with pytest.raises(ModelUnavailableError, match=r"eval\.metrics\.cosine\.model_name_or_path"):
        check_encoders_available({"cosine": {"model_name_or_path": "org/encoder"}})
    missing = str(tmp_path / "no" / "such" / "model")
    with pytest.raises(ModelUnavailableError, match="no such folder and not a hub id"):
        check_encoders_available({"bertscore_f1": {"model_name_or_path": missing}})


def test_a_bertscore_layer_its_encoder_lacks_is_refused_before_the_lm_loads(
    compose_cfg, monkeypatch
):
    """Issue 31: Study A's recipe with the embedded encoder (model_name_or_path=null, 6 layers)
    kept roberta-large's num_layers=17 and failed with a traceback after minutes of generation."""
    from tide_exp.errors import ConfigError

    loads = []
    monkeypatch.setattr("tests.tiny_models.build_tiny_random_model", lambda **kw: loads.append(kw))
    key = "eval.metrics.bertscore_f1"
    cfg = compose_cfg("experiment=tide_paper", "trainer=cpu", f"{key}.model_name_or_path=null")
    assert cfg.eval.metrics.bertscore_f1.num_layers == 17
    with pytest.raises(ConfigError) as error:
        run(cfg)
    assert str(error.value).startswith(
        f"{key}.num_layers=17: sentence-transformers/all-MiniLM-L6-v2 has 6 layers;"
    )
    assert loads == []
    for layers in (0, 6, None):  # in range, and the embedded encoder's tuned default
        check_encoders_available(
            {"bertscore_f1": {"model_name_or_path": None, "num_layers": layers}}
        )
    with pytest.raises(ConfigError, match=r"^eval\.metrics\.bertscore_recall\.num_layers=-1: "):
        check_encoders_available({"bertscore_recall": {"num_layers": -1}})
