"""Finding run folders again: every run under a path, in job order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tide_exp.files.readers import natural_key
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import GENERATIONS, RESULTS, STATUS


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
