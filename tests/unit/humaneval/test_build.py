"""Survey building: the study's design, round trip of survey and key, no model names shown."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.qualtrics_reader import parse_survey_txt
from tide_exp.humaneval.build import build_summary, build_survey, read_key, read_scenarios
from tide_exp.humaneval.errors import SurveyConfigError, SurveyInputError
from tide_exp.humaneval.runs import load_runs
from tide_exp.humaneval.survey import QUESTION, SCENARIO_ORDER, SurveySpec

from . import fakes
from .fakes import THEMES


def test_study_design_24_items_of_five_replies(key):
    rated = key[key["condition"] != "attention"]
    assert rated["item_id"].nunique() == 24
    assert rated.groupby("item_id").size().eq(5).all()
    per_item = rated.groupby("item_id")["condition"].apply(sorted)
    assert per_item.map(lambda c: c == ["ft", "ft", "reference", "zs", "zs"]).all()
    # one client message per scenario, shared by all four pair sets
    assert rated.groupby("scenario")["example_id"].nunique().eq(1).all()
    assert rated.groupby("scenario")["pair_set"].nunique().eq(4).all()
    assert rated.groupby("pair_set")["scenario"].nunique().eq(6).all()
    assert (key["condition"] == "attention").sum() == 1


def test_study_order_and_wording(key, survey_dir):
    items = key[key["condition"] != "attention"].drop_duplicates("item_id")
    # interleaved: pair set 1 = items 1, 5, 9, ...; scenario k = items 4k-3 .. 4k
    assert items["pair_set"].tolist() == [1, 2, 3, 4] * 6
    assert items["scenario"].tolist() == [s for s in SCENARIO_ORDER for _ in range(4)]
    txt = (survey_dir / "survey_qualtrics.txt").read_text()
    assert txt.count(QUESTION) == 25 and QUESTION.startswith("Please rate each response on")
    answers = "[[Answers]]\n1 - Not at all empathetic\n2\n3\n4\n5 - Extremely empathetic\n"
    assert txt.count(answers) == 25  # 24 items + the attention check
    assert f"Survey code: {key['survey_id'].iloc[0]}" in txt


def test_key_round_trips_to_generations(key, sweep):
    runs = {r.label: r for r in load_runs([sweep])}
    for row in key[key["condition"].isin(["zs", "ft"])].itertuples():
        gens = runs[row.model].generations
        src = gens[(gens["phase"] == row.condition) & (gens["example_id"] == row.example_id)]
        assert src["prediction"].iloc[0] == row.text
    refs = key[key["condition"] == "reference"]
    assert all(
        t == f"Reference reply for {e}."
        for t, e in zip(refs["text"], refs["example_id"], strict=True)
    )


@pytest.mark.parametrize("reader", ["csv", "txt"])
def test_rater_files_map_back_to_key(survey_dir, key, reader):
    if reader == "csv":
        shown = pd.read_csv(survey_dir / "survey.csv").rename(columns={"response": "text"})
    else:
        txt = (survey_dir / "survey_qualtrics.txt").read_text()
        assert txt.startswith("[[AdvancedFormat]]")
        shown = parse_survey_txt(txt).rename(columns={"response": "text"})
    merged = shown.merge(key, on="question_id", suffixes=("", "_key"), validate="1:1")
    assert len(merged) == len(key)
    assert (merged["text"].str.strip() == merged["text_key"].str.strip()).all()
    assert (merged["prompt"] == merged["prompt_key"]).all()
    assert merged["model"].notna().all() and merged["condition"].notna().all()


def test_rater_files_hold_no_model_names(survey_dir, key):
    names = set(key["model"]) | set(key["model_slug"]) | set(key["display_name"])
    names -= {"reference", "Reference", "attention", "Attention check"}
    for name in ("survey.csv", "survey_qualtrics.txt"):
        text = (survey_dir / name).read_text().lower()
        assert not [n for n in names if n.lower() in text], name
        assert "zero-shot" not in text and "fine-tuned" not in text
    assert list(pd.read_csv(survey_dir / "survey.csv").columns) == [
        "survey_id",
        "question_id",
        "item_id",
        "slot",
        "prompt",
        "response",
    ]


def test_seed_fixes_selection_and_order(sweep, tmp_path, key):
    again = build_survey([sweep], tmp_path / "a")
    assert list(again["question_id"]) == list(key["question_id"])
    assert list(again["text"]) == list(key["text"])
    other = build_survey([sweep], tmp_path / "b", spec=SurveySpec(seed=7))
    assert list(other["text"]) != list(key["text"])
    assert not list(tmp_path.glob("**/*.tmp"))  # atomic writes leave no temp files


def test_user_pairs_and_example_ids(tmp_path):
    sweep = fakes.write_sweep(tmp_path, ["smollm2_135m", "smollm2_135m", "tiny_llama"])
    jobs = [str(sweep / "0"), str(sweep / "1")]
    spec = SurveySpec(example_ids=["p0000-d01", "p0003-d02"], attention_check=False)
    key = build_survey(
        [sweep], tmp_path / "s", pairs=[tuple(jobs), ("tiny_llama", jobs[0])], spec=spec
    )
    assert key["item_id"].nunique() == 4 and set(key["example_id"]) == set(spec.example_ids)
    assert set(key.loc[key["pair_set"] == 1, "run_dir"]) - {jobs[0], jobs[1]} == set()


def test_clear_errors_for_pairs_and_ids(tmp_path):
    sweep = fakes.write_sweep(
        tmp_path, ["smollm2_135m", "smollm2_135m", "tiny_llama"], n_per_theme=1
    )
    with pytest.raises(SurveyConfigError, match="none of the study's default pairs"):
        build_survey([sweep], tmp_path / "s")  # three runs: which pair is not obvious
    (sweep / "2" / "generations.jsonl").unlink()
    with pytest.raises(SurveyConfigError, match="matches 2 runs"):
        build_survey([sweep], tmp_path / "s", pairs=[("smollm2_135m", "smollm2_135m")])
    with pytest.raises(SurveyConfigError, match="not in both"):
        build_survey(
            [sweep],
            tmp_path / "s",
            pairs=[(str(sweep / "0"), str(sweep / "1"))],
            spec=SurveySpec(example_ids=["p9999-d00"]),
        )


def test_pairs_yaml(tmp_path):
    from tide_exp.errors import FileError
    from tide_exp.humaneval.pair_sets import read_pairs_file

    path = tmp_path / "pairs.yaml"
    path.write_text("pairs:\n  - [qwen2_5_3b, qwen2_5_1_5b]\n  - [a, b]\n")
    assert read_pairs_file(path) == [("qwen2_5_3b", "qwen2_5_1_5b"), ("a", "b")]
    path.write_text("pairs:\n  - [a, b\n")
    with pytest.raises(FileError, match=r"pairs.yaml:\d+:\d+: invalid YAML"):
        read_pairs_file(path)


def test_pairs_asset_and_empty_reply(tmp_path):
    from pathlib import Path

    from tide_exp.humaneval.pair_sets import read_pairs_file

    asset = Path(__file__).parents[2] / "assets" / "humaneval" / "pairs.yaml"
    pairs = read_pairs_file(asset)
    sweep = fakes.write_sweep(
        tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b", "llama3_2_3b", "llama3_2_1b"], n_per_theme=1
    )
    gens = sweep / "0" / "generations.jsonl"
    lines = gens.read_text().splitlines()
    lines[0] = lines[0].replace('"prediction": "Reply', '"prediction": "  ", "x": "Reply')
    gens.write_text("\n".join(lines) + "\n")
    key = build_survey([sweep], tmp_path / "s", pairs=pairs)
    assert key.loc[key["condition"] != "attention", "pair_set"].nunique() == 2
    empty = key[
        (key["model"] == "qwen2_5_3b")
        & (key["condition"] == "zs")
        & (key["example_id"] == "p0000-d00")
    ]
    assert empty["text"].tolist() == ["(no reply)"]
    shown = parse_survey_txt((tmp_path / "s" / "survey_qualtrics.txt").read_text())
    assert len(shown) == len(key)  # no blank matrix row shifts the question ids


def _blank_themes(sweep):
    for gens in sweep.glob("*/generations.jsonl"):
        rows = [json.loads(line) for line in gens.read_text().splitlines()]
        gens.write_text("".join(json.dumps({**r, "theme": ""}) + "\n" for r in rows))


def test_data_without_themes_never_shrinks_silently(tmp_path):
    sweep = fakes.write_sweep(tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b"], n_per_theme=2)
    _blank_themes(sweep)
    with pytest.raises(SurveyConfigError, match="no scenario .* --scenarios mapping.csv"):
        build_survey([sweep], tmp_path / "s")
    mapping = tmp_path / "scenarios.csv"
    mapping.write_text(
        "example_id,scenario\n"
        + "".join(f"p{t:04d}-d{j:02d},{s}\n" for t, s in enumerate(THEMES) for j in range(2))
    )
    spec = SurveySpec(scenarios=read_scenarios(mapping))
    key = build_survey([sweep], tmp_path / "s", spec=spec)
    assert key.loc[key["condition"] != "attention", "item_id"].nunique() == 6
    ids = [f"p{t:04d}-d00" for t in range(6)]  # in scenario order
    key = build_survey([sweep], tmp_path / "t", spec=SurveySpec(example_ids=ids))
    got = key[key["condition"] == "zs"].drop_duplicates("item_id")
    assert got["scenario"].tolist() == list(SCENARIO_ORDER)
    with pytest.raises(SurveyConfigError, match="fewer than --per-scenario 3"):
        build_survey(
            [sweep], tmp_path / "u", spec=SurveySpec(per_scenario=3, scenarios=spec.scenarios)
        )


def test_cut_and_duplicate_replies_are_flagged(tmp_path):
    sweep = fakes.write_sweep(tmp_path, ["qwen2_5_3b", "qwen2_5_1_5b"], n_per_theme=1)
    for gens in sweep.glob("*/generations.jsonl"):
        rows = [json.loads(line) for line in gens.read_text().splitlines()]
        for r in rows:
            cut = r["theme"] == "panic" and r["phase"] == "zs"
            r["prediction"] = "I hear you and I am" if cut else "Same words for all."
        gens.write_text("".join(json.dumps(r) + "\n" for r in rows))
    key = build_survey([sweep], tmp_path / "s")
    models = key[key["condition"].isin(["zs", "ft"])]
    assert models.loc[models["truncated"], "scenario"].eq("panic").all()
    assert models["truncated"].sum() == 2  # the two zero-shot panic replies
    summary = build_summary(key)
    assert summary["truncated_replies"] == 2 and summary["model_replies"] == 24
    # panic: two identical cut replies and two identical full ones (2 repeats); the other
    # five scenarios: four identical replies (3 repeats each)
    assert summary["duplicate_replies"] == 2 + 5 * 3
    dup = key[key["duplicate_of"] != ""].iloc[0]
    assert key.set_index("question_id").loc[dup["duplicate_of"], "text"] == dup["text"]


def test_key_identity_is_checked(survey_dir, tmp_path):
    key = read_key(survey_dir / "key.csv")
    assert key["survey_id"].nunique() == 1
    text = (survey_dir / "key.csv").read_text()
    edited = tmp_path / "key.csv"
    edited.write_text(text.replace("Reference reply for", "Reference reply to", 1))
    with pytest.raises(SurveyInputError, match="do not match the survey id"):
        read_key(edited)
