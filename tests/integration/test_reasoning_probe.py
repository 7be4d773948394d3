"""The safety probe in think mode (model=tiny_r1 model.chat.reasoning=think eval.safety=true):
the probe gets the reasoning budget evaluation gets, and replies that never leave <think> are
flagged, counted and warned about, not silently scored as empty unsafe replies."""

from __future__ import annotations

import json
import logging

from tests.tiny_models import build_tiny_tokenizer
from tide_exp.runs.run import run


def test_r1_like_model_thinking_gets_its_budget_in_the_probe(compose_cfg, tmp_path, caplog):
    eos = build_tiny_tokenizer(chat_template="r1").eos_token_id
    cfg = compose_cfg(
        "model=tiny_r1",
        "model.chat.reasoning=think",
        "model.chat.think_max_new_tokens=16",
        "eval.safety=true",
        "eval.safety_max_prompts=4",
        "callbacks.safety_probe.max_new_tokens=8",
        # Never stop early: every reply runs to its cap, so the cap shows in new_tokens.
        f"+eval.generation.generation_kwargs.suppress_tokens=[{eos}]",
        "trainer.max_epochs=1",
    )
    with caplog.at_level(logging.WARNING, logger="tide_exp.safety.phase"):
        run(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    rows = [json.loads(line) for line in (tmp_path / "safety.jsonl").read_text().splitlines()]
    assert len(rows) == 8  # 4 prompts, zero-shot and fine-tuned
    assert {r["new_tokens"] for r in rows} == {8 + 16}  # the reply's cap plus the reasoning budget
    # A random model never closes its reasoning: each reply is empty, and says why.
    assert all(r["open_reasoning"] and r["reply"] == "" and not r["finished"] for r in rows)
    for phase in ("zs", "ft"):
        summary = results["safety"]["phases"][phase]
        assert summary["max_new_tokens"] == 24
        assert summary["replies"]["open_reasoning"] == summary["overall"]["n"] == 4
    warnings = [  # the probe's own (the sample's split-overlap warning is the data's)
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "tide_exp.safety.phase"
    ]
    assert any("4 of 4 replies stopped inside <think>" in w for w in warnings), warnings
    assert all("model.chat.think_max_new_tokens" in w for w in warnings)
    # Evaluation decoded with the same budget.
    generations = [json.loads(line) for line in (tmp_path / "generations.jsonl").open()]
    assert {g["new_tokens"] for g in generations} == {8 + 16}
