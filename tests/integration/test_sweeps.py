"""The smoke experiment's two-job sweep, through the basic launcher and submitit's local executor."""

from __future__ import annotations

import json

import pytest

from .test_cli import SEARCH_PATH, tide

pytestmark = pytest.mark.slow

TINY = ["model=tiny_llama", "eval.max_new_tokens=4", "eval.num_prompts=2"]


@pytest.mark.parametrize("launcher", ["basic", "submitit_local_cpu"])
def test_smoke_sweep_produces_summary_and_report(tmp_path, launcher):
    sweep = tmp_path / "sweep"
    proc = tide(
        SEARCH_PATH,
        "experiment=smoke",
        f"hydra/launcher={launcher}",
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
    if launcher != "basic":
        assert list((sweep / ".submitit").glob("*/*_log.out"))  # each job ran in its own process
