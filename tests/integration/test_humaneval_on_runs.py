"""Human-evaluation pipeline on the outputs of a real tide_exp sweep (tiny models)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tide_exp.cli.humaneval import main as humaneval

from .test_cli import SEARCH_PATH, tide

pytestmark = pytest.mark.slow


def test_build_qc_analyze_on_a_real_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    proc = tide(
        "-m",
        SEARCH_PATH,
        "model=tiny_llama,tiny_qwen2",
        "logger=none",
        "trainer.max_epochs=1",
        "data.max_train_examples=8",
        "data.max_eval_examples=4",
        "eval.num_prompts=40",
        "eval.generation.max_new_tokens=4",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    survey, qc, analysis = tmp_path / "survey", tmp_path / "qc", tmp_path / "analysis"
    assert (
        humaneval(["build", str(sweep), "--out", str(survey), "--pair", "tiny_llama,tiny_qwen2"])
        == 0
    )
    key = pd.read_csv(survey / "key.csv")
    rated = key[key["condition"] != "attention"]
    assert set(rated["model"]) == {"tiny_llama", "tiny_qwen2", "reference"}
    assert set(rated["condition"]) == {"zs", "ft", "reference"}
    # Every shown reply is the text the run wrote for that model, phase and example.
    generations = {
        (r["model"], r["phase"], r["example_id"]): r["prediction"] or "(no reply)"
        for job in sweep.glob("*/generations.jsonl")
        for r in map(json.loads, job.read_text().splitlines())
    }
    for row in rated[rated["condition"] != "reference"].itertuples():
        assert generations[(row.model, row.condition, row.example_id)] == row.text

    rng = np.random.default_rng(0)
    ratings = pd.DataFrame(
        [
            {
                "rater_id": f"r{i}",
                "Duration (in seconds)": 1500.0,
                "Finished": "True",
                "age": int(rng.integers(18, 80)),
                **{q: int(rng.integers(1, 6)) for q in rated["question_id"]},
                "ATTN_1": 2,
            }
            for i in range(20)
        ]
    )
    ratings.to_csv(tmp_path / "ratings.csv", index=False)
    assert (
        humaneval(
            [
                "qc",
                str(tmp_path / "ratings.csv"),
                "--key",
                str(survey / "key.csv"),
                "--out",
                str(qc),
            ]
        )
        == 0
    )
    assert json.loads((qc / "qc_report.json").read_text())["kept"] == 20
    assert humaneval(["analyze", str(qc), "--out", str(analysis), "--formats", "png"]) == 0
    table = (analysis / "table4.md").read_text()
    assert "tiny" in table


def test_readme_example_on_a_sweep_of_one_model_in_two_settings(tmp_path, capsys):
    """`tide humaneval build <sweep> --out ...` as the README shows it, on a sweep like
    `experiment=smoke` (one model, lora.r=4,8): no study pair, run labels with commas."""
    sweep = tmp_path / "sweep"
    proc = tide(
        "-m",
        SEARCH_PATH,
        "model=tiny_llama",
        "lora.r=4,8",
        "logger=none",
        "trainer.max_epochs=1",
        "data.max_train_examples=8",
        "data.max_eval_examples=4",
        "eval.num_prompts=40",
        "eval.generation.max_new_tokens=4",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert humaneval(["build", str(sweep), "--out", str(tmp_path / "survey")]) == 0
    out = capsys.readouterr().out
    jobs = sorted(p.parent.name for p in sweep.glob("*/generations.jsonl"))
    labels = [f"tiny_llama@sweep/{job}" for job in jobs]
    assert "," in labels[0] and f"built one set of the runs given: {' & '.join(labels)}" in out
    # Every reply was cut at 4 new tokens, and the runs' own `finished` field says so.
    assert "24 of 24 model replies cut at the token cap (from finished)" in out
    key = pd.read_csv(tmp_path / "survey" / "key.csv")
    assert key.loc[key["condition"] != "attention", "scenario"].nunique() == 6
    assert set(key["model"]) == {*labels, "reference", "attention"}
    # The same survey with the labels named: as two values, and as one value with a comma.
    for n, pair in enumerate([labels, [",".join(labels)]]):
        out_dir = tmp_path / f"survey{n}"
        assert humaneval(["build", str(sweep), "--out", str(out_dir), "--pair", *pair]) == 0
        assert pd.read_csv(out_dir / "key.csv").equals(key)
