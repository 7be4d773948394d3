"""OmegaConf resolvers used by conf/ (registered on import of the entry points)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from tide_exp.errors import ConfigError

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

    from tide_exp.runs.folder import RunFolder

    start = RunFolder(Path(output_dir)).read_run_id()
    key = str(output_dir) if start is None else f"{output_dir}#{start}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def _run_file(name: str) -> str:
    """A run folder's file or folder name as :mod:`tide_exp.runs.names` spells it
    (``${tide_run_file:CHECKPOINT_DIR}`` is ``checkpoints``): YAML that must agree with the run
    folder's contract reads it instead of copying it."""
    from tide_exp.runs import names

    value = getattr(names, str(name), None)
    if not str(name).isupper() or not isinstance(value, str):
        known = ", ".join(k for k, v in vars(names).items() if k.isupper() and isinstance(v, str))
        raise ConfigError(f"${{tide_run_file:{name}}} names no run file; use one of {known}.")
    return value


RESOLVERS = {
    "tide_sweep_group": _sweep_group,
    "tide_run_name": _run_name,
    "tide_run_id": _run_id,
    "tide_job_dir": _job_dir,
    "tide_run_file": _run_file,
}


def register_resolvers() -> None:
    """Register the ``${tide_*:...}`` resolvers once per process."""
    for name, fn in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)
