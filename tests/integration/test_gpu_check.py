"""``make gpu-check``: known to work before a GPU is lent (issue 32).

The dry mode runs every step of benchmarks/gpu_check.py on the CPU with tiny models and writes
the JSON a GPU run writes; the table and the time limits are checked on records a GPU run can
leave (failed tests, an engine error, a step cut short).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu_check  # noqa: E402
from gpu_check_table import STEPS, summary_rows, table  # noqa: E402


@pytest.mark.slow
def test_dry_run_runs_every_step_and_writes_the_figures(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OUT"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--dry", "--out", str(tmp_path)]
        + ["--work", str(tmp_path / "work")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    record = json.loads((tmp_path / "gpu_check_dry.json").read_text())
    assert record["dry"] is True
    assert list(record["steps"]) == list(STEPS)
    for name, step in record["steps"].items():
        assert step["status"] == "ok", (name, step)
        ran = [c for c in step["commands"] if not c["cmd"].endswith("pip check")]
        assert ran and all(c["rc"] == 0 for c in ran), name  # pip check's verdict is a figure
    steps = {name: step["figures"] for name, step in record["steps"].items()}

    assert steps["install"]["missing_after"] == []
    assert steps["env"]["torch"]["torch"] and "transformers" in steps["env"]["stack"]
    # Every GPU test was collected, none failed; without CUDA they skip.
    files = steps["pytest"]["files"]
    assert any("test_engines_cuda_bf16" in f for f in files)
    assert any("test_gpu_study_b" in f for f in files)
    assert steps["pytest"]["failed"] == steps["pytest"]["errors"] == 0
    assert steps["pytest"]["passed"] + steps["pytest"]["skipped"] >= 10
    variants = steps["generation"]["tiny"]["variants"]
    assert len(variants) == 4  # plain and static, merged and not
    for row in variants.values():
        assert row["tokens_per_s"] > 0 and row["cold_seconds"] > 0
        assert row["same_replies_as_loop"] == row["loop_prompts"] == 2  # float32: equal
    assert steps["generation"]["protocol_choice"]["engine"] in ("plain", "static")
    model = steps["protocol"]["models"]["qwen2_5_0_5b"]
    assert 0 < model["wall_min"] < model["wall_min_full_estimate"]
    assert model["generation_tokens_per_s"] > 0

    # The table comes last, one row per figure; the log holds every step's commands.
    tail = proc.stdout.rstrip().splitlines()
    assert tail[-1].startswith("| protocol") and any(r.startswith("| step") for r in tail[-40:])
    log = (tmp_path / "gpu_check_dry.log").read_text()
    assert all(f"=== {name}" in log for name in STEPS)
    assert (tmp_path / "gpu_check_raw" / "protocol.json").is_file()


def test_a_command_past_its_limit_is_killed_with_its_children(tmp_path):
    args = argparse.Namespace(dry=True, budget=60, work=str(tmp_path), carried=tmp_path)
    check = gpu_check.Check(args, tmp_path, tmp_path, "test")
    pid_file = tmp_path / "child.pid"
    hang = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen(['sleep', '120']); "
        f"open({str(pid_file)!r}, 'w').write(str(child.pid)); time.sleep(120)"
    )
    start = time.monotonic()
    ran = check.run([sys.executable, "-c", hang], limit=3)
    assert ran.timed_out and ran.rc is None
    assert time.monotonic() - start < 10  # the child closed its output too: it is gone
    status = Path(f"/proc/{pid_file.read_text()}/status")
    for _ in range(50):  # the signal is delivered; exiting can take a moment
        if not status.exists() or "\tZ" in status.read_text():  # gone, or a zombie
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the command's child outlived it: {status.read_text()[:80]}")
    assert "TIMED OUT" in (tmp_path / "gpu_check_test.log").read_text()


def test_a_step_is_skipped_when_the_budget_is_spent(tmp_path):
    args = argparse.Namespace(dry=True, budget=3, work=str(tmp_path), carried=tmp_path)
    check = gpu_check.Check(args, tmp_path, tmp_path, "test")
    ran = check.run([sys.executable, "-c", "print('never')"], limit=60)
    assert ran.rc is None and ran.seconds == 0 and "never" not in ran.lines


def test_table_shows_failures_errors_and_partial_results():
    record = {
        "steps": {
            "pytest": {
                "status": "failed",
                "seconds": 97.0,
                "figures": {
                    "passed": 14,
                    "failed": 1,
                    "errors": 0,
                    "skipped": 0,
                    "tests": {
                        "tests.unit.x::test_bf16[True-static]": {
                            "outcome": "failed",
                            "seconds": 3.0,
                            "message": "static, merge=True: 88.0% of replies equal",
                        }
                    },
                },
            },
            "generation": {
                "status": "partial",
                "seconds": 90.0,
                "figures": {
                    "qwen2_5_3b": {
                        "batch_size": "auto",
                        "per_prompt_loop": {"tokens_per_s": 31.0},
                        "variants": {
                            "plain, sorted, unmerged": {
                                "engine": "plain",
                                "merge": False,
                                "seconds": 4.0,
                                "cold_seconds": 5.0,
                                "tokens_per_s": 8192.0,
                                "same_replies_as_loop": 4,
                                "loop_prompts": 4,
                            },
                            "static, sorted, merged copy": {"error": "OutOfMemoryError: ..."},
                        },
                    },
                    "qwen2_5_1_5b": {"error": "no figures", "rc": None},
                    "protocol_choice": None,
                },
            },
            "protocol": {"status": "error", "seconds": 1.0, "figures": {"error": "KeyError: x"}},
        }
    }
    text = table(summary_rows(record))
    assert "88.0% of replies equal" in text
    assert "8,192 tok/s" in text and ">= 8,000" in text
    assert "OutOfMemoryError" in text and "no figures" in text
    assert "KeyError" in text
    assert gpu_check.fastest_variant(record["steps"]["generation"]["figures"]) == {
        "engine": "plain",
        "merge": False,
        "cold_plus_warm_s": 9.0,
    }
