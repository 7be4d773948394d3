"""A job that crashes with a plain exception is recorded, the sweep goes on, and exits 1."""

from __future__ import annotations

import json

import pytest

from .test_cli import SEARCH_PATH, TINY, tide

pytestmark = pytest.mark.slow


def test_a_non_tide_error_is_recorded_and_the_next_job_runs(tmp_path):
    sweep = tmp_path / "sweep"
    proc = tide(
        "-m",
        SEARCH_PATH,
        "model=tiny_llama",
        "lora.r=4,8",
        "logger=none",
        *TINY,
        "+callbacks.failer._target_=tests.integration.killer.FailForRank",
        "+callbacks.failer.rank=4",
        "+callbacks.failer.lora_r=${lora.r}",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]  # a script can tell a job failed
    rows = json.loads((sweep / "summary.json").read_text())
    assert [r["status"] for r in rows] == ["failed", "ok"]
    assert rows[0]["error"] == "RuntimeError: simulated crash inside training"
    assert (sweep / rows[1]["job"] / "results.json").is_file()
    assert "Traceback" in (sweep / rows[0]["job"] / "tide_exp.log").read_text()
