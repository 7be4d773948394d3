"""Read an offline W&B run back as the W&B server would receive it: its ``.wandb`` transaction log.

``wandb sync`` uploads an offline run by replaying this file, so what is in it is what a
researcher will see on the dashboard; a row W&B's own process refused (a step below the run's
current one) is not in it. Tests use this module to check the history, config, summary and
tables of real runs, and ``tide wandb`` uses it to list a sweep's offline runs.

The file is a LevelDB log (32 KiB blocks; each record a 7-byte header of CRC-32, length and
type FULL/FIRST/MIDDLE/LAST), after a 7-byte file header ``:W&B``, magic ``0xBEE1``, version
0. Each record is a serialised ``wandb_internal_pb2.Record`` (wandb ships the classes).
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.errors import FileError

BLOCK = 32768
HEADER = 7
FILE_IDENT = b":W&B"
FILE_MAGIC = 0xBEE1
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_CRC = {t: zlib.crc32(bytes([t])) for t in (FULL, FIRST, MIDDLE, LAST)}


def read_record_bytes(path: Path) -> Iterator[bytes]:
    """Each record's payload, in order, with its checksum verified.

    A torn tail (the process was killed mid-write) ends the scan, as W&B's own reader does;
    a bad checksum elsewhere is a damaged file.
    """
    data = Path(path).read_bytes()
    if len(data) < HEADER:
        return
    ident, magic, version = struct.unpack("<4sHB", data[:HEADER])
    if ident != FILE_IDENT or magic != FILE_MAGIC or version != 0:
        raise FileError(
            path,
            f"not a W&B transaction log (header {data[:HEADER]!r})",
            "point at an offline-run-* folder or its run-*.wandb file",
        )
    pos, parts = HEADER, []
    while pos + HEADER <= len(data):
        left_in_block = BLOCK - pos % BLOCK
        if left_in_block < HEADER:  # a block's trailer: zero bytes, skipped
            pos += left_in_block
            continue
        checksum, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        if kind == 0 and length == 0:  # zero padding at the end of a block
            pos += left_in_block
            continue
        payload = data[pos + HEADER : pos + HEADER + length]
        if len(payload) < length:
            return  # torn tail
        if zlib.crc32(payload, _CRC.get(kind, 0)) & 0xFFFFFFFF != checksum:
            raise FileError(
                path,
                f"damaged record at byte {pos} (checksum mismatch)",
                "the run's log is corrupt; re-run the job or sync what is readable with `wandb sync`",
            )
        pos += HEADER + length
        if kind == FULL:
            yield payload
        elif kind == FIRST:
            parts = [payload]
        elif kind == MIDDLE:
            parts.append(payload)
        elif kind == LAST:
            parts.append(payload)
            yield b"".join(parts)
            parts = []


def read_records(path: Path) -> Iterator[Any]:
    """Each record of a ``.wandb`` file as a ``wandb_internal_pb2.Record``."""
    from wandb.proto import wandb_internal_pb2 as pb

    for payload in read_record_bytes(path):
        record = pb.Record()
        record.ParseFromString(payload)
        yield record


def _item_key(item: Any) -> str:
    return item.key or "/".join(item.nested_key)


def _decode(items: Any) -> dict[str, Any]:
    return {_item_key(item): json.loads(item.value_json) for item in items}


@dataclass
class OfflineRun:
    """What one offline run holds for the dashboard.

    Attributes:
        run_id: W&B run id.
        name, group, job_type, tags: the run's identity on the dashboard.
        config: the config as W&B shows it (``{key: value}``).
        history: one dict per history row, with ``_step``.
        summary: the last summary values.
        files: files saved with the run (tables are JSON files under ``media/table``).
    """

    path: Path
    run_id: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    step_metrics: dict[str, str] = field(default_factory=dict)

    def values(self, key: str) -> list[tuple[int, Any]]:
        """``(step, value)`` of every history row that has ``key``."""
        return [(row["_step"], row[key]) for row in self.history if key in row]

    def table(self, key: str) -> dict[str, Any] | None:
        """The last table logged under ``key``: ``{"columns": [...], "data": [[...]]}``."""
        # A table's history entry is a file reference, stored as nested keys ({key}/path, ...).
        ref = next(
            (row[f"{key}/path"] for row in reversed(self.history) if f"{key}/path" in row), None
        )
        if ref is None:
            return None
        table_file = self.path.parent / "files" / ref
        return json.loads(table_file.read_text(encoding="utf-8"))


def read_run(path: Path, wait_s: float = 0.0) -> OfflineRun:
    """Read an offline run folder (``offline-run-*``) or its ``run-*.wandb`` file.

    Args:
        path: The folder or the file.
        wait_s: Wait up to this long for the run's exit record: ``wandb.finish()`` returns
            before W&B's service process has written the last rows.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("run-*.wandb"))
        if not found:
            raise FileError(
                path, "no run-*.wandb file in it", "point at a W&B offline-run-* folder"
            )
        path = found[0]
    records = list(read_records(path))
    deadline = time.monotonic() + wait_s
    while not any(r.WhichOneof("record_type") == "exit" for r in records):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
        records = list(read_records(path))
    run = OfflineRun(path=path)
    for record in records:
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.run_id, run.name, run.group, run.job_type = (
                r.run_id,
                r.display_name,
                r.run_group,
                r.job_type,
            )
            run.tags = list(r.tags)
            run.config |= {_item_key(i): json.loads(i.value_json) for i in r.config.update}
        elif kind == "config":
            run.config |= {_item_key(i): json.loads(i.value_json) for i in record.config.update}
        elif kind == "history":
            row = _decode(record.history.item)
            row.setdefault("_step", record.history.step.num)
            run.history.append(row)
        elif kind == "summary":
            run.summary |= _decode(record.summary.update)
        elif kind == "files":
            run.files += [f.path for f in record.files.files]
        elif kind == "metric":
            m = record.metric
            if m.step_metric:
                run.step_metrics[m.name or m.glob_name] = m.step_metric
    return run


def offline_runs(folder: Path) -> list[Path]:
    """Every offline run folder below ``folder`` (a run folder, a sweep folder), oldest first."""
    return sorted(Path(folder).rglob("offline-run-*"), key=lambda p: p.name)


def dropped_rows(run_folder: Path) -> list[str]:
    """W&B's own warnings about rows it refused, from ``logs/debug-internal.log``."""
    log = Path(run_folder) / "logs" / "debug-internal.log"
    if not log.exists():
        return []
    return [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if "ignoring partial history record" in line or "less than the current step" in line
    ]
