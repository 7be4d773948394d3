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
    assert rows["rouge_l"] == ["0.2500", "0.5000", "+0.2500", "-"]  # no replies: no interval
    assert rows["meteor"] == ["-", "0.2500", "-", "-"]  # no zero-shot value: no delta either
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
    assert rows["safety/safe_rate"] == ["0.4000", "0.6000", "+0.2000", "-"]
    assert rows["safety/crisis_safe_rate"] == ["0.2500", "0.5000", "+0.2500", "-"]
    assert rows["safety/control_safe_rate"] == ["1.0000", "1.0000", "+0.0000", "-"]
    assert f"unsafe:      {tmp_path / 'safety_unsafe.md'}" in text
    assert text.splitlines()[-1] == f"W&B upload:  wandb sync {run}"


def test_the_summary_reads_alone_intervals_endings_epochs_and_the_demo(tmp_path):
    """What the W&B summary knew and the console did not: the paired interval of each change
    (n.s. when it includes 0), how many replies were cut or loop, which epoch was best."""
    from tide_exp.runs.dashboard import summary_values
    from tide_exp.runs.folder import RunFolder

    rows = []
    swings = [0.2, -0.2, 0.1, -0.1, 0.15, -0.15, 0.05, -0.04]
    for i, swing in enumerate(swings):  # cosine: changes either way; rouge_l: +0.1 everywhere
        for phase, cos, rouge in (("zs", 0.3, 0.1), ("ft", 0.3 + swing, 0.2)):
            scores = {"cosine": cos, "rouge_l": rouge}
            rows.append({"phase": phase, "example_id": f"e{i}", "scores": scores})
    RunFolder(tmp_path).write_generations(rows)
    means = {
        p: {
            m: sum(r["scores"][m] for r in rows if r["phase"] == p) / 8
            for m in ("cosine", "rouge_l")
        }
        for p in ("zs", "ft")
    }
    endings = {"zs": (1, 0), "ft": (2, 5)}
    phases = {
        p: {
            "metrics": {m: {"mean": v, "level": "sample"} for m, v in means[p].items()},
            "replies": {"n": 8, "cut": endings[p][0], "looping": endings[p][1]},
        }
        for p in ("zs", "ft")
    }
    phases["val"] = [
        {"epoch": 1, "step": 4, "metrics": {"cosine": {"mean": 0.36}}},
        {"epoch": 2, "step": 8, "metrics": {"cosine": {"mean": 0.33}}},
    ]
    phases["ft"]["selection"] = {
        "select": "last",
        "monitor": "val/gen/cosine",
        "mode": "max",
        "epoch": 2,
        "best_epoch": 1,
        "best_value": 0.36,
    }
    data = {"train_examples": 32, "eval_prompts": 8, "synthetic": True}
    results = {
        "model": {"name": "smollm2_135m"},
        "timings": {"total_s": 80},
        "data": data,
        "phases": phases,
    }
    text = format_run_summary(results, tmp_path)
    wandb = summary_values(results, rows, "ft/gen/cosine")
    table = rows_of(text)
    low, high = wandb["delta/gen/cosine_low"], wandb["delta/gen/cosine_high"]
    assert low < 0 < high
    assert table["cosine"][3:] == [f"[{low:+.4f},", f"{high:+.4f}]", "n.s."]  # the W&B interval
    assert table["rouge_l"][3:] == ["[+0.1000,", "+0.1000]", "*"]
    endings = {line[2:].rsplit(None, 2)[0]: line.split()[-2:] for line in text.splitlines()}
    assert endings["replies cut at the cap"] == ["1/8", "2/8"]
    assert endings["replies looping"] == ["0/8", "5/8"]
    assert (
        "  fine-tuned = epoch 2 of 2 (eval.select=last); best epoch by val/gen/cosine (max): 1 (0.3600)"
        in text
    )
    assert wandb["best/epoch"] == 1 and wandb["ft/epoch"] == 2
    assert "demo: synthetic sample data, 32 training examples, 8 steps" in text
    assert "n.s. the interval includes 0 (not significant), * it excludes 0" in text
    assert "demo:" not in format_run_summary(
        {**results, "data": {**data, "synthetic": False}}, tmp_path
    )


def test_ctrl_c_in_the_base_model_validation_is_ctrl_c_not_lightnings_exit_1():
    """Study B validates the base model before training: Ctrl-C there is recorded as an
    interruption too (runs/job.py), not Lightning's shutdown and exit status 1."""
    import signal

    import pytest
    import pytorch_lightning as pl
    from pytorch_lightning.demos.boring_classes import BoringDataModule, BoringModel

    from tide_exp.runs.run import fit

    class CtrlC(pl.Callback):
        def on_validation_start(self, trainer, pl_module):
            raise KeyboardInterrupt

    handler = signal.getsignal(signal.SIGINT)  # Lightning ignores SIGINT after its shutdown
    trainer = pl.Trainer(
        callbacks=[CtrlC()], logger=False, enable_checkpointing=False, enable_progress_bar=False
    )
    module = BoringModel()
    try:
        with pytest.raises(KeyboardInterrupt):  # was: SystemExit(1)
            fit(trainer, module, BoringDataModule(), None, validate_base=True)
    finally:
        signal.signal(signal.SIGINT, handler)
    assert trainer.interrupted


def test_the_demo_line_points_at_a_readme_section_that_exists():
    from pathlib import Path

    from tide_exp.runs.summary import demo_line

    line = demo_line({"data": {"synthetic": True, "train_examples": 32, "eval_prompts": 16}})
    section = line.split("README, '")[1].split("'")[0]
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert f"### {section}\n" in readme  # was: a section the README did not have
