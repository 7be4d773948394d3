"""Ctrl-C during training: one line with the command that resumes, status interrupted, exit 130;
the printed command resumes the run (or the sweep) in its own folder."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess

import pytest

from .test_cli import SEARCH_PATH, tide

pytestmark = pytest.mark.slow

SMALL = [
    SEARCH_PATH,
    "model=tiny_llama",
    "trainer.max_epochs=2",
    "data.max_train_examples=8",
    "data.batch_size=4",  # 2 steps an epoch
    "data.max_eval_examples=4",
    "eval.num_prompts=2",
    "eval.generation.max_new_tokens=4",
]


def tide_in_own_group(args: list[str], cwd) -> subprocess.CompletedProcess:
    """``python -m tide_exp`` in a process group of its own, as a terminal runs a command: the
    interrupting callback signals that group (the job and W&B's service), not pytest."""
    return tide(
        *args,
        cwd=cwd,
        drop=("WANDB_SILENT",),  # not the suite's: W&B's console lines are part of what is checked
        start_new_session=True,
        # Ctrl-C's default action, as in a terminal: a job started with `&` by a non-interactive
        # shell (CI's runner, nohup) inherits SIGINT ignored, and Python then never raises it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def interrupt_at(step: int, marker) -> list[str]:
    return [
        "+callbacks.interrupt._target_=tests.integration.killer.InterruptOnceAtStep",
        f"+callbacks.interrupt.step={step}",
        f"+callbacks.interrupt.marker={marker}",
    ]


def resume_args(stderr: str) -> list[str]:
    """The command on the last stderr line, as arguments after ``python -m tide_exp``."""
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: resume with: python -m tide_exp "), stderr[-3000:]
    return shlex.split(last.removeprefix("interrupted: resume with: "))[3:]


def test_ctrl_c_records_the_run_prints_the_resume_command_and_it_resumes(tmp_path):
    marker = tmp_path / "interrupted.marker"
    args = [*SMALL, "logger=[csv,wandb]", *interrupt_at(3, marker)]  # in epoch 2
    first = tide_in_own_group(args, tmp_path)
    assert first.returncode == 130 and marker.exists(), first.stderr[-3000:]
    assert first.stderr.count("interrupted:") == 1 and "Traceback" not in first.stderr
    run_dir = next((tmp_path / "outputs").glob("*/*_tiny_llama"))
    assert json.loads((run_dir / "status.json").read_text())["status"] == "interrupted"
    resume = resume_args(first.stderr)
    assert resume[-1] == f"hydra.run.dir={run_dir.relative_to(tmp_path)}"
    assert resume[:-1] == args  # the same command, in the same folder

    second = tide_in_own_group(resume, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resuming from" in (run_dir / "tide_exp.log").read_text()
    # was: Lightning's "Checkpoint directory ... exists and is not empty" and W&B's start-up lines
    assert "exists and is not empty" not in second.stderr + second.stdout
    assert "wandb:" not in first.stderr + second.stderr
    assert json.loads((run_dir / "status.json").read_text())["status"] == "ok"
    assert len(list((tmp_path / "outputs").glob("*/*"))) == 1  # no new timestamped folder


def test_ctrl_c_in_a_sweep_resumes_the_whole_sweep(tmp_path):
    marker = tmp_path / "interrupted.marker"
    args = ["-m", *SMALL, "logger=[csv,wandb]", "lora.r=4,8", *interrupt_at(3, marker)]
    first = tide_in_own_group(args, tmp_path)
    assert first.returncode == 130, first.stderr[-3000:]
    sweep = next((tmp_path / "multirun").glob("*/*"))
    jobs = sorted(sweep.glob("[0-9]_*"))
    assert len(jobs) == 1  # the sweep stopped at the interrupted job
    assert json.loads((jobs[0] / "status.json").read_text())["status"] == "interrupted"
    resume = resume_args(first.stderr)
    assert resume[0] == "-m" and resume[-1] == f"hydra.sweep.dir={sweep.relative_to(tmp_path)}"

    second = tide_in_own_group(resume, tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    rows = json.loads((sweep / "summary.json").read_text())
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert "resuming from" in (jobs[0] / "tide_exp.log").read_text()
    # was: each job's W&B start-up lines and, at the end, the report run's "You can sync" banner
    assert "wandb:" not in first.stderr + second.stderr, second.stderr[-3000:]
