"""Sweep job folders and W&B run names (tide_exp.config.resolvers), recorded settings (tide_exp.config.settings)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from omegaconf import OmegaConf

from tide_exp.config.resolvers import _job_dir, _run_name
from tide_exp.config.settings import run_settings


def test_job_folder_and_run_name_carry_the_overrides():
    assert _job_dir(0, "smollm2_135m", "lora.r=4") == "0_smollm2_135m,lora.r=4"
    assert _job_dir(3, "qwen2_5_3b", "model=qwen2_5_3b,seed=2") == "3_qwen2_5_3b,seed=2"
    assert _run_name("smollm2_135m", "lora.r=8,seed=1") == "smollm2_135m:lora.r=8,seed=1"
    assert _run_name("smollm2_135m", "") == "smollm2_135m"


@given(st.text(max_size=400))
def test_job_folder_is_one_bounded_folder_name(overrides):
    name = _job_dir(1, "m", overrides)
    assert "/" not in name and len(name) <= 120
    # Long names stay unique through their hash.
    assert _job_dir(1, "m", "a" + overrides) != _job_dir(1, "m", "b" + overrides)


def test_run_settings_record_what_is_computed_not_where_it_goes():
    cfg = OmegaConf.create(
        {
            "seed": 3,
            "resume": True,
            "paths": {"output_dir": "/runs/a"},
            "logger": {"wandb": {"name": "x"}},
            "model": {"name": "m", "loader": {"cache_dir": "/c", "dtype": "auto"}},
            "lora": {"r": 8},
            "data": {"seed": "${seed}", "manifest_dir": "${paths.output_dir}", "max_length": 80},
            "trainer": {"default_root_dir": "${paths.output_dir}", "max_epochs": 3},
        }
    )
    assert run_settings(cfg) == {
        "model.name": "m",
        "model.loader.dtype": "auto",
        "lora.r": 8,
        "data.max_length": 80,
        "trainer.max_epochs": 3,
    }
