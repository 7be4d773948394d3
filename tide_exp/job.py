"""One Hydra job around :func:`run`: status file, clear errors, soft failure in sweeps."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from tide_exp.errors import TideError
from tide_exp.reporting.console import format_run_summary
from tide_exp.rundir import RunFolder

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


def run_job(cfg: DictConfig) -> float | None:
    """Run one job, write ``status.json`` in its folder, and return ``cfg.optimized_metric``.

    With ``resume`` (default true) a job whose folder already holds complete results is
    skipped, and one that left a checkpoint resumes from it: re-running a sweep with the same
    ``hydra.sweep.dir`` finishes only what is missing.

    A :class:`~tide_exp.errors.TideError` (a model not available offline, bad data) becomes one
    line on stderr and exit code 1 in a single run. In a multirun every failure, out-of-memory
    included, is logged with its traceback and recorded, and the sweep goes on.
    """
    from tide_exp.run import run

    folder = RunFolder(Path(cfg.paths.output_dir))
    done = folder.completed_results() if cfg.get("resume", True) else None
    if done is not None:
        log.info("%s already complete (%s): skipped", folder.path, folder.results_path)
        value = done.get("final", {}).get(cfg.get("optimized_metric") or "")
        return float("nan") if value is None else value  # NaN is stored as null
    status = {
        "model": cfg.model.name,
        "overrides": list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else [],
    }
    try:
        metrics, objects = run(cfg)
        folder.write_status({**status, "status": "ok", "error": None})
        print(format_run_summary(objects["results"], folder.path), flush=True)
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
            sys.exit(1)
        raise
    finally:
        _finish_wandb()
        _free_accelerator_memory()
