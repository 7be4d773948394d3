"""The sweep summary lists jobs in job-number order, whatever the model names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tide_exp.files.readers import natural_key
from tide_exp.reporting.sweep_summary import collect_jobs


def test_jobs_listed_by_number_not_by_name(tmp_path):
    names = ["0_granite3_1_3b", "2_qwen2_5_3b", "10_smollm2_135m", "1_llama3_2_1b"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "status.json").write_text(json.dumps({"status": "ok"}))
    jobs = [row["job"] for row in collect_jobs(tmp_path)]
    assert jobs == ["0_granite3_1_3b", "1_llama3_2_1b", "2_qwen2_5_3b", "10_smollm2_135m"]


def test_natural_key_on_paths():
    paths = [Path("m/10/x"), Path("m/9/x"), Path("m/9b/x"), Path("m/a/x")]
    assert sorted(paths, key=natural_key) == [
        Path("m/9/x"),
        Path("m/9b/x"),
        Path("m/10/x"),
        Path("m/a/x"),
    ]


def test_safety_rates_reach_the_summary(tmp_path):
    job = tmp_path / "0_smollm2_135m"
    job.mkdir()
    (job / "status.json").write_text(json.dumps({"status": "ok"}))
    final = {"zs/safety/safe_rate": 0.5, "ft/safety/safe_rate": 0.25, "val/loss": 1.0}
    (job / "results.json").write_text(json.dumps({"status": "ok", "final": final}))
    metrics = collect_jobs(tmp_path)[0]["metrics"]
    assert metrics == {"zs/safety/safe_rate": 0.5, "ft/safety/safe_rate": 0.25}


def _status(folder, status, error=None):
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(
        json.dumps({"model": "m", "overrides": [], "status": status, "error": error})
    )


def test_failed_killed_and_unreadable_jobs_end_the_sweep_with_status_1(tmp_path):
    from omegaconf import OmegaConf

    from tide_exp.reporting.sweep_summary import SweepSummaryCallback

    _status(tmp_path / "0_a", "failed", "RuntimeError: boom")
    _status(tmp_path / "1_b", "running")  # killed: it never wrote its end
    (tmp_path / "2_c").mkdir()
    (tmp_path / "2_c" / "status.json").write_text("{half")
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}})
    with pytest.raises(SystemExit) as ended:
        SweepSummaryCallback().on_multirun_end(config)
    assert ended.value.code == 1
    rows = json.loads((tmp_path / "summary.json").read_text())
    assert [r["status"] for r in rows] == ["failed", "running", "unreadable"]
    assert "2_c/status.json:1" in rows[2]["error"]
    SweepSummaryCallback(exit_on_failure=False).on_multirun_end(config)  # no exit


def test_summary_md_has_zero_shot_fine_tuned_and_delta_columns_per_metric(tmp_path):
    from tide_exp.reporting.sweep_summary import format_summary

    for job, rank, zs, ft in (("0_m,lora.r=4", 4, 0.25, 0.5), ("1_m,lora.r=8", 8, 0.25, 0.125)):
        (tmp_path / job).mkdir()
        status = {"model": "m", "overrides": [f"lora.r={rank}"], "status": "ok", "error": None}
        (tmp_path / job / "status.json").write_text(json.dumps(status))
        final = {"zs/gen/rouge_l": zs, "ft/gen/rouge_l": ft, "ft/gen/bleu": None}
        results = {"final": final, "config": {"lora.r": rank}, "seed": 0}
        (tmp_path / job / "results.json").write_text(json.dumps(results))
    _status(tmp_path / "2_m,lora.r=16", "failed", "RuntimeError: boom")
    lines = format_summary(collect_jobs(tmp_path)).splitlines()
    assert lines[0] == (
        "| job | model | lora.r | status | rouge_l zs | rouge_l ft | rouge_l delta "
        "| bleu zs | bleu ft | bleu delta | error |"
    )  # was: one cell of alphabetical key=value pairs
    assert lines[2] == "| 0_m,lora.r=4 | m | 4 | ok | 0.250 | 0.500 | +0.250 | - | nan | - |  |"
    assert lines[3] == "| 1_m,lora.r=8 | m | 8 | ok | 0.250 | 0.125 | -0.125 | - | nan | - |  |"
    assert lines[4].endswith("| failed | - | - | - | - | - | - | RuntimeError: boom |")
