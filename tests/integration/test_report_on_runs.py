"""`tide report` on real run folders: a standalone run and the identical job of a sweep."""

from __future__ import annotations

import json

import pytest

from tide_exp.cli.report import main as report

from .test_cli import SEARCH_PATH, TINY, tide

pytestmark = pytest.mark.slow

# A held-out split of about ten prompts under a configured 40: the phases score fewer.
SHORT_SPLIT = ["data.eval_fraction=0.01", "eval.final_num_prompts=40"]


def test_duplicate_run_counts_once_and_short_phases_warn(tmp_path, capsys, monkeypatch):
    common = [SEARCH_PATH, "model=tiny_llama", "logger=none", *TINY, *SHORT_SPLIT]
    run, sweep = tmp_path / "run", tmp_path / "sweep"
    proc = tide(*common, f"hydra.run.dir={run}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = tide("-m", *common, "seed=42,43", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted(p.parent for p in sweep.glob("*/results.json"))
    same = json.loads((jobs[0] / "results.json").read_text())
    standalone = json.loads((run / "results.json").read_text())
    assert (same["seed"], same["config"]) == (standalone["seed"], standalone["config"])
    scored = standalone["phases"]["ft"]["prompts"]["count"]
    assert scored < 40 == standalone["config"]["eval.final_num_prompts"]

    monkeypatch.chdir(tmp_path)
    assert report([str(run), str(sweep)]) == 0
    out = capsys.readouterr().out
    markdown = (tmp_path / "outputs" / "report" / "run" / "table1.md").read_text()
    # Seeds 42 and 43 make one row of two seeds; the sweep's seed-42 job is the standalone run.
    assert "| tiny random Llama | 2 |" in markdown
    assert f"- `{jobs[0]}`: same run as `{run}` (seed 42)" in markdown
    assert f"set aside {jobs[0]} (same run as {run})" in out
    for folder in (run, jobs[1]):  # the warning reads what the runs wrote (not the set-aside one)
        assert (
            f"tiny random Llama ({folder}): zs scored {scored}, ft scored {scored} prompts, "
            "fewer than the 40 configured" in markdown
        )
    assert f"| {scored}/{scored} | {scored}/{scored} |" in markdown  # per run: counts, no ids
    assert "'example_ids': [" not in markdown and "example_ids" not in out
