"""`humaneval build` choices a user makes: which pairs, which prompts, which replies are cut,
Study B's design, and a survey that never shrinks silently."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tide_exp.cli.humaneval import main
from tide_exp.humaneval.build import build_survey
from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.survey import SCENARIO_ORDER, SurveySpec

from . import fakes

STUDY_B = "empathic_resonance,conversational_coherence,advice_appropriateness"


def _rewrite(sweep, change):
    for gens in sweep.glob("**/generations.jsonl"):
        rows = [json.loads(line) for line in gens.read_text().splitlines()]
        rows = [r for r in map(change, rows) if r is not None]
        gens.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _two_variants(tmp_path):
    """A sweep of one model at two LoRA ranks, its job folders named as Hydra names them."""
    sweep = tmp_path / "multirun" / "2026-01-01" / "12-00-00"
    jobs = [sweep / "0_smollm2_135m,lora.r=4", sweep / "1_smollm2_135m,lora.r=8"]
    for job in jobs:
        fakes.write_run(job, "smollm2_135m", n_per_theme=1)
    return sweep, [f"smollm2_135m@12-00-00/{job.name}" for job in jobs]


def test_missing_default_pair_sets_are_named(tmp_path, capsys):
    sweep = fakes.write_sweep(tmp_path, fakes.STUDY_SLUGS[:6], n_per_theme=1)
    assert main(["build", str(sweep), "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert (
        "note: study pair set 4 (llama3_2_3b & llama3_2_1b) left out: no run of llama3_2_3b "
        "and llama3_2_1b" in out
    )
    assert json.loads((tmp_path / "s" / "build.json").read_text())["pairs"] == [
        list(p) for p in zip(fakes.STUDY_SLUGS[:6:2], fakes.STUDY_SLUGS[1:6:2], strict=True)
    ]


def test_labels_with_commas_as_two_values_or_one(tmp_path, capsys):
    sweep, labels = _two_variants(tmp_path)
    keys = []
    for n, pair in enumerate([[], ["--pair", *labels], ["--pair", ",".join(labels)]]):
        out = tmp_path / f"s{n}"
        assert main(["build", str(sweep), "--out", str(out), *pair]) == 0, capsys.readouterr()
        keys.append(pd.read_csv(out / "key.csv"))
        assert set(keys[-1]["model"]) >= set(labels)
    assert keys[0].equals(keys[1]) and keys[1].equals(keys[2])
    # With no study pair present, the default is the two runs given, and it says so.
    assert "built one set of the runs given: " + " & ".join(labels) in capsys.readouterr().out


def test_an_ambiguous_comma_is_refused(tmp_path):
    sweep = tmp_path / "sweep"
    for job, slug in enumerate(["a", "b", "a,b"]):
        fakes.write_run(sweep / str(job), slug, n_per_theme=1)
    # "a,b" names the third run, and also the first and second: never guess.
    with pytest.raises(
        SurveyConfigError,
        match=r"'a,b' can be read as the run a,b or the runs a and b; .*--pair A B",
    ):
        build_survey([sweep], tmp_path / "s", pairs=[("a,b",)])
    key = build_survey([sweep], tmp_path / "t", pairs=[("a", "b"), (str(sweep / "2"),)])
    assert set(key.loc[key["pair_set"] == 1, "model"]) == {"a", "b", "reference"}
    assert set(key.loc[key["pair_set"] == 2, "model"]) == {"a,b", "reference"}


def test_prompts_by_text_or_id_in_scenario_order(tmp_path):
    sweep = fakes.write_sweep(tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b"], n_per_theme=3)
    chosen = [f"p{t:04d}-d{(t + 1) % 3:02d}" for t in range(6)]
    lines = [  # three by id, three by their text (spacing and case as a PDF copy gives them)
        eid if t % 2 else f"  i FEEL awful ({SCENARIO_ORDER[t]}   {(t + 1) % 3}), what do I do?"
        for t, eid in enumerate(chosen)
    ]
    (tmp_path / "six.txt").write_text("\n".join(lines) + "\n")
    assert (
        main(
            [
                "build",
                str(sweep),
                "--out",
                str(tmp_path / "s"),
                "--prompts",
                "@" + str(tmp_path / "six.txt"),
            ]
        )
        == 0
    )
    key = pd.read_csv(tmp_path / "s" / "key.csv", dtype={"example_id": str})
    shown = key[key["condition"] == "zs"].drop_duplicates("item_id")
    assert shown["example_id"].tolist() == chosen
    assert shown["scenario"].tolist() == list(SCENARIO_ORDER)
    (tmp_path / "bad.txt").write_text("I feel fine, thanks\n")
    with pytest.raises(SurveyConfigError, match=r"--prompts entry 1 \('I feel fine"):
        build_survey([sweep], tmp_path / "t", spec=SurveySpec(prompts=["I feel fine, thanks"]))


def test_cut_replies_come_from_the_runs_finished_field(tmp_path, capsys):
    sweep = fakes.write_sweep(tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b"], n_per_theme=1)

    def finished(row):
        # Cut at the cap although it ends with a full stop; finished although it does not.
        row["finished"] = row["theme"] != "panic"
        row["prediction"] = "I hear you." if row["theme"] == "panic" else "I hear you and"
        return row

    _rewrite(sweep, finished)
    assert main(["build", str(sweep), "--out", str(tmp_path / "s")]) == 0
    assert "4 of 24 model replies cut at the token cap (from finished)" in capsys.readouterr().out
    key = pd.read_csv(tmp_path / "s" / "key.csv")
    models = key[key["condition"].isin(["zs", "ft"])]
    assert models.loc[models["truncated"], "scenario"].eq("panic").all()


def test_a_survey_never_shrinks_silently(tmp_path, capsys):
    sweep = fakes.write_sweep(tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b"], n_per_theme=1)
    # The runs scored prompts of three of the six scenarios (few prompts evaluated).
    _rewrite(sweep, lambda r: r if r["theme"] in SCENARIO_ORDER[:3] else None)
    with pytest.raises(SurveyConfigError, match="would cover 3 of 6 scenarios"):
        build_survey([sweep], tmp_path / "s")
    argv = ["build", str(sweep), "--out", str(tmp_path / "s"), "--allow-missing-scenarios"]
    assert main(argv) == 0
    assert "note: short survey: 3 of 6 scenarios" in capsys.readouterr().out
    notes = json.loads((tmp_path / "s" / "build.json").read_text())["notes"]
    assert "abuse_memory, noise_social_anxiety, substance_use" in notes[-1]


def test_study_b_design_one_model_three_dimensions_no_reference(tmp_path, capsys):
    run = fakes.write_run(tmp_path / "run", "qwen1_5_1_8b_chat", n_per_theme=3)
    _rewrite(tmp_path, lambda r: {**r, "theme": "", "reference": ""})  # no scenario, no reference
    survey = tmp_path / "s"
    argv = ["build", str(run), "--out", str(survey), "--dimensions", STUDY_B, "--no-reference"]
    argv += ["--no-scenarios", "--per-scenario", "10", "--no-attention-check"]
    assert main(argv) == 0
    key = pd.read_csv(survey / "key.csv")
    assert key["item_id"].nunique() == 10 and key.groupby("item_id").size().eq(2).all()
    assert set(key["condition"]) == {"zs", "ft"}  # base vs fine-tuned, no reference
    txt = (survey / "survey_qualtrics.txt").read_text()
    assert txt.count("[[ID:I01d") == 3 and "Reference reply" not in txt
    rows = []
    for r in range(5):  # five raters, as Study B
        row = {"ResponseId": f"r{r}"}
        for q, cond in zip(key["question_id"], key["condition"], strict=True):
            item, slot = q.split("_")
            for d in range(1, 4):
                row[f"{item}d{d}_{slot}"] = min(5, 2 + (2 if cond == "ft" else 0) + r % 2)
        rows.append(row)
    pd.DataFrame(rows).to_csv(tmp_path / "wide.csv", index=False)
    args = ["analyze", str(tmp_path / "wide.csv"), "--key", str(survey / "key.csv")]
    assert main([*args, "--out", str(tmp_path / "a"), "--formats", "png", "--no-mixed"]) == 0
    paired = pd.read_csv(tmp_path / "a" / "paired_wilcoxon.csv")
    assert set(paired["dimension"]) == set(STUDY_B.split(","))
    assert (paired["ft_mean"] > paired["zs_mean"] + 1).all()
    # No reference was shown, so Table 4 claims no reference comparison.
    assert "FT beat ZS in 1 (0 ties); no reference." in capsys.readouterr().out
    assert "not shown" in (tmp_path / "a" / "table4.md").read_text()
