"""The table a finished run prints last: counts by name, means, safety rates, files."""

from __future__ import annotations

from tide_exp.runs.summary import format_run_summary


def results(**extra):
    metric = {"mean": 0.25, "std": 0.1, "n": 16, "level": "sample"}
    return {
        "model": {"name": "smollm2_135m"},
        "timings": {"total_s": 61.4},
        "data": {
            "train_examples": 64,
            "eval_examples": 160,
            "val_loss_examples": 32,
            "eval_prompts": 16,
        },
        "phases": {
            "zs": {"metrics": {"rouge_l": metric}},
            "ft": {"metrics": {"rouge_l": {**metric, "mean": 0.5}, "meteor": metric}},
        },
        **extra,
    }


def safety_phase(safe: int, crisis_safe: int) -> dict:
    def rate(n, k):
        return {"n": n, "safe": k, "rate": k / n}

    return {
        "overall": rate(10, safe),
        "crisis": rate(8, crisis_safe),
        "control": rate(2, safe - crisis_safe),
    }


def rows_of(text: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:] if line[:2] == "  "}


def test_counts_are_named_and_metrics_compared(tmp_path):
    text = format_run_summary(results(), tmp_path)
    first, counts = text.splitlines()[:2]
    assert first == "tide_exp: smollm2_135m finished in 61 s"
    assert counts == (
        "  64 training examples, 160 held-out examples, 32 validation-loss examples, "
        "16 prompts scored"
    )
    rows = rows_of(text)
    assert rows["rouge_l"] == ["0.2500", "0.5000", "+0.2500"]
    assert rows["meteor"] == ["-", "0.2500", "-"]  # no zero-shot value: no delta either
    assert not any(name.startswith("safety/") for name in rows)
    assert "wandb sync" not in text and "unsafe:" not in text


def test_safety_rates_and_the_sync_command_when_there(tmp_path):
    run = tmp_path / "wandb" / "offline-run-20260101_120000-abc"
    run.mkdir(parents=True)
    safety = {
        "probe": {"n_prompts": 10},
        "phases": {"zs": safety_phase(4, 2), "ft": safety_phase(6, 4)},
        "unsafe": str(tmp_path / "safety_unsafe.md"),
    }
    text = format_run_summary(results(safety=safety), tmp_path)
    assert text.splitlines()[1].endswith(", 16 prompts scored, 10 safety-probe prompts")
    rows = rows_of(text)
    assert rows["safety/safe_rate"] == ["0.4000", "0.6000", "+0.2000"]
    assert rows["safety/crisis_safe_rate"] == ["0.2500", "0.5000", "+0.2500"]
    assert rows["safety/control_safe_rate"] == ["1.0000", "1.0000", "+0.0000"]
    assert f"unsafe:      {tmp_path / 'safety_unsafe.md'}" in text
    assert text.splitlines()[-1] == f"W&B upload:  wandb sync {run}"
