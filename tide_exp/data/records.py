"""Bad data, handled one way everywhere: stop at the first bad row, or skip it and say so.

Every loader runs its rows through a :class:`RowChecker`. With ``on_error="raise"`` (the
default) the first problem raises :class:`~tide_exp.errors.BadRecordError` naming the file,
the line (or record id) and what is wrong; with ``on_error="skip"`` the row is left out and
recorded, and the loader returns a :class:`Corpus` whose ``skipped`` lists every left-out row.
The DataModule writes that list to ``skipped_rows.jsonl`` in the run folder; a loader called on
its own writes it to ``skip_report`` or, without one, logs every skipped row. Never silent.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tide_exp.data.examples import DialogueExample
from tide_exp.errors import BadRecordError, DataError, check_choice
from tide_exp.files.writers import write_jsonl

log = logging.getLogger(__name__)

ON_ERROR = ("raise", "skip")
DUPLICATES = ("error", "keep")
EXCERPT_CHARS = 200
_POSITION = re.compile(r"^\d+(:\d+)?$")


@dataclass(frozen=True)
class SkippedRow:
    """One row left out: where it was, why, and the start of its raw text."""

    source: str
    where: str
    reason: str
    excerpt: str = ""


class Corpus(list):
    """The examples a loader returns (a plain ``list``), plus the rows it skipped."""

    def __init__(
        self, examples: list[DialogueExample] = (), skipped: list[SkippedRow] = (), source: str = ""
    ) -> None:
        super().__init__(examples)
        self.skipped = list(skipped)
        self.source = source


def visible_text(text: str) -> str:
    """``text`` stripped, or ``""`` when it holds nothing but whitespace and format characters.

    Python's ``str.strip`` keeps zero-width spaces, word joiners, byte-order marks, soft hyphens
    and direction marks (Unicode category ``Cf``): a reply made of them only looks empty to a
    reader and was a training target. Inner ones in a real text are left as they are.
    """
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in text):
        return ""
    return text.strip()


def excerpt(record: Any) -> str:
    """A short, one-line rendering of a raw record for reports."""
    text = record if isinstance(record, str) else repr(record)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def location(source: str | Path, where: str | int) -> str:
    """``file:line`` (or ``file:line:column``) for positions, ``file: record 3`` (whatever ``where`` says) otherwise."""
    return (
        f"{source}:{where}"
        if isinstance(where, int) or _POSITION.match(where)
        else f"{source}: {where}"
    )


def write_skip_report(path: str | Path, skipped: list[SkippedRow]) -> Path:
    """One JSON object per skipped row (source, where, reason, excerpt), written atomically.

    With nothing skipped, a report an earlier run left at ``path`` is removed, so a folder never
    shows rows that this run did not skip.
    """
    if not skipped:
        Path(path).unlink(missing_ok=True)
        return Path(path)
    return write_jsonl(path, [asdict(row) for row in skipped])


class RowChecker:
    """Validates fields and rows, and either raises or records each problem.

    Args:
        on_error: ``raise`` (stop at the first bad row) or ``skip`` (leave it out and report it).
        duplicates: ``error``: a repeated example id, or a repeated (persona, message, reply)
            row, is bad data; ``keep``: identical rows are kept (ids must still be unique).
        max_chars: Longest accepted message or reply, in characters (``None``: no limit).
    """

    def __init__(
        self, on_error: str = "raise", duplicates: str = "error", max_chars: int | None = 20000
    ) -> None:
        check_choice("on_error", on_error, ON_ERROR)
        check_choice("duplicates", duplicates, DUPLICATES)
        self.on_error = on_error
        self.duplicates = duplicates
        self.max_chars = max_chars
        self.skipped: list[SkippedRow] = []
        self._ids: dict[str, str] = {}
        self._rows: dict[tuple[str, str, str], str] = {}

    def bad(self, source: str | Path, where: str | int, reason: str, record: Any = "") -> None:
        """Report a bad row: raise in ``raise`` mode, record it in ``skip`` mode."""
        if self.on_error == "raise":
            raise BadRecordError(
                f"{location(source, where)}: {reason} (or set on_error=skip to skip and report such rows)."
            )
        self.skipped.append(
            SkippedRow(
                str(source),
                f"line {where}" if isinstance(where, int) else where,
                reason,
                excerpt(record),
            )
        )

    def text(
        self, record: dict, key: str, source: str | Path, where: str | int, hint: str = ""
    ) -> str | None:
        """The stripped string at ``record[key]``, or ``None`` after reporting why it is unusable."""
        value = record.get(key)
        found = ", ".join(sorted(map(str, record))) or "none"
        if value is None:
            problem = f"field '{key}' is missing (keys found: {found})"
        elif not isinstance(value, str):
            problem = f"field '{key}' is not a string (got {type(value).__name__})"
        elif not visible_text(value):
            problem = f"field '{key}' is empty" + (" (only invisible characters)" if value else "")
        elif self.max_chars is not None and len(value) > self.max_chars:
            problem = (
                f"field '{key}' is over-long ({len(value)} characters, max_chars={self.max_chars})"
            )
        else:
            return visible_text(value)
        self.bad(source, where, problem + (f"; {hint}" if hint else ""), record)
        return None

    def accept(
        self, example: DialogueExample, source: str | Path, where: str | int, record: Any = ""
    ) -> bool:
        """Whether ``example`` is new; a repeated id (or row, with ``duplicates=error``) is bad data."""
        here = location(source, where)
        if example.example_id in self._ids:
            self.bad(
                source,
                where,
                f"duplicate example id '{example.example_id}' (first at {self._ids[example.example_id]})",
                record,
            )
            return False
        row = (example.persona_id, example.user_input, example.reference_response)
        if self.duplicates == "error" and row in self._rows:
            self.bad(
                source,
                where,
                f"duplicate row: same persona, message and reply as {self._rows[row]}",
                record,
            )
            return False
        self._ids[example.example_id] = here
        self._rows.setdefault(row, here)
        return True

    def finish(
        self,
        examples: list[DialogueExample],
        source: str | Path,
        skip_report: str | Path | None = None,
    ) -> Corpus:
        """The loaded corpus; writes or logs the skipped rows so none is lost silently."""
        if not examples:
            first = (
                f" (first: {location(self.skipped[0].source, self.skipped[0].where)}: {self.skipped[0].reason})"
                if self.skipped
                else ""
            )
            raise DataError(
                f"{source}: no usable examples; {len(self.skipped)} bad rows were skipped{first}."
            )
        corpus = Corpus(examples, self.skipped, str(source))
        if skip_report is not None:
            write_skip_report(skip_report, self.skipped)  # removes a stale one when none skipped
        if self.skipped:
            if skip_report is not None:
                log.warning(
                    "%s: skipped %d bad rows, listed in %s", source, len(self.skipped), skip_report
                )
            else:
                log.warning("%s: skipped %d bad rows:", source, len(self.skipped))
                for row in self.skipped:
                    log.warning("  skipped %s: %s", location(row.source, row.where), row.reason)
        return corpus
