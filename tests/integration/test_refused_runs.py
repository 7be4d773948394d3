"""`python -m tide_exp` refused before it ran: the folder it was refused is left as it was, the
error is one line, and an attempt that ran nothing leaves no folder."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .test_cli import ROOT, SEARCH_PATH, TINY, tide

HOLD_LOCK = """
import sys, time
from tide_exp.runs.folder import RunFolder
with RunFolder(sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(120)
"""


def _snapshot(folder):
    return {
        p.relative_to(folder): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_run_refused_by_the_lock_touches_nothing_in_the_running_runs_folder(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / ".hydra").mkdir(parents=True)
    for name in ("config.yaml", "hydra.yaml", "overrides.yaml"):
        (run_dir / ".hydra" / name).write_text(f"# the running run's {name}\n")
    (run_dir / "tide_exp.log").write_text("[INFO] the running run's log\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = _snapshot(run_dir)
        proc = tide(
            SEARCH_PATH, "model=tiny_llama", "lora.r=16", f"hydra.run.dir={run_dir}", cwd=tmp_path
        )
        assert proc.returncode == 2
        assert _snapshot(run_dir) == before
        said = (proc.stdout + proc.stderr).strip().splitlines()
        assert said == [
            f"error: {run_dir} is in use by another run (process {holder.pid}); wait for it to "
            "end or choose another output folder"
        ], said
    finally:
        holder.kill()
        holder.wait()


def test_a_run_stopped_by_a_user_error_before_any_work_leaves_no_folder_and_one_line(tmp_path):
    proc = tide(
        SEARCH_PATH,
        "model=tiny_llama",
        "data=flat_file",
        "data.source.path=no/such/file.jsonl",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    said = (proc.stdout + proc.stderr).strip().splitlines()
    assert len(said) == 1 and said[0].startswith("error: ") and "no/such/file.jsonl" in said[0], (
        said
    )
    assert sorted(tmp_path.iterdir()) == []  # no outputs/<date>/<run> folder either


@pytest.mark.slow
def test_a_fresh_start_killed_after_zero_shot_is_rerun_as_the_new_run(tmp_path):
    """resume=false into a finished run's folder, killed in training after the zero-shot
    replies, then re-run without it: the new settings train from scratch (no size-mismatch
    traceback from the old adapter, no old replies beside the new ones)."""
    run_dir = tmp_path / "run"
    marker = tmp_path / "killed.marker"
    base = [SEARCH_PATH, "model=tiny_llama", "logger=csv", *TINY, f"hydra.run.dir={run_dir}"]
    first = tide(*base, "lora.r=4", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    killer = [
        "+callbacks.killer._target_=tests.integration.killer.KillOnceAtStep",
        "+callbacks.killer.step=1",
        f"+callbacks.killer.marker={marker}",
    ]
    killed = tide(*base, "lora.r=8", "resume=false", *killer, cwd=tmp_path)
    assert killed.returncode != 0 and marker.exists()
    again = tide(*base, "lora.r=8", *killer, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    results = json.loads((run_dir / "results.json").read_text())
    assert results["config"]["lora.r"] == 8
    assert json.loads((run_dir / "adapter" / "adapter_config.json").read_text())["r"] == 8
    rows = [json.loads(x) for x in (run_dir / "generations.jsonl").read_text().splitlines()]
    assert sum(r["phase"] == "zs" for r in rows) == results["phases"]["zs"]["prompts"]["count"]
    assert "resuming from" not in (run_dir / "tide_exp.log").read_text().split("retired")[-1]


@pytest.mark.parametrize("word", ["no", "off"])
def test_a_switch_the_job_reads_first_is_checked_before_it(tmp_path, word):
    """resume=no into a finished run's folder: the job read "no" as true ("already complete:
    skipped", exit 0) before run() checked the config (issue 31, class 4)."""
    run_dir = tmp_path / "run"
    args = [SEARCH_PATH, "model=tiny_llama", *TINY, "logger=csv", f"hydra.run.dir={run_dir}"]
    assert tide(*args, cwd=tmp_path).returncode == 0
    before = _snapshot(run_dir)
    proc = tide(*args, f"resume={word}", cwd=tmp_path)
    assert proc.returncode == 2
    assert (proc.stdout + proc.stderr).strip().splitlines()[-1] == (
        f"error: resume='{word}' is not one of true, false; pick one of them."
    )
    assert _snapshot(run_dir) == before
