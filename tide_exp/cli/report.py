"""``tide report <sweep or run dirs> [--out DIR]`` (``python -m tide_exp.cli.report``): Table 1 from finished runs.

Writes table1.md / .csv / .tex and table1_bars.png / .pdf (zero-shot vs fine-tuned, mean ± std
per model and metric, with Study A's published numbers beside ours where the model matches)
under outputs/report/<first folder's name> unless given --out, and prints a short summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.files.checks import check_output
from tide_exp.reporting.table1 import build_report, write_tables
from tide_exp.reporting.table1_render import console_summary
from tide_exp.runs.finding import run_folders

COMMAND = Command(
    name="report",
    summary="Table 1 (zero-shot vs fine-tuned) from finished runs",
    example="tide report multirun/2026-01-01/12-00-00 --out outputs/report",
    order=50,
)


def default_out(paths: list[Path]) -> Path:
    """``outputs/report/<name of the first folder>``: helper commands write under outputs/."""
    first = paths[0].resolve()
    return Path("outputs") / "report" / (first.name if first.is_dir() else first.parent.name)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide report``."""
    parser = command_parser("report", __doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="+", type=Path, help="run folders, sweep folders, or folders above them"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: outputs/report/<first folder's name>)",
    )
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"error: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    out = args.out or default_out(args.paths)
    check_output(out, run_folders(args.paths), folder=True)  # before reading; never in a run
    tables = build_report(args.paths)
    print(console_summary(tables, write_tables(tables, out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
