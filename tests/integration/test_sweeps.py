"""The smoke experiment's two-job sweep through each launcher (basic, submitit's local executor,
Ray on a local CPU instance), with the W&B logger offline: one group, distinct names, and Table 1
in a report run of the group, read back from the offline runs' transaction logs."""

from __future__ import annotations

import json

import pytest

from tide_exp.tracking.wandb_offline import dropped_rows, offline_runs, read_run

from .test_cli import SEARCH_PATH, tide

pytestmark = pytest.mark.slow

TINY = [
    "model=tiny_llama",
    "eval.generation.max_new_tokens=4",
    "eval.num_prompts=2",
    "logger=[csv,wandb]",
]
LAUNCHERS = {
    "basic": [],
    "submitit_local_cpu": [],
    # The multi-GPU node launcher, on the CPU: Ray starts locally, one CPU and no GPU per job.
    "ray_gpu": ["hydra.launcher.ray.remote.num_gpus=0", "hydra.launcher.ray.remote.num_cpus=1"],
}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_smoke_sweep_produces_summary_report_and_wandb_group(tmp_path, launcher):
    sweep = tmp_path / "sweep"
    proc = tide(
        SEARCH_PATH,
        "experiment=smoke",
        f"hydra/launcher={launcher}",
        *LAUNCHERS[launcher],
        *TINY,
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads((sweep / "summary.json").read_text())
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert [
        json.loads((sweep / r["job"] / "adapter" / "adapter_config.json").read_text())["r"]
        for r in rows
    ] == [4, 8]
    for name in ("table1.md", "table1.csv", "table1.tex", "table1_bars.png", "table1_bars.pdf"):
        assert (sweep / "report" / name).stat().st_size > 0, name
    if launcher == "submitit_local_cpu":
        assert list((sweep / ".submitit").glob("*/*_log.out"))  # each job ran in its own process

    runs = {f: read_run(f, wait_s=30) for f in offline_runs(sweep)}
    assert all(dropped_rows(f) == [] for f in runs)
    jobs = [r for r in runs.values() if r.job_type == "train"]
    (report,) = [r for r in runs.values() if r.job_type == "report"]
    assert len(jobs) == 2 and len({r.name for r in jobs}) == 2
    assert len({r.group for r in runs.values()}) == 1 and report.group
    assert sorted(r.config["lora.r"] for r in jobs) == [4, 8]
    table = report.table("table1")
    assert {"model", "metric", "phase", "mean", "delta", "ci_low", "ci_high"} <= set(
        table["columns"]
    )
    csv_lines = (sweep / "report" / "table1.csv").read_text().strip().splitlines()
    assert len(table["data"]) == len(csv_lines) - 1
