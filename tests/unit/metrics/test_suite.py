"""score_texts: the contract the generation callback, the scorer and the report rely on."""

from __future__ import annotations

import json
import math

import pytest

from tide_exp.metrics import METRICS, score_texts
from tide_exp.metrics.suite import STUDY_A_METRICS


def test_contract_keys_levels_and_config(pairs_with_edges):
    preds, refs = pairs_with_edges
    out = score_texts(
        preds,
        refs,
        {name: None for name in STUDY_A_METRICS}
        | {"distinct_1": {}, "distinct_1_reply": {}, "rouge_l": {"use_stemmer": False}},
    )
    assert set(out) == {"metrics", "config", "per_sample"}
    assert len(out["per_sample"]) == len(preds)
    for name, m in out["metrics"].items():
        assert {"mean", "std", "n", "level"} <= set(m) and m["n"] == len(preds)
        assert m["level"] == METRICS[name].level
    # Corpus-level metrics have one value for the set and no per-sample column.
    assert out["metrics"]["distinct_1"]["std"] is None
    assert "distinct_1" not in out["per_sample"][0] and "distinct_1_reply" in out["per_sample"][0]
    assert out["metrics"]["rouge_l"]["mean"] == pytest.approx(
        sum(r["rouge_l"] for r in out["per_sample"]) / len(preds)
    )
    config = out["config"]
    assert config["rouge_l"]["use_stemmer"] is False and config["rouge_l"]["options"] == {
        "use_stemmer": False
    }
    assert (
        config["bertscore_f1"]["layer"] == 6
        and "transformers" in config["bertscore_f1"]["versions"]
    )
    assert config["cosine"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert (
        config["meteor"]["tokenizer"] == "treebank" and "WordNet 3.0" in config["meteor"]["wordnet"]
    )
    json.dumps(out)  # scores.json-ready


def test_errors_name_the_problem():
    with pytest.raises(KeyError, match="bleu"):
        score_texts(["a"], ["a"], {"bleu": {}})
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        score_texts(["a", "b"], ["a"], {"rouge_l": {}})


def test_empty_set_and_study_b_metrics(chinese_rows):
    assert math.isnan(score_texts([], [], {"rouge_l": {}})["metrics"]["rouge_l"]["mean"])
    preds = [r["prediction"] for r in chinese_rows]
    out = score_texts(
        preds,
        preds,
        {
            "advice_empathy_ratio": {},
            "prescriptive_rate": {},
            "generic_reply_rate": {"tokenizer": "chars"},
        },
    )
    assert out["metrics"]["prescriptive_rate"]["mean"] == 0.75
    assert out["metrics"]["advice_empathy_ratio"]["level"] == "corpus"
