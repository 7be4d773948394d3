"""The results.json schema checker finds what a reader would trip over."""

from __future__ import annotations

from pathlib import Path

from tests.results_schema import schema_errors
from tide_exp.results import PhaseSummary, Results

ASSET = Path(__file__).resolve().parents[1] / "assets"


def _phase(**changes):
    phase = {
        "epoch": 0,
        "step": 4,
        "metrics": {"rouge_l": {"mean": 0.2, "std": 0.1, "n": 4, "level": "sample"}},
        "metric_config": {},
        "prompts": {"count": 4, "example_ids": ["a", "b", "c", "d"]},
        "generation_s": 1.0,
        "new_tokens": 32,
        "generation_tokens_per_s": 32.0,
        "cut_rate": 0.5,
        "replies": {
            "n": 4,
            "cut": 2,
            "cut_rate": 0.5,
            "open_reasoning": 0,
            "open_reasoning_rate": 0.0,
        },
        "decoding": {"do_sample": False},
        "scoring_s": 0.1,
    }
    return phase | changes


def test_a_phase_matches_and_each_kind_of_mismatch_is_named():
    assert schema_errors(_phase(), PhaseSummary) == []
    assert schema_errors(_phase(epoch=None, reused_from="val epoch 1"), PhaseSummary) == []
    assert schema_errors(_phase(step="4"), PhaseSummary, "p") == ["p.step: '4', not int"]
    assert schema_errors(_phase(extra=1), PhaseSummary, "p") == ["p.extra: not in the schema"]
    missing = _phase()
    del missing["prompts"]
    assert schema_errors(missing, PhaseSummary, "p") == ["p.prompts: missing"]
    bad = _phase(metrics={"rouge_l": {"mean": "x"}})
    assert schema_errors(bad, PhaseSummary, "p") == ["p.metrics.rouge_l.mean: 'x', not float"]


def test_a_list_where_an_object_belongs():
    assert schema_errors([], Results) == ["results: list, not an object"]
