"""`humaneval build` for both studies as they ran: Study A's own six survey messages (a prompts
file the runs answered), scenarios named by the data, Study B's dialogues with their history."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.qualtrics_reader import parse_survey_txt
from tests.study_facts import APPENDIX_A
from tide_exp.cli.humaneval import main
from tide_exp.humaneval.build import build_survey, read_key
from tide_exp.humaneval.errors import SurveyConfigError
from tide_exp.humaneval.survey import SCENARIO_ORDER, SurveySpec

from . import fakes


def test_prompts_file_builds_the_study_24_item_survey_without_flags(tmp_path, capsys):
    """A sweep whose runs answered eval.prompts_file=study_a: `build --prompts study_a` shows
    those six messages with every pair set, in the study's interleaved order, each reply the
    text the run wrote to it."""
    sweep = fakes.write_sweep(tmp_path, n_per_theme=1, fixed=APPENDIX_A)
    survey = tmp_path / "survey"
    assert main(["build", str(sweep), "--out", str(survey), "--prompts", "study_a"]) == 0
    out = capsys.readouterr().out
    assert "24 items, 96 replies in 6 scenarios" in out
    assert "no reference reply for 6 of its 6 messages" in out  # four model replies per item
    key = read_key(survey / "key.csv")
    rated = key[key["condition"] != "attention"]
    items = rated.drop_duplicates("item_id")
    assert items["prompt"].tolist() == [m for _, m in APPENDIX_A for _ in range(4)]
    assert items["scenario"].tolist() == [s for s, _ in APPENDIX_A for _ in range(4)]
    assert items["pair_set"].tolist() == [1, 2, 3, 4] * 6  # pair set 1 = items 1, 5, 9, ...
    assert set(rated["condition"]) == {"zs", "ft"} and set(rated["phase"]) == {
        "fixed_zs",
        "fixed_ft",
    }
    written = {
        (r["model"], r["phase"], r["prompt"]): r["prediction"]
        for gens in sweep.glob("*/generations.jsonl")
        for r in map(json.loads, gens.read_text().splitlines())
    }
    for row in rated.itertuples():
        assert written[(row.model, row.phase, row.prompt)] == row.text
    shown = parse_survey_txt((survey / "survey_qualtrics.txt").read_text())
    assert shown.loc[shown["item_id"] == "I01", "prompt"].iloc[0] == APPENDIX_A[0][1]


def test_prompts_file_the_runs_never_answered_is_named(tmp_path, capsys):
    sweep = fakes.write_sweep(tmp_path, fakes.STUDY_SLUGS[:2], n_per_theme=1)
    assert main(["build", str(sweep), "--out", str(tmp_path / "s"), "--prompts", "study_a"]) == 2
    err = capsys.readouterr().err
    assert "has no replies to a prompts file" in err and "eval.prompts_file=FILE" in err
    assert not (tmp_path / "s").exists()  # nothing half-written
    # A file without scenarios: each message is its own scenario, named by its id.
    sweep = fakes.write_sweep(
        tmp_path / "b",
        fakes.STUDY_SLUGS[:2],
        n_per_theme=1,
        fixed=[("", "I froze."), ("", "I cannot sleep.")],
    )
    mine = tmp_path / "mine.jsonl"
    mine.write_text('{"message": "I froze."}\n{"message": "I cannot sleep."}\n')
    assert main(["build", str(sweep), "--out", str(tmp_path / "t"), "--prompts", str(mine)]) == 0
    key = pd.read_csv(tmp_path / "t" / "key.csv")
    items = key[key["condition"] == "zs"].drop_duplicates("item_id")
    assert items["scenario"].tolist() == ["fixed-01", "fixed-02"]


def test_scenarios_are_the_datas_themes_whatever_they_are_named(tmp_path, capsys):
    """Runs whose themes are named otherwise than the study's (reliving_abuse for
    abuse_memory) build the whole design: a scenario the data never had is not missing."""
    themes = [t if t != "abuse_memory" else "reliving_abuse" for t in SCENARIO_ORDER]
    sweep = fakes.write_sweep(tmp_path, fakes.STUDY_SLUGS[:2], n_per_theme=2, themes=themes)
    assert main(["build", str(sweep), "--out", str(tmp_path / "s")]) == 0
    assert "6 scenarios" in capsys.readouterr().out
    key = pd.read_csv(tmp_path / "s" / "key.csv")
    order = key.loc[key["condition"] == "zs", "scenario"].drop_duplicates().tolist()
    # The study's names order the scenarios where they match; the others follow.
    assert order == [t for t in SCENARIO_ORDER if t != "abuse_memory"] + ["reliving_abuse"]
    # A theme the held-out split has but no evaluated prompt shows is still missing.
    fakes.write_run(sweep / "0", fakes.STUDY_SLUGS[0], 2, themes=[*themes, "insomnia"])
    with pytest.raises(SurveyConfigError, match="scenario.s. insomnia have no prompt shared"):
        build_survey([sweep], tmp_path / "t")


def _study_b_run(tmp_path, dialogues=6, rows_per_dialogue=3):
    """One model's run on multi-turn data: every row one reply in its dialogue's context."""
    run = tmp_path / "run"
    fakes.write_run(run, "qwen1_5_1_8b_chat", n_per_theme=1)
    lines = []
    for phase in ("zs", "ft"):
        for d in range(dialogues):
            for t in range(rows_per_dialogue):
                history = [
                    ["user", f"d{d} message {k}"]
                    if k % 2 == 0
                    else ["assistant", f"d{d} reply {k}"]
                    for k in range(2 * t)
                ]
                row = {"phase": phase, "model": "qwen1_5_1_8b_chat", "example_id": f"d{d}-t{t}"}
                row |= {
                    "persona_id": f"dialogue{d}",
                    "theme": "情绪",
                    "prompt": f"d{d} message {2 * t}",
                }
                row |= {"reference": "", "prediction": f"{phase} reply to d{d} t{t}"}
                lines.append(json.dumps(row | ({"history": history} if history else {})))
    (run / "generations.jsonl").write_text("\n".join(lines) + "\n")
    return run


def test_study_b_survey_draws_one_item_per_dialogue_and_shows_its_history(tmp_path):
    run = _study_b_run(tmp_path)
    survey = tmp_path / "s"
    argv = ["build", str(run), "--out", str(survey), "--no-reference", "--no-scenarios"]
    assert main([*argv, "--per-scenario", "6", "--history-turns", "2"]) == 0
    key = read_key(survey / "key.csv")  # the survey id covers the history shown
    rated = key[key["condition"] != "attention"]
    items = rated.drop_duplicates("item_id")
    assert items["persona_id"].nunique() == 6  # six dialogues, one item each
    for row in items.itertuples():
        turns = json.loads(row.history) if row.history else []
        assert len(turns) <= 2  # the last two earlier turns at most
        if turns:
            assert turns[-1][0] == "assistant" and turns[-1][1].startswith(
                row.persona_id[-1:].join(["d", " reply"])
            )
    shown = parse_survey_txt((survey / "survey_qualtrics.txt").read_text())
    with_history = shown[shown["history"] != ""]
    assert len(with_history) and with_history["history"].str.contains("Counsellor:</b> d").all()
    assert "history" in pd.read_csv(survey / "survey.csv").columns
    # Seven dialogues are not there: one item per dialogue, never a dialogue twice.
    with pytest.raises(SurveyConfigError, match="6 dialogue.s. .18 prompts., fewer than"):
        build_survey([run], tmp_path / "t", spec=SurveySpec(no_scenarios=True, per_scenario=7))
    # Per prompt on request (the old draw by rows).
    spec = SurveySpec(no_scenarios=True, per_scenario=7, draw_unit="prompt", reference=False)
    assert build_survey([run], tmp_path / "u", spec=spec)["item_id"].nunique() == 8  # + ATTN
