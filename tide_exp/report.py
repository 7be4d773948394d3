"""``python -m tide_exp.report <sweep or run dirs> [--out DIR]``: Table 1 from finished runs.

Writes table1.md / .csv / .tex and table1_bars.png / .pdf (zero-shot vs fine-tuned, mean ± std
per model and metric, with Study A's published numbers beside ours where the model matches).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tide_exp.commands import cli_entry, command_parser
from tide_exp.files import check_output
from tide_exp.reporting.table1 import write_report


@cli_entry
def main(argv: list[str] | None = None) -> int:
    parser = command_parser("report", __doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="+", type=Path, help="run folders, sweep folders, or folders above them"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: <first path>/report)"
    )
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"error: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    out = args.out or (args.paths[0] if args.paths[0].is_dir() else args.paths[0].parent) / "report"
    check_output(out, folder=True)  # before reading every run
    files = write_report(args.paths, out)
    print((out / "table1.md").read_text(encoding="utf-8"))
    print("\n".join(f"{kind:>8}: {path}" for kind, path in files.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
