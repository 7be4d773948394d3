"""The offline-run reader against files written by W&B itself (not by our own writer)."""

from __future__ import annotations

import pytest
import wandb

from tide_exp.errors import FileError
from tide_exp.tracking.wandb_offline import offline_runs, read_record_bytes, read_run


@pytest.fixture
def offline_run(tmp_path):
    """A real offline run: rows large enough to span several 32 KiB blocks, a table, config."""
    run = wandb.init(
        project="t", dir=str(tmp_path), mode="offline", config={"lora": {"r": 8}}, job_type="train"
    )
    for step in range(40):
        run.log({"train/loss": 1.0 / (step + 1), "text": "x" * 3000 + str(step)}, step=step)
    run.log({"generations/zs": wandb.Table(columns=["a", "b"], data=[[1, "one"], [2, "two"]])})
    run.summary["best/epoch"] = 2
    run.finish()
    (folder,) = offline_runs(tmp_path)
    read_run(folder, wait_s=30)  # finish() returns before W&B's service writes the last rows
    return folder


def test_history_config_summary_and_tables_read_back(offline_run):
    run = read_run(offline_run, wait_s=30)
    assert [s for s, _ in run.values("train/loss")] == list(range(40))
    assert run.values("text")[39] == (39, "x" * 3000 + "39")  # records cut across blocks
    assert run.config["lora"] == {"r": 8} and run.job_type == "train"
    assert run.table("generations/zs")["data"] == [[1, "one"], [2, "two"]]
    assert run.summary["best/epoch"] == 2


def test_a_torn_tail_ends_the_scan_and_a_damaged_record_is_named(offline_run, tmp_path):
    (path,) = offline_run.glob("run-*.wandb")
    data = path.read_bytes()
    count = len(list(read_record_bytes(path)))
    torn = tmp_path / "torn.wandb"
    torn.write_bytes(data[: len(data) - 100])  # a kill mid-write
    assert 0 < len(list(read_record_bytes(torn))) < count
    damaged = tmp_path / "damaged.wandb"
    damaged.write_bytes(data[:20] + bytes([data[20] ^ 0xFF]) + data[21:])
    with pytest.raises(FileError, match="checksum mismatch"):
        list(read_record_bytes(damaged))
    other = tmp_path / "other.wandb"
    other.write_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(FileError, match="not a W&B transaction log"):
        list(read_record_bytes(other))


def test_tide_wandb_lists_the_runs_and_the_sync_command(offline_run, tmp_path, capsys):
    from tide_exp.cli.wandb_runs import main

    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(offline_run) in out and "job train, 40 history rows (steps 0-39), 1 tables" in out
    assert "INCOMPLETE" not in out
    assert out.strip().splitlines()[-1] == f"  wandb sync {offline_run}"
    (path,) = offline_run.glob("run-*.wandb")
    path.write_bytes(path.read_bytes()[:-100])  # killed mid-write: was listed as complete
    assert main([str(tmp_path)]) == 0
    assert "INCOMPLETE: no exit record" in capsys.readouterr().out
    assert main([str(tmp_path / "nothing")]) == 2
    assert "no W&B offline run" in capsys.readouterr().err


def test_tide_wandb_on_a_debug_fast_run_says_debug_fast_turned_wandb_off(tmp_path, capsys):
    import json

    from tide_exp.cli.wandb_runs import main

    run = tmp_path / "run"
    run.mkdir()
    status = {"model": "m", "overrides": ["debug=fast"], "status": "ok", "error": None}
    (run / "status.json").write_text(json.dumps(status))
    assert main([str(run)]) == 2
    (err,) = capsys.readouterr().err.splitlines()  # was: only "no W&B offline run below it"
    assert "its run was made with debug=fast, which turns W&B off (logger=csv)" in err
    assert err.endswith("; with debug=fast add logger=[csv,wandb]")


def test_a_run_without_wandb_says_so_once_naming_debug_fast():
    from tide_exp.config.compose import compose_config
    from tide_exp.runs.run import wandb_off_note

    fast = compose_config(["debug=fast"])
    assert wandb_off_note(fast, ["debug=fast", "seed=1"]) == (
        "W&B is off in this run: logger=csv (debug=fast sets it: a quick pipeline check); add "
        "logger=[csv,wandb] to log to W&B"
    )
    assert wandb_off_note(compose_config([]), []) is None  # the default logs to W&B
