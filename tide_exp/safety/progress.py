"""Finished probe replies kept while ``tide safety probe`` runs, so a stopped probe continues.

A full probe on a CPU takes minutes per phase (README, ``tide safety probe --help``). The
command generates in fixed chunks and, after each, rewrites ``safety_progress.jsonl`` in its
output folder with every reply so far and the key of what made them (model, adapter weights,
probe prompts, generation settings). Run again with the same settings, it generates only the
chunks not yet done; the chunks are the same either way, so the replies are the ones an
uninterrupted probe gives. The file is removed once the probe's own files are written.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tide_exp.files.atomic import kept_as_written
from tide_exp.files.writers import write_jsonl
from tide_exp.generation import Reply

PROGRESS_FILE = "safety_progress.jsonl"
_FIELDS = ("text", "finished", "new_tokens", "raw", "open_reasoning")


def progress_key(**parts: Any) -> str:
    """A digest of what the replies depend on; a re-run with another one starts over."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def file_digest(path: str | Path) -> str:
    """The sha256 of a file's bytes (an adapter's weights), for :func:`progress_key`."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class ProbeProgress:
    """The replies of an unfinished probe in ``folder``, for the settings digested in ``key``.

    Args:
        folder: The probe's output folder.
        key: :func:`progress_key` of the model, adapter, prompts and settings.
        say: Where the progress lines go (stderr).
    """

    def __init__(self, folder: str | Path, key: str, say: Callable[[str], None] | None = None):
        self.path = Path(folder) / PROGRESS_FILE
        self.key = key
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self.rows = self._read()

    def _read(self) -> list[dict[str, Any]]:
        """The kept rows made with this key; none when the file is missing or from other
        settings (said, then replaced), or unreadable (a cache: started over, said so)."""
        if not self.path.is_file():
            return []
        try:
            rows = [json.loads(line) for line in self.path.read_text("utf-8").splitlines()]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            self.say(f"{self.path}: unreadable, so the probe starts over")
            return []
        if not rows or any(not isinstance(r, dict) or r.get("key") != self.key for r in rows):
            self.say(f"{self.path}: from other settings, so the probe starts over")
            return []
        self.say(f"continuing the probe: {len(rows)} finished replies kept in {self.path}")
        return rows

    def generate(
        self,
        phase: str,
        ids: Sequence[str],
        prompts: Sequence[str],
        generate: Callable[[list[str]], list[Reply]],
        chunk: int,
    ) -> list[Reply]:
        """Replies to ``prompts`` (``ids`` name them) in chunks of ``chunk``: kept ones read
        back, the rest generated, each chunk written down as it ends, a line said per chunk."""
        kept = {
            r["id"]: Reply(**{f: r[f] for f in _FIELDS}) for r in self.rows if r["phase"] == phase
        }
        replies: list[Reply] = []
        start, made = time.perf_counter(), 0
        for at in range(0, len(prompts), chunk):
            names = list(ids[at : at + chunk])
            if all(name in kept for name in names):
                replies.extend(kept[name] for name in names)
                continue
            new = generate(list(prompts[at : at + chunk]))
            replies.extend(new)
            made += len(new)
            self.rows += [
                {"key": self.key, "phase": phase, "id": name, **{f: getattr(r, f) for f in _FIELDS}}
                for name, r in zip(names, new, strict=True)
            ]
            with kept_as_written():  # kept however the command ends: that is their point
                write_jsonl(self.path, self.rows)
            elapsed = time.perf_counter() - start
            left = sum(1 for name in ids[at + chunk :] if name not in kept)
            self.say(
                f"probe {phase}: {len(replies)}/{len(prompts)} replies, {_clock(elapsed)}"
                + (f", about {_clock(elapsed / made * left)} to go" if left else "")
            )
        return replies

    def finish(self) -> None:
        """Remove the kept replies: the probe's own files now hold them."""
        self.path.unlink(missing_ok=True)


def _clock(seconds: float) -> str:
    """``2m05s`` / ``41s``."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
