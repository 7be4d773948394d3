"""Time the six Study A metrics on 4,000 reply/reference pairs with the offline default models.

    python benchmarks/bench_metrics.py [--pairs 4000] [--breakdown]

Pairs are built reproducibly (seed 0) from the English fixture texts: each prediction joins 2-3
sentences of the fixture replies, each reference 3-5 sentences of the fixture references, so texts
are distinct and about as long as small-model replies and TIDE references. Models are loaded (and
WordNet read) before the clock starts; the figure is one ``score_texts`` call, as the callback and
the scorer make it. The figure quoted in docs/metrics.md comes from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import time
from pathlib import Path

import torch

from tide_exp.metrics import score_texts
from tide_exp.metrics.suite import STUDY_A_METRICS
from tide_exp.metrics.tokenization import _treebank_tokens

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "assets" / "metrics" / "pairs_en.jsonl"


def _sentences(texts: list[str]) -> list[str]:
    return [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s]


def build_pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` distinct (prediction, reference) pairs assembled from the fixture sentences."""
    rows = [
        json.loads(line)
        for line in FIXTURE.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    pred_pool = _sentences([r["prediction"] for r in rows])
    ref_pool = _sentences([r["reference"] for r in rows])
    rng = random.Random(seed)
    preds, refs = [], []
    for _ in range(n):
        preds.append(" ".join(rng.sample(pred_pool, rng.randint(2, 3))))
        refs.append(" ".join(rng.sample(ref_pool, rng.randint(3, 5))))
    return preds, refs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--breakdown", action="store_true", help="also time each metric alone")
    args = parser.parse_args()
    preds, refs = build_pairs(args.pairs)
    metrics = dict.fromkeys(STUDY_A_METRICS)
    score_texts(preds[:8], refs[:8], metrics)  # load the encoders and WordNet once, untimed

    from tide_exp.metrics.embedding import load_sentence_encoder

    tokenizer = load_sentence_encoder().tokenizer
    tokens = [len(tokenizer(t)["input_ids"]) for t in preds[:500] + refs[:500]]
    load_before = os.getloadavg()[0]
    cpu_start, start = time.process_time(), time.perf_counter()
    result = score_texts(preds, refs, metrics)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    report = {
        "pairs": args.pairs,
        "metrics": list(metrics),
        "seconds": round(total, 1),
        "pairs_per_second": round(args.pairs / total, 1),
        # CPU seconds of this process (all threads): unlike wall time, not inflated by other load.
        "cpu_seconds": round(cpu, 1),
        "mean_tokens_per_text": round(statistics.fmean(tokens), 1),
        "means": {k: round(v["mean"], 4) for k, v in result["metrics"].items()},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        # Other processes compete for the same cores: the 1-minute load average before and after.
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if args.breakdown:
        report["alone_seconds"] = {}
        for name in metrics:
            _treebank_tokens.cache_clear()  # METEOR and distinct-n share memoised tokens
            start = time.perf_counter()
            score_texts(preds, refs, {name: None})
            report["alone_seconds"][name] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
