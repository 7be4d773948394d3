"""Commands that compose the config (stats, chat, the safety probe, judges) name a bad override
in one line, exit 2: composed in one place (tide_exp.config.compose_config)."""

from __future__ import annotations

import pytest

from tide_exp.cli.stats import main as stats_main

CASES = {
    "foo=1": "Could not override 'foo'. To append to your config use +foo=1",
    "a=[1": "no viable alternative at input '[1'",
    "model=nosuch": "Could not find 'model/nosuch'",
    "data.max_length=abc": "data.max_length='abc' is not a whole number >= 1",
}


@pytest.mark.parametrize("override", list(CASES))
def test_a_bad_override_is_one_line_naming_it(override, tmp_path, capsys):
    assert stats_main(["sample", override, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and CASES[override] in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["humaneval", "judge", "key.csv", "--generate", "x:y", "--out", "gold.csv", "--calls", "0"],
        ["chat", "--max-new-tokens", "0"],
        ["safety", "probe", "--out", "probe", "--max-prompts", "abc"],
        [
            "safety",
            "judge",
            "safety.jsonl",
            "--generate",
            "x:y",
            "--out",
            "j.jsonl",
            "--calls",
            "0",
        ],
        ["compare", "run", "--limit", "-1"],
        ["prepare", "in.jsonl", "--out", "out", "--min-reply-tokens", "-1"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_count_out_of_range_is_one_line_before_any_work(argv, tmp_path, monkeypatch, capsys):
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: tide {argv[0]}")
    assert ("is below" in err) or ("is not a whole number" in err)
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["lora.rank=4"], "Could not override 'lora.rank'"),  # was Hydra's block, exit 1
        (["model=gpt9"], "Could not find 'model/gpt9'"),
        (["-m", "lora.r=4,8", "--cfg", "job"], "-m and --cfg do not go together"),  # traceback
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_a_training_command_line_hydra_would_refuse_is_one_line_first(
    argv, says, tmp_path, monkeypatch, capsys
):
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err
    assert list(tmp_path.iterdir()) == []  # no run folder
