"""`python -m tide_exp` as a user runs it: single runs, errors, and a multirun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEARCH_PATH = f"hydra.searchpath=[file://{ROOT / 'tests' / 'configs'}]"
TINY = [
    "data.max_train_examples=8",
    "data.max_eval_examples=4",
    "data.batch_size=4",
    "eval.num_prompts=2",
    "eval.generation.max_new_tokens=4",
    "trainer.max_epochs=1",
]
SECRETS = {
    "HF_TOKEN": "hf_SENTINELsecretTOKEN123",
    "WANDB_API_KEY": "SENTINELwandbKEY4567890123456789012345678",
}


def tide(
    *args: str, cwd: Path, drop: tuple[str, ...] = (), **options: Any
) -> subprocess.CompletedProcess:
    """``python -m tide_exp *args`` offline, with the sentinel secrets; ``drop``: environment
    variables left out as well; ``options``: more of :func:`subprocess.run`'s arguments."""
    # Not WANDB_SERVICE: after an in-process W&B run it names this process's W&B service, and a
    # job would join it; a killed job's stream stays registered there, so its resume was
    # refused as "run ID ... is in use" (a user's jobs each start their own service).
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("WANDB_SERVICE", *drop)},
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "offline",
        **SECRETS,
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "tide_exp", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **options,
    )


def test_single_run_with_wandb_offline_writes_everything_and_no_secret(tmp_path):
    run_dir = tmp_path / "run"
    proc = tide(
        SEARCH_PATH,
        "model=tiny_llama",
        "logger=wandb",
        "lora.r=4",
        *TINY,
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((run_dir / "status.json").read_text())["status"] == "ok"
    assert f"results:     {run_dir / 'results.json'}" in proc.stdout
    assert "zero-shot  fine-tuned" in proc.stdout and "rouge_l" in proc.stdout
    results = json.loads((run_dir / "results.json").read_text())
    assert set(results["phases"]) == {"zs", "val", "ft"}
    assert (run_dir / "adapter" / "adapter_config.json").is_file()
    assert json.loads((run_dir / "adapter" / "adapter_config.json").read_text())["r"] == 4
    card = (run_dir / "adapter" / "README.md").read_text()
    assert "# LoRA adapter for tiny random Llama" in card and "| rouge_l |" in card
    timings = results["timings"]
    assert {"load_s", "fit_s", "train_s", "zs", "val", "ft", "total_s"} <= set(timings)
    assert timings["val"][0]["epoch"] == 1 and timings["ft"]["generation_s"] >= 0
    log_text = (run_dir / "tide_exp.log").read_text()
    assert "zero-shot  fine-tuned" in log_text and "rouge_l" in log_text
    assert list((run_dir / "wandb").glob("offline-run-*"))
    assert (run_dir / ".hydra" / "config.yaml").is_file()
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in SECRETS.values():
                assert secret.encode() not in data, f"{secret} leaked into {path}"


def test_model_not_available_offline_is_one_sentence(tmp_path):
    run_dir = tmp_path / "run"
    proc = tide("model=qwen2_5_0_5b", "logger=none", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error: Model 'Qwen/Qwen2.5-0.5B-Instruct' is not available offline" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("error:") == 1
    assert not run_dir.exists()  # nothing ran: no folder is left behind


@pytest.mark.parametrize(
    "command",
    [
        ["chat", "model=qwen2_5_0_5b"],
        ["safety", "probe", "--model", "qwen2_5_0_5b", "--out", "probe"],
    ],
    ids=["chat", "safety-probe"],
)
def test_a_command_on_a_model_not_available_offline_gives_the_training_runs_sentence(
    tmp_path, command
):
    """Hydra's instantiate wraps the loader's error; every command unwraps it in one place."""
    proc = subprocess.run(
        [sys.executable, "-m", "tide_exp.cli.main", *command],
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)},
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.startswith(
        "error: Model 'Qwen/Qwen2.5-0.5B-Instruct' is not available offline"
    )
    assert not (tmp_path / "probe").exists()


def test_missing_data_folder_names_the_path_and_the_key(tmp_path):
    proc = tide(
        SEARCH_PATH,
        "model=tiny_llama",
        "logger=none",
        "data.source.path=/no/such/corpus",
        f"hydra.run.dir={tmp_path}/run",
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    # Checked before the model loads (tide_exp/config/validation.py): the key, the path and the fix.
    assert proc.stderr.startswith("error: data.source.path='/no/such/corpus': no such file")
    assert proc.stderr.rstrip().endswith("fix the path.") and proc.stderr.count("\n") == 1


def test_bad_override_is_refused_by_hydra(tmp_path):
    proc = tide("trainer.max_epoch=3", cwd=tmp_path)
    assert proc.returncode != 0
    assert "Could not override 'trainer.max_epoch'" in proc.stderr


@pytest.mark.slow
def test_multirun_fails_soft_and_summarises(tmp_path):
    sweep = tmp_path / "sweep"
    proc = tide(
        "-m",
        SEARCH_PATH,
        "model=tiny_llama,llama3_2_1b",
        "logger=none",
        *TINY,
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]  # the sweep went on; its end says one failed
    rows = json.loads((sweep / "summary.json").read_text())
    assert [(r["model"], r["status"]) for r in rows] == [
        ("tiny_llama", "ok"),
        ("llama3_2_1b", "failed"),
    ]
    assert "is not available offline" in rows[1]["error"] and "HF_TOKEN" in rows[1]["error"]
    assert "ft/gen/rouge_l" in rows[0]["metrics"]
    summary = (sweep / "summary.md").read_text()
    # Job folders: number, model, then the job's overrides (conf/hydra/default.yaml).
    assert rows[0]["job"].startswith("0_tiny_llama,") and rows[1]["job"].startswith(
        "1_llama3_2_1b,"
    )
    assert (
        f"| {rows[0]['job']} | tiny_llama | ok |" in summary
        and f"| {rows[1]['job']} | llama3_2_1b | failed |" in summary
    )
