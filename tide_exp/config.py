"""OmegaConf resolvers used by conf/ (registered on import of the entry points)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from tide_exp.errors import ConfigError

# Config parts that say where a run writes or how it is logged, not what it computes.
_NOT_SETTINGS_TOP = ("hydra", "paths", "logger", "callbacks")
# Keys that never define a Table 1 row: seeds are what the report aggregates over (data.seed
# follows seed), the rest change where things go or how fast, not the numbers.
NOT_SETTINGS = frozenset(
    {
        "seed",
        "data.seed",
        "resume",
        "optimized_metric",
        "data.manifest_dir",
        "data.split_manifest",
        "data.num_workers",
        "data.eval_batch_size",
        "eval.batch_size",
        "model.loader.cache_dir",
    }
)
_MAX_NAME = 120  # job folder and W&B run names: longer ones end in a short hash


def _safe_name(text: str) -> str:
    """A name usable as one folder: no ``/``, bounded length (a hash keeps long ones unique)."""
    import hashlib

    name = str(text).replace("/", "_").replace("\\", "_")
    if len(name) > _MAX_NAME:
        name = name[: _MAX_NAME - 9] + "~" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return name


def _job_overrides(overrides: str) -> str:
    """The job's overrides without ``model=`` (the model slug leads the name)."""
    return ",".join(o for o in str(overrides).split(",") if o and not o.startswith("model="))


def _job_dir(num: Any, model: str, overrides: str) -> str:
    """Sweep job folder: ``{num}_{model}`` then the job's overrides (``0_smollm2_135m,lora.r=4``)."""
    rest = _job_overrides(overrides)
    return _safe_name(f"{num}_{model}" + (f",{rest}" if rest else ""))


def run_settings(cfg: DictConfig) -> dict[str, Any]:
    """The run's resolved settings as flat ``dotted.key -> value`` (what results.json records).

    Left out: where the run writes and how it logs (``paths``, ``logger``, ``callbacks``,
    ``hydra``, keys ending in ``dir`` or ``dirpath``) and :data:`NOT_SETTINGS`; the report
    groups runs by the settings that differ between them.
    """
    container = {
        key: OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
        for key, value in cfg.items()
        if key not in _NOT_SETTINGS_TOP
    }
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            leaf = prefix.rsplit(".", 1)[-1]
            if prefix not in NOT_SETTINGS and not leaf.endswith(("dir", "dirpath")):
                flat[prefix] = node  # *_dir, *dirpath: where the run writes, not what it computes

    walk(container, "")
    return flat


def _sweep_group(mode: str, sweep_dir: str) -> str | None:
    """W&B group: the sweep folder in a multirun (the same for every job), none for a single run."""
    return sweep_dir.replace("/", "_") if str(mode).endswith("MULTIRUN") else None


def _run_name(model: str, overrides: str) -> str:
    """W&B run name: the model slug, then the job's overrides (``model=...`` is left out), so
    runs that differ in any setting (``lora.r=4`` vs ``lora.r=8``, seeds) have distinct names."""
    rest = _job_overrides(overrides)
    return _safe_name(f"{model}:{rest}" if rest else str(model))


def _run_id(output_dir: str) -> str:
    """A W&B run id derived from the job folder and its run's start token, so a resumed job
    continues the same W&B run and a fresh start there (``resume=false``) is a new one."""
    import hashlib

    from tide_exp.rundir import RunFolder

    start = RunFolder(Path(output_dir)).read_run_id()
    key = str(output_dir) if start is None else f"{output_dir}#{start}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


RESOLVERS = {
    "tide_sweep_group": _sweep_group,
    "tide_run_name": _run_name,
    "tide_run_id": _run_id,
    "tide_job_dir": _job_dir,
}


def register_resolvers() -> None:
    """Register the ``${tide_*:...}`` resolvers once per process."""
    for name, fn in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)


class _DropLitLoggerTip:
    """Filter for Lightning's advert for its hosted logger, printed at every Trainer start."""

    def filter(self, record: object) -> bool:
        return "litlogger" not in str(getattr(record, "msg", ""))


def quiet_third_party_logs() -> None:
    """Silence messages that repeat every run and say nothing about it."""
    import logging
    import warnings

    from transformers.utils import logging as hf_logging

    logging.getLogger("absl").setLevel(logging.WARNING)  # rouge-score: "Using default tokenizer."
    # One "Loading weights" bar per model loaded (base model, sentence encoder, BERTScore model).
    hf_logging.disable_progress_bar()
    logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(_DropLitLoggerTip())
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
    warnings.filterwarnings(
        "ignore", message=r".*is_gradient_checkpointing.*is deprecated.*", category=FutureWarning
    )


def config_dir() -> Path:
    """The folder of the shipped Hydra configs.

    A wheel carries them as ``tide_exp/conf`` (setup.py copies the top-level conf/ in at build
    time); a checkout or editable install has them at the repository root. Your own config
    folders join through Hydra's search path (``hydra.searchpath=[file:///my/conf]``).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "conf", here.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise ConfigError(
        f"No tide_exp configs found in {here / 'conf'} or {here.parent / 'conf'}; "
        "reinstall the package (pip install tide_exp) or run from a checkout."
    )


def compose_config(overrides: list[str] | None = None, config_name: str = "config"):
    """The root config composed outside a Hydra job (commands such as chat and stats).

    Args:
        overrides: Hydra overrides, e.g. ``["model=qwen2_5_0_5b"]`` or
            ``["hydra.searchpath=[file:///my/conf]"]`` for your own config folders.
        config_name: The primary config under :func:`config_dir`.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_resolvers()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            return compose(config_name, overrides=list(overrides or []))
    except (HydraException, OmegaConfBaseException) as err:  # a typo in an override: one line
        reason = " ".join(str(err).split())
        raise ConfigError(
            f"the overrides {' '.join(overrides or [])} do not compose: {reason} "
            "(`tide train --cfg job` lists the keys; docs: https://hydra.cc/docs/advanced/override_grammar/basic/)"
        ) from None
    finally:
        GlobalHydra.instance().clear()
