"""run_job around a stand-in run(): re-runs, config checks, locking, status, soft failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import tide_exp.runs.job as job
import tide_exp.runs.run
from tests import disk_faults
from tide_exp.config.resolvers import _run_id
from tide_exp.errors import DataError
from tide_exp.files.writers import write_json
from tide_exp.runs.folder import RunFolder

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_run(monkeypatch):
    """Replace run(cfg) with one that writes results.json and records what it saw."""
    calls = []

    def run(cfg):
        folder = RunFolder(Path(cfg.paths.output_dir))
        calls.append({"status": folder.read_status(), "lora_r": cfg.lora.r})
        if getattr(run, "error", None):
            raise run.error
        results = {
            "status": "ok",
            "model": {"name": cfg.model.name},
            "phases": {},
            "final": {"ft/gen/cosine": 0.1 * cfg.lora.r},
            "timings": {"total_s": 1.0},
            "outputs": {},
        }
        write_json(folder.results_path, results)  # a fake run's partial results
        return {"ft/gen/cosine": 0.1 * cfg.lora.r}, {"results": results}

    monkeypatch.setattr(tide_exp.runs.run, "run", run)
    run.calls = calls
    return run


def test_rerun_with_other_settings_stops_and_keeps_the_first_hydra_files(
    compose_cfg, fake_run, tmp_path, capsys
):
    assert job.run_job(compose_cfg("lora.r=4")) == pytest.approx(0.4)
    results = (tmp_path / "results.json").read_text()
    hydra_config = tmp_path / ".hydra" / "config.yaml"
    first = hydra_config.read_text()
    assert yaml.safe_load(first)["lora"]["r"] == 4  # written by the job, under the lock

    with pytest.raises(SystemExit) as stopped:
        job.run_job(compose_cfg("lora.r=16"))
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "lora.r" in err and "resume=false" in err
    assert (tmp_path / "results.json").read_text() == results
    assert hydra_config.read_text() == first
    assert len(fake_run.calls) == 1


def test_rerun_differing_only_in_paths_or_logging_is_skipped(compose_cfg, fake_run, tmp_path):
    job.run_job(compose_cfg("lora.r=4", "logger=none"))
    value = job.run_job(compose_cfg("lora.r=4", "logger=csv", "resume=true"))
    assert value == pytest.approx(0.4) and len(fake_run.calls) == 1


def test_resume_false_starts_over_with_the_new_settings(compose_cfg, fake_run, tmp_path):
    job.run_job(compose_cfg("lora.r=4"))
    assert job.run_job(compose_cfg("lora.r=8", "resume=false")) == pytest.approx(0.8)
    assert RunFolder(tmp_path).read_saved_config()["lora"]["r"] == 8
    assert job.run_job(compose_cfg("lora.r=8")) == pytest.approx(0.8)  # now skipped
    assert len(fake_run.calls) == 2


def test_running_status_is_written_before_the_run_and_stale_temp_folders_go(
    compose_cfg, fake_run, tmp_path
):
    (tmp_path / ".adapter-x1y2").mkdir()
    (tmp_path / ".adapter-x1y2" / "adapter_model.safetensors").write_bytes(b"half")
    job.run_job(compose_cfg())
    assert fake_run.calls[0]["status"]["status"] == "running"
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "ok"
    assert not list(tmp_path.glob(".adapter-*"))


@pytest.mark.parametrize("content", ["{not json", "", "[1, 2]", "\xff\xfe"])
def test_a_corrupt_status_file_reruns_the_job_with_a_warning(
    compose_cfg, fake_run, tmp_path, caplog, content
):
    job.run_job(compose_cfg())
    (tmp_path / "status.json").write_text(content, encoding="latin-1")
    job.run_job(compose_cfg())
    assert len(fake_run.calls) == 2
    if content not in ("[1, 2]",):
        assert "the job runs again" in caplog.text
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "ok"


def test_a_non_tide_error_in_a_multirun_is_recorded_and_the_sweep_goes_on(
    compose_cfg, fake_run, tmp_path, monkeypatch
):
    monkeypatch.setattr(job, "_is_multirun", lambda: True)
    fake_run.error = RuntimeError("CUDA out of memory (simulated)")
    assert job.run_job(compose_cfg()) is None  # a failed trial to Optuna (a NaN ended it)
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["status"] == "failed"
    assert status["error"] == "RuntimeError: CUDA out of memory (simulated)"
    fake_run.error = None
    assert job.run_job(compose_cfg()) == pytest.approx(0.8)  # the next job of the sweep runs


def test_a_search_whose_every_trial_failed_ends_with_one_line(
    compose_cfg, fake_run, tmp_path, monkeypatch, capsys
):
    """The last trial of an Optuna search failed and none completed: the sweeper would end
    with "No trials are completed yet" (a traceback); the job ends it with one line."""
    from omegaconf import OmegaConf

    monkeypatch.setattr(job, "_is_multirun", lambda: True)
    hydra = OmegaConf.create(
        {
            "sweeper": {"n_trials": 1},
            "job": {"num": 0},
            "sweep": {"dir": str(tmp_path)},
            "overrides": {"task": []},
            "mode": "MULTIRUN",
        }
    )
    monkeypatch.setattr(job.HydraConfig, "initialized", staticmethod(lambda: True))
    monkeypatch.setattr(job.HydraConfig, "get", staticmethod(lambda: hydra))
    fake_run.error = RuntimeError("CUDA out of memory (simulated)")
    with pytest.raises(SystemExit) as stopped:
        job.run_job(compose_cfg())
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: every trial of the search failed (1 in ") and err.count("\n") == 1
    assert "the last one: RuntimeError: CUDA out of memory (simulated)" in err


def test_a_user_error_in_a_single_run_exits_with_one_line(compose_cfg, fake_run, tmp_path, capsys):
    fake_run.error = DataError("data/x.csv: no such file. Fix: check the path")
    with pytest.raises(SystemExit) as stopped:
        job.run_job(compose_cfg())
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "error: data/x.csv: no such file. Fix: check the path\n"
    assert not tmp_path.exists()  # made for this run, which ran nothing: removed


def test_a_user_error_after_work_keeps_the_folder_with_its_status(
    compose_cfg, fake_run, tmp_path, capsys
):
    (tmp_path / "generations.jsonl").write_text("{}\n")  # a killed run's replies
    fake_run.error = DataError("data/x.csv: no such file. Fix: check the path")
    with pytest.raises(SystemExit):
        job.run_job(compose_cfg())
    assert capsys.readouterr().err.count("\n") == 1
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "failed"


@pytest.mark.parametrize("disk", ["read-only", "full"])
def test_a_run_folder_on_a_read_only_or_full_disk_is_one_line_before_hydra_makes_it(
    compose_cfg, tmp_path, capsys, monkeypatch, disk
):
    from omegaconf import read_write

    cfg = compose_cfg(keep_hydra=True)
    disk_root = tmp_path / "disk"
    disk_root.mkdir()
    with read_write(cfg.hydra):
        cfg.hydra.run.dir = str(disk_root / "outputs" / "run")
        cfg.hydra.sweep.dir = str(disk_root / "multirun")
    faults = {"read-only": disk_faults.read_only, "full": disk_faults.full_disk}
    faults[disk](monkeypatch, *([disk_root] if disk == "read-only" else []))
    for start, key in (
        (job.OutputFolderCheck().on_run_start, "hydra.run.dir"),
        (job.OutputFolderCheck().on_multirun_start, "hydra.sweep.dir"),
    ):
        with pytest.raises(SystemExit) as stopped:
            start(config=cfg)
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {key}={disk_root}/") and err.count("\n") == 1, err
        assert f": {disk_root}: " in err and "Fix: " in err
    assert list(disk_root.iterdir()) == []


def test_a_disk_full_at_the_runs_first_file_is_one_line_and_no_folder(
    compose_cfg, fake_run, tmp_path, capsys, monkeypatch
):
    cfg = compose_cfg()
    disk_faults.disk_fills(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        job.run_job(cfg)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}/") and err.count("\n") == 1, err
    assert "cannot be written (No space left on device). Fix: free some" in err
    assert not fake_run.calls
    assert not tmp_path.exists()  # made for this run, which ran nothing: removed


HOLD_LOCK = """
import sys, time
from tide_exp.runs.folder import RunFolder
with RunFolder(sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_process_on_a_locked_folder_stops_with_one_sentence(
    compose_cfg, fake_run, tmp_path, capsys
):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SystemExit) as stopped:
            job.run_job(compose_cfg())
        assert stopped.value.code == 2  # a user error, as docs/run_folder.md says
        err = capsys.readouterr().err
        assert f"is in use by another run (process {holder.pid})" in err
        assert not fake_run.calls and not (tmp_path / "status.json").exists()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert (tmp_path / ".lock").exists()  # the stale file of a killed holder locks nothing
    assert job.run_job(compose_cfg()) == pytest.approx(0.8)


def test_a_damaged_saved_config_is_a_warning_not_a_crash(compose_cfg, fake_run, tmp_path, caplog):
    job.run_job(compose_cfg())
    (tmp_path / ".tide" / "config.yaml").write_text("lora: [unclosed\n")
    assert job.run_job(compose_cfg()) == pytest.approx(0.8)  # complete: skipped
    assert "settings not compared" in caplog.text and len(fake_run.calls) == 1


# --- a fresh start (resume=false) retires the previous run; a resume checks its checkpoint ---


class Killed(BaseException):
    """A kill -9: nothing after it runs (no except clause of the job catches it)."""


@pytest.fixture
def fake_training(monkeypatch):
    """A run(cfg) that resumes from, and writes, a checkpoint, replies and an adapter tagged with
    its lora.r, as run() does; ``kill_after_zs`` dies after the zero-shot replies."""
    seen = []

    def run(cfg):
        folder = RunFolder(Path(cfg.paths.output_dir), checkpoint_dir=cfg.paths.checkpoint_dir)
        last = folder.resume_checkpoint() if cfg.get("resume", True) else None
        tag = f"r={cfg.lora.r}"
        seen.append({"run": tag, "resumed_from": last.read_text() if last else None})
        folder.write_generations([{"phase": "zs", "prediction": tag}])
        if run.kill_after_zs:
            raise Killed
        folder.last_checkpoint.parent.mkdir(parents=True, exist_ok=True)
        folder.last_checkpoint.write_text(last.read_text() if last else tag)  # trained on from it
        (folder.adapter_dir).mkdir(exist_ok=True)
        (folder.adapter_dir / "adapter_model.safetensors").write_text(
            folder.last_checkpoint.read_text()
        )
        results = {
            "status": "ok",
            "model": {"name": cfg.model.name},
            "config": {"lora.r": cfg.lora.r},
            "phases": {},
            "final": {},
            "timings": {"total_s": 1.0},
            "outputs": {},
        }
        write_json(folder.results_path, results)  # a fake run's partial results
        return {}, {"results": results}

    run.kill_after_zs = False
    run.seen = seen
    monkeypatch.setattr(tide_exp.runs.run, "run", run)
    return run


def _weights_and_settings(folder: Path) -> tuple[str | None, int | None]:
    """What the user would read: the adapter's weights tag and the lora.r results.json records."""
    adapter = folder / "adapter" / "adapter_model.safetensors"
    results = RunFolder(folder).read_results()
    return (
        adapter.read_text() if adapter.is_file() else None,
        results["config"]["lora.r"] if results else None,
    )


def test_a_fresh_start_killed_after_zero_shot_never_resumes_the_old_checkpoint(
    compose_cfg, fake_training, tmp_path
):
    job.run_job(compose_cfg("lora.r=4"))
    assert _weights_and_settings(tmp_path) == ("r=4", 4)
    old_wandb_id = _run_id(str(tmp_path))
    fake_training.kill_after_zs = True
    with pytest.raises(Killed):
        job.run_job(compose_cfg("lora.r=8", "resume=false"))
    new_wandb_id = _run_id(str(tmp_path))
    fake_training.kill_after_zs = False
    job.run_job(compose_cfg("lora.r=8"))  # the re-run, without resume=false
    assert _run_id(str(tmp_path)) == new_wandb_id != old_wandb_id  # the new run's own W&B run
    assert fake_training.seen[-1] == {"run": "r=8", "resumed_from": None}
    assert _weights_and_settings(tmp_path) == ("r=8", 8)
    assert [r["prediction"] for r in RunFolder(tmp_path).read_generations()] == ["r=8"]
    assert yaml.safe_load((tmp_path / ".hydra" / "config.yaml").read_text())["lora"]["r"] == 8


def test_a_fresh_start_killed_at_any_point_leaves_the_old_run_or_the_new_one(
    compose_cfg, fake_training, tmp_path, monkeypatch
):
    """Kill the fresh start at its k-th rename, replace, unlink or rmtree, for every k."""
    import os
    import shutil

    monkeypatch.setattr(job, "_free_accelerator_memory", lambda: None)  # 0.5 s of gc a job
    old_cfg, fresh_cfg, rerun_cfg = (
        compose_cfg("lora.r=4"),
        compose_cfg("lora.r=8", "resume=false"),
        compose_cfg("lora.r=8"),
    )
    for k in range(200):
        shutil.rmtree(tmp_path, ignore_errors=True)
        tmp_path.mkdir()
        job.run_job(old_cfg)
        calls = {"n": 0}

        def dying(real, calls=calls, k=k):
            def call(*args, **kwargs):
                calls["n"] += 1
                if calls["n"] == k + 1:
                    raise Killed
                return real(*args, **kwargs)

            return call

        with monkeypatch.context() as m:
            for module, name in (
                (os, "rename"),
                (os, "replace"),
                (os, "unlink"),
                (shutil, "rmtree"),
            ):
                m.setattr(module, name, dying(getattr(module, name)))
            try:
                job.run_job(fresh_cfg)
                finished = True
            except Killed:
                finished = False
        weights, recorded = _weights_and_settings(tmp_path)
        saved = RunFolder(tmp_path).read_saved_config()
        hydra = tmp_path / ".hydra" / "config.yaml"
        loaded = yaml.safe_load(hydra.read_text())["lora"]["r"] if hydra.is_file() else None
        old = (weights, recorded, saved["lora"]["r"] if saved else None) == ("r=4", 4, 4)
        new = recorded in (None, 8) and (saved is None or saved["lora"]["r"] == 8)
        assert old or new, (k, weights, recorded, saved)
        # what tide chat / export load: an adapter never beside another run's config
        assert None in (weights, loaded) or weights == f"r={loaded}", (k, weights, loaded)
        if finished:
            assert (weights, recorded) == ("r=8", 8)
            break
        try:  # the re-run without resume=false: never the old weights under the new settings
            job.run_job(rerun_cfg)
        except SystemExit:  # the old run is whole: its settings differ, one sentence says so
            assert old
        else:
            assert fake_training.seen[-1]["resumed_from"] in (None, "r=8")
            assert _weights_and_settings(tmp_path) == ("r=8", 8)
    else:
        pytest.fail("the fresh start never finished")
    assert k > 3  # the kill points were inside the retirement


def test_a_checkpoint_older_than_the_recorded_settings_is_not_resumed(
    compose_cfg, fake_training, tmp_path, capsys
):
    """A folder a fresh start left before retirement existed: new settings, the old checkpoint."""
    job.run_job(compose_cfg("lora.r=4"))
    checkpoint = tmp_path / "checkpoints" / "last.ckpt"
    (tmp_path / "status.json").write_text('{"status": "running"}')
    (tmp_path / "results.json").unlink()
    saved = tmp_path / ".tide" / "config.yaml"
    saved.write_text(saved.read_text().replace("r: 4", "r: 8"))
    os.utime(checkpoint, (saved.stat().st_mtime - 60,) * 2)
    with pytest.raises(SystemExit):
        job.run_job(compose_cfg("lora.r=8"))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(checkpoint) in err and "resume=false" in err
    assert len(fake_training.seen) == 1 and checkpoint.read_text() == "r=4"


def test_the_output_folder_check_is_hydras_first_callback():
    import yaml

    from tide_exp.config.compose import config_dir

    callbacks = yaml.safe_load((config_dir() / "hydra" / "default.yaml").read_text())["callbacks"]
    first = next(iter(callbacks.values()))
    assert first["_target_"] == "tide_exp.runs.job.OutputFolderCheck"
