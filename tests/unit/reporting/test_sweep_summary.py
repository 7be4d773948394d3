"""The sweep summary lists jobs in job-number order, whatever the model names."""

from __future__ import annotations

import json
from pathlib import Path

from tide_exp.files import natural_key
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
