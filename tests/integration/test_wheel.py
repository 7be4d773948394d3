"""A wheel installed outside the checkout runs a job from another directory (conf/ ships inside)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import SEARCH_PATH, TINY

ROOT = Path(__file__).resolve().parents[2]


def sh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
def test_wheel_installed_elsewhere_runs_a_job_from_another_directory(tmp_path):
    wheels, target, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    pip = [sys.executable, "-m", "pip", "-q"]
    sh(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(wheels),
        str(ROOT),
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("tide_exp-*.whl")
    sh(*pip, "install", "--no-deps", "--target", str(target), str(wheel), cwd=tmp_path)
    assert (target / "tide_exp" / "conf" / "config.yaml").is_file()
    assert (target / "tide_exp" / "conf" / "model" / "smollm2_135m.yaml").is_file()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        # The wheel first; the checkout after it only for the tiny test model, which ships with
        # the tests (tests/tiny_models.py), not the package: tide_exp still comes from the wheel.
        "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)]),
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "disabled",
    }
    where = sh(sys.executable, "-c", "import tide_exp; print(tide_exp.__file__)", cwd=work, env=env)
    assert where.stdout.strip() == str(target / "tide_exp" / "__init__.py")
    job = sh(
        sys.executable, "-m", "tide_exp", "--cfg", "job", "model=qwen2_5_0_5b", cwd=work, env=env
    )
    assert "Qwen/Qwen2.5-0.5B-Instruct" in job.stdout
    groups = sh(sys.executable, "-m", "tide_exp", "--help", cwd=work, env=env)
    assert "qwen2_5_0_5b" in groups.stdout and "tide_paper" in groups.stdout
    for experiment in ("tide_paper", "relational_qwen15", "smoke"):
        sh(
            sys.executable,
            "-m",
            "tide_exp",
            f"experiment={experiment}",
            "--cfg",
            "job",
            cwd=work,
            env=env,
        )
    script = sh(str(target / "bin" / "tide"), "--help", cwd=work, env=env)
    assert "compare" in script.stdout and "export" in script.stdout
    run_dir = work / "run"
    sh(
        sys.executable,
        "-m",
        "tide_exp",
        SEARCH_PATH,  # the tiny test model
        "model=tiny_llama",
        "logger=none",
        *TINY,
        f"hydra.run.dir={run_dir}",
        cwd=work,
        env=env,
    )
    assert json.loads((run_dir / "status.json").read_text())["status"] == "ok"
    assert not (work / "outputs").exists() or not any((work / "outputs").iterdir())
