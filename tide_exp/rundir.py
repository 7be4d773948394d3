"""The run-folder contract: which files one run writes, their records, and finding runs again.

A run folder (Hydra's ``paths.output_dir``; one job folder of a sweep) holds:

=========================  ====================================================================
``results.json``           :class:`Results`: model, per-phase metric summaries, final metrics
``status.json``            :class:`Status`: ok or failed (with the error), model, overrides
``generations.jsonl``      one :class:`GenerationRow` per generated reply (zs, val, ft phases)
``checkpoints/last.ckpt``  adapter weights and optimizer state, for resuming
``adapter/``               the LoRA adapter and tokenizer (``save_pretrained``)
``.hydra/``                 the composed config, Hydra's config and the overrides (written by the
                           job once it holds the lock, at the run's start; a resume keeps them)
``.tide/config.yaml``      the config the run started with (compared on every re-run)
``.tide/run_id``           a token of the run's start (part of the W&B run id)
``.tide/retiring``         present while a fresh start (``resume=false``) retires the previous run
``.lock``                  held (``flock``) while a job runs in the folder
``tide_exp.log``           the job's log
=========================  ====================================================================

Every write goes through :mod:`tide_exp.files` (atomic, strict JSON); every read names the file
and line of a problem. Imports only :mod:`tide_exp.files` and :mod:`tide_exp.errors`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

from tide_exp.errors import ConfigError, FileError, TideError, os_error
from tide_exp.files.atomic import remove_stale_temp_folders, write_text
from tide_exp.files.readers import (
    jsonl_rows,
    natural_key,
    raise_bad,
    read_bytes,
    read_json,
    read_yaml,
)
from tide_exp.files.writers import write_json, write_jsonl
from tide_exp.results import Results, schema_errors

log = logging.getLogger(__name__)

RESULTS = "results.json"
STATUS = "status.json"
GENERATIONS = "generations.jsonl"
CHECKPOINT_DIR = "checkpoints"  # conf/paths/default.yaml's checkpoint_dir must agree
LAST_CHECKPOINT = "last.ckpt"  # ModelCheckpoint(filename="last") writes this
ADAPTER_DIR = "adapter"
HYDRA_CONFIG = ".hydra/config.yaml"
HYDRA_DIR = ".hydra"
TIDE_DIR = ".tide"
SAVED_CONFIG = ".tide/config.yaml"
RUN_ID = ".tide/run_id"  # a token per start: a fresh start in the folder is another W&B run
RETIRING = ".tide/retiring"  # a fresh start's commit point: from it on, the previous run is gone
RETIRED = ".tide/retired"  # where the previous run's files go before they are deleted
LOCK = ".lock"
ADAPTER_TEMP = ".adapter-*"  # save_adapter's temp folders of versions before files.TEMP_TAG
LOG = "tide_exp.log"
SAFETY_RECORDS = "safety.jsonl"  # the crisis probe's replies and verdicts (eval.safety)
SAFETY_UNSAFE = "safety_unsafe.md"  # the replies it scored unsafe, to read
SPLIT_MANIFEST = "split_manifest.json"  # the example ids of each side of the split
SKIPPED_ROWS = "skipped_rows.jsonl"  # rows a loader left out (data.source.on_error=skip)
CSV_DIR = "csv"  # the CSV logger's folder (conf/logger/csv.yaml's name must agree)
METRICS_CSV = "csv/metrics.csv"
WANDB_DIR = "wandb"  # W&B's offline runs
# Every name a run writes at the top of its folder (a test lists a real run's folder against it).
RUN_FILES = frozenset(
    {
        RESULTS,
        STATUS,
        GENERATIONS,
        CHECKPOINT_DIR,
        ADAPTER_DIR,
        HYDRA_DIR,
        TIDE_DIR,
        LOCK,
        LOG,
        SAFETY_RECORDS,
        SAFETY_UNSAFE,
        SPLIT_MANIFEST,
        SKIPPED_ROWS,
        CSV_DIR,
        WANDB_DIR,
    }
)

# Config keys that do not change a run's results: where files go, logging, resuming, threads.
# A re-run into a finished folder may differ in these and still counts as the same run.
IGNORED_KEYS = ("paths", "logger", "resume", "threads", "output_dir", "hydra")


class RunFolderBusyError(TideError):
    """Another process holds the run folder's lock."""


class ConfigMismatchError(ConfigError):
    """A re-run into a folder whose run had other settings."""


class Status(TypedDict):
    """``status.json``: how the job ended."""

    model: str
    overrides: list[str]
    status: Literal["running", "ok", "failed"]  # running: started, not ended (killed if stale)
    error: str | None


class GenerationRow(TypedDict, total=False):
    """One line of ``generations.jsonl``: a prompt, its reference and the model's reply."""

    phase: str  # zs, val, ft or dev
    epoch: int | None
    step: int
    model: str
    example_id: str
    persona_id: str | None
    theme: str
    prompt: str
    reference: str
    prediction: str
    finished: bool  # an end-of-turn token came within the token cap
    open_reasoning: bool  # stopped inside an unclosed <think> block
    new_tokens: int  # tokens generated, the end token included
    scores: dict[str, float | None]


def generation_lines(
    path: str | Path, required: Iterable[str] = ()
) -> Iterator[tuple[int, GenerationRow]]:
    """``(line number, row)`` of a ``generations.jsonl`` file: the one reader of that format.

    Raises:
        FileError: a malformed line, or a line without one of the ``required`` keys (file, line).
    """
    path = Path(path)
    required = list(required)
    bad = raise_bad("re-run generation or repair the line")
    for line, row in jsonl_rows(path, read_bytes(path), bad):
        missing = [k for k in required if k not in row]
        if missing:
            raise FileError(
                path, f"missing key(s) {missing}", f"each line needs {required}", line, 1
            )
        yield line, row


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

    def read_results(self) -> Results | None:
        """``results.json``, or ``None`` when the run wrote none (a bad file is a FileError).

        A run being retired (:func:`tide_exp.retire.start_over` cut short) has none: its results are gone.
        """
        if not self.results_path.is_file() or self.retiring:
            return None
        results = read_json(self.results_path, "re-run the job to rewrite it")
        errors = schema_errors(results, Results, complete=False)  # valid JSON, wrong shape
        if errors:
            raise FileError(
                self.results_path, errors[0], "re-run the job to rewrite it, or repair that key"
            )
        return results

    def write_results(self, results: Results) -> Path:
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
        """Record ``config`` as this run's settings, and ``.hydra/`` (``{name: yaml text}``), at
        the run's start; the settings file goes last, so a kill before it leaves no settings."""
        import yaml

        for name, text in (hydra_files or {}).items():
            write_text(self.path / HYDRA_DIR / name, text)
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
        (:mod:`tide_exp.retire`): the previous run counts as gone."""
        return (self.path / RETIRING).is_file()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's ``.lock`` (an OS lock, gone with the process) while the job runs.

        Raises:
            RunFolderBusyError: Another live process holds it.
        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:  # a read-only or full disk: one sentence, or the traceback
            raise os_error(err, self.path / LOCK, "cannot be written") or err from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise RunFolderBusyError(
                    f"{self.path} is in use by another run (process {holder}); wait for it to "
                    "end or choose another output folder"
                ) from None
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError as err:
                raise os_error(err, self.path / LOCK, "cannot be written") or err from None
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


def config_differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two configs, :data:`IGNORED_KEYS` left out."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed = []
        for key in dict.fromkeys([*old, *new]):
            if not prefix and key in IGNORED_KEYS:
                continue
            name = f"{prefix}{key}"
            if key not in old or key not in new:
                changed.append(name)
            else:
                changed += config_differences(old[key], new[key], f"{name}.")
        return changed
    return [] if old == new else [prefix.rstrip(".")]


def iter_runs(paths: Iterable[str | Path], marker: str = RESULTS) -> Iterator[RunFolder]:
    """Every run folder holding ``marker`` under ``paths``, each once, in job order.

    A path may be a run folder, the ``marker`` file itself, a sweep folder (numbered job
    folders) or any folder above them; a path that does not exist yields nothing. Job folders
    come in number order (``2_x`` before ``10_x``, see :func:`tide_exp.files.readers.natural_key`).

    Args:
        paths: Run, sweep or parent folders (or marker files).
        marker: The file that makes a folder a run: ``results.json`` (finished runs),
            ``status.json`` (ended jobs) or ``generations.jsonl`` (runs with replies).
    """
    found: dict[Path, Path] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            hits = [path.parent] if path.name == marker else []
        else:
            hits = [p.parent for p in path.rglob(marker) if p.is_file()]
        for hit in hits:
            found.setdefault(hit.resolve(), hit)
    for path in sorted(found.values(), key=natural_key):
        yield RunFolder(path)


def run_folders(paths: Iterable[str | Path]) -> list[Path]:
    """Every run folder under ``paths`` (its results, replies or status there): the folders a
    command reading ``paths`` must not write into (``check_output``'s inputs). A folder
    above runs (``tide report outputs``) is not one, so an output beside the runs is let be."""
    paths = list(paths)
    found = {f.path for marker in (RESULTS, GENERATIONS, STATUS) for f in iter_runs(paths, marker)}
    return sorted(found, key=natural_key)
