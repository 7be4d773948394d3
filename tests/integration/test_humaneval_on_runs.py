"""Human-evaluation pipeline on the outputs of a real tide_exp sweep (tiny models)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tide_exp.humaneval.cli import main as humaneval

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
        "eval.max_new_tokens=4",
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
