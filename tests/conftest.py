"""Shared fixtures: offline environment, Hydra state, a tiny random model, composed configs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hypothesis import settings
from omegaconf import DictConfig, open_dict

from tide_exp.config.resolvers import register_resolvers

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "conf"
TEST_CONF_DIR = ROOT / "tests" / "configs"
ASSETS = ROOT / "tests" / "assets"

# Property tests: in CI (CI=true) a fixed set of examples, so a landing never depends on a
# draw; locally a wider random search that finds new failures. HYPOTHESIS_PROFILE=ci|dev
# picks one (reproduce CI's draw locally with HYPOTHESIS_PROFILE=ci).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)

# Settings every tiny run shares: small data, few prompts, short replies, no W&B.
TINY_OVERRIDES = [
    "model=tiny_llama",
    "logger=csv",
    "trainer.max_epochs=2",
    "data.max_train_examples=16",
    "data.max_eval_examples=8",
    "data.batch_size=4",
    "eval.num_prompts=4",
    "eval.generation.max_new_tokens=8",
]


@pytest.fixture(autouse=True)
def offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network, no W&B account, quiet tokenizers, fixed seed."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def clear_hydra() -> None:
    yield
    GlobalHydra.instance().clear()
    # compose_cfg sets the job's Hydra config; left set, ${hydra:runtime.output_dir} resolves (to
    # None) in a later test's composition, as it never does before a real job starts.
    HydraConfig.instance().cfg = None


@pytest.fixture(scope="session")
def tiny_model():
    """A 2-layer random Llama with the project's tiny BPE tokenizer (fresh per session)."""
    from tests.tiny_models import build_tiny_random_model

    return build_tiny_random_model()


@pytest.fixture
def compose_cfg(tmp_path: Path):
    """Compose the root config like `python -m tide_exp` would, writing into ``tmp_path``."""

    def _compose(*overrides: str, tiny: bool = True, keep_hydra: bool = False) -> DictConfig:
        register_resolvers()
        GlobalHydra.instance().clear()
        with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
            cfg = compose(
                "config",
                overrides=[
                    f"hydra.searchpath=[file://{TEST_CONF_DIR}]",
                    *(TINY_OVERRIDES if tiny else []),
                    *overrides,
                ],
                return_hydra_config=True,
            )
        HydraConfig().set_config(cfg)
        with open_dict(cfg):
            cfg.paths.output_dir = str(tmp_path)
            cfg.paths.cache_dir = os.environ.get("TIDE_EXP_CACHE")
            if not keep_hydra:
                del (
                    cfg.hydra
                )  # a real job's config has no hydra node; HydraConfig still resolves ${hydra:...}
        return cfg

    return _compose


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip `gpu` tests where CUDA is not available (CI runs on CPUs)."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
