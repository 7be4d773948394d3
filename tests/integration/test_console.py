"""What `tide train` prints, read the way a pipe or a log file gets it (stdout and stderr
together): no progress-bar frames, one line per epoch, no Lightning interval warning, and the
zero-shot vs fine-tuned table, safety rates included, as the last thing printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tide_exp.runs.summary import format_run_summary

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def tide_through_a_pipe(*args: str, cwd: Path) -> str:
    """``tide train ...`` with stdout and stderr into one pipe, as `tide train ... |& tee` has it."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline", "PYTHONPATH": str(ROOT)}
    env.pop("WANDB_SILENT", None)  # the test suite's quiet W&B is not what a user gets
    proc = subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", "train", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def test_a_piped_run_has_no_bar_frames_and_ends_with_its_table(tmp_path):
    run_dir = tmp_path / "run"
    out = tide_through_a_pipe(
        f"hydra.searchpath=[file://{ROOT / 'tests' / 'configs'}]",
        "model=tiny_llama",
        "logger=wandb",
        "data.max_train_examples=8",
        "data.max_eval_examples=4",
        "data.batch_size=4",
        "eval.num_prompts=2",
        "eval.generation.max_new_tokens=4",
        "eval.safety=true",
        "eval.safety_max_prompts=4",
        "callbacks.safety_probe.max_new_tokens=8",
        "trainer.max_epochs=2",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert "\r" not in out and "\x1b" not in out, "progress-bar frames in a pipe"
    assert "it/s]" not in out
    epochs = [line for line in out.splitlines() if "[tide_exp.callbacks.progress]" in line]
    assert [line.split(" - ", 1)[1].split(":")[0] for line in epochs] == ["epoch 1/2", "epoch 2/2"]
    assert all("train/loss=" in line and "val/loss=" in line for line in epochs)
    assert "smaller than the logging interval" not in out  # log_every lowered it in time
    assert "Run history" not in out and "Run summary" not in out  # W&B's footer is off
    assert "wandb:" not in out  # nor its start-up lines ("syncing is set to offline"...)

    results = json.loads((run_dir / "results.json").read_text())
    table = format_run_summary(results, run_dir)
    assert out.rstrip("\n").endswith("run summary\n" + table), out[-3000:]
    scored = results["phases"]["ft"]["prompts"]["count"]
    assert (
        f"{results['data']['val_loss_examples']} validation-loss examples, {scored} prompts scored"
        in out
    )
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines() if line[:2] == "  "}
    names = [k.split("/")[-1] for k in results["final"] if k.startswith("zs/safety/")]
    assert {"safe_rate", "crisis_safe_rate"} <= set(names)
    for name in names:
        zs, ft = (results["final"][f"{phase}/safety/{name}"] for phase in ("zs", "ft"))
        assert rows[f"safety/{name}"][:2] == [f"{zs:.4f}", f"{ft:.4f}"]
    assert "wandb sync " + str(next((run_dir / "wandb").glob("offline-run-*"))) in table
