"""The torchmetrics wrapper: same numbers as score_texts, texts gathered across DDP ranks."""

from __future__ import annotations

import socket

import pytest
import torch

from tests.text_score_metric import TextScoreMetric, decode_texts, encode_texts
from tide_exp.metrics import score_texts

CONFIG = {"rouge_l": {}, "distinct_1": {}, "meteor": {}}


def test_round_trip_of_text_states():
    texts = ["", "I hear you.", "我理解你 — café"]
    assert decode_texts(*encode_texts(texts)) == texts


def test_update_compute_equals_score_texts(english_pairs):
    preds, refs = english_pairs
    metric = TextScoreMetric(CONFIG)
    for start in range(0, len(preds), 6):
        metric.update(preds[start : start + 6], refs[start : start + 6])
    values = metric.compute()
    expected = score_texts(preds, refs, CONFIG)["metrics"]
    for name in CONFIG:
        assert values[name].item() == pytest.approx(expected[name]["mean"], abs=1e-12)
    metric.reset()
    assert metric.texts() == ([], [])


def _worker(rank: int, world: int, port: int, preds, refs, queue) -> None:
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    metric = TextScoreMetric(CONFIG)
    shard = slice(rank * 7, (rank + 1) * 7 if rank == 0 else len(preds))  # uneven shards
    metric.update(preds[shard], refs[shard])
    values = metric.compute()
    queue.put(
        (
            rank,
            {k: v.item() for k, v in values.items()},
            metric.last_scores["metrics"]["rouge_l"]["n"],
        )
    )
    dist.destroy_process_group()


def test_ddp_gathers_all_ranks(english_pairs):
    preds, refs = english_pairs
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = torch.multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(rank, 2, port, preds, refs, queue)) for rank in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    expected = score_texts(preds, refs, CONFIG)["metrics"]
    for _rank, values, n in results:
        assert n == len(preds)  # each rank scored the whole gathered set
        for name in CONFIG:
            assert values[name] == pytest.approx(expected[name]["mean"], abs=1e-12)
