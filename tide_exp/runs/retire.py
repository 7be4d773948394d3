"""A fresh start (``resume=false``) in a used run folder: the previous run retired whole.

Writing ``.tide/retiring`` is the one step that decides: a kill before it leaves the previous
run whole; after it, the previous run counts as gone (:attr:`RunFolder.retiring`: its results,
status and settings read as absent) and the next start of any kind finishes retiring it before
anything else. So a kill at any point leaves the old run or the new one, never the old
checkpoint or adapter under the new settings.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from tide_exp.files.atomic import write_text
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import LOCK, LOG, RESULTS, RETIRED, RETIRING, STATUS, TIDE_DIR

log = logging.getLogger(__name__)


def previous_run(folder: RunFolder) -> list[Path]:
    """The previous run's files: everything but the lock and the text log (results, status,
    replies, checkpoints, adapter, logger folders, ``.hydra/``, ``.tide/`` settings), and a
    ``last.ckpt`` in a checkpoint folder elsewhere; the ones that make a folder look finished
    first."""
    keep = {LOCK, LOG, TIDE_DIR}
    entries = [p for p in folder.path.iterdir() if p.name not in keep]
    tide = folder.path / TIDE_DIR
    if tide.is_dir():
        entries += [
            p for p in tide.iterdir() if p.name not in (Path(RETIRING).name, Path(RETIRED).name)
        ]
    last = folder.last_checkpoint
    if last.is_file() and not last.is_relative_to(folder.path):
        entries.append(last)  # paths.checkpoint_dir outside the folder
    first = (RESULTS, STATUS)
    return sorted(entries, key=lambda p: (p.name not in first, p.parent != folder.path, p.name))


def start_over(folder: RunFolder) -> None:
    """Retire the previous run in ``folder`` so a fresh start shares nothing with it."""
    if not folder.path.is_dir() or not previous_run(folder):
        return
    write_text(folder.path / RETIRING, "the previous run is being retired (resume=false)\n")
    finish_retiring(folder)


def finish_retiring(folder: RunFolder) -> None:
    """Move what is left of a retired run aside and delete it (no-op when none is)."""
    if not folder.retiring:
        return
    graveyard = folder.path / RETIRED
    graveyard.mkdir(parents=True, exist_ok=True)
    for entry in previous_run(folder):
        if not entry.is_relative_to(folder.path):
            os.unlink(entry)  # a checkpoint elsewhere: a move could cross file systems
            continue
        # One folder each: .tide/config.yaml and a config.yaml beside it never collide.
        os.replace(entry, Path(tempfile.mkdtemp(dir=graveyard)) / entry.name)
    shutil.rmtree(graveyard, ignore_errors=True)
    os.unlink(folder.path / RETIRING)
    log.info("%s: the previous run retired (resume=false); starting over", folder.path)
