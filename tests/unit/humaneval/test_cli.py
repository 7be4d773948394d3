"""The command line end to end: build -> ratings -> qc -> analyze, and clean error exits."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from tide_exp.cli.humaneval import main

from . import fakes


def test_build_qc_analyze_end_to_end(sweep, tmp_path, capsys):
    survey, qc, analysis = tmp_path / "survey", tmp_path / "qc", tmp_path / "analysis"
    assert main(["build", str(sweep), "--out", str(survey)]) == 0
    key = pd.read_csv(survey / "key.csv")
    wide, gold = fakes.synthetic_ratings(key)
    (tmp_path / "export.csv").write_text(fakes.qualtrics_export(wide))
    gold.to_csv(tmp_path / "gold.csv", index=False)
    assert (
        main(
            [
                "qc",
                str(tmp_path / "export.csv"),
                "--key",
                str(survey / "key.csv"),
                "--gold",
                str(tmp_path / "gold.csv"),
                "--out",
                str(qc),
            ]
        )
        == 0
    )
    report = json.loads((qc / "qc_report.json").read_text())
    assert (report["collected"], report["kept"]) == (100, 98)
    args = ["analyze", str(qc), "--out", str(analysis), "--formats", "png", "--no-mixed"]
    assert main([*args, "--ordinal"]) == 0
    ordinal = pd.read_csv(analysis / "ordinal_effects.csv")
    assert set(ordinal["factor"]) == {"age", "education", "gender", "region", "race"}
    for name in (
        "table3.tex",
        "reliability_alpha.csv",
        "reliability_icc.csv",
        "paired_wilcoxon.csv",
        "region_groups.csv",
        "table4.md",
        "table4.csv",
        "table4.tex",
        "means.csv",
        "demographics.csv",
        "metric_agreement.csv",
        "summary.md",
        "plots/kde_panic.png",
    ):
        assert (analysis / name).stat().st_size > 0, name
    assert (analysis / "table4.tex").read_text().startswith(r"\begin{table}")
    assert set(pd.read_csv(analysis / "metric_agreement.csv")["metric"]) == {"rouge_l", "cosine"}
    out = capsys.readouterr().out
    assert "effects after Holm: 1 at the rater level" in out and "ZS models beat FT in" in out


def test_judge_command_with_a_fake_generate(survey_dir, tmp_path):
    out = tmp_path / "gold.csv"
    assert (
        main(
            [
                "judge",
                str(survey_dir / "key.csv"),
                "--generate",
                f"{fakes.__name__}:constant_judge",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    gold = pd.read_csv(out)
    assert len(gold) == 120 and (gold["gold"] == 3).all()
    assert json.loads(out.with_suffix(".consistency.json").read_text())["spearman_mean"] == 1.0


def test_bad_input_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "run"
    (bad).mkdir()
    (bad / "generations.jsonl").write_text('{"phase": "zs",\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tide_exp.cli.humaneval",
            "build",
            str(bad),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert "generations.jsonl:1:" in proc.stderr and "Fix:" in proc.stderr
    assert not (tmp_path / "s").exists()


def test_analyze_a_ratings_file_without_qc_and_custom_labels(sweep, tmp_path):
    labels = "none|a little|some|a lot|completely"
    assert (
        main(
            [
                "build",
                str(sweep),
                "--out",
                str(tmp_path / "s"),
                "--labels",
                labels,
                "--no-attention-check",
                "--pair",
                "qwen2_5_3b,qwen2_5_1_5b",
            ]
        )
        == 0
    )
    key = pd.read_csv(tmp_path / "s" / "key.csv")
    assert len(key) == 30 and "completely" in (tmp_path / "s" / "survey_qualtrics.txt").read_text()
    long = pd.DataFrame(
        {"rater_id": "r1", "question_id": key["question_id"], "rating": ["a lot"] * 15 + ["2"] * 15}
    )
    long.to_csv(tmp_path / "long.csv", index=False)
    assert (
        main(
            [
                "analyze",
                str(tmp_path / "long.csv"),
                "--key",
                str(tmp_path / "s" / "key.csv"),
                "--out",
                str(tmp_path / "a"),
                "--formats",
                "png",
            ]
        )
        == 0
    )
    means = pd.read_csv(tmp_path / "a" / "means.csv")
    assert means["n"].sum() == 30 and set(means["mean"]) <= {2.0, 3.0, 4.0}


def test_analyze_needs_a_key(tmp_path, capsys):
    (tmp_path / "r.csv").write_text("rater_id,question_id,rating\nr,I01_1,3\n")
    assert main(["analyze", str(tmp_path / "r.csv"), "--out", str(tmp_path / "a")]) == 2
    assert "pass --key" in capsys.readouterr().err


def test_one_models_variants_are_labelled_uniquely_through_analyze(tmp_path, capsys):
    sweep = fakes.write_sweep(tmp_path, ["smollm2_135m", "smollm2_135m"], n_per_theme=1)
    pair = f"{sweep / '0'},{sweep / '1'}"
    survey = tmp_path / "s"
    assert main(["build", str(sweep), "--out", str(survey), "--pair", pair]) == 0
    assert "6 items, 30 replies in 6 scenarios" in capsys.readouterr().out
    key = pd.read_csv(survey / "key.csv")
    assert key.loc[key["condition"] == "zs", "model"].nunique() == 2
    long = pd.DataFrame(
        [(f"r{r}", q, 1 + (r + i) % 5) for r in range(6) for i, q in enumerate(key["question_id"])],
        columns=["rater_id", "question_id", "rating"],
    )
    long = long[long["question_id"] != "ATTN_1"]
    long.to_csv(tmp_path / "long.csv", index=False)
    args = ["analyze", str(tmp_path / "long.csv"), "--key", str(survey / "key.csv")]
    assert main([*args, "--out", str(tmp_path / "a"), "--formats", "png", "--no-mixed"]) == 0
    table4 = pd.read_csv(tmp_path / "a" / "table4.csv")
    variants = [c for c in table4.columns if c.startswith("smollm2_135m@")]
    assert len(variants) == 2  # the shared display name would have collided


def test_several_dimensions_from_build_to_analysis(sweep, tmp_path):
    dims = "empathic_resonance,conversational_coherence,advice_appropriateness"
    survey = tmp_path / "s"
    argv = ["build", str(sweep), "--out", str(survey), "--dimensions", dims]
    assert main([*argv, "--pair", "qwen2_5_3b,qwen2_5_1_5b", "--no-attention-check"]) == 0
    txt = (survey / "survey_qualtrics.txt").read_text()
    assert txt.count("[[ID:I01d") == 3 and "on conversational coherence on a scale" in txt
    key = pd.read_csv(survey / "key.csv")
    rows = []
    for r in range(5):
        row = {"ResponseId": f"r{r}"}
        for q, cond in zip(key["question_id"], key["condition"], strict=True):
            item, slot = q.split("_")
            for d in range(1, 4):
                gain = 2 if (d == 1 and cond == "ft") else 0
                row[f"{item}d{d}_{slot}"] = min(5, 2 + gain + (r + int(slot)) % 2)
        rows.append(row)
    pd.DataFrame(rows).to_csv(tmp_path / "wide.csv", index=False)
    args = ["analyze", str(tmp_path / "wide.csv"), "--key", str(survey / "key.csv")]
    assert main([*args, "--out", str(tmp_path / "a"), "--formats", "png", "--no-mixed"]) == 0
    paired = pd.read_csv(tmp_path / "a" / "paired_wilcoxon.csv")
    assert set(paired["dimension"]) == set(dims.split(","))
    gain = paired[paired["dimension"] == "empathic_resonance"]
    assert (gain["ft_mean"] > gain["zs_mean"] + 1).all() and (gain["rank_biserial"] == 1).all()
    flat = paired[paired["dimension"] == "advice_appropriateness"]
    assert ((flat["ft_mean"] - flat["zs_mean"]).abs() < 1).all() and not flat["significant"].any()
    means = pd.read_csv(tmp_path / "a" / "means.csv")
    assert set(means["dimension"]) == set(dims.split(","))


def test_judge_never_writes_over_its_key(survey_dir, capsys):
    key = survey_dir / "key.csv"
    before = key.read_bytes()
    argv = ["judge", str(key), "--generate", f"{fakes.__name__}:constant_judge", "--out", str(key)]
    assert main(argv) == 2
    assert "is also an input" in capsys.readouterr().err
    assert key.read_bytes() == before
