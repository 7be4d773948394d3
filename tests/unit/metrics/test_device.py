"""Scoring encoders run on CUDA when there is one, with the CPU's values."""

from __future__ import annotations

import pytest

from tide_exp.metrics import embedding, score_texts


def test_configured_device_wins():
    assert embedding.resolve_device("cpu") == "cpu"
    assert embedding.resolve_device("cuda:1") == "cuda:1"


@pytest.mark.gpu
def test_cosine_and_bertscore_on_cuda_equal_cpu(english_pairs):
    preds, refs = english_pairs
    metrics = {"cosine": {}, "bertscore_f1": {}}
    cuda = score_texts(preds, refs, metrics)  # default device: CUDA here
    cpu = score_texts(preds, refs, {"cosine": {"device": "cpu"}, "bertscore_f1": {"device": "cpu"}})
    assert embedding.resolve_device(None) == "cuda"
    for a, b in zip(cuda["per_sample"], cpu["per_sample"], strict=True):
        assert a == pytest.approx(b, abs=1e-5)
