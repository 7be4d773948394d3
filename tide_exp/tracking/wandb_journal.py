"""Every row a W&B run was sent, kept beside it, so a resumed job logs again what a kill lost.

W&B's own process writes a run's offline log every 2 s (``x_transaction_log_flush_interval``);
a job killed outright (SIGKILL, the OOM killer, a preemption without grace) loses the rows it
sent since the last write, and a resumed job starts again from its last checkpoint, so rows
logged before that checkpoint were in no W&B run at all (the CSV log kept them). Here the W&B
logger writes each row it sends to a journal, ``wandb/rows-<run id>.jsonl``, straight through to
the operating system (a killed process loses none of it), and a resumed job, before its first
row, logs again every value of an earlier step that the earlier offline runs of the same id do
not hold (:func:`lost_rows`), at its own step. Rows from the checkpoint on are logged anew by the
resumed training itself.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tide_exp.files.readers import jsonl_rows

JOURNAL = "rows-{run_id}.jsonl"


def journal_path(wandb_dir: str | Path, run_id: str) -> Path:
    """The journal of run ``run_id`` in W&B's folder (``<save_dir>/wandb``)."""
    return Path(wandb_dir) / JOURNAL.format(run_id=run_id)


class Journal:
    """Append-only: one JSON line ``{"step": s, "row": {...}}`` per row sent to W&B, each
    written through to the operating system at once (a kill of this process loses none; a
    sweep's many jobs in one process hold no file open)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def add(self, step: int, row: Mapping[str, Any]) -> None:
        line = json.dumps({"step": step, "row": dict(row)}, default=str, allow_nan=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-6) or (
            math.isnan(float(a)) and math.isnan(float(b))
        )
    return a == b


def lost_rows(
    journal: Path, wandb_dir: Path, run_id: str, current: Path | None, before_step: int
) -> list[tuple[int, dict[str, Any]]]:
    """The values an earlier process of run ``run_id`` sent to W&B at a step below
    ``before_step`` that none of its offline runs holds: ``[(step, {key: value})]`` in step order.

    Args:
        journal: The run's journal (:func:`journal_path`).
        wandb_dir: W&B's folder, holding the run's ``offline-run-*-<run_id>`` folders.
        run_id: The W&B run id (the same for every process of a resumed job).
        current: This process's own offline run folder (left out: it is being written).
        before_step: The step this process logs first; later rows it logs again itself.
    """
    from tide_exp.tracking.wandb_offline import read_run

    if not journal.is_file():
        return []
    held: dict[int, list[dict[str, Any]]] = {}
    # offline-run-<time>-<id>, and -<id>-1 for a second start within the same second
    this_run = re.compile(rf"offline-run-\d+_\d+-{re.escape(run_id)}(-\d+)?")
    for folder in sorted(Path(wandb_dir).glob("offline-run-*")):
        if not this_run.fullmatch(folder.name):
            continue
        if current is not None and folder.resolve() == current.resolve():
            continue
        try:
            history = read_run(folder).history
        except Exception:  # noqa: BLE001 - an unreadable log holds nothing: log it all again
            continue
        for row in history:
            held.setdefault(int(row["_step"]), []).append(row)
    sent: dict[int, dict[str, Any]] = {}  # a step's later row wins, as in the CSV and on W&B
    skip = lambda *args: None  # noqa: E731 - a torn last line (a kill mid-write) holds nothing
    for _, entry in jsonl_rows(journal, journal.read_bytes(), skip):
        step = entry.get("step")
        if isinstance(step, int) and step < before_step and isinstance(entry.get("row"), dict):
            sent.setdefault(step, {}).update(entry["row"])
    lost: dict[int, dict[str, Any]] = {}
    for step, row in sent.items():
        for key, value in row.items():
            if not any(key in r and _same(r[key], value) for r in held.get(step, [])):
                lost.setdefault(step, {})[key] = value
    return sorted(lost.items())
