"""``tide score`` (``python -m tide_exp.cli.score``): score any system's replies against references.

    tide score --input pairs.jsonl --output scores.json \
        [--metrics cosine,meteor,...] [--prediction-field X --reference-field Y] [--skip-bad-rows]
        [--phase ft [--epoch N]]

Reading and scoring live in :mod:`tide_exp.metrics.score_file`. Output: scores.json as written by
:func:`tide_exp.metrics.score_texts` plus an ``input`` block, written atomically; a table of the
means goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.errors import TideError
from tide_exp.files.checks import check_output
from tide_exp.files.writers import write_json
from tide_exp.metrics.score_file import Pairs, input_block, read_pairs, score_pairs
from tide_exp.metrics.suite import METRICS, STUDY_A_METRICS

COMMAND = Command(
    name="score",
    summary="score any system's replies against references",
    example="tide score --input pairs.jsonl --output outputs/scores.json",
    order=40,
)

DEFAULT_METRICS = ",".join(STUDY_A_METRICS)


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
A run's generations.jsonl has both fields, plus phase (zs, val, ft, ...) and epoch: pick
one phase with --phase (and --epoch for val).
topic_shift compares each reply with the client's message: with it, every row needs that too
  prompt       the client's message (--prompt-field names another field; generations.jsonl
               has it)"""


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide score``."""
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
        "--prompt-field",
        default="prompt",
        metavar="NAME",
        help="the field holding the client's message, read for the metrics that need it "
        "(topic_shift; default: prompt)",
    )
    parser.add_argument(
        "--format", choices=["jsonl", "csv"], default=None, help="default: from the extension"
    )
    parser.add_argument(
        "--phase",
        default=None,
        help="score only rows of this phase (zs, val, ft, fixed_zs, fixed_ft) of a "
        "generations.jsonl",
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
    return parser


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
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise TideError(
            f"--options must be a JSON object of metric -> options object, got {options!r}; "
            'e.g. \'{"bertscore_f1": {"num_layers": 17}}\''
        )
    unused = sorted(set(parsed) - set(chosen))
    if unused:
        raise TideError(
            f"--options names {', '.join(unused)}, not among --metrics {', '.join(chosen)}; "
            "add it to --metrics or drop its options"
        )
    return {n: parsed.get(n) for n in chosen}


def print_outcome(scores: dict[str, Any], pairs: Pairs, output: str | Path) -> None:
    """The table of means, the skipped rows, and where the scores went."""
    print(format_table(scores["metrics"]))
    if pairs.skipped:
        print(f"\n{len(pairs.skipped)} bad row(s) skipped:", *pairs.skipped, sep="\n  ")
    print(f"\n{len(pairs.lines)} pairs scored; wrote {output}")


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit code (0 ok, 2 bad input or arguments, 1 metric failure)."""
    args = build_parser().parse_args(argv)
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
        # Read only when a chosen metric compares the reply with the client's message.
        prompt_field=args.prompt_field if any(METRICS[m].needs_prompts for m in metrics) else None,
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
