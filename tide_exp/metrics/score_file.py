"""Read a file of (prediction, reference) pairs and score it: the library under ``tide score``.

Input: JSON Lines (one object a line) or CSV with a header, chosen by the extension. Each row
needs a string prediction and a non-empty string reference. An empty prediction is scored, as
in-run scoring does (BERTScore 0, METEOR and ROUGE-L 0; cosine is not 0: the encoder embeds the
empty text like any other, about -0.06 to 0.12 against the sample corpus's references), so one
reply has one score everywhere. A run's ``generations.jsonl`` holds every phase (``zs``, each
epoch's ``val``, ``ft``): ``phase`` (and ``epoch`` for ``val``) picks one; a file with several
and no ``phase`` is refused rather than pooled. A bad row stops the read with its file and line,
unless ``skip_bad_rows``: then it is left out, counted and reported. A metric that compares a reply
with the client's message (``topic_shift``) needs that message in every row (``prompt_field``: a
generations.jsonl's ``prompt``); a row without it is a bad row like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.errors import DataError
from tide_exp.files.readers import csv_rows, jsonl_rows


class BadInputError(DataError, ValueError):
    """The input file cannot be scored; the message names the file and line."""


@dataclass
class Pairs:
    """Rows read from an input file: aligned texts, their line numbers, and skipped rows."""

    predictions: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    prompts: list[str] | None = None  # the client's messages, read when a metric needs them


def _check_prompt(row: dict, prompt_field: str) -> str:
    """The client's message of a row, for the metrics that compare a reply with it."""
    value = row.get(prompt_field)
    if not isinstance(value, str) or not value.strip():
        shown = "missing" if value is None else f"{type(value).__name__}, not a non-empty string"
        raise ValueError(
            f"field {prompt_field!r} (the client's message) is {shown}: topic_shift compares "
            "each reply with it; give it in every row or name its field with --prompt-field"
        )
    return value


def _check_row(row: Any, fields: tuple[str, str]) -> tuple[str, str]:
    """(prediction, reference) of a row; the prediction may be empty, the reference may not."""
    if not isinstance(row, dict):
        raise ValueError(
            f"expected an object with {fields[0]!r} and {fields[1]!r}, got {type(row).__name__}"
        )
    values = []
    for name in fields:
        if name not in row:
            raise ValueError(
                f"missing field {name!r} (fields: {', '.join(map(str, row)) or 'none'})"
            )
        value = row[name]
        if not isinstance(value, str):
            raise ValueError(f"field {name!r} is {type(value).__name__}, not a string")
        if name == fields[1] and not value.strip():
            raise ValueError(f"field {name!r} is empty")
        values.append(value)
    return values[0], values[1]


def read_pairs(
    path: str | Path,
    prediction_field: str = "prediction",
    reference_field: str = "reference",
    fmt: str | None = None,
    skip_bad_rows: bool = False,
    phase: str | None = None,
    epoch: int | None = None,
    prompt_field: str | None = None,
) -> Pairs:
    """Read and validate pairs; raise :class:`BadInputError` at the first bad row unless skipping.

    Rows come from the data loaders' line reader (:mod:`tide_exp.files`), so the scorer survives
    the same bad input as they do and reports it the same way: every row of the file is scored
    or listed in ``skipped``.

    Args:
        phase: Keep only rows whose ``phase`` field equals it (generations.jsonl: zs, val, ft).
        epoch: With ``phase``, keep only rows of that ``epoch``.
        prompt_field: Read each row's client message from this field (a non-empty string in
            every row) into ``Pairs.prompts``; ``None``: not read.

    Raises:
        BadInputError: A bad row, no scorable row, or rows of several phases (or epochs) and no
            ``phase`` to choose one.
    """
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    pairs = Pairs(prompts=[] if prompt_field else None)
    groups: set[tuple[str, str]] = set()
    groups_seen: set[tuple[str, str]] = set()  # every phase in the file, kept or not
    examples: dict[tuple[str, str, str], int] = {}  # (phase, epoch, example id) -> first line

    def bad(source: Path, where: int | str, reason: str, record: Any = "") -> None:
        message = f"{source}:{where}: {reason}"
        if not skip_bad_rows:
            raise BadInputError(message)
        pairs.skipped.append(message)

    raw = path.read_bytes()
    rows = csv_rows(path, raw, bad) if fmt == "csv" else jsonl_rows(path, raw, bad)
    for number, row in rows:
        if isinstance(row, dict) and "phase" in row:
            group = (str(row["phase"]), str(row.get("epoch")))
            groups_seen.add(group)
            if phase is not None and (
                group[0] != phase or (epoch is not None and group[1] != str(epoch))
            ):
                continue
            groups.add(group)
        try:
            prediction, reference = _check_row(row, (prediction_field, reference_field))
            prompt = _check_prompt(row, prompt_field) if prompt_field else None
        except ValueError as err:
            bad(path, number, str(err))
            continue
        if "phase" in row and "example_id" in row:  # generations.jsonl: one row per example
            key = (str(row["phase"]), str(row.get("epoch")), str(row["example_id"]))
            if key in examples:
                bad(path, number, f"example {key[2]!r} again (first at line {examples[key]})")
                continue
            examples[key] = number
        if pairs.prompts is not None:
            pairs.prompts.append(prompt)
        pairs.predictions.append(prediction)
        pairs.references.append(reference)
        pairs.lines.append(number)
    if len(groups) > 1 and (phase is None or epoch is None and phase == "val"):
        found = ", ".join(f"{p} (epoch {e})" if p == "val" else p for p, e in sorted(groups))
        raise BadInputError(
            f"{path}: rows of several phases or epochs ({found}); pick one with --phase "
            "(and --epoch for val) instead of pooling them."
        )
    if phase is not None and not pairs.predictions and not pairs.skipped:
        found = ", ".join(sorted({p for p, _ in groups_seen})) or "none"
        raise BadInputError(
            f"{path}: no row of phase {phase!r} (phases in the file: {found}); pick one of them "
            "with --phase (names are lower case)."
        )
    if not pairs.predictions:
        raise BadInputError(
            f"{path}: no scorable rows"
            + (f" ({len(pairs.skipped)} bad rows skipped)" if pairs.skipped else "")
        )
    return pairs


def score_pairs(pairs: Pairs, metrics: dict[str, dict | None]) -> dict[str, Any]:
    """Score the pairs with :func:`tide_exp.metrics.score_texts` (progress bars off)."""
    from transformers.utils import logging as hf_logging

    from tide_exp.metrics import score_texts

    hf_logging.disable_progress_bar()  # keep the terminal for the table
    return score_texts(pairs.predictions, pairs.references, metrics, prompts=pairs.prompts)


def input_block(path: str | Path, pairs: Pairs) -> dict[str, Any]:
    """What was read: the file, rows scored and skipped (with reasons), their lines."""
    return {
        "path": str(path),
        "rows_scored": len(pairs.lines),
        "rows_skipped": len(pairs.skipped),
        "skipped": pairs.skipped,
        "lines": pairs.lines,
    }
