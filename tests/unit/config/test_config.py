"""Every option of every config group composes, resolves, and matches its target's signature."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hydra.utils import get_object, instantiate
from omegaconf import DictConfig, OmegaConf

from tests.config_options import config_options
from tide_exp.config.compose import compose_config
from tide_exp.config.signatures import config_targets

ROOT = Path(__file__).resolve().parents[3]
CONF_DIR = ROOT / "conf"
TEST_CONF_DIR = ROOT / "tests" / "configs"
PROTOCOL = ROOT.parent / "shared" / "reference" / "protocol.yaml"

HYDRA_KEYS = {"_target_", "_partial_", "_convert_", "_recursive_", "_args_"}


def _bind(path: str, node: DictConfig) -> None:
    target = get_object(node._target_)
    kwargs = {k: v for k, v in node.items() if k not in HYDRA_KEYS}
    signature = inspect.signature(target.__init__ if inspect.isclass(target) else target)
    accepts_any = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )
    unknown = set(kwargs) - set(signature.parameters)
    assert accepts_any or not unknown, f"{path}: {node._target_} takes no {sorted(unknown)}"
    if not accepts_any:
        signature.bind_partial(*([None] if inspect.isclass(target) else []), **kwargs)


@pytest.mark.parametrize(("group", "option"), config_options(), ids=lambda v: str(v))
def test_option_composes_resolves_and_binds(compose_cfg, group, option):
    cfg = compose_cfg(f"{group}={option}", tiny=False)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
    for path, node in config_targets(cfg):
        _bind(path, node)


def test_hydra_callbacks_bind(compose_cfg):
    from hydra.core.hydra_config import HydraConfig

    compose_cfg()
    callbacks = HydraConfig.get().callbacks
    assert "sweep_summary" in callbacks
    for name, node in callbacks.items():
        _bind(f"hydra.callbacks.{name}", node)


def test_cheap_nodes_instantiate(compose_cfg):
    cfg = compose_cfg("logger=csv")
    lora = instantiate(cfg.lora)
    assert lora.r == 8 and set(lora.target_modules) == {"q_proj", "v_proj"}
    callbacks = [instantiate(c) for c in cfg.callbacks.values()]
    assert {type(c).__name__ for c in callbacks} == {
        "GenerationMetricsCallback",
        "ModelCheckpoint",
        "SafetyProbeCallback",  # inert unless eval.safety=true
        "EpochProgressBar",
        "AdaptiveLogEvery",
    }
    assert not next(c for c in callbacks if type(c).__name__ == "SafetyProbeCallback").enabled
    instantiate(cfg.trainer, logger=False, callbacks=callbacks)


def test_models_sweep_only_real_models():
    shipped = {p.stem for p in (CONF_DIR / "model").glob("*.yaml")}
    assert {
        "smollm2_135m",
        "qwen2_5_0_5b",
        "phi3_5_mini",
        "granite3_1_3b",
        "llama3_2_1b",
        "llama3_2_3b",
        "qwen2_5_1_5b",
        "qwen2_5_3b",
        "r1_distill_qwen_1_5b",
        "qwen1_5_1_8b_chat",
    } == shipped
    assert not shipped & {p.stem for p in (TEST_CONF_DIR / "model").glob("*.yaml")}


def test_study_models_match_the_protocol():
    import yaml

    if not PROTOCOL.is_file():
        pytest.skip("../shared/reference is not beside this checkout")
    protocol = yaml.safe_load(PROTOCOL.read_text())
    # Composed as a run composes them: a model file takes hf_id from conf/model_base/hub.yaml.
    models = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))
    hub_ids = {compose_config([f"model={m}"]).model.hf_id for m in models}
    assert set(protocol["study_a"]["models"]) <= hub_ids
    assert protocol["study_b"]["model"] in hub_ids


@pytest.mark.parametrize(
    "launcher", sorted(p.stem for p in (CONF_DIR / "hydra" / "launcher").glob("*.yaml"))
)
def test_launcher_configs_compose_and_instantiate(compose_cfg, launcher):
    cfg = compose_cfg(f"hydra/launcher={launcher}", tiny=False, keep_hydra=True)
    built = instantiate(cfg.hydra.launcher)
    expected = {
        "slurm_gpu": "SlurmLauncher",
        "ray_gpu": "RayLauncher",
        "submitit_local_cpu": "LocalLauncher",
    }
    assert type(built).__name__ == expected[launcher]


def test_optuna_search_instantiates_its_sweeper(compose_cfg):
    sweeper = compose_cfg("hparams_search=optuna", tiny=False, keep_hydra=True).hydra.sweeper
    assert sweeper.params["lora.r"] == "choice(4, 8, 16)"
    assert type(instantiate(sweeper)).__name__ == "OptunaSweeper"


@pytest.mark.parametrize(
    ("overrides", "train", "val", "gen"),
    [
        (["model=smollm2_135m"], 8, 16, 16),  # no per-model sizes: the CPU defaults
        (["model=qwen2_5_3b"], 8, 16, 16),
        (["model=llama3_2_1b"], 16, 32, 32),
        (["model=llama3_2_1b", "data.batch_size=4", "eval.generation.batch_size=2"], 4, 32, 2),
        (["model=phi3_5_mini", "experiment=tide_paper"], 2, 16, 16),  # the study's recipe wins
    ],
)
def test_batch_sizes_come_from_the_model_unless_overridden(compose_cfg, overrides, train, val, gen):
    cfg = compose_cfg(*overrides, tiny=False)
    assert (cfg.data.batch_size, cfg.data.eval_batch_size, cfg.eval.generation.batch_size) == (
        train,
        val,
        gen,
    )


def test_relational_qwen15_trains_on_full_context_and_validates_the_base(compose_cfg):
    cfg = compose_cfg("experiment=relational_qwen15", tiny=False)
    source = cfg.data.source
    assert source._target_ == "tide_exp.data.chat_corpus.load_chat_corpus"
    assert source.history_turns is None and source.targets == "last"  # the whole conversation
    assert cfg.data.max_length == 1024 and cfg.data.loss_on == "final"
    assert cfg.eval.validate_base is True  # Table 2's base column: zs/val/* before training
    assert "no public definition" in cfg.eval.not_computed.dialogbert_continuity
    _bind("data", cfg.data)
    _bind("data.source", source)


def test_a_key_added_since_a_run_was_saved_is_no_other_setting_at_its_old_behaviour():
    """Issue 31: data.overlap (new, default warn: what runs before it did) made every saved run
    "a run with other settings (data.overlap)", so a finished sweep re-run trained nothing again
    but stopped instead."""
    from tide_exp.config.settings import ADDED_KEYS, config_differences

    saved = {"data": {"eval_fraction": 0.2}, "lora": {"r": 4}}
    saved |= {group: {} for group in ("eval", "callbacks", "module")}
    for key, value in ADDED_KEYS.items():
        group, leaf = key.split(".", 1)
        now = {**saved, group: {**saved.get(group, {}), leaf: value}}
        assert config_differences(saved, now) == [] and config_differences(now, saved) == []
    other = {**saved, "data": {**saved["data"], "overlap": "drop"}}
    assert config_differences(saved, other) == ["data.overlap"]


# Keys the shipped configs gained in the round of issues 28, 30 and 31 (2026-12-04): a run saved
# before it lacks them.
KEYS_ADDED_THIS_ROUND = (
    "data.overlap",
    "data.source.dialogue_field",
    "eval.prompts_file",
    "eval.select",
    "eval.monitor",
    "eval.monitor_mode",
    "eval.perplexity",
    "eval.generation.decoding",
    "module.perplexity",
    "callbacks.generation_metrics.prompts_file",
    "callbacks.generation_metrics.select",
    "callbacks.generation_metrics.monitor",
    "callbacks.generation_metrics.monitor_mode",
    "callbacks.generation_metrics.seed",
)


@pytest.mark.parametrize(
    "experiment", [[], ["experiment=tide_paper"], ["experiment=relational_qwen15"]]
)
def test_a_run_saved_before_the_round_is_the_same_run_at_the_shipped_defaults(
    compose_cfg, experiment
):
    """A job re-run into a folder saved before the new keys existed resumes (the job compares
    configs as Hydra saves them, interpolations kept): each new key's shipped value is its old
    behaviour."""
    from omegaconf import OmegaConf

    from tide_exp.config.settings import config_differences

    now = OmegaConf.to_container(compose_cfg(*experiment, tiny=False), resolve=False)
    saved = OmegaConf.to_container(compose_cfg(*experiment, tiny=False), resolve=False)
    for key in KEYS_ADDED_THIS_ROUND:
        *parents, leaf = key.split(".")
        node = saved
        for part in parents:
            node = node[part]
        node.pop(leaf, None)
    # tide_paper answers Study A's survey messages now: a run saved before did not.
    new_phases = ["eval.prompts_file"] if experiment == ["experiment=tide_paper"] else []
    assert config_differences(saved, now) == new_phases
    changed = OmegaConf.to_container(compose_cfg(*experiment, "eval.select=best", tiny=False))
    assert "eval.select" in config_differences(saved, changed)
