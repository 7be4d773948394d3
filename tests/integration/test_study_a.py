"""Study A settings end to end on the tiny model: persona context, dev selection, grouped reports."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from tests.study_facts import APPENDIX_A
from tide_exp.cli.humaneval import main as humaneval_main
from tide_exp.humaneval.build import read_key
from tide_exp.runs.run import run

from .test_cli import SEARCH_PATH, tide

PERSONA = "About the client:\nAge: {age}\nOccupation: {occupation}\nSponsor: {sponsor}"


def test_persona_template_trains_evaluates_and_is_recorded(compose_cfg, tmp_path):
    # max_length 256: the persona block and the reply both fit (at 96 the guard stops the run).
    cfg = compose_cfg("trainer.max_epochs=1", "data.dev_fraction=0.25", "data.max_length=256")
    cfg.model.chat.persona_template = template = PERSONA
    metrics, objects = run(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["prompt"]["persona_template"] == template
    # The CSV logger's hparams (the W&B config gets the same call) carry the exact template.
    hparams = yaml.safe_load(next((tmp_path / "csv").rglob("hparams.yaml")).read_text())
    assert hparams["model"]["chat"]["persona_template"] == template
    dm = objects["datamodule"]
    example = dm.train_examples[0]
    text = dm.chat.tokenizer.decode(dm._train_features[0]["input_ids"])
    assert f"Age: {example.metadata['age']}" in text and "Sponsor" not in text
    # The development split is scored after training and is what a search would select on.
    assert results["data"]["dev_examples"] > 0 and "dev" in results["phases"]
    assert "dev/gen/cosine" in metrics and "ft/gen/cut_rate" in metrics
    assert results["phases"]["ft"]["replies"]["n"] == 4
    assert results["config"]["lora.r"] == 8 and "seed" not in results["config"]
    assert results["data"]["dataset"] and results["seed"] == cfg.seed


def test_optuna_selects_on_the_dev_split(compose_cfg):
    cfg = compose_cfg("hparams_search=optuna", keep_hydra=True)
    assert cfg.optimized_metric.startswith("dev/") and cfg.data.dev_fraction > 0


def _report_rows(sweep):
    from tide_exp.cli.report import main as report_main

    assert report_main([str(sweep), "--out", str(sweep / "report")]) == 0
    table = (sweep / "report" / "table1.csv").read_text()
    return list(csv.DictReader(io.StringIO(table))), (sweep / "report" / "table1.md").read_text()


@pytest.mark.slow
def test_sweeps_give_one_row_per_setting_and_aggregate_seeds(tmp_path, capsys):
    tiny = ["model=tiny_llama", "eval.generation.max_new_tokens=4", "eval.num_prompts=4"]
    by_rank = tmp_path / "by_rank"
    proc = tide(SEARCH_PATH, "experiment=smoke", *tiny, f"hydra.sweep.dir={by_rank}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in by_rank.iterdir() if p.name[0].isdigit()) == [
        "0_tiny_llama,eval.generation.max_new_tokens=4,eval.num_prompts=4,lora.r=4",
        "1_tiny_llama,eval.generation.max_new_tokens=4,eval.num_prompts=4,lora.r=8",
    ]  # Hydra's override_dirname after the job number and model
    rows, markdown = _report_rows(by_rank)
    ft = [r for r in rows if r["phase"] == "ft" and r["metric"] == "cosine"]
    assert sorted(json.loads(r["settings"])["lora.r"] for r in ft) == [4, 8]  # two rows
    assert "| model | lora.r | seeds |" in markdown
    assert all(r["ci_low"] and float(r["ci_low"]) <= float(r["delta"]) for r in ft)
    summary = (by_rank / "summary.md").read_text()
    assert "| job | model | lora.r | status |" in summary

    by_seed = tmp_path / "by_seed"
    proc = tide(
        SEARCH_PATH,
        "experiment=smoke",
        *tiny,
        "lora.r=8",
        "seed=1,2",
        "eval.prompts_file=study_a",  # Study A's six survey messages, answered by every run
        f"hydra.sweep.dir={by_seed}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows, markdown = _report_rows(by_seed)
    ft = [r for r in rows if r["phase"] == "ft" and r["metric"] == "cosine"]
    assert len(ft) == 1 and ft[0]["seeds"] == "2" and ft[0]["aggregate"] == "seeds"
    assert ft[0]["std"] != "" and ft[0]["ci_low"] != "" and ft[0]["ci_high"] != ""
    assert "aggregate across seeds" in markdown
    assert not [r for r in rows if "fixed" in r["phase"]]  # never in Table 1

    # Issue 30: `humaneval build --prompts` finds the replies to the six messages in every run of
    # the sweep, without flags: one scenario per message, each run zero-shot and fine-tuned.
    survey = tmp_path / "survey"
    capsys.readouterr()
    assert (
        humaneval_main(["build", str(by_seed), "--out", str(survey), "--prompts", "study_a"]) == 0
    )
    assert "6 items, 24 replies in 6 scenarios" in capsys.readouterr().out
    key = read_key(survey / "key.csv").query("condition != 'attention'")
    assert key.drop_duplicates("item_id")["prompt"].tolist() == [m for _, m in APPENDIX_A]
    assert key.groupby("item_id")["run_dir"].nunique().eq(2).all()  # both runs in every item
