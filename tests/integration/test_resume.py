"""A sweep killed mid-epoch completes on re-run: one result per job, no duplicated generations."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tide_exp.tracking.wandb_offline import dropped_rows, offline_runs, read_run

from .test_cli import SEARCH_PATH, tide
from .test_wandb import assert_history_has_every_logged_value

pytestmark = pytest.mark.slow


def test_killed_sweep_resumes_and_finished_jobs_are_skipped(tmp_path):
    sweep = tmp_path / "sweep"
    marker = tmp_path / "killed.marker"
    args = [
        "-m",
        SEARCH_PATH,
        "model=tiny_llama",
        "lora.r=4,8",
        "logger=[csv,wandb]",
        "trainer.max_epochs=2",
        "data.max_train_examples=16",
        "data.batch_size=4",
        "data.max_eval_examples=4",
        "eval.num_prompts=3",
        "eval.generation.max_new_tokens=4",
        f"hydra.sweep.dir={sweep}",
        "+callbacks.killer._target_=tests.integration.killer.KillOnceAtStep",
        "+callbacks.killer.step=6",
        f"+callbacks.killer.marker={marker}",
    ]
    first = tide(*args, cwd=tmp_path)
    assert first.returncode != 0 and marker.exists()  # killed in epoch 2 of the first job
    job0 = next(sweep.glob("0_*"))
    assert (job0 / "checkpoints" / "last.ckpt").is_file() and not (job0 / "results.json").exists()

    second = tide(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    rows = json.loads((sweep / "summary.json").read_text())
    assert [r["status"] for r in rows] == ["ok", "ok"]
    for job in sorted(sweep.glob("[0-9]_*")):
        records = [
            json.loads(line) for line in (job / "generations.jsonl").read_text().splitlines()
        ]
        assert Counter((r["phase"], r["epoch"]) for r in records) == {
            ("zs", 0): 3,
            ("val", 1): 3,
            ("val", 2): 3,
            ("ft", 2): 3,
        }
        results = json.loads((job / "results.json").read_text())
        assert [v["epoch"] for v in results["phases"]["val"]] == [1, 2]
    assert "resuming from" in (job0 / "tide_exp.log").read_text()
    assert_wandb_continues(job0)

    stamp = (job0 / "results.json").stat().st_mtime_ns
    third = tide(*args, cwd=tmp_path)
    assert third.returncode == 0
    assert (job0 / "results.json").stat().st_mtime_ns == stamp
    assert third.stdout.count("already complete") + third.stderr.count("already complete") == 2

    # Another sweep into the same folder (issue 31: it overwrote multirun.yaml and report/ and
    # its summary counted the first sweep's jobs): refused in one line naming the first sweep.
    hydra_config = (job0 / ".hydra" / "config.yaml").read_text()
    changed = [a if a != "trainer.max_epochs=2" else "trainer.max_epochs=1" for a in args]
    changed = [a for a in changed if not a.startswith("+callbacks.killer")]
    summary = (sweep / "summary.json").read_text()
    fourth = tide(*changed, cwd=tmp_path)
    assert fourth.returncode == 2, fourth.stderr[-3000:]
    error = fourth.stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: hydra.sweep.dir={sweep} holds another sweep (")
    assert "trainer.max_epochs=2" in error and "this one: " in error
    assert len(list(sweep.glob("[0-9]_*"))) == 2 and (sweep / "summary.json").read_text() == summary
    assert (job0 / "results.json").stat().st_mtime_ns == stamp

    # A job folder re-used with other settings: stopped before the job ran, first run untouched.
    single = [a for a in args if a not in ("-m", "lora.r=4,8") and "sweep.dir" not in a]
    single = [a if a != "trainer.max_epochs=2" else "trainer.max_epochs=3" for a in single]
    fifth = tide(*single, "lora.r=4", f"hydra.run.dir='{job0}'", cwd=tmp_path)  # quoted: , = ~
    assert fifth.returncode == 2
    error = fifth.stderr.strip().splitlines()[-1]
    assert error.startswith(f"error: {job0} holds a run with other settings (trainer.max_epochs)")
    assert error.endswith("or pass resume=false to start it over")
    assert (job0 / "results.json").stat().st_mtime_ns == stamp
    assert (job0 / ".hydra" / "config.yaml").read_text() == hydra_config


def assert_wandb_continues(job):
    """The killed process's W&B run and the resumed one (same id) hold every value the CSV
    logger has, the resumed process's value where both logged a step, and W&B refused none.

    The kill had no grace (issue 31): W&B's process had not written the rows of its last 2 s,
    those before the checkpoint among them, which the resumed training never logs again; the
    resumed process logs them again first, from the journal of what was sent.
    """
    folders = offline_runs(job)
    assert len(folders) == 2 and all(dropped_rows(f) == [] for f in folders)
    runs = [read_run(f, wait_s=30) for f in folders]
    assert len({r.run_id for r in runs}) == 1
    assert_history_has_every_logged_value(runs, job)  # oldest first: resumed rows win
    steps = [row["_step"] for row in runs[1].history]
    assert steps == sorted(steps)  # the lost rows first, then the resumed training's


def test_a_killed_and_resumed_job_samples_the_same_fine_tuned_replies(tmp_path):
    """Sampled evaluation (Study B's kind) gives the same ft replies after a kill and resume
    as without one: each phase samples from the run's seed and its name, not the global state
    a resumed process starts from."""
    common = [
        SEARCH_PATH,
        "model=tiny_llama",
        "logger=csv",
        "trainer.max_epochs=2",
        "data.max_train_examples=8",
        "data.batch_size=4",
        "data.max_eval_examples=4",
        "eval.num_prompts=2",
        "eval.final_num_prompts=4",  # not the epochs' prompts: ft generates its own replies
        "eval.generation.max_new_tokens=8",
        "++eval.generation.generation_kwargs={do_sample: true, top_k: 0, top_p: 0.9}",
    ]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    marker = tmp_path / "killed.marker"
    assert tide(*common, f"hydra.run.dir={whole}", cwd=tmp_path).returncode == 0
    kill = [
        "+callbacks.killer._target_=tests.integration.killer.KillOnceAtTrainEnd",
        f"+callbacks.killer.marker={marker}",
    ]
    first = tide(*common, *kill, f"hydra.run.dir={killed}", cwd=tmp_path)
    assert first.returncode == -9 and not (killed / "results.json").exists()
    second = tide(*common, *kill, f"hydra.run.dir={killed}", cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resuming from" in (killed / "tide_exp.log").read_text()

    def replies(run, phase):
        rows = [json.loads(line) for line in (run / "generations.jsonl").read_text().splitlines()]
        return [(r["example_id"], r["prediction"]) for r in rows if r["phase"] == phase]

    assert len(replies(whole, "ft")) == 4
    assert replies(killed, "ft") == replies(whole, "ft")
    assert replies(killed, "val") == replies(whole, "val")
    seeds = {
        run: json.loads((run / "results.json").read_text())["phases"]["ft"]["seed"]
        for run in (whole, killed)
    }
    assert seeds[whole] == seeds[killed]
