"""Commands that compose the config (stats, chat, the safety probe, judges) name a bad override
in one line, exit 2: composed in one place (tide_exp.config.compose.compose_config)."""

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


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["train", "eval.max_new_tokens=48"],
            "eval.max_new_tokens moved to eval.generation.max_new_tokens: "
            "write eval.generation.max_new_tokens=48",
        ),
        (
            ["train", "-m", "eval.batch_size=4,8"],  # a sweep's too
            "eval.batch_size moved to eval.generation.batch_size",
        ),
        (
            ["train", "+eval.generation_kwargs.top_p=0.9"],  # a key below a moved one
            "eval.generation_kwargs.top_p moved to eval.generation.generation_kwargs.top_p: "
            "write +eval.generation.generation_kwargs.top_p=0.9",
        ),
        (
            ["train", "callbacks.safety_probe.engine=plain"],
            "callbacks.safety_probe.engine moved to eval.generation.engine",
        ),
        (["chat", "eval.engine=plain"], "eval.engine moved to eval.generation.engine"),
        (["stats", "sample", "eval.merge=false"], "eval.merge moved to eval.generation.merge"),
        (
            ["safety", "probe", "--out", "o", "--override", "eval.sort_by_length=false"],
            "eval.sort_by_length moved to eval.generation.sort_by_length",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_an_override_of_a_moved_key_names_its_new_key(argv, says, tmp_path, monkeypatch, capsys):
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {says}"), err
    assert list(tmp_path.iterdir()) == []  # nothing written, no run folder


def test_a_run_saved_before_the_move_reads_with_its_keys_moved(tmp_path):
    from omegaconf import OmegaConf

    from tide_exp.cli.overrides import move_saved_keys
    from tide_exp.generation import GenerationSettings

    old = OmegaConf.create(
        {
            "model": {"strip_think": True},
            "eval": {
                "num_prompts": 4,
                "batch_size": 3,
                "max_new_tokens": 12,
                "engine": "plain",
                "merge": "auto",
                "sort_by_length": False,
                "generation_kwargs": {"top_p": 0.9, "do_sample": True},
            },
        }
    )
    cfg = move_saved_keys(old)
    assert set(cfg.eval) == {"num_prompts", "generation"}
    settings = GenerationSettings.from_config(cfg)
    assert (settings.batch_size, settings.max_new_tokens, settings.engine) == (3, 12, "plain")
    assert settings.strip_think is True and settings.sort_by_length is False
    assert settings.generation_kwargs == {"top_p": 0.9, "do_sample": True}
    assert move_saved_keys(cfg) is cfg  # a new config is left as it is
