"""Where a run or a sweep writes: one role and one owner per folder, checked before Hydra makes it.

:class:`tide_exp.runs.job.OutputFolderCheck` (a Hydra callback) calls these before any job:

- a run's folder (``hydra.run.dir``) is not a sweep's folder, not inside another run's folder,
  does not hold other runs, and is neither the data it trains on nor inside it (its files would
  become data: a later run read ``status.json`` as a data file);
- a sweep's folder (``hydra.sweep.dir``) is not a run's folder nor inside one, nor the data's;
  and it belongs to one sweep. While a sweep runs it holds the folder's lock
  (``.tide/sweep.lock``), so a second sweep into it is refused naming the first; the first
  sweep records its overrides (``.tide/sweep.json``), so a later sweep with other overrides is
  refused too, while the same sweep (its values in any order) finishes what is missing. Two
  sweeps never share ``multirun.yaml``, ``summary.json`` or ``report/``, and a sweep's summary
  lists its own jobs only.

Job folders are found again by their overrides, not their number
(:func:`tide_exp.config.resolvers` ``tide_job_dir``), so ``lora.r=8,4`` re-run into a
``lora.r=4,8`` folder skips both finished jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tide_exp.errors import ConfigError, FileError
from tide_exp.files.checks import check_apart
from tide_exp.files.locks import LockHeld, take_lock
from tide_exp.files.readers import read_yaml
from tide_exp.files.writers import write_json
from tide_exp.runs.names import (
    MULTIRUN_RECORD,
    RESULTS,
    SAVED_CONFIG,
    STATUS,
    SWEEP_LOCK,
    SWEEP_RECORD,
)

RUN_MARKERS = (SAVED_CONFIG, RESULTS, STATUS)  # a folder holding one of these is a run's
SWEEP_MARKERS = (SWEEP_RECORD, MULTIRUN_RECORD)
# Overrides that do not change what a sweep computes: where it writes and how jobs are launched.
NOT_THE_SWEEP = ("hydra.sweep.dir", "hydra.run.dir", "hydra/launcher", "hydra.launcher.")


def is_run_folder(folder: Path) -> bool:
    return any((folder / marker).is_file() for marker in RUN_MARKERS)


def is_sweep_folder(folder: Path) -> bool:
    return any((folder / marker).is_file() for marker in SWEEP_MARKERS)


def enclosing_run(folder: Path) -> Path | None:
    """The run folder ``folder`` lies inside (not ``folder`` itself), if any."""
    for parent in folder.resolve().parents:
        if is_run_folder(parent):
            return parent
    return None


def _runs_below(folder: Path) -> list[Path]:
    """Run folders one or two levels below ``folder`` (a sweep's jobs, outputs/DATE/TIME)."""
    if not folder.is_dir():
        return []
    found = []
    for pattern in ("*", "*/*"):
        found += [p for p in sorted(folder.glob(pattern)) if p.is_dir() and is_run_folder(p)]
    return found


def _check_data(key: str, folder: Path, data: Iterable[str | Path]) -> None:
    inputs = [Path(d).expanduser() for d in data if d]
    try:
        check_apart(folder, [d for d in inputs if d.exists()], whole=False)
    except FileError as err:
        raise ConfigError(
            f"{key}={folder} {err.problem} (the data the run reads, data.source.path): its "
            f"files would become data; choose another {key}."
        ) from None


def check_run_folder(folder: str | Path, data: Iterable[str | Path] = ()) -> None:
    """A single run's folder has the role of one run (see the module's docstring).

    Raises:
        ConfigError: One sentence naming ``hydra.run.dir``, what the folder is, and the fix.
    """
    folder = Path(folder)
    key = "hydra.run.dir"
    if is_sweep_folder(folder):
        raise ConfigError(
            f"{key}={folder} is a sweep's folder ({_sweep_marker(folder)}); a run needs a folder "
            f"of its own: choose another {key}."
        )
    outer = enclosing_run(folder)
    if outer is not None:
        raise ConfigError(
            f"{key}={folder} is inside the folder of another run ({outer}); choose a folder "
            f"outside it for {key}."
        )
    if not is_run_folder(folder):
        below = _runs_below(folder)
        if below:
            raise ConfigError(
                f"{key}={folder} holds other runs ({below[0]}"
                f"{f' and {len(below) - 1} more' if len(below) > 1 else ''}); a run needs a "
                f"folder of its own: choose another {key}."
            )
    _check_data(key, folder, data)


def _sweep_marker(folder: Path) -> str:
    return next(m for m in SWEEP_MARKERS if (folder / m).is_file())


def sweep_identity(overrides: Iterable[str]) -> list[str]:
    """What a sweep computes, from its overrides: each key with its values sorted
    (``lora.r=8,4`` and ``lora.r=4,8`` are one sweep); where it writes and how its jobs are
    launched (:data:`NOT_THE_SWEEP`) do not count."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    parser = OverridesParser.create()
    identity = []
    for text in overrides:
        key = text.split("=", 1)[0].lstrip("+~")
        if key.startswith(NOT_THE_SWEEP) or key == "hydra.searchpath":
            continue
        override = parser.parse_overrides([text])[0]
        value = override.value()
        if isinstance(value, (ChoiceSweep, RangeSweep)):
            shown = ",".join(sorted(override.sweep_string_iterator()))
        else:
            shown = text.split("=", 1)[1] if "=" in text else ""
        identity.append(f"{override.get_key_element()}={shown}")
    return sorted(identity)


def recorded_sweep(folder: Path) -> list[str] | None:
    """The overrides of the sweep that owns ``folder`` (its record, or the ``multirun.yaml`` of
    a sweep from before the record), or ``None`` when no sweep has written there."""
    record = folder / SWEEP_RECORD
    if record.is_file():
        try:
            return list(json.loads(record.read_text(encoding="utf-8"))["overrides"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable: the lock still keeps two sweeps apart
    multirun = folder / MULTIRUN_RECORD
    if multirun.is_file():
        try:
            saved = read_yaml(multirun, "")
            task = saved["hydra"]["overrides"]
            return [*task.get("task", []), *task.get("hydra", [])]
        except (FileError, KeyError, TypeError):
            return None
    return None


def _shown(overrides: list[str]) -> str:
    return " ".join(o for o in sweep_identity(overrides)) or "no overrides"


def claim_sweep_folder(
    folder: str | Path, overrides: list[str], data: Iterable[str | Path] = ()
) -> int:
    """Make ``folder`` this sweep's: its role checked, its lock taken, its record written.

    Args:
        folder: ``hydra.sweep.dir``.
        overrides: The sweep's overrides as given (``hydra.overrides.task`` and ``.hydra``).
        data: The data paths the jobs read (``data.source.path``).

    Returns:
        The lock's file descriptor: the lock is held until it is closed or the process ends.

    Raises:
        ConfigError: One sentence naming ``hydra.sweep.dir``, the other run or sweep, and the fix.
    """
    folder = Path(folder)
    key = "hydra.sweep.dir"
    if is_run_folder(folder) and not is_sweep_folder(folder):
        raise ConfigError(
            f"{key}={folder} is the folder of a run ({next(m for m in RUN_MARKERS if (folder / m).is_file())}); "
            f"a sweep needs a folder of its own: choose another {key}."
        )
    outer = enclosing_run(folder)
    if outer is not None:
        raise ConfigError(
            f"{key}={folder} is inside the folder of a run ({outer}); choose a folder outside it."
        )
    _check_data(key, folder, data)
    try:
        fd = take_lock(folder / SWEEP_LOCK, "")
    except LockHeld:
        other = recorded_sweep(folder)
        raise ConfigError(
            f"{key}={folder} is in use by another sweep ({_shown(other) if other else 'starting'}), "
            f"still running; wait for it to end or choose another {key}."
        ) from None
    mine = sweep_identity(overrides)
    previous = recorded_sweep(folder)
    if previous is not None and sweep_identity(previous) != mine:
        import os

        os.close(fd)
        raise ConfigError(
            f"{key}={folder} holds another sweep ({_shown(previous)}; this one: "
            f"{_shown(overrides)}); a sweep folder belongs to one sweep: choose another {key}, "
            "or run that sweep's command again to finish it."
        )
    if not (folder / SWEEP_RECORD).is_file():  # written once: a re-run leaves it as it is
        write_json(folder / SWEEP_RECORD, {"overrides": list(overrides), "identity": mine})
    return fd
