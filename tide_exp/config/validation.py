"""Check a composed config before anything expensive happens: one sentence naming the key.

:func:`validate_config` runs first in :func:`tide_exp.runs.run.run`, before the model loads and
before a W&B run starts, so a typo costs a second, not a 3B model load. It checks:

- every node with a ``_target_`` against its constructor's signature (unknown keys, and values
  whose type contradicts a plain annotation: ``trainer.max_epochs=abc`` where ``int`` is due;
  :mod:`tide_exp.config.signatures`);
- impossible values the signatures cannot express (:mod:`tide_exp.config.values`: ranges and
  choices, the one place a switch is registered): counts that must be positive (``lora.r``,
  ``data.batch_size``, ``eval.num_prompts``: 0 would mean "every prompt" to a truthiness test, a
  negative ``max_train_examples`` would slice from the end), fractions, switches (``resume``),
  and metric names; the generation settings check their own
  (:class:`~tide_exp.generation.GenerationSettings`, built here from ``eval.generation``);
- the environment: a GPU trainer where CUDA is not available, a data path that does not exist,
  an output folder that cannot be created or written, a scoring encoder (BERTScore's
  roberta-large, cosine's encoder) that is not available offline.
"""

from __future__ import annotations

import inspect
from pathlib import Path

from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf

from tide_exp.config.signatures import check_signature, config_targets
from tide_exp.config.values import MISSING, check_ranges, select
from tide_exp.errors import ConfigError, FileError
from tide_exp.files.checks import check_writable, nearest_existing

GPU_ACCELERATORS = ("gpu", "cuda")


def validate_config(cfg: DictConfig) -> None:
    """Raise :class:`~tide_exp.errors.ConfigError` at the first impossible setting.

    Raises:
        ConfigError: One sentence naming the key, the value, what is expected, and the fix.
    """
    check_values(cfg)
    check_environment(cfg)


def check_values(cfg: DictConfig) -> None:
    """Types, ranges, choices and metric names; independent of this machine."""
    check_ranges(cfg)
    _check_metrics(cfg)
    _check_generation(cfg)
    _check_checkpoint(cfg)
    for path, node in config_targets(cfg):
        check_signature(path, node)


# Nodes under hydra.* built from our configs (Hydra builds them before any job): their
# signatures are checked before Hydra starts (tide_exp.cli.overrides).
HYDRA_TARGETS = ("hydra.callbacks", "hydra.sweeper.sampler")


def check_hydra_settings(cfg: DictConfig) -> None:
    """Hydra's part of a composed config (``return_hydra_config``): the ranges and choices of
    ``hydra.*`` keys (``hydra.sweeper.n_trials``, ``direction``) and the signatures of the
    callbacks and sampler it builds from our configs, before Hydra runs anything."""
    check_ranges(cfg, prefix="hydra.")
    for root in HYDRA_TARGETS:
        node = OmegaConf.select(cfg, root, default=None)
        for path, target in config_targets(node, root) if node is not None else []:
            check_signature(path, target)


def check_environment(cfg: DictConfig) -> None:
    """What this machine must offer: CUDA for a GPU trainer, the data, a writable output folder."""
    accelerator = select(cfg, "trainer.accelerator")
    if isinstance(accelerator, str) and accelerator.lower() in GPU_ACCELERATORS:
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(
                f"trainer.accelerator={accelerator!r} but no CUDA GPU is visible here; "
                "use trainer=cpu (or run on a machine with a GPU)."
            )
    _check_data_path(cfg)
    _check_prompts_file(cfg)
    manifest = select(cfg, "data.split_manifest")
    if isinstance(manifest, str) and not Path(manifest).expanduser().exists():
        raise ConfigError(
            f"data.split_manifest={manifest!r}: no such file or folder; "
            "point it at a run folder or its split_manifest.json."
        )
    for key in ("paths.output_dir", "paths.checkpoint_dir", "paths.cache_dir"):
        value = select(cfg, key)
        if isinstance(value, str):
            _check_writable_folder(key, Path(value).expanduser())
    _check_loggers(cfg)
    _check_scoring_models(cfg)


def _check_loggers(cfg: DictConfig) -> None:
    """Each logger's folder like every other output (W&B fell back to the machine's temporary
    folder, outside the run, when its own could not be written), and W&B's mode."""
    import os

    from tide_exp.tracking.loggers import WANDB_MODES, is_wandb_logger

    loggers = cfg.get("logger")
    for name in loggers if isinstance(loggers, DictConfig) else []:
        node = loggers[name]
        if not isinstance(node, DictConfig) or "_target_" not in node:
            continue
        key = f"logger.{name}.save_dir"
        save_dir = select(cfg, key)
        if isinstance(save_dir, str):
            _check_writable_folder(key, Path(save_dir).expanduser())
        if not is_wandb_logger(node):
            continue
        mode = os.environ.get("WANDB_MODE")
        if mode is not None and mode.strip().lower() not in WANDB_MODES:
            raise ConfigError(
                f"WANDB_MODE={mode!r} (in the environment) is not one of {', '.join(WANDB_MODES)}; "
                "fix or unset it (logger.wandb.offline chooses offline or live)."
            )
        runs = Path(save_dir).expanduser() / "wandb" if isinstance(save_dir, str) else None
        if runs is not None and runs.exists() and not runs.is_dir():
            raise ConfigError(
                f"{key}={save_dir!r}: {runs} is a file, not a folder, and W&B writes its runs "
                "there; move or rename the file, or choose another save_dir."
            )


def _check_scoring_models(cfg: DictConfig) -> None:
    """The encoders of the metrics a configured callback scores with, before the LM loads."""
    from tide_exp.metrics.suite import check_encoders_available

    callbacks = cfg.get("callbacks")
    for name in callbacks if isinstance(callbacks, DictConfig) else []:
        metrics = select(cfg, f"callbacks.{name}.metrics")
        if isinstance(metrics, dict):
            same = metrics == select(cfg, "eval.metrics")  # set through eval.metrics
            key = "eval.metrics" if same else f"callbacks.{name}.metrics"
            check_encoders_available(metrics, key)


def _check_generation(cfg: DictConfig) -> None:
    """``eval.generation`` built as the callbacks will build it: its class checks its values
    (a cap below 1, an unknown engine, a misspelt decoding setting) before the model loads."""
    node = OmegaConf.select(cfg, "eval.generation", default=None, throw_on_missing=False)
    if not isinstance(node, DictConfig) or "_target_" not in node:
        return
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    try:
        instantiate(node)
    except InstantiationException as err:  # Hydra wraps what the constructor raised
        if isinstance(err.__cause__, ConfigError):
            raise err.__cause__ from None
        # Anything else (an unknown key, a target not importable here): the signature check
        # below names it, or instantiate will.


def _check_checkpoint(cfg: DictConfig) -> None:
    """``model.checkpoint`` names one of the model file's ``checkpoints`` (instruct, base)."""
    checkpoints = select(cfg, "model.checkpoints")
    if isinstance(checkpoints, dict) and select(cfg, "model.checkpoint") not in checkpoints:
        raise ConfigError(
            f"model.checkpoint={select(cfg, 'model.checkpoint')!r}: conf/model/{cfg.model.name}.yaml "
            f"lists {', '.join(checkpoints)} only; pick one of them (docs/data.md, Checkpoint and prompt format)."
        )


def _check_metrics(cfg: DictConfig) -> None:
    metrics = select(cfg, "eval.metrics")
    if metrics is MISSING or metrics is None:
        return
    from tide_exp.metrics.suite import METRICS

    names = list(metrics) if isinstance(metrics, (dict, list)) else [metrics]
    unknown = [str(n) for n in names if n not in METRICS]
    if unknown or not names:
        raise ConfigError(
            f"eval.metrics: {'unknown metric ' + ', '.join(unknown) if unknown else 'no metric'}; "
            f"choose from {', '.join(METRICS)} (docs/metrics.md)."
        )
    monitor = select(cfg, "eval.monitor")
    if isinstance(monitor, str) and select(cfg, "eval.select") == "best":
        from tide_exp.callbacks.selection import check_monitor

        check_monitor(monitor, [str(n) for n in names])  # "best" must be measurable each epoch


def _check_data_path(cfg: DictConfig) -> None:
    source = select(cfg, "data.source")
    if not isinstance(source, dict) or "path" not in source:
        return
    value = source["path"]
    if value is None:
        try:
            required = (
                inspect.signature(get_object(source["_target_"])).parameters["path"].default
                is inspect.Parameter.empty
            )
        except Exception:  # noqa: BLE001 - the loader decides
            return
        if required:
            raise ConfigError(
                "data.source.path is not set; give the data file or folder, "
                "e.g. data.source.path=data/pairs.jsonl."
            )
        return
    path = Path(str(value)).expanduser()
    if not path.exists():
        broken = " (a broken symbolic link)" if path.is_symlink() else ""
        raise ConfigError(
            f"data.source.path={value!r}: no such file or folder{broken} "
            f"(working folder {Path.cwd()}); fix the path."
        )


def _check_prompts_file(cfg: DictConfig) -> None:
    """``eval.prompts_file`` read whole before the model loads: a bad line costs a second."""
    value = select(cfg, "eval.prompts_file")
    if value is MISSING or value is None:
        return
    from tide_exp.data.prompt_sets import read_prompts_file

    try:
        read_prompts_file(str(value))
    except FileError as err:
        raise ConfigError(f"eval.prompts_file={value!r}: {err}") from None


def _check_writable_folder(key: str, path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{key}={str(path)!r} is a file, not a folder; choose another path.")
    existing = nearest_existing(path)  # the folder is created later: its parent must allow it
    if not existing.is_dir():
        raise ConfigError(
            f"{key}={str(path)!r}: {existing} is a file, so the folder cannot be created; "
            "choose another path."
        )
    try:
        check_writable(existing)  # a probe file: root passes permission bits, not a read-only disk
    except FileError as err:
        raise ConfigError(f"{key}={str(path)!r}: {err}") from None
