"""One Hydra job around :func:`run`: status file, clear errors, soft failure in sweeps."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from tide_exp.errors import EXIT_USER_ERROR, TideError
from tide_exp.run_summary import format_run_summary
from tide_exp.rundir import ConfigMismatchError, RunFolder, RunFolderBusyError

log = logging.getLogger("tide_exp")


def _is_multirun() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _finish_wandb() -> None:
    import wandb

    if wandb.run is not None:
        wandb.finish()


def _free_accelerator_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def find_user_error(err: BaseException) -> TideError | None:
    """The :class:`TideError` behind ``err``, if any (Hydra's instantiate wraps it)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, TideError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _stop(message: str) -> None:
    """End the process with one line on stderr (a user error, single run or sweep alike)."""
    log.error(message)
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def _task_config(cfg: DictConfig) -> dict:
    """The job's config as Hydra saves it (interpolations kept, so paths compare as written)."""
    return OmegaConf.to_container(cfg, resolve=False)  # type: ignore[return-value]


def run_job(cfg: DictConfig) -> float | None:
    """Run one job, write ``status.json`` in its folder, and return ``cfg.optimized_metric``.

    The folder is locked while the job runs (a second run into it stops with one sentence).
    With ``resume`` (default true) a job whose folder already holds complete results is
    skipped, and one that left a checkpoint resumes from it: re-running a sweep with the same
    ``hydra.sweep.dir`` finishes only what is missing. Either way the settings must match the
    ones the folder was first run with (:data:`tide_exp.rundir.IGNORED_KEYS` aside), and the
    folder's ``.hydra/`` keeps the first run's files. ``resume=false`` starts the job over.

    A :class:`~tide_exp.errors.TideError` (a model not available offline, bad data) becomes one
    line on stderr and exit status 2 (``EXIT_USER_ERROR``) in a single run. In a multirun every failure, out-of-memory
    included, is logged with its traceback and recorded, and the sweep goes on.
    """
    folder = RunFolder(Path(cfg.paths.output_dir))
    try:
        with folder.lock():
            return _run_locked(cfg, folder)
    except (RunFolderBusyError, ConfigMismatchError) as err:  # raised before the job started
        _stop(str(err))  # a sweep stops too: every later job would meet the same folder


def _run_locked(cfg: DictConfig, folder: RunFolder) -> float | None:
    from tide_exp.run import run

    resume = cfg.get("resume", True)
    config = _task_config(cfg)
    if resume:
        try:
            folder.check_same_config(config)
        finally:
            folder.restore_hydra_files()  # Hydra rewrote .hydra/ before this job started
        done = folder.completed_results()
        if done is not None:
            log.info("%s already complete (%s): skipped", folder.path, folder.results_path)
            value = done.get("final", {}).get(cfg.get("optimized_metric") or "")
            return float("nan") if value is None else value  # NaN is stored as null
    if not resume or folder.read_saved_config() is None:
        folder.save_config(config)
    folder.remove_stale_temp()
    status = {
        "model": cfg.model.name,
        "overrides": list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else [],
    }
    # A job killed from here on leaves "running": the summary tells it from one never started.
    folder.write_status({**status, "status": "running", "error": None})
    try:
        metrics, objects = run(cfg)
        folder.write_status({**status, "status": "ok", "error": None})
        _finish_wandb()  # W&B's closing lines first: the summary is the last thing printed
        # Logged, not printed: Hydra's handlers put it on the console and in tide_exp.log.
        log.info("run summary\n%s", format_run_summary(objects["results"], folder.path))
        objective = cfg.get("optimized_metric")
        return metrics.get(objective) if objective else None
    except Exception as err:  # noqa: BLE001 - every failure is recorded, then re-raised or soft-failed
        user_error = find_user_error(err)
        expected = user_error is not None
        message = str(user_error) if expected else f"{type(err).__name__}: {err}"
        folder.write_status({**status, "status": "failed", "error": message})
        if expected:
            log.error(message)
        else:
            log.error("job failed:\n%s", traceback.format_exc())
        if _is_multirun():
            return float("nan")  # the sweep goes on; Optuna records a failed trial
        if expected:
            print(f"error: {message}", file=sys.stderr)
            sys.exit(EXIT_USER_ERROR)
        raise
    finally:
        _finish_wandb()
        _free_accelerator_memory()
