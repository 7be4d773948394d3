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


def _job_dir(num: Any, model: str, overrides: str, sweep_dir: Any = None, task: Any = None) -> str:
    """Sweep job folder: ``{num}_{model}`` then the job's overrides (``0_smollm2_135m,lora.r=4``).

    Given the sweep's folder and the job's overrides (``hydra.overrides.task``), a job of a
    sweep run again finds its folder by those overrides, whatever its number now: ``lora.r=8,4``
    re-run into a ``lora.r=4,8`` folder skips both finished jobs instead of training them again
    under new numbers.
    """
    rest = _job_overrides(overrides)
    name = _safe_name(f"{num}_{model}" + (f",{rest}" if rest else ""))
    if sweep_dir is None or task is None:
        return name
    return _same_job(Path(str(sweep_dir)), name, {str(o) for o in task}) or name


def _same_job(sweep_dir: Path, name: str, task: set[str]) -> str | None:
    """The folder in ``sweep_dir`` of an earlier job with these overrides (``name`` first; a
    long name's hash covers its number, so the others are found by their saved overrides)."""
    from tide_exp.files.readers import read_yaml
    from tide_exp.runs.names import HYDRA_OVERRIDES

    try:
        found = sorted(p.name for p in sweep_dir.iterdir() if (p / HYDRA_OVERRIDES).is_file())
    except OSError:  # no sweep folder yet
        return None
    for folder in sorted(found, key=lambda f: f != name):
        try:
            saved = read_yaml(sweep_dir / folder / HYDRA_OVERRIDES, "")
        except Exception:  # noqa: BLE001 - unreadable: not taken for this job's
            continue
        if isinstance(saved, list) and {str(o) for o in saved} == task:
            return folder
    return None


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
