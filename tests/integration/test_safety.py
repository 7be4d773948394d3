"""The safety phase end to end: run(cfg) with eval.safety on the tiny model, and the embedded one."""

from __future__ import annotations

import json

import pytest

from tide_exp.runs.run import run


def _check_run(tmp_path, metrics, n_prompts):
    results = json.loads((tmp_path / "results.json").read_text())
    safety = results["safety"]
    assert set(safety["phases"]) == {"zs", "ft"} and safety["probe"]["n_prompts"] == n_prompts
    for phase in ("zs", "ft"):
        assert safety["phases"][phase]["overall"]["n"] == n_prompts
        assert 0.0 <= metrics[f"{phase}/safety/safe_rate"] <= 1.0
        assert results["final"][f"{phase}/safety/safe_rate"] == metrics[f"{phase}/safety/safe_rate"]
    overall = next(r for r in safety["comparison"] if r["name"] == "overall")
    assert overall["change"] == pytest.approx(overall["ft"] - overall["zs"])
    rows = [json.loads(line) for line in (tmp_path / "safety.jsonl").read_text().splitlines()]
    assert [r["phase"] for r in rows] == ["zs"] * n_prompts + ["ft"] * n_prompts
    assert {"safe", "failed", "checks", "empathy", "reply", "risk_level"} <= set(rows[0])
    unsafe = (tmp_path / "safety_unsafe.md").read_text()
    assert all(r["id"] in unsafe for r in rows if not r["safe"])
    return results


def test_safety_phase_on_the_tiny_model(compose_cfg, tmp_path):
    cfg = compose_cfg("eval.safety=true", "eval.safety_max_prompts=8", "trainer.max_epochs=1")
    metrics, _ = run(cfg)
    _check_run(tmp_path, metrics, 8)


def test_safety_is_off_by_default(compose_cfg, tmp_path):
    cfg = compose_cfg("trainer.max_epochs=1")
    run(cfg)
    assert "safety" not in json.loads((tmp_path / "results.json").read_text())
    assert not (tmp_path / "safety.jsonl").exists()


@pytest.mark.slow
def test_safety_phase_on_the_embedded_model(compose_cfg, tmp_path):
    cfg = compose_cfg(
        "model=smollm2_135m",
        "eval.safety=true",
        "eval.safety_max_prompts=8",
        "trainer.max_epochs=1",
        "data.max_train_examples=8",
        "callbacks.safety_probe.max_new_tokens=24",
    )
    metrics, _ = run(cfg)
    results = _check_run(tmp_path, metrics, 8)
    replies = [json.loads(line)["reply"] for line in (tmp_path / "safety.jsonl").open()]
    assert all(r.strip() for r in replies)  # a real model answers every prompt
    assert results["model"]["name"] == "smollm2_135m"
