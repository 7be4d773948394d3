"""What reaches W&B is what was logged: real runs with the W&B logger offline, read back from the
offline run's transaction log (``run-*.wandb``, what ``wandb sync`` uploads), not from the logger
calls. The CSV logger runs beside it as the record of what was asked for.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import wandb

from tide_exp.cli.humaneval import main as humaneval_main
from tide_exp.humaneval.build import read_key
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import RUN_FILES
from tide_exp.runs.results import Results, schema_errors
from tide_exp.runs.run import run
from tide_exp.tracking.wandb_offline import OfflineRun, dropped_rows, offline_runs, read_run

pytestmark = pytest.mark.slow

GENERATION_COLUMNS = [
    "epoch",
    "phase",
    "example_id",
    "persona_id",
    "theme",
    "prompt",
    "reference",
    "reply",
    "finished",
]


def assert_history_has_every_logged_value(runs: list[OfflineRun], run_dir: Path) -> None:
    """Each (step, key) value the CSV logger has is in the W&B history at that step.

    ``runs`` oldest first (a resumed job has one per process): a later row of a step wins, in
    the CSV as on the W&B server, so a step logged again after a resume is checked once.
    """
    history: dict[int, dict] = {}
    for r in runs:
        for row in r.history:
            history.setdefault(row["_step"], {}).update(row)
    expected = {}
    with open(RunFolder(run_dir).metrics_csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            expected |= {(int(row["step"]), k): v for k, v in row.items() if k != "step" and v}
    missing = [
        (key, step, value, history.get(step, {}).get(key))
        for (step, key), value in expected.items()
        if not math.isclose(
            float(history.get(step, {}).get(key, math.nan)), float(value), rel_tol=1e-5
        )
    ]
    assert not missing, f"logged but not in the W&B history: {missing[:10]}"


def test_run_history_config_tables_and_summary_reach_wandb(compose_cfg, tmp_path):
    """A run with every phase that logs: zero-shot, two epochs, fine-tuned, base and adapter
    validation (Study B's), and the safety probe."""
    cfg = compose_cfg(
        "logger=[csv,wandb]",
        "eval.validate_base=true",
        "eval.safety=true",
        "eval.safety_max_prompts=3",
        "callbacks.safety_probe.max_new_tokens=4",
        "eval.prompts_file=study_a",  # the survey's six messages, zero-shot and fine-tuned
    )
    try:
        _, objects = run(cfg)
    finally:
        wandb.finish()
    (folder,) = offline_runs(tmp_path)
    assert dropped_rows(folder) == []
    wb = read_run(folder, wait_s=60)
    assert_history_has_every_logged_value([wb], tmp_path)

    # The validation curve, against epochs trained: the base model (0), after each epoch.
    points = [(row["eval/epoch"], row["val/loss"]) for row in wb.history if "val/loss" in row]
    assert [p[0] for p in points] == [0, 1, 2, 2]  # base, epoch 1, epoch 2, adapter after fit
    assert [e for e, _ in wb.values("val/perplexity")] == [e for e, _ in wb.values("val/loss")]
    assert {r["eval/epoch"] for r in wb.history if "val/gen/rouge_l" in r} == {0, 1, 2}
    assert wb.step_metrics["val/loss"] == "eval/epoch"
    assert wb.step_metrics["val/gen/rouge_l"] == "eval/epoch"
    assert wb.values("ft/val/loss") and wb.values("zs/val/loss")
    # Study B's perplexity under both readings, before and after training (issue 30, item 4).
    assert wb.values("val/perplexity_dialogue") and wb.values("ft/val/perplexity_token")
    assert wb.values("zs/safety/safe_rate") and wb.values("ft/safety/safe_rate")

    # Config flattened for grouping; identity for the runs table.
    assert wb.config["model.name"] == "tiny_llama" and wb.config["lora.r"] == cfg.lora.r
    assert wb.job_type == "train"
    assert "model:tiny_llama" in wb.tags and "experiment:default" in wb.tags
    assert any(t.startswith("data:") for t in wb.tags)

    # One table per phase and epoch, with the reviewer's columns and one row per prompt.
    results = objects["results"]
    for key, phase in [
        ("generations/zs", "zs"),
        ("generations/val_epoch1", "val"),
        ("generations/val_epoch2", "val"),
        ("generations/ft", "ft"),
    ]:
        table = wb.table(key)
        assert table is not None, key
        assert table["columns"][: len(GENERATION_COLUMNS)] == GENERATION_COLUMNS
        assert "rouge_l" in table["columns"]
        assert len(table["data"]) == cfg.eval.num_prompts
        assert {row[1] for row in table["data"]} == {phase}
    for key in ("safety/replies_zs", "safety/replies_ft", "safety/rates"):
        assert wb.table(key) is not None, key
    # The prompts file's replies: a table of their own, six rows, apart from the held-out ones.
    for key in ("generations/fixed_zs", "generations/fixed_ft"):
        assert len(wb.table(key)["data"]) == 6, key

    # The run folder holds only files the run-folder contract names (tide_exp/runs/folder.py).
    assert {p.name for p in tmp_path.iterdir()} <= RUN_FILES
    assert RunFolder(tmp_path).safety_records_path.is_file()
    assert RunFolder(tmp_path).split_manifest_path.is_file()

    # results.json of the same run, read back as a reader would, matches its schema.
    on_disk = json.loads((tmp_path / "results.json").read_text())
    assert schema_errors(on_disk, Results) == []
    assert set(on_disk["outputs"]) == {"adapter", "generations", "safety", "safety_unsafe"}
    assert on_disk["validation"]["zs"] and on_disk["safety"]["phases"]["ft"]

    # Sortable summaries: zs, ft, the change and its paired interval, the best epoch.
    zs = results["phases"]["zs"]["metrics"]["rouge_l"]["mean"]
    ft = results["phases"]["ft"]["metrics"]["rouge_l"]["mean"]
    assert wb.summary["delta/gen/rouge_l"] == pytest.approx(ft - zs)
    assert wb.summary["delta/gen/rouge_l_low"] <= wb.summary["delta/gen/rouge_l_high"]
    best = max(results["phases"]["val"], key=lambda e: e["metrics"]["cosine"]["mean"])
    assert wb.summary["best/epoch"] == best["epoch"]  # epochs trained, as eval/epoch
    assert wb.summary["best/gen/cosine"] == pytest.approx(best["metrics"]["cosine"]["mean"])
    # Both perplexity readings and each figure's relative change base -> fine-tuned.
    validation = on_disk["validation"]
    for phase in ("zs", "ft"):
        for name in ("perplexity_token", "perplexity_dialogue"):
            assert wb.summary[f"{phase}/val/{name}"] == pytest.approx(validation[phase][name])
    change = on_disk["changes"]["val/perplexity_dialogue"]
    assert wb.summary["change/val/perplexity_dialogue"] == pytest.approx(change["relative_change"])
    assert change["relative_change"] == pytest.approx(
        (change["fine_tuned"] - change["base"]) / change["base"]
    )
    # The fixed prompts are in results.json's phases, never in the final metrics.
    assert on_disk["phases"]["fixed_ft"]["prompts"]["count"] == 6
    assert not [k for k in on_disk["final"] if "fixed" in k]

    # Issue 30, item 1: `humaneval build --prompts` finds the run's replies to the prompts file:
    # one item per message (this run alone: zero-shot vs fine-tuned), each the text it wrote.
    survey = tmp_path.parent / f"{tmp_path.name}_survey"
    argv = ["build", str(tmp_path), "--pair", str(tmp_path), "--prompts", "study_a"]
    assert humaneval_main([*argv, "--out", str(survey)]) == 0
    rated = read_key(survey / "key.csv").query("condition != 'attention'")
    assert rated["item_id"].nunique() == 6 and set(rated["phase"]) == {"fixed_zs", "fixed_ft"}
    written = {
        (r["phase"], r["prompt"]): r["prediction"]
        for r in map(json.loads, (tmp_path / "generations.jsonl").read_text().splitlines())
    }
    assert all(written[(r.phase, r.prompt)] == r.text for r in rated.itertuples())
