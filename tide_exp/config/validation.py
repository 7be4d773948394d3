"""Check a composed config before anything expensive happens: one sentence naming the key.

:func:`validate_config` runs first in :func:`tide_exp.runs.run.run`, before the model loads and
before a W&B run starts, so a typo costs a second, not a 3B model load. It checks:

- every node with a ``_target_`` against its constructor's signature (unknown keys, and values
  whose type contradicts a plain annotation: ``trainer.max_epochs=abc`` where ``int`` is due;
  :mod:`tide_exp.config.signatures`);
- impossible values the signatures cannot express (:data:`RANGES`, :data:`CHOICES`): counts
  that must be positive (``lora.r``, ``data.batch_size``, ``eval.num_prompts``: 0 would mean
  "every prompt" to a truthiness test, a negative ``max_train_examples`` would slice from the end),
  fractions, and metric names; the generation settings check their own
  (:class:`~tide_exp.generation.GenerationSettings`, built here from ``eval.generation``);
- the environment: a GPU trainer where CUDA is not available, a data path that does not exist,
  an output folder that cannot be created or written, a scoring encoder (BERTScore's
  roberta-large, cosine's encoder) that is not available offline.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.utils import get_object
from omegaconf import DictConfig, ListConfig, OmegaConf

from tide_exp.config.signatures import check_signature, config_targets
from tide_exp.errors import ConfigError, FileError, check_choice
from tide_exp.files.checks import check_writable, nearest_existing

_MISSING = object()


def _whole(low: int, none: bool = False) -> tuple[Callable[[Any], bool], str]:
    def check(value: Any) -> bool:
        if value is None:
            return none
        return isinstance(value, int) and not isinstance(value, bool) and value >= low

    return check, f"a whole number >= {low}" + (" or null" if none else "")


def _number(low: float, high: float | None = None, open_low: bool = False, none: bool = False):
    def check(value: Any) -> bool:
        if value is None:
            return none
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        above = value > low if open_low else value >= low
        return above and (high is None or value < high)

    left = f"> {low}" if open_low else f">= {low}"
    return check, f"a number {left}" + (f" and < {high}" if high is not None else "") + (
        " or null" if none else ""
    )


# Values a constructor would accept by type but cannot mean anything sensible.
RANGES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "seed": _whole(0),
    "threads": _whole(1, none=True),  # 0 read as "torch's default" by a truthiness test
    "trainer.max_epochs": _whole(1),
    "trainer.accumulate_grad_batches": _whole(1),
    "trainer.log_every_n_steps": _whole(1),
    "trainer.check_val_every_n_epoch": _whole(1, none=True),
    "trainer.gradient_clip_val": _number(0, none=True),
    "lora.r": _whole(1),
    "lora.lora_alpha": _number(0, open_low=True),
    "lora.lora_dropout": _number(0, 1),
    "data.max_length": _whole(1),
    "data.batch_size": _whole(1),
    "data.eval_batch_size": _whole(1),
    "data.eval_fraction": _number(0, 1, open_low=True),
    "data.max_train_examples": _whole(1, none=True),
    "data.max_eval_examples": _whole(1, none=True),
    "data.train_size": _whole(1, none=True),
    "data.eval_size": _whole(1, none=True),
    "data.num_workers": _whole(0),
    "data.source.max_chars": _whole(1, none=True),
    "data.source.history_turns": _whole(0, none=True),
    "data.max_target_tokens": _whole(1, none=True),
    "data.min_reply_tokens": _whole(0),
    "data.max_starved_share": _number(0, 1),
    "eval.num_prompts": _whole(1, none=True),
    "eval.final_num_prompts": _whole(1, none=True),
    "module.optimizer.lr": _number(0, open_low=True),
}
CHOICES: dict[str, tuple[Any, ...]] = {
    "data.split_by": ("persona", "sample"),
    "data.source.on_error": ("raise", "skip"),
    "data.source.duplicates": ("error", "keep", None),
    "model.chat.prompt_format": ("chat", "plain"),
    "eval.select": ("last", "best"),
    "eval.monitor_mode": ("max", "min"),
}
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


def check_ranges(cfg: DictConfig) -> None:
    """The ranges and choices of single keys (what a command that reads part of the config,
    such as ``tide stats``, checks before it works)."""
    for key, (check, expected) in RANGES.items():
        value = _select(cfg, key)
        if value is not _MISSING and not check(value):
            raise ConfigError(f"{key}={value!r} is not {expected}; fix the setting or override.")
    for key, allowed in CHOICES.items():
        value = _select(cfg, key)
        if value is not _MISSING and value not in allowed:
            raise ConfigError(
                f"{key}={value!r} is not one of {', '.join(map(repr, allowed))}; pick one of them."
            )


def check_environment(cfg: DictConfig) -> None:
    """What this machine must offer: CUDA for a GPU trainer, the data, a writable output folder."""
    accelerator = _select(cfg, "trainer.accelerator")
    if isinstance(accelerator, str) and accelerator.lower() in GPU_ACCELERATORS:
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(
                f"trainer.accelerator={accelerator!r} but no CUDA GPU is visible here; "
                "use trainer=cpu (or run on a machine with a GPU)."
            )
    _check_data_path(cfg)
    _check_prompts_file(cfg)
    manifest = _select(cfg, "data.split_manifest")
    if isinstance(manifest, str) and not Path(manifest).expanduser().exists():
        raise ConfigError(
            f"data.split_manifest={manifest!r}: no such file or folder; "
            "point it at a run folder or its split_manifest.json."
        )
    for key in ("paths.output_dir", "paths.checkpoint_dir", "paths.cache_dir"):
        value = _select(cfg, key)
        if isinstance(value, str):
            _check_writable_folder(key, Path(value).expanduser())
    _check_scoring_models(cfg)


def _check_scoring_models(cfg: DictConfig) -> None:
    """The encoders of the metrics a configured callback scores with, before the LM loads."""
    from tide_exp.metrics.suite import check_encoders_available

    callbacks = cfg.get("callbacks")
    for name in callbacks if isinstance(callbacks, DictConfig) else []:
        metrics = _select(cfg, f"callbacks.{name}.metrics")
        if isinstance(metrics, dict):
            same = metrics == _select(cfg, "eval.metrics")  # set through eval.metrics
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
    checkpoints = _select(cfg, "model.checkpoints")
    if isinstance(checkpoints, dict) and _select(cfg, "model.checkpoint") not in checkpoints:
        raise ConfigError(
            f"model.checkpoint={_select(cfg, 'model.checkpoint')!r}: conf/model/{cfg.model.name}.yaml "
            f"lists {', '.join(checkpoints)} only; pick one of them (docs/data.md, Checkpoint and prompt format)."
        )


def _select(cfg: DictConfig, key: str) -> Any:
    try:
        value = OmegaConf.select(cfg, key, default=_MISSING, throw_on_missing=False)
    except Exception:  # noqa: BLE001 - an interpolation that only resolves inside a Hydra job
        return _MISSING
    return (
        OmegaConf.to_container(value, resolve=True)
        if isinstance(value, (DictConfig, ListConfig))
        else value
    )


def _check_metrics(cfg: DictConfig) -> None:
    metrics = _select(cfg, "eval.metrics")
    if metrics is _MISSING or metrics is None:
        return
    from tide_exp.metrics.suite import METRICS

    names = list(metrics) if isinstance(metrics, (dict, list)) else [metrics]
    unknown = [str(n) for n in names if n not in METRICS]
    if unknown or not names:
        raise ConfigError(
            f"eval.metrics: {'unknown metric ' + ', '.join(unknown) if unknown else 'no metric'}; "
            f"choose from {', '.join(METRICS)} (docs/metrics.md)."
        )
    options = metrics.get("first_person_imperatives") if isinstance(metrics, dict) else None
    if isinstance(options, dict) and "reading" in options:
        from tide_exp.metrics.lexicon import IMPERATIVE_READINGS

        check_choice(
            "eval.metrics.first_person_imperatives.reading",
            options["reading"],
            IMPERATIVE_READINGS,
        )
    monitor = _select(cfg, "eval.monitor")
    if isinstance(monitor, str) and _select(cfg, "eval.select") == "best":
        from tide_exp.callbacks.selection import check_monitor

        check_monitor(monitor, [str(n) for n in names])  # "best" must be measurable each epoch


def _check_data_path(cfg: DictConfig) -> None:
    source = _select(cfg, "data.source")
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
    value = _select(cfg, "eval.prompts_file")
    if value is _MISSING or value is None:
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
