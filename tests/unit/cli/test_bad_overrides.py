"""Commands that compose the config (stats, chat, the safety probe, judges) name a bad override
in one line, exit 2: composed in one place (tide_exp.config.compose.compose_config)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tide_exp.cli.stats import main as stats_main
from tide_exp.errors import ConfigError

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


# --- issue 31, class 8: one line for every override a job could not use ----------------------
SP = f"hydra.searchpath=[file://{Path(__file__).resolve().parents[2] / 'configs'}]"


@pytest.mark.parametrize(
    ("override", "says"),
    [
        # Added keys that nothing reads: they ran, silently ignored.
        (
            "+eval.num_promts=4",
            r"eval.num_promts is not a setting \(.*did you mean eval.num_prompts\?",
        ),
        ("+sead=1", "sead is not a setting .*did you mean seed\\?"),
        ("+paths.output=x", "paths.output is not a setting .*did you mean paths.output_dir\\?"),
        ("+model.chat_template=x", "model.chat_template is not a setting"),
        ("+callbacks.xx=1", "callbacks.xx is not a setting"),
        # Keys that do not exist: the nearest name.
        ("lora.rank=4", "Could not override 'lora.rank'.*did you mean lora.r\\?"),
        ("mdoel=tiny_llama", "Could not override 'mdoel'.*did you mean model=\\?"),
        # Nearer by spelling to module, but only model has the option: Hydra's "To append to
        # your config use +modle=tiny_llama" advice (adding the typo) is left out.
        ("modle=tiny_llama", "^[^+]*Could not override 'modle'; did you mean model=\\? "),
        ("logger=wandbb", "Could not find 'logger/wandbb'.*did you mean logger=wandb\\?"),
    ],
)
def test_an_override_no_job_would_read_is_one_line_with_the_nearest_name(override, says):
    from tide_exp.cli.overrides import check_overrides

    with pytest.raises(ConfigError, match=says) as err:
        check_overrides([SP, "model=tiny_llama", override])
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "override",
    [
        "+callbacks.extra._target_=pytorch_lightning.callbacks.LearningRateMonitor",  # a new object
        "+eval.metrics.distinct_1={}",  # joins ${eval.metrics}
        "++seed=3",  # an existing key, forced
        "+trainer.max_steps=5",  # a constructor's argument: its signature decides
        "+lora.rr=4",  # likewise (refused there, in the job: "not an argument of peft.LoraConfig")
    ],
)
def test_an_added_key_something_reads_is_left_to_it(override):
    from tide_exp.cli.overrides import check_overrides

    check_overrides([SP, "model=tiny_llama", override])


PLAIN_NODES = ["", "eval.", "paths.", "model.", "callbacks.", "eval.generation_kwargs."]


@functools.cache
def shipped_config():
    from tide_exp.config.compose import compose_config, known_names

    return compose_config([SP, "model=tiny_llama"], hydra=True), known_names([SP])[0]


@given(
    parent=st.sampled_from(PLAIN_NODES),
    name=st.from_regex(r"[a-z][a-z_]{2,14}", fullmatch=True),
)
def test_any_added_key_in_a_plain_node_that_nothing_reads_is_refused(parent, name):
    """The class: a key added where no constructor takes it and no interpolation reads it
    (added here as Hydra adds it, to a copy of the composed config)."""
    from omegaconf import OmegaConf, open_dict

    from tide_exp.cli.overrides import check_added_keys

    base, shipped = shipped_config()
    key = f"{parent}{name}"
    assume(key not in shipped and "eval.generation_kwargs" not in key)
    cfg = base.copy()
    with open_dict(cfg):
        OmegaConf.update(cfg, key, 1, force_add=True)
    with pytest.raises(ConfigError, match=f"^{re.escape(key)} is not a setting"):
        check_added_keys(cfg, [f"+{key}=1"], shipped)


@pytest.mark.parametrize(
    ("overrides", "says"),
    [  # the round's Optuna cases: tracebacks, Hydra's block, or every trial failing
        (["module.optimizer.lr=tag(log,interval(1e-3,1e-5))"], "its low end 0.001 is above"),
        (
            ["module.optimizer.lr=tag(log,interval(0,1e-3))"],
            "a log interval needs a low end above 0",
        ),
        (
            ["lora.rr=choice(4,8)"],
            "names lora.rr, which the config does not have; did you mean lora.r\\?",
        ),
        (["lora.r=choice(0,-1)"], "gives lora.r=0, which no job can run with: lora.r=0 is not"),
        (
            ["hydra.sweeper.n_trials=0"],
            "error: hydra.sweeper.n_trials=0 is not a whole number >= 1",
        ),
        (
            ["hydra.sweeper.direction=maximise"],
            "error: hydra.sweeper.direction='maximise' is not one of",
        ),
        (["lora.r=interval(4,16)"], "gives lora.r=4.0, which no job can run with"),
        (["+lora.rr=choice(4,8)"], "lora.rr is not an argument of peft.LoraConfig.*lora.r\\?"),
    ],
    ids=[
        "low>high",
        "log from 0",
        "unknown key",
        "invalid only",
        "n_trials=0",
        "direction",
        "float rank",
        "added key",
    ],
)
def test_a_search_space_no_job_could_run_is_one_line_before_any_job(
    overrides, says, tmp_path, monkeypatch, capsys
):
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    argv = ["train", SP, "model=tiny_llama", "hparams_search=optuna", *overrides]
    assert main([*argv, f"hydra.sweep.dir={tmp_path / 'sw'}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and re.search(says, err), err
    assert list(tmp_path.iterdir()) == []  # no sweep folder


def test_the_sweep_summary_switch_is_checked_before_hydra_starts(tmp_path, monkeypatch, capsys):
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    argv = ["train", "-m", SP, "model=tiny_llama", "lora.r=4,8"]
    assert main([*argv, "hydra.callbacks.sweep_summary.exit_on_failure=maybe"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: hydra.callbacks.sweep_summary.exit_on_failure='maybe' is not one of true, false"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_misspelt_key_under_the_wandb_logger_names_it_before_the_model_loads(compose_cfg):
    """wandb.init's TypeError once the model had loaded (its arguments come through **kwargs)."""
    from tide_exp.config.validation import check_values

    cfg = compose_cfg("logger=[csv,wandb]", "+logger.wandb.projct=x")
    with pytest.raises(ConfigError, match=r"^logger\.wandb\.projct is not an argument.*project\?"):
        check_values(cfg)
    check_values(compose_cfg("logger=[csv,wandb]", "+logger.wandb.notes=why"))  # wandb.init's


@pytest.mark.parametrize("shared", ["+trainer.max_steps=0", "resume=maybe", "lora.r=-1"])
def test_a_value_every_job_of_a_sweep_shares_is_one_line_before_any_job(
    shared, tmp_path, monkeypatch, capsys
):
    """Issue 31: ``-m ... +trainer.max_steps=0 lora.r=4`` ran its job, which refused the value:
    exit 1, Hydra's summary, the sweep's folders written."""
    from tide_exp.cli.main import main

    monkeypatch.chdir(tmp_path)
    argv = ["train", "-m", SP, "model=tiny_llama", "seed=1,2", shared]
    assert main([*argv, f"hydra.sweep.dir={tmp_path / 'sw'}"]) == 2
    err = capsys.readouterr().err
    key = shared.lstrip("+").split("=")[0]
    assert err.startswith(f"error: {key}") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []
