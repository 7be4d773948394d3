"""The config validator: impossible settings stop before the model loads, naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.config_options import config_options
from tide_exp.config.validation import check_environment, check_values, validate_config
from tide_exp.errors import ConfigError


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("trainer.max_epochs=abc", "trainer.max_epochs"),
        ("trainer.max_epochs=0", "trainer.max_epochs"),
        ("lora.r=-1", "lora.r"),
        ("lora.lora_dropout=1.5", "lora.lora_dropout"),
        ("data.batch_size=0", "data.batch_size"),
        ("data.max_train_examples=-3", "data.max_train_examples"),
        ("data.eval_fraction=1.0", "data.eval_fraction"),
        ("eval.num_prompts=0", "eval.num_prompts"),
        ("eval.generation.max_new_tokens=abc", "eval.generation.max_new_tokens"),
        ("data.split_by=speaker", "data.split_by"),
        ("data.source.on_error=ignore", "data.source.on_error"),
        ("+eval.metrics.bleu_99={}", "eval.metrics"),
        ("module.optimizer.lr=0", "module.optimizer.lr"),
        ("trainer.precision=abc", "trainer.precision"),
        ("eval.zero_shot=maybe", "eval.zero_shot"),  # bound to the callback by interpolation
        ("+trainer.max_epoch=3", "trainer.max_epoch"),
        ("threads=0", "threads"),  # was torch's default (all cores) by a truthiness test
        ("eval.select=bets", "eval.select"),
        ("eval.monitor_mode=up", "eval.monitor_mode"),
        # issue 31: a traceback from transformers / the chat loader, after the model loaded
        ("module.scheduler.name=cosine_warmup", "module.scheduler.name"),
        ("data=chat_corpus data.source.style=openai", "data.source.style"),
        ("eval.safety=yes", "eval.safety"),  # named callbacks.safety_probe.enabled before
    ],
)
def test_impossible_values_name_the_key(compose_cfg, override, key):
    cfg = compose_cfg(*override.split())
    with pytest.raises(ConfigError, match="^" + re.escape(key) + r"\b") as err:
        check_values(cfg)
    assert "\n" not in str(err.value)


def test_select_best_needs_a_monitor_measured_every_epoch(compose_cfg):
    check_values(compose_cfg("eval.monitor=val/gen/bleu"))  # select=last: nothing to measure
    for monitor in ("val/gen/bleu", "cosine"):
        cfg = compose_cfg("eval.select=best", f"eval.monitor={monitor}")
        with pytest.raises(ConfigError, match=r"^eval\.monitor=.*choose one of val/loss, val/gen/"):
            check_values(cfg)
    check_values(compose_cfg("eval.select=best", "eval.monitor=val/loss"))


CONF_DIR = Path(__file__).resolve().parents[3] / "conf"
OPTIONS = config_options()


@pytest.mark.parametrize(("group", "option"), OPTIONS, ids=lambda v: str(v))
def test_every_shipped_option_passes_the_value_checks(compose_cfg, group, option):
    check_values(compose_cfg(f"{group}={option}", tiny=False))


def test_defaults_and_the_tiny_test_config_pass(compose_cfg):
    validate_config(compose_cfg(tiny=False))
    validate_config(compose_cfg())


def test_gpu_trainer_without_cuda_is_refused(compose_cfg, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"^trainer\.accelerator='gpu' but no CUDA GPU"):
        check_environment(compose_cfg("trainer=gpu"))


def test_missing_data_paths_are_refused(compose_cfg, tmp_path):
    with pytest.raises(ConfigError, match=r"^data\.source\.path is not set"):
        check_environment(compose_cfg("data=flat_file"))
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(ConfigError, match=r"^data\.source\.path=.*nope\.jsonl.: no such file"):
        check_environment(compose_cfg("data=flat_file", f"data.source.path={missing}"))
    with pytest.raises(ConfigError, match=r"^data\.split_manifest=.*: no such file"):
        check_environment(compose_cfg(f"data.split_manifest={missing}"))


def test_output_folder_must_be_creatable(compose_cfg, tmp_path):
    from omegaconf import open_dict

    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cfg = compose_cfg()
    with open_dict(cfg):
        cfg.paths.output_dir = str(blocker / "run")
    with pytest.raises(ConfigError, match=r"^paths\.output_dir=.*a_file is a file"):
        check_environment(cfg)


def test_output_folder_on_a_read_only_disk_is_refused_as_root_too(
    compose_cfg, tmp_path, monkeypatch
):
    from omegaconf import open_dict

    from tests import disk_faults

    cfg = compose_cfg()
    with open_dict(cfg):
        cfg.paths.output_dir = str(tmp_path / "ro" / "run")
    (tmp_path / "ro").mkdir()
    disk_faults.read_only(monkeypatch, tmp_path / "ro")
    with pytest.raises(ConfigError, match=r"^paths\.output_dir=.*ro: is not writable \(Read-only"):
        check_environment(cfg)


def test_run_stops_before_loading_the_model(compose_cfg, monkeypatch):
    import tide_exp.runs.run as run_module

    def no_model_load(*args, **kwargs):
        raise AssertionError("the model was loaded before the config was checked")

    monkeypatch.setattr(run_module, "instantiate", no_model_load)
    with pytest.raises(ConfigError, match=r"^lora\.r=-1"):
        run_module.run(compose_cfg("lora.r=-1"))


@pytest.mark.parametrize("safety", ["false", "true"])
def test_batch_size_auto_is_valid_with_or_without_the_safety_probe(compose_cfg, safety):
    """docs/generation.md documents eval.generation.batch_size=auto; the probe takes the same value."""
    check_values(
        compose_cfg("eval.generation.batch_size=auto", f"eval.safety={safety}", tiny=False)
    )


def test_prompts_file_is_read_before_the_model_loads(compose_cfg, tmp_path):
    """eval.prompts_file: a missing file or a bad line is one sentence naming the key, the
    file and the line, from check_environment (before the model loads)."""
    check_environment(compose_cfg("eval.prompts_file=study_a"))  # the shipped set, by name
    with pytest.raises(ConfigError, match=r"^eval.prompts_file='nope.jsonl': .*study_a"):
        check_environment(compose_cfg("eval.prompts_file=nope.jsonl"))
    bad = tmp_path / "survey.jsonl"
    bad.write_text('{"message": "I froze."}\n{"mesage": "typo"}\n')
    with pytest.raises(ConfigError, match=r"survey.jsonl:2: unknown key\(s\) \['mesage'\]"):
        check_environment(compose_cfg(f"eval.prompts_file={bad}"))


def test_a_wandb_folder_that_cannot_be_written_is_refused_up_front(
    compose_cfg, tmp_path, monkeypatch
):
    """Issue 31: W&B fell back to the machine's temporary folder, outside the run, when
    ``logger.wandb.save_dir`` could not be written; a ``wandb`` file in the run folder was a
    traceback; an unknown ``WANDB_MODE`` was W&B's to refuse after the model loaded."""
    from omegaconf import open_dict

    from tests import disk_faults

    cfg = compose_cfg("logger=wandb")
    with open_dict(cfg):
        cfg.logger.wandb.save_dir = str(tmp_path / "ro" / "w")
    (tmp_path / "ro").mkdir()
    disk_faults.read_only(monkeypatch, tmp_path / "ro")
    with pytest.raises(ConfigError, match=r"^logger\.wandb\.save_dir=.*is not writable"):
        check_environment(cfg)
    monkeypatch.undo()

    cfg = compose_cfg("logger=wandb")
    (Path(cfg.logger.wandb.save_dir) / "wandb").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"^logger\.wandb\.save_dir=.*wandb is a file, not a"):
        check_environment(cfg)

    monkeypatch.setenv("WANDB_MODE", "offlin")
    with pytest.raises(ConfigError, match=r"^WANDB_MODE='offlin' \(in the environment\) is not"):
        check_environment(compose_cfg("logger=wandb"))


@pytest.mark.parametrize(
    ("name", "value"), [("WANDB_MODE", "disabled"), ("WANDB_DISABLED", "true")]
)
def test_wandb_switched_off_in_the_environment_is_honoured_and_said(
    compose_cfg, monkeypatch, caplog, name, value
):
    """Issue 31: ``WANDB_MODE=disabled`` was ignored without a word (an offline run was written)."""
    from tide_exp.tracking.loggers import loggers_to_build

    cfg = compose_cfg("logger=[csv,wandb]")
    assert set(loggers_to_build(cfg.logger)) == {"csv", "wandb"}
    monkeypatch.setenv(name, value)
    with caplog.at_level("WARNING"):
        assert set(loggers_to_build(cfg.logger)) == {"csv"}
    assert f"{name}={value} in the environment: no W&B run is written" in caplog.text
