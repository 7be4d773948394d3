"""One Hydra job around :func:`run`: status file, clear errors, soft failure in sweeps."""

from __future__ import annotations

import logging
import re
import shlex
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from tide_exp.config.validation import check_values
from tide_exp.errors import (
    EXIT_USER_ERROR,
    ConfigMismatchError,
    Interrupted,
    RunFolderBusyError,
    TideError,
    find_user_error,
)
from tide_exp.files.atomic import kept_as_written
from tide_exp.files.checks import check_output
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import HYDRA_CONFIG, HYDRA_HYDRA, HYDRA_OVERRIDES
from tide_exp.runs.output_folders import check_run_folder, claim_sweep_folder
from tide_exp.runs.retire import finish_retiring, start_over
from tide_exp.runs.summary import format_run_summary

log = logging.getLogger("tide_exp")
_STARTED = time.time()  # a run folder made after this is this process's own


def _is_multirun() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def _finish_wandb() -> None:
    """Close the W&B run, if this process started one. W&B is not imported for it: a run
    without W&B never loads it, and an import cut short (Ctrl-C) is not tried again here."""
    wandb = sys.modules.get("wandb")
    if getattr(wandb, "run", None) is not None:
        wandb.finish()


def _free_accelerator_memory() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# Override values Hydra reads as written; anything else (a `,` would make a sweep) is quoted.
_PLAIN_VALUE = re.compile(r"[\w./:@+-]+")


def _program() -> str:
    """How this process was started: ``tide train``, or the ``python -m`` module."""
    name = Path(sys.argv[0]).name
    return {"__main__.py": "python -m tide_exp", "train.py": "python -m tide_exp.cli.train"}.get(
        name, "tide train"
    )


def resume_command() -> str | None:
    """The command that resumes this job into its own folder: the same arguments, with
    ``hydra.run.dir`` (a sweep: ``hydra.sweep.dir``, which resumes every unfinished job)
    pointing at the folder, so no new timestamped folder is started. ``None`` outside Hydra."""
    if not HydraConfig.initialized():
        return None
    hydra = HydraConfig.get()
    key = "hydra.sweep.dir" if _is_multirun() else "hydra.run.dir"
    folder = str(hydra.sweep.dir if _is_multirun() else hydra.run.dir)
    args = [a for a in sys.argv[1:] if not a.lstrip("+~").startswith(f"{key}=")]
    value = folder if _PLAIN_VALUE.fullmatch(folder) else "'" + folder.replace("'", "\\'") + "'"
    return shlex.join([*_program().split(), *args, f"{key}={value}"])


class JobStopped(TideError):
    """A single run stopped by a user error (recorded in ``status.json``); one line follows."""


def _stop(message: str) -> None:
    """End the process with one line on stderr (a user error, single run or sweep alike).

    Printed, not logged: the console would show it twice, and a folder this job did not lock
    is not its to log into.
    """
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


class OutputFolderCheck(Callback):
    """Hydra callback: the run's (or sweep's) folder can be made and written, and is this run's
    (this sweep's) to write, before Hydra makes it; else one line and exit status 2, as any
    other user error.

    Hydra creates ``hydra.run.dir`` (``hydra.sweep.dir``) before the job starts, so a read-only
    disk, a full one or a file in the way would be its traceback. A sweep holds its folder's
    lock until it ends (:mod:`tide_exp.runs.output_folders`). Listed first under
    ``hydra.callbacks`` (conf/hydra/default.yaml).
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _check_folder("hydra.run.dir", config.hydra.run.dir)
        _checked(check_run_folder, config.hydra.run.dir, _data_paths(config))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        _check_folder("hydra.sweep.dir", config.hydra.sweep.dir)
        overrides = [*config.hydra.overrides.task, *config.hydra.overrides.hydra]
        self.sweep_lock = _checked(
            claim_sweep_folder, config.hydra.sweep.dir, overrides, _data_paths(config)
        )


def _data_paths(config: DictConfig) -> list[str]:
    """The data folder or file the jobs read, where the config names one."""
    path = OmegaConf.select(config, "data.source.path", default=None, throw_on_missing=False)
    return [str(path)] if isinstance(path, str) else []


def _checked(check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except TideError as err:
        _stop(str(err))


def _check_folder(key: str, folder: str) -> None:
    try:
        check_output(folder, folder=True)
    except TideError as err:
        _stop(f"{key}={folder}: {err}")


def _task_config(cfg: DictConfig) -> dict:
    """The job's config as Hydra saves it (interpolations kept, so paths compare as written)."""
    return OmegaConf.to_container(cfg, resolve=False)  # type: ignore[return-value]


def _hydra_files(cfg: DictConfig) -> dict[str, str]:
    """The ``.hydra/`` files Hydra would write (``hydra.output_subdir`` is off: the job writes
    them once it holds the folder's lock)."""
    texts = {HYDRA_CONFIG: OmegaConf.to_yaml(cfg)}
    if HydraConfig.initialized():
        texts[HYDRA_HYDRA] = OmegaConf.to_yaml(HydraConfig.instance().cfg)
        texts[HYDRA_OVERRIDES] = OmegaConf.to_yaml(HydraConfig.get().overrides.task)
    return texts


def _made_by_this_process(path: Path) -> list[Path]:
    """``path`` and the folders above it (up to the working folder) that this process made
    (Hydra's ``mkdir``), when ``path`` is an empty folder made since the process started."""
    try:
        if any(path.iterdir()) or path.stat().st_ctime < _STARTED:
            return []
        made = [path]
        for parent in path.resolve().parents:
            if not parent.is_relative_to(Path.cwd()) or parent == Path.cwd():
                break
            if parent.stat().st_ctime < _STARTED:  # untouched since the process started
                break
            made.append(parent)
        return made
    except OSError:
        return []


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (the innermost first) while each is empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _stop_a_search_that_found_nothing(message: str) -> None:
    """End a search (Optuna: ``hydra.sweeper.n_trials``) whose last trial failed and none
    completed, with one line: the sweeper would end it with a traceback (no best trial)."""
    if not HydraConfig.initialized():
        return
    hydra = HydraConfig.get()
    trials = OmegaConf.select(hydra, "sweeper.n_trials", default=None)
    if not isinstance(trials, int) or hydra.job.num + 1 < trials:
        return
    from tide_exp.runs.finding import iter_runs
    from tide_exp.runs.names import STATUS

    jobs = list(iter_runs([hydra.sweep.dir], marker=STATUS))
    if not any((job.read_status() or {}).get("status") == "ok" for job in jobs):
        _stop(
            f"every trial of the search failed ({len(jobs)} in {hydra.sweep.dir}), so it has no "
            f"best trial; the last one: {message}"
        )


def run_job(cfg: DictConfig) -> float | None:
    """Run one job, write ``status.json`` in its folder, and return ``cfg.optimized_metric``.

    The folder is locked before anything in it is written (a second run into it stops with one
    sentence and leaves it as it was). With ``resume`` (default true) a job whose folder already
    holds complete results is skipped, and one that left a checkpoint resumes from it: re-running
    a sweep with the same ``hydra.sweep.dir`` finishes only what is missing. Either way the
    settings must match the ones the folder was first run with
    (:data:`tide_exp.config.settings.IGNORED_KEYS` aside), and the folder's ``.hydra/`` keeps the first
    run's files. ``resume=false`` retires the previous run whole and starts over.

    A :class:`~tide_exp.errors.TideError` (a model not available offline, bad data) becomes one
    line on stderr and exit status 2 (``EXIT_USER_ERROR``) in a single run; a folder made for
    a run that stopped so, before any checkpoint or reply, is removed. In a multirun every
    failure, out-of-memory included, is logged with its traceback and recorded, and the sweep
    goes on.
    """
    folder = RunFolder(Path(cfg.paths.output_dir), checkpoint_dir=cfg.paths.get("checkpoint_dir"))
    made_now = _made_by_this_process(folder.path)  # before the lock file is in it
    try:
        # Before the job reads any value or touches the folder: resume=no was truthy, so a
        # finished run's folder was "already complete" before run() checked the config.
        check_values(cfg)
        with kept_as_written(), folder.lock():
            return _run_locked(cfg, folder)
    except (RunFolderBusyError, ConfigMismatchError) as err:  # raised before the job started
        _stop(str(err))  # a sweep stops too: every later job would meet the same folder
    except Exception as err:  # noqa: BLE001 - a user error stops here, any other is raised
        # JobStopped, or one outside run() (the disk full or read-only at the lock or status):
        # a sweep stops too, as every later job would meet the same disk.
        user_error = find_user_error(err)
        if user_error is None:
            raise
        if made_now and not folder.holds_work():
            shutil.rmtree(folder.path, ignore_errors=True)  # nothing ran: nothing to keep
            _remove_empty(made_now[1:])  # outputs/<date>/ when this run made it
        _stop(str(user_error))
    return None


def _run_locked(cfg: DictConfig, folder: RunFolder) -> float | None:
    from tide_exp.runs.run import run

    resume = cfg.get("resume", True)
    config = _task_config(cfg)
    finish_retiring(folder)  # a fresh start killed midway: its previous run is gone
    if resume:
        folder.check_same_config(config)
        done = folder.completed_results()
        if done is not None:
            log.info("%s already complete (%s): skipped", folder.path, folder.results_path)
            value = done.get("final", {}).get(cfg.get("optimized_metric") or "")
            return float("nan") if value is None else value  # NaN is stored as null
        folder.resume_checkpoint()  # a checkpoint of other settings stops here, before the work
    else:
        start_over(folder)
    if folder.read_saved_config() is None:
        folder.save_config(config, _hydra_files(cfg))
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
    except KeyboardInterrupt:  # Ctrl-C: recorded, and the one line says how to go on
        folder.write_status({**status, "status": "interrupted", "error": None})
        command = resume_command()
        raise Interrupted(f"resume with: {command}" if command else "") from None
    except Exception as err:  # noqa: BLE001 - every failure is recorded, then re-raised or soft-failed
        user_error = find_user_error(err)
        expected = user_error is not None
        message = str(user_error) if expected else f"{type(err).__name__}: {err}"
        folder.write_status({**status, "status": "failed", "error": message})
        if not expected:
            log.error("job failed:\n%s", traceback.format_exc())
        if _is_multirun():
            if expected:
                log.error(message)  # the sweep's one line for this job (no error: line)
            _stop_a_search_that_found_nothing(message)
            # The sweep goes on. None, not NaN: Optuna records a failed trial for a value it
            # cannot read, and ends the whole search with a traceback on a NaN.
            return None
        if expected:
            raise JobStopped(message) from err
        raise
    finally:
        _finish_wandb()
        _free_accelerator_memory()
