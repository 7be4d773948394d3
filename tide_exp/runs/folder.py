"""One run's folder: the path of each of its files (:mod:`tide_exp.runs.names`), typed reads and
atomic writes of them, and what a re-run into it needs (its lock, the settings it started with,
the checkpoint to resume from, a fresh start's retiring).

Every write goes through :mod:`tide_exp.files` (atomic, strict JSON); every read names the file
and line of a problem. Finding the run folders under a path is :mod:`tide_exp.runs.finding`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tide_exp.config.settings import config_differences
from tide_exp.errors import ConfigMismatchError, FileError, RunFolderBusyError
from tide_exp.files.atomic import remove_stale_temp_folders, write_text
from tide_exp.files.locks import LockHeld, take_lock
from tide_exp.files.readers import (
    read_json,
    read_yaml,
)
from tide_exp.files.writers import write_json, write_jsonl
from tide_exp.runs.names import (
    ADAPTER_DIR,
    ADAPTER_TEMP,
    CHECKPOINT_DIR,
    GENERATIONS,
    HYDRA_CONFIG,
    LAST_CHECKPOINT,
    LOCK,
    LOG,
    METRICS_CSV,
    RESULTS,
    RETIRING,
    RUN_ID,
    SAFETY_RECORDS,
    SAFETY_UNSAFE,
    SAVED_CONFIG,
    SKIPPED_ROWS,
    SPLIT_MANIFEST,
    STATUS,
    WANDB_DIR,
)
from tide_exp.runs.results import (
    GenerationRow,
    Results,
    Status,
    check_results,
    generation_lines,
    impossible_values,
    schema_errors,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunFolder:
    """One run's folder: the paths of its files and typed reads and atomic writes of them.

    Args:
        path: The run (job) folder.
        checkpoint_dir: Where ModelCheckpoint writes (the config's ``paths.checkpoint_dir``);
            ``None``: ``path/checkpoints``.
    """

    path: Path
    checkpoint_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        ckpt = self.checkpoint_dir
        object.__setattr__(
            self, "checkpoint_dir", Path(ckpt) if ckpt is not None else self.path / CHECKPOINT_DIR
        )

    @property
    def name(self) -> str:
        """The folder's name (a sweep's job number and overrides)."""
        return self.path.name

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS

    @property
    def status_path(self) -> Path:
        return self.path / STATUS

    @property
    def generations_path(self) -> Path:
        return self.path / GENERATIONS

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoint_dir / LAST_CHECKPOINT  # type: ignore[operator]

    @property
    def adapter_dir(self) -> Path:
        return self.path / ADAPTER_DIR

    @property
    def config_path(self) -> Path:
        return self.path / HYDRA_CONFIG

    @property
    def log_path(self) -> Path:
        return self.path / LOG

    @property
    def safety_records_path(self) -> Path:
        return self.path / SAFETY_RECORDS

    @property
    def safety_unsafe_path(self) -> Path:
        return self.path / SAFETY_UNSAFE

    @property
    def split_manifest_path(self) -> Path:
        return self.path / SPLIT_MANIFEST

    @property
    def skipped_rows_path(self) -> Path:
        return self.path / SKIPPED_ROWS

    @property
    def metrics_csv_path(self) -> Path:
        return self.path / METRICS_CSV

    @property
    def wandb_dir(self) -> Path:
        return self.path / WANDB_DIR

    def read_results(self) -> Results | None:
        """``results.json``, or ``None`` when the run wrote none (a bad file is a FileError).

        A run being retired (:func:`tide_exp.runs.retire.start_over` cut short) has none: its results are gone.
        """
        if not self.results_path.is_file() or self.retiring:
            return None
        results = read_json(self.results_path, "re-run the job to rewrite it")
        # valid JSON of the wrong shape, or values no run writes (cosine 7.5, n -2, NaN)
        errors = schema_errors(results, Results, complete=False) or impossible_values(results)
        if errors:
            raise FileError(
                self.results_path, errors[0], "re-run the job to rewrite it, or repair that key"
            )
        return results

    def write_results(self, results: Results) -> Path:
        """Write ``results.json``, checked against the whole schema first (every key typed, none
        missing or unknown): a run writes the file its readers rely on.

        Raises:
            ValueError: The results do not match :class:`Results` (a bug in the writer or the
                schema, named key by key; nothing is written).
        """
        check_results(results)
        return write_json(self.results_path, results)

    def read_status(self) -> Status | None:
        """``status.json``, or ``None`` when the job has not ended (or is being retired)."""
        if not self.status_path.is_file() or self.retiring:
            return None
        return read_json(self.status_path, "re-run the job to rewrite it")

    def write_status(self, status: Status) -> Path:
        return write_json(self.status_path, status)

    def read_generations(self, required: Iterable[str] = ()) -> list[GenerationRow]:
        """Every row of ``generations.jsonl``; a bad line, or one without a ``required`` key,
        is a FileError naming file and line."""
        return [row for _, row in generation_lines(self.generations_path, required)]

    def write_generations(self, rows: Iterable[GenerationRow]) -> Path:
        return write_jsonl(self.generations_path, rows)

    def read_config(self) -> dict[str, Any] | None:
        """The config Hydra saved for this run, or ``None`` when there is none."""
        if not self.config_path.is_file():
            return None
        return read_yaml(self.config_path, "restore the file Hydra wrote for this run")

    def completed_results(self) -> Results | None:
        """``results.json`` of a job whose status is ok (re-running a sweep skips it), else None.

        A corrupt ``status.json`` or ``results.json`` counts as not complete (with a warning), so
        one damaged job folder is re-run instead of stopping a whole sweep.
        """
        try:
            status = self.read_status()
            if not isinstance(status, dict) or status.get("status") != "ok":
                return None
            results = self.read_results()
        except FileError as err:
            log.warning("%s; the job runs again", err)
            return None
        return results if isinstance(results, dict) else None

    # --- re-runs into the same folder ------------------------------------------------------

    @property
    def saved_config_path(self) -> Path:
        return self.path / SAVED_CONFIG

    def read_saved_config(self) -> dict[str, Any] | None:
        """The config the run started with (``.tide/config.yaml``), or ``None`` (also while the
        run is being retired)."""
        if not self.saved_config_path.is_file() or self.retiring:
            return None
        return read_yaml(self.saved_config_path, "delete the folder or pass resume=false")

    def save_config(
        self, config: dict[str, Any], hydra_files: dict[str, str] | None = None
    ) -> None:
        """Record ``config`` as this run's settings, and ``.hydra/`` (``{HYDRA_CONFIG: yaml text,
        ...}``), at the run's start; the settings file goes last, so a kill before it leaves no
        settings."""
        import yaml

        for name, text in (hydra_files or {}).items():
            write_text(self.path / name, text)
        write_text(self.path / RUN_ID, secrets.token_hex(8) + "\n")
        write_text(self.saved_config_path, yaml.safe_dump(config, sort_keys=False))

    def read_run_id(self) -> str | None:
        """The token of the run's start (``.tide/run_id``); ``None`` in folders from before it."""
        path = self.path / RUN_ID
        return path.read_text(encoding="utf-8").strip() or None if path.is_file() else None

    def check_same_config(self, config: dict[str, Any]) -> None:
        """Stop when ``config`` differs from the saved one in a key that changes results.

        Raises:
            ConfigMismatchError: One sentence naming the differing keys and the two ways on.
        """
        try:
            saved = self.read_saved_config()
        except FileError as err:  # damaged: nothing to compare with, the run goes on
            log.warning("%s; settings not compared", err)
            return
        if saved is None:
            return
        changed = config_differences(saved, config)
        if changed:
            shown = ", ".join(changed[:5]) + (
                f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            )
            raise ConfigMismatchError(
                f"{self.path} holds a run with other settings ({shown}); choose a new output "
                "folder (hydra.run.dir / hydra.sweep.dir) or pass resume=false to start it over"
            )

    def remove_stale_temp(self) -> None:
        """Remove temp folders a killed run left (an adapter save cut short)."""
        remove_stale_temp_folders(self.adapter_dir)
        for tmp in self.path.glob(ADAPTER_TEMP):  # named as before files.TEMP_TAG
            shutil.rmtree(tmp, ignore_errors=True)

    # --- a fresh start: the previous run retired whole -------------------------------------

    @property
    def retiring(self) -> bool:
        """A fresh start committed to retiring the previous run and has not finished
        (:mod:`tide_exp.runs.retire`): the previous run counts as gone."""
        return (self.path / RETIRING).is_file()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's ``.lock`` (an OS lock, gone with the process) while the job runs.

        Raises:
            RunFolderBusyError: Another live process holds it.
        """
        try:
            fd = take_lock(self.path / LOCK, str(os.getpid()))
        except LockHeld as held:
            raise RunFolderBusyError(
                f"{self.path} is in use by another run (process {held.holder}); wait for it to "
                "end or choose another output folder"
            ) from None
        try:
            yield
        finally:
            os.close(fd)  # closing releases the lock; a stale .lock file locks nothing

    def holds_work(self) -> bool:
        """Something a run produced is here: a checkpoint, replies, an adapter or results."""
        made = (self.last_checkpoint, self.generations_path, self.adapter_dir, self.results_path)
        return any(p.exists() for p in made)

    def resume_checkpoint(self) -> Path | None:
        """The checkpoint a killed or preempted job left behind, if any.

        Raises:
            ConfigMismatchError: The checkpoint is older than the settings this run started
                with (``.tide/config.yaml``), so an earlier run with other settings wrote it.
        """
        last = self.last_checkpoint
        if not last.is_file():
            return None
        settings = self.saved_config_path
        if settings.is_file() and last.stat().st_mtime_ns < settings.stat().st_mtime_ns:
            raise ConfigMismatchError(
                f"{last} is older than the settings of the run in {self.path} ({settings}), so "
                "an earlier run with other settings wrote it; pass resume=false to start over"
            )
        return last
