"""Score any system's replies against references: ``python -m tide_exp.score``.

    python -m tide_exp.score --input pairs.jsonl --output scores.json \
        [--metrics cosine,meteor,...] [--prediction-field X --reference-field Y] [--skip-bad-rows]
        [--phase ft [--epoch N]]

Input: JSON Lines (one object a line) or CSV with a header, chosen by the extension (``--format``
overrides). Each row needs a string prediction and a non-empty string reference. An empty
prediction is scored, as in-run scoring does (BERTScore 0, METEOR and ROUGE-L 0; cosine is
not 0: the encoder embeds the empty text like any other, about -0.06 to 0.12 against the
sample corpus's references), so one reply has one score everywhere. A run's ``generations.jsonl`` holds every phase
(``zs``, each epoch's ``val``, ``ft``): ``--phase`` (and ``--epoch`` for ``val``) picks one;
a file with several and no ``--phase`` is refused rather than pooled. A bad row stops the run
with its file and line, unless ``--skip-bad-rows``: then it is left out, counted and reported.
Output: scores.json as written by :func:`tide_exp.metrics.score_texts` plus an ``input`` block,
written atomically; a table of the means goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tide_exp.commands import cli_entry, command_parser
from tide_exp.errors import DataError, TideError
from tide_exp.files import check_output, csv_rows, jsonl_rows, write_json
from tide_exp.metrics.suite import METRICS, STUDY_A_METRICS

DEFAULT_METRICS = ",".join(STUDY_A_METRICS)


class BadInputError(DataError, ValueError):
    """The input file cannot be scored; the message names the file and line."""


@dataclass
class Pairs:
    """Rows read from an input file: aligned texts, their line numbers, and skipped rows."""

    predictions: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


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
) -> Pairs:
    """Read and validate pairs; raise :class:`BadInputError` at the first bad row unless skipping.

    Rows come from the data loaders' line reader (:mod:`tide_exp.files`), so the scorer survives
    the same bad input as they do and reports it the same way: every row of the file is scored
    or listed in ``skipped``.

    Args:
        phase: Keep only rows whose ``phase`` field equals it (generations.jsonl: zs, val, ft).
        epoch: With ``phase``, keep only rows of that ``epoch``.

    Raises:
        BadInputError: A bad row, no scorable row, or rows of several phases (or epochs) and no
            ``phase`` to choose one.
    """
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    pairs = Pairs()
    groups: set[tuple[str, str]] = set()

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
            if phase is not None and (
                group[0] != phase or (epoch is not None and group[1] != str(epoch))
            ):
                continue
            groups.add(group)
        try:
            prediction, reference = _check_row(row, (prediction_field, reference_field))
        except ValueError as err:
            bad(path, number, str(err))
            continue
        pairs.predictions.append(prediction)
        pairs.references.append(reference)
        pairs.lines.append(number)
    if len(groups) > 1 and (phase is None or epoch is None and phase == "val"):
        found = ", ".join(f"{p} (epoch {e})" if p == "val" else p for p, e in sorted(groups))
        raise BadInputError(
            f"{path}: rows of several phases or epochs ({found}); pick one with --phase "
            "(and --epoch for val) instead of pooling them."
        )
    if not pairs.predictions:
        raise BadInputError(
            f"{path}: no scorable rows"
            + (f" ({len(pairs.skipped)} bad rows skipped)" if pairs.skipped else "")
        )
    return pairs


def format_table(metrics: dict[str, dict[str, Any]]) -> str:
    """The means as an aligned text table."""
    rows = [("metric", "mean", "std", "n", "level")]
    for name, m in metrics.items():
        mean = "nan" if m["mean"] is None or math.isnan(m["mean"]) else f"{m['mean']:.4f}"
        std = "-" if m["std"] is None else f"{m['std']:.4f}"
        rows.append((name, mean, std, str(m["n"]), m["level"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


SCORE_HELP = """Score replies against references.

input: one pair a row, as JSON Lines (one object a line) or CSV with a header row, chosen by
the extension (--format overrides). Every row needs two string fields:
  prediction   the reply to score; may be empty (scored as an empty reply)
  reference    the reply it is compared with; not empty
(--prediction-field and --reference-field name other fields); other fields are ignored.
  {"prediction": "That sounds so heavy to carry.", "reference": "It sounds exhausting."}
A run's generations.jsonl has both fields, plus phase (zs, val, ft) and epoch: pick one
phase with --phase (and --epoch for val)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = command_parser("score", SCORE_HELP, prog="tide score")
    parser.add_argument(
        "--input", required=True, metavar="FILE", help="pairs file: .jsonl or .csv (see above)"
    )
    parser.add_argument("--output", required=True, help="scores.json to write")
    parser.add_argument(
        "--metrics",
        default=DEFAULT_METRICS,
        help=f"comma-separated, from: {', '.join(METRICS)} (default: {DEFAULT_METRICS})",
    )
    parser.add_argument(
        "--prediction-field",
        default="prediction",
        metavar="NAME",
        help="the field holding the reply to score (default: prediction)",
    )
    parser.add_argument(
        "--reference-field",
        default="reference",
        metavar="NAME",
        help="the field holding the reply it is compared with (default: reference)",
    )
    parser.add_argument(
        "--format", choices=["jsonl", "csv"], default=None, help="default: from the extension"
    )
    parser.add_argument(
        "--phase",
        default=None,
        help="score only rows of this phase (zs, val, ft) of a generations.jsonl",
    )
    parser.add_argument(
        "--epoch", type=int, default=None, help="with --phase val: score only this epoch"
    )
    parser.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave bad rows out (counted) instead of stopping",
    )
    parser.add_argument(
        "--options",
        default="{}",
        help='JSON: metric -> options, e.g. \'{"bertscore_f1": {"model_name_or_path": "roberta-large", "num_layers": 17}}\'',
    )
    return parser.parse_args(argv)


def parse_metrics(names: str, options: str) -> dict[str, dict | None]:
    """``{metric: options}`` from ``--metrics`` and ``--options``.

    Raises:
        TideError: An unknown metric name or options that are not JSON.
    """
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in METRICS]
    if unknown or not chosen:
        raise TideError(
            f"unknown metric(s) {unknown or chosen}; choose --metrics from {', '.join(METRICS)}"
        )
    try:
        parsed = json.loads(options)
    except json.JSONDecodeError as err:
        raise TideError(f"--options is not JSON: {err.msg}") from None
    return {n: parsed.get(n) for n in chosen}


def score_pairs(pairs: Pairs, metrics: dict[str, dict | None]) -> dict[str, Any]:
    """Score the pairs with :func:`tide_exp.metrics.score_texts` (progress bars off)."""
    from transformers.utils import logging as hf_logging

    from tide_exp.metrics import score_texts

    hf_logging.disable_progress_bar()  # keep the terminal for the table
    return score_texts(pairs.predictions, pairs.references, metrics)


def input_block(path: str | Path, pairs: Pairs) -> dict[str, Any]:
    """What was read: the file, rows scored and skipped (with reasons), their lines."""
    return {
        "path": str(path),
        "rows_scored": len(pairs.lines),
        "rows_skipped": len(pairs.skipped),
        "skipped": pairs.skipped,
        "lines": pairs.lines,
    }


def print_outcome(scores: dict[str, Any], pairs: Pairs, output: str | Path) -> None:
    """The table of means, the skipped rows, and where the scores went."""
    print(format_table(scores["metrics"]))
    if pairs.skipped:
        print(f"\n{len(pairs.skipped)} bad row(s) skipped:", *pairs.skipped, sep="\n  ")
    print(f"\n{len(pairs.lines)} pairs scored; wrote {output}")


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit code (0 ok, 2 bad input or arguments, 1 metric failure)."""
    args = parse_args(argv)
    metrics = parse_metrics(args.metrics, args.options)
    check_output(args.output, inputs=[args.input])  # before the (slow) scoring
    pairs = read_pairs(
        args.input,
        args.prediction_field,
        args.reference_field,
        args.format,
        args.skip_bad_rows,
        phase=args.phase,
        epoch=args.epoch,
    )
    try:
        scores = score_pairs(pairs, metrics)
    except (RuntimeError, LookupError, OSError, ValueError) as err:
        # e.g. WordNet or a model missing: the message says the fix
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    scores["input"] = {**input_block(args.input, pairs), "phase": args.phase, "epoch": args.epoch}
    write_json(args.output, scores)
    print_outcome(scores, pairs, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
